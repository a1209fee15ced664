"""The static route table, turned into URLs the probe can request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from nodeward.findings import Route
from nodeward.web.inputs import Field, Place, RequestShape

_PARAM = re.compile(r":(\w+)(\([^)]*\))?\??")
#: Middleware names of authentication guards (the app model's guard names, by name only: the
#: probe has the report's route table, not the parsed project).
_AUTH_MIDDLEWARE = re.compile(
    r"auth|ensure_?(log|user|admin|sign)|require|protect|isadmin|checkrole|role|verify|guard|"
    r"logged|permission|jwt|passport",
    re.IGNORECASE,
)
_SAMPLES = {"id": "1", "slug": "nodeward", "name": "nodeward", "page": "1", "lang": "en"}


@dataclass(frozen=True)
class StaticRoute:
    method: str
    path: str
    """The route's path as written, e.g. /users/:id"""
    sample: str
    """The path with sample values, e.g. /users/1"""
    file: str = ""
    first_line: int = 0
    last_line: int = 0
    """Where the route's handler is written, to tie static findings inside it to the route."""
    inputs: tuple[tuple[str, str], ...] = ()
    """(place, name) of what the handler reads: ("body", "name"), ("query", "q"),
    ("cookie", "session"), ("header", "x-user"); path parameters come from `path`."""
    needs_auth: bool = False
    """A middleware of its static chain is named like an authentication guard."""


def sample_path(path: str) -> str | None:
    """/users/:id -> /users/1; None for paths the probe cannot fill (regexes, wildcards)."""
    if any(c in path for c in "*()[]") and not _PARAM.search(path):
        return None

    def value(match: re.Match[str]) -> str:
        return _sample(match.group(1))

    filled = _PARAM.sub(value, path)
    return None if any(c in filled for c in "*()[]") else filled


#: What a handler reads from the request, by the text of its source (the handler span only).
_REQ = r"\breq(?:uest)?\."
_CONTAINERS = r"(body|query|params|cookies|signedCookies)"
_MEMBER = re.compile(_REQ + _CONTAINERS + r"\.([A-Za-z_$][\w$]*)")
_INDEXED = re.compile(_REQ + _CONTAINERS + r"\[\s*['\"]([^'\"]{1,64})['\"]\s*\]")
_HEADER_CALL = re.compile(_REQ + r"(?:get|header)\(\s*['\"]([\w-]{1,64})['\"]\s*\)")
_HEADER_MEMBER = re.compile(_REQ + r"headers(?:\.([A-Za-z_]\w*)|\[\s*['\"]([\w-]{1,64})['\"]\s*\])")
_DESTRUCTURED = re.compile(
    r"(?:const|let|var)\s*\{([^}]{1,400})\}\s*=\s*req(?:uest)?\.(body|query|params|cookies)\b"
)
_PLACES = {"body": "body", "query": "query", "params": "path", "cookies": "cookie",
           "signedCookies": "cookie"}  # fmt: skip
#: Handler spans longer than this are not read (a route table entry pointing at a whole file).
_MAX_SPAN_LINES = 400
_MAX_FILE_BYTES = 2_000_000
#: Headers every request carries: varying them tells nothing about the handler.
_PLAIN_HEADERS = frozenset({"host", "content-type", "content-length", "connection", "accept"})


def handler_inputs(text: str) -> tuple[tuple[str, str], ...]:
    """(place, name) pairs a handler's source reads, in first-seen order."""
    found: dict[tuple[str, str], None] = {}
    for pattern in (_MEMBER, _INDEXED):
        for match in pattern.finditer(text):
            found[(_PLACES[match.group(1)], match.group(2))] = None
    for pattern in (_HEADER_CALL, _HEADER_MEMBER):
        for match in pattern.finditer(text):
            name = (match.group(1) or match.group(match.lastindex or 1)).lower()
            if name not in _PLAIN_HEADERS:
                found[("header", name)] = None
    for match in _DESTRUCTURED.finditer(text):
        for part in match.group(1).split(","):
            name = part.split(":")[0].split("=")[0].strip()
            if re.fullmatch(r"[A-Za-z_$][\w$]*", name):
                found[(_PLACES[match.group(2)], name)] = None
    return tuple(found)


def _span_text(root: Path | None, file: str, first: int, last: int) -> str:
    """The handler's source lines; empty when the file is unreadable, outside the root or
    too large (the project is untrusted input)."""
    if root is None or not file or first <= 0 or last - first > _MAX_SPAN_LINES:
        return ""
    try:
        base = root.resolve()
        path = (base / file).resolve()
        if not path.is_relative_to(base) or path.stat().st_size > _MAX_FILE_BYTES:
            return ""
        lines = path.read_text("utf-8", "replace").splitlines()
    except (OSError, ValueError):
        return ""
    return "\n".join(lines[first - 1 : last])


def static_routes(routes: tuple[Route, ...], root: Path | None = None) -> tuple[StaticRoute, ...]:
    """Every route of the scan's route table that the probe can request, with sample values
    for its parameters and, when the project `root` is given, the inputs its handler reads
    (the table comes from the report: the project is not parsed again, only the handler
    lines are read)."""
    found: dict[tuple[str, str], StaticRoute] = {}
    for route in routes:
        sample = sample_path(route.path)
        if sample is None or not sample.startswith("/"):
            continue
        method = "GET" if route.method in ("ALL", "USE") else route.method
        span = route.handler_location or route.location
        last = span.end_line or span.line
        inputs = (
            handler_inputs(_span_text(root, span.path, span.line, last))
            if route.handler_location is not None
            else ()
        )
        found.setdefault(
            (method, sample),
            StaticRoute(
                method,
                route.path,
                sample,
                span.path,
                span.line,
                last,
                inputs,
                any(_AUTH_MIDDLEWARE.search(name) for name in route.middleware),
            ),
        )
    return tuple(found.values())


def guarded_paths(routes: tuple[StaticRoute, ...]) -> re.Pattern[str] | None:
    """One pattern matching the URL paths of the auth-guarded routes (a path parameter
    matches any one segment), or None when no route is guarded."""
    shapes = sorted({_PARAM.sub("[^/]+", re.escape(r.path)) for r in routes if r.needs_auth})
    return re.compile("|".join(shapes)) if shapes else None


def request_shapes(base: str, routes: tuple[StaticRoute, ...]) -> tuple[RequestShape, ...]:
    """Complete requests for the routes whose inputs are known: method, path with its
    parameters, query and body fields, cookies and headers, each with a sample value."""
    shapes = []
    for route in routes:
        names = [m.group(1) for m in _PARAM.finditer(route.path)]
        fields = [Field(Place.PATH, name, _sample(name)) for name in names]
        body = Place.FORM if route.method in ("POST", "PUT", "PATCH") else Place.QUERY
        for place, name in route.inputs:
            match place:
                case "path":
                    continue  # from the path itself (a name it lacks cannot be filled)
                case "body":
                    fields.append(Field(body, name, _sample(name)))
                case "query":
                    fields.append(Field(Place.QUERY, name, _sample(name)))
                case "cookie":
                    fields.append(Field(Place.COOKIE, name, _sample(name)))
                case _:
                    fields.append(Field(Place.HEADER, name, _sample(name)))
        if fields:
            shapes.append(RequestShape(route.method, base, route.path, tuple(fields), "routes"))
    return tuple(shapes)


def _sample(name: str) -> str:
    lowered = name.lower()
    return _SAMPLES.get(lowered, "1" if lowered.endswith("id") else "nodeward")
