"""Why a dependency rule had nothing to evaluate: the words the audit's steps and its
shortcut for an empty folder share, so the two can never drift apart."""

from __future__ import annotations

#: DEP001 and DEP003-DEP005: nothing says which packages are installed.
NO_PACKAGES = "no lockfile, installed node_modules or declared dependencies"
#: DEP002: no script in a folder the app serves.
NO_STATIC_SCRIPTS = "no client-side JavaScript in static folders"
