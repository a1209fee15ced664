"""Injection points: every place of a request the active checks may vary (query, form and
JSON body fields, path parameters, cookies and headers), and the requests that carry a
payload in one of them.

The points come from what the crawl saw (links with a query string, forms) and, when known,
from complete request shapes: the static route table (gray-box) or an OpenAPI description.
Every payload request goes through `send`, which refuses state-changing requests."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from urllib.parse import quote, unquote, urlencode, urlsplit

from nodeward.web.client import ProbeClient
from nodeward.web.crawl import Endpoint, Form
from nodeward.web.exchange import Exchange
from nodeward.web.safety import is_state_changing


class Place(Enum):
    QUERY = "query"
    FORM = "form"
    JSON = "json"
    PATH = "path"
    COOKIE = "cookie"
    HEADER = "header"
    MULTIPART = "multipart"
    """A text field of a multipart/form-data body (a form that uploads files)."""
    FILE = "file"
    """A file field of a multipart body: a small text file is always attached, never
    varied (what the app does with an upload is not an injection point)."""

    @property
    def is_body(self) -> bool:
        return self in (Place.FORM, Place.JSON, Place.MULTIPART, Place.FILE)


#: How the user-facing messages name each place.
PLACE_LABELS = {
    Place.QUERY: "query parameter",
    Place.FORM: "form field",
    Place.JSON: "JSON field",
    Place.PATH: "path parameter",
    Place.COOKIE: "cookie",
    Place.HEADER: "header",
    Place.MULTIPART: "multipart field",
    Place.FILE: "file field",
}
#: The file attached to every file field: plain text, named as such.
UPLOAD_NAME, UPLOAD_TEXT = "nodeward.txt", "nodeward upload\n"

#: An Express route parameter: at the start of a path segment (or after - or .), so that a
#: colon inside a name (/wiki/File:Logo) is not one.
_PATH_PARAM = re.compile(r"(?<=[/.-]):(\w+)(?:\([^)]*\))?\??")


@dataclass(frozen=True)
class Field:
    place: Place
    name: str
    value: str = "nodeward"


@dataclass(frozen=True)
class RequestShape:
    """A complete request the app accepts: method, URL path (with `:name` parameters as
    written in the route), and the fields it reads in each place."""

    method: str
    base: str
    """scheme://host[:port] of the target."""
    path: str
    """The route path, e.g. /users/:id; parameters are filled from `fields`."""
    fields: tuple[Field, ...] = ()
    source: str = "crawl"
    """Where the shape was learnt: crawl, routes (static analysis) or openapi."""

    @property
    def body_place(self) -> Place | None:
        places = {f.place for f in self.fields if f.place.is_body}
        if places & {Place.MULTIPART, Place.FILE}:
            return Place.MULTIPART
        return next((f.place for f in self.fields if f.place.is_body), None)

    def url(self, overrides: dict[tuple[Place, str], str] | None = None) -> str:
        values = {(f.place, f.name): f.value for f in self.fields}
        values.update(overrides or {})

        def fill(match: re.Match[str]) -> str:
            value = values.get((Place.PATH, match.group(1)), "1")
            return quote(value, safe="")

        path = _PATH_PARAM.sub(fill, self.path)
        query = [(f.name, values[(f.place, f.name)]) for f in self.fields if f.place is Place.QUERY]
        return self.base + path + (f"?{urlencode(query)}" if query else "")


@dataclass(frozen=True)
class InjectionPoint:
    shape: RequestShape
    place: Place
    name: str

    @property
    def value(self) -> str:
        """The sample value the request carries when the point is not varied."""
        return next(
            (f.value for f in self.shape.fields if (f.place, f.name) == (self.place, self.name)),
            "nodeward",
        )

    @property
    def route(self) -> str:
        return urlsplit(self.shape.base + self.shape.path).path or "/"

    @property
    def key(self) -> str:
        """One finding per route and input: the same weakness seen through two encodings of
        a body (form and JSON) is one weakness."""
        place = "body" if self.place.is_body else self.place.value
        return f"{self.shape.method} {self.route}:{place}:{self.name}"

    def describe(self) -> str:
        return f"{PLACE_LABELS[self.place]} {self.name!r} of {self.shape.method} {self.route}"

    def request(
        self, value: object, operator: str | None = None
    ) -> tuple[str, str, bytes, list[tuple[str, str]]]:
        """(method, url, body, headers) with `value` in this point. With `operator`
        ("$ne"), the value is sent as a query object: name[$ne]=value or {"$ne": value}."""
        shape = self.shape
        text = value if isinstance(value, str) else json.dumps(value)
        overrides = {(self.place, self.name): text}
        url = shape.url(overrides if self.place in (Place.QUERY, Place.PATH) else None)
        if operator is not None and self.place is Place.QUERY:
            url = _with_operator(url, self.name, operator, text)
        headers: list[tuple[str, str]] = []
        cookies = [
            (f.name, text if (f.place, f.name) == (self.place, self.name) else f.value)
            for f in shape.fields
            if f.place is Place.COOKIE
        ]
        if cookies:
            headers.append(("Cookie", "; ".join(f"{k}={quote(v, safe='')}" for k, v in cookies)))
        for f in shape.fields:
            if f.place is Place.HEADER:
                chosen = text if (f.place, f.name) == (self.place, self.name) else f.value
                headers.append((f.name, _header_safe(chosen)))
        body = b""
        body_fields = [f for f in shape.fields if f.place.is_body]
        if shape.body_place is Place.MULTIPART:
            body, content_type = _multipart(
                [
                    (
                        f"{f.name}[{operator}]" if operator and f.name == self.name else f.name,
                        text if (f.place, f.name) == (self.place, self.name) else f.value,
                        f.place is Place.FILE,
                    )
                    for f in body_fields
                ]
            )
            headers.append(("Content-Type", content_type))
        elif body_fields and body_fields[0].place is Place.JSON:
            data: dict[str, object] = {f.name: f.value for f in body_fields}
            if self.place is Place.JSON:
                data[self.name] = {operator: value} if operator else value
            body = json.dumps(data).encode()
            headers.append(("Content-Type", "application/json"))
        elif body_fields:
            pairs = [
                (
                    f"{f.name}[{operator}]" if operator and f.name == self.name else f.name,
                    text if (f.place, f.name) == (self.place, self.name) else f.value,
                )
                for f in body_fields
            ]
            body = urlencode(pairs).encode()
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        return shape.method, url, body, headers

    @property
    def accepts_operator(self) -> bool:
        """Places where a query object (name[$ne]=, {"$ne": ...}) can be expressed."""
        return self.place in (Place.QUERY, Place.FORM, Place.JSON, Place.MULTIPART)


def _multipart(parts: list[tuple[str, str, bool]]) -> tuple[bytes, str]:
    """A multipart/form-data body of (name, value, is_file) parts and its content type; a
    file part carries the probe's small text file."""
    boundary = "nodeward" + secrets.token_hex(12)
    chunks: list[bytes] = []
    for name, value, is_file in parts:
        quoted = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        disposition = f'Content-Disposition: form-data; name="{quoted}"'
        if is_file:
            head = f'{disposition}; filename="{UPLOAD_NAME}"\r\nContent-Type: text/plain'
            value = UPLOAD_TEXT
        else:
            head = disposition
        chunks.append(f"--{boundary}\r\n{head}\r\n\r\n".encode() + value.encode() + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _with_operator(url: str, name: str, operator: str, value: str) -> str:
    parts = urlsplit(url)
    pairs = [p.split("=", 1) for p in parts.query.split("&") if p]
    wanted = quote(name)
    query = "&".join(
        f"{quote(name)}%5B{quote(operator)}%5D={quote(value, safe='')}"
        if key == wanted
        else "=".join([key, *rest])
        for key, *rest in pairs
    )
    return parts._replace(query=query).geturl()


def _header_safe(value: str) -> str:
    """Header values cannot carry line breaks or non-Latin-1 characters."""
    return re.sub(r"[\r\n]", " ", value).encode("latin-1", "replace").decode("latin-1")


def send(
    client: ProbeClient, point: InjectionPoint, value: object, operator: str | None = None
) -> Exchange | None:
    """The payload request for one point, or None when it failed or would change state."""
    method, url, body, headers = point.request(value, operator)
    if is_state_changing(method, url):
        return None
    outcome = client.send(method, url, body=body, headers=headers, follow_redirects=False)
    return outcome if isinstance(outcome, Exchange) else None


# -- where the points come from ------------------------------------------------------------


def path_fields(path: str) -> tuple[Field, ...]:
    """Route parameters written as such in a URL a page shows (/items/:id), e.g. in API
    documentation or a form whose action a script completes."""
    return tuple(Field(Place.PATH, m.group(1)) for m in _PATH_PARAM.finditer(path))


def shape_of_endpoint(endpoint: Endpoint) -> RequestShape:
    parts = urlsplit(endpoint.url)
    path = parts.path or "/"
    return RequestShape(
        endpoint.method,
        f"{parts.scheme}://{parts.netloc}",
        path,
        (
            *path_fields(path),
            *(Field(Place.QUERY, k, plain_sample(v)) for k, v in endpoint.params),
        ),
    )


def shapes_of_links(urls: Iterable[str]) -> list[RequestShape]:
    """Links whose path shows a route parameter (/hello/:name), or carries data in a
    segment (/greet/Hello%20world!/html: spaces, quotes, brackets or markup never name a
    route): the segment is an input even without a query string."""
    shapes = []
    for url in urls:
        parts = urlsplit(url)
        path, data = _data_segments(parts.path)
        fields = (*path_fields(parts.path), *data)
        if fields and not parts.query:
            shapes.append(RequestShape("GET", f"{parts.scheme}://{parts.netloc}", path, fields))
    return shapes


#: What a decoded path segment holds when it is data rather than a route's name.
_DATA_CHARACTERS = re.compile(r"[\s<>\"'(){};]")


def _data_segments(path: str) -> tuple[str, tuple[Field, ...]]:
    """The path with each data-carrying segment written as a parameter (`:segment2`), and
    those parameters with a harmless sample value."""
    segments = path.split("/")
    fields = []
    for index, segment in enumerate(segments):
        if not segment.startswith(":") and _DATA_CHARACTERS.search(unquote(segment)):
            name = f"segment{index}"
            segments[index] = f":{name}"
            fields.append(Field(Place.PATH, name, plain_sample(unquote(segment))))
    return "/".join(segments), tuple(fields)


def shape_of_form(form: Form) -> RequestShape | None:
    """POST forms (GET forms are endpoints already); None for forms without fields and
    for login forms: payloads there count as failed logins, which lock accounts and trip the
    limiter the brute-force check measures."""
    data = form.sample_data()
    if form.method != "POST" or not (data or form.files) or form.has_password:
        return None
    text = Place.MULTIPART if form.uploads else Place.FORM
    parts = urlsplit(form.action)
    path = parts.path or "/"
    query = tuple(Field(Place.QUERY, k, v) for k, v in _query_pairs(parts.query))
    fields = (
        *path_fields(path),
        *query,
        *(Field(text, k, plain_sample(v)) for k, v in data),
        *(Field(Place.FILE, name, UPLOAD_NAME) for name in form.files),
    )
    return RequestShape("POST", f"{parts.scheme}://{parts.netloc}", path, fields)


_PLAIN = re.compile(r"[\w .,@:/+-]{0,64}")


def plain_sample(value: str) -> str:
    """A form's preset value, unless it looks like code or markup: a page may preset an
    attack (`; whoami`, an XML entity that reads /etc/passwd) and the probe's payloads are
    built on the sample value, so those would run it."""
    return value if _PLAIN.fullmatch(value) else "nodeward"


def _query_pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)


def with_json_twin(shape: RequestShape) -> list[RequestShape]:
    """A shape whose body is form-encoded, plus its JSON twin: many APIs parse only one."""
    if shape.body_place is not Place.FORM:
        return [shape]
    twin = replace(
        shape,
        fields=tuple(
            Field(Place.JSON, f.name, f.value) if f.place is Place.FORM else f for f in shape.fields
        ),
    )
    return [shape, twin]


def injection_points(
    endpoints: Iterable[Endpoint],
    forms: Iterable[Form],
    shapes: Sequence[RequestShape] = (),
) -> list[InjectionPoint]:
    """Every point to vary, once per (method, route, place, name); requests that would
    change state are left out."""
    all_shapes = [shape_of_endpoint(e) for e in endpoints]
    all_shapes += [s for form in forms if (s := shape_of_form(form)) is not None]
    for shape in shapes:
        all_shapes += with_json_twin(shape)
    seen: set[tuple[str, str, Place, str]] = set()
    points = []
    for shape in all_shapes:
        if is_state_changing(shape.method, shape.url()):
            continue
        for f in shape.fields:
            if f.place is Place.FILE:
                continue  # always the same small text file
            identity = (shape.method, shape.path, f.place, f.name)
            if identity in seen:
                continue
            seen.add(identity)
            points.append(InjectionPoint(shape, f.place, f.name))
    return points
