"""Advisory sources behind one interface: local OSV database, npm registry, OSV API."""
