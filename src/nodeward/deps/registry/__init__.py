"""Package metadata from the npm registry the user's npm configuration names: deprecation,
the latest release and when it was published (for DEP003-DEP005 and --resolve-ranges)."""
