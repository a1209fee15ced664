"""How a run is stopped from outside: SIGTERM becomes `Terminated`, raised in the main thread.

It is a KeyboardInterrupt, so every `except KeyboardInterrupt` that cleans up after Ctrl-C
(the forked child, a half-built database, the probe's partial report) does the same for
SIGTERM, and, like Ctrl-C, no `except Exception` swallows it."""

from __future__ import annotations


class Terminated(KeyboardInterrupt):
    """SIGTERM: stop as for Ctrl-C, then exit 143."""
