"""`nodeward fix`: mechanical patches for findings, each verified by a parse and a re-scan
of the patched tree before it is shown (see docs/fix.md)."""
