"""Lockfile parsers: each turns one lockfile format into a LockGraph (see interface.py)."""
