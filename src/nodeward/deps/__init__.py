"""The dependency audit: lockfiles -> packages; advisory sources; matching; DEP rules."""
