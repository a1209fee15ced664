"""The one decision of whether a request may change the target's state: the probe never
sends such requests unless the user allows them."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

#: Methods that change or remove data on any conventional server.
STATE_CHANGING_METHODS = frozenset({"DELETE", "PUT", "PATCH"})
#: Path words that name a destructive action, whatever the method.
_DESTRUCTIVE = re.compile(
    r"(?:^|[/_.-])(delete|destroy|remove|drop|purge|truncate|wipe|erase|reset|shutdown|"
    r"logout|signout|log-out|sign-out|unsubscribe|deactivate|cancel|revoke|uninstall|kill|"
    r"quit|exit|halt|restart|reboot)"
    r"(?:$|[/_.-])",
    re.I,
)


def is_state_changing(method: str, url: str) -> bool:
    """True for DELETE, PUT and PATCH, and for any request to a path that names a
    destructive action (/users/1/delete, /logout, /admin/reset)."""
    if method.upper() in STATE_CHANGING_METHODS:
        return True
    return bool(_DESTRUCTIVE.search(unquote(urlsplit(url).path)))
