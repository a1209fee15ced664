"""Discovery of what to probe: links and forms in HTML (no JavaScript is run), plus the
routes of the static route table when a project path is given."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from nodeward.web.client import ProbeClient
from nodeward.web.exchange import Exchange
from nodeward.web.safety import state_change_reason

_SKIP_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".css", ".woff", ".pdf")
_FORM_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_TOKEN_NAMES = ("csrf", "xsrf", "_token", "authenticity_token", "__requestverificationtoken")


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str
    value: str


@dataclass(frozen=True)
class Form:
    page: str
    action: str
    method: str
    fields: tuple[FormField, ...]
    enctype: str = ""
    files: tuple[str, ...] = ()
    """Names of the form's file inputs."""

    @property
    def uploads(self) -> bool:
        """Submitted as multipart/form-data (declared, or needed for its file inputs)."""
        return bool(self.files) or self.enctype.lower().startswith("multipart/form-data")

    @property
    def has_password(self) -> bool:
        return any(f.kind == "password" for f in self.fields)

    @property
    def has_token(self) -> bool:
        return any(_is_token(f) for f in self.fields)

    @property
    def state_changing(self) -> bool:
        return state_change_reason(self.method, self.action) is not None

    def sample_data(self, **overrides: str) -> list[tuple[str, str]]:
        """Field values to submit. A state-changing form never gets its own pre-filled
        values back (a pre-filled file path or amount would do what a user's click does):
        only hidden CSRF tokens are carried, every other field gets a harmless sample."""
        keep_defaults = not self.state_changing
        data = [
            (f.name, f.value if f.value and (keep_defaults or _is_token(f)) else _sample_for(f))
            for f in self.fields
            if f.name
        ]
        return [(name, overrides.get(name, value)) for name, value in data]


def _is_token(field: FormField) -> bool:
    return field.kind == "hidden" and any(t in field.name.lower() for t in _TOKEN_NAMES)


def _sample_for(field: FormField) -> str:
    match field.kind:
        case "email":
            return "probe@example.com"
        case "number":
            return "1"
        case "password":
            return "nodeward-wrong-Pa55"
        case _:
            return "nodeward"


@dataclass
class _RawForm:
    action: str
    method: str
    enctype: str
    fields: list[FormField] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[_RawForm] = []
        self._form: _RawForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        match tag:
            case "a" | "area" | "link" if a.get("href"):
                if tag != "link" or a.get("rel", "").lower() in ("next", "prev", "alternate"):
                    self.links.append(a["href"])
            case "iframe" | "frame" if a.get("src"):
                self.links.append(a["src"])
            case "form":
                # HTML submits a form whose method is missing or invalid ("get>") as GET;
                # PUT, PATCH and DELETE stay as declared (method-override middleware)
                method = (a.get("method") or "get").strip().upper()
                method = method if method in _FORM_METHODS else "GET"
                self._form = _RawForm(a.get("action", ""), method, a.get("enctype", ""))
                self.forms.append(self._form)
            case "input" | "textarea" | "select" | "button" if self._form is not None:
                kind = a.get("type", "text").lower() if tag == "input" else tag
                if a.get("name") and kind == "file":
                    self._form.files.append(a["name"])
                elif a.get("name") and kind not in ("submit", "button", "image", "reset"):
                    self._form.fields.append(FormField(a["name"], kind, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def parse_page(url: str, html: str) -> tuple[list[str], list[Form]]:
    """Absolute link URLs (fragments removed) and forms of one HTML page."""
    parser = _PageParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was parsed
        pass
    links = []
    for href in parser.links:
        if href.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
            continue
        links.append(urldefrag(urljoin(url, href.strip()))[0])
    forms = [
        Form(
            url,
            urldefrag(urljoin(url, raw.action or url))[0],
            raw.method,
            tuple(raw.fields),
            raw.enctype,
            tuple(raw.files),
        )
        for raw in parser.forms
    ]
    return links, forms


@dataclass(frozen=True)
class Endpoint:
    """A URL with query parameters the active checks may vary."""

    method: str
    url: str
    params: tuple[tuple[str, str], ...]

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


@dataclass
class SiteMap:
    pages: dict[str, Exchange]
    forms: list[Form]
    endpoints: list[Endpoint]


def crawl(
    client: ProbeClient,
    seeds: Iterable[str],
    max_pages: int = 300,
) -> SiteMap:
    """Breadth-first over in-scope links, `client.settings.concurrency` pages at a time."""
    site = SiteMap({}, [], [])
    lock = threading.Lock()
    queued: set[str] = set()
    frontier: list[str] = []

    def enqueue(url: str) -> None:
        if not client.in_scope(url) or url.lower().endswith(_SKIP_SUFFIXES):
            return
        key = _shape(url)
        if key in queued or len(queued) >= max_pages:
            return
        queued.add(key)
        frontier.append(url)

    for seed in seeds:
        enqueue(seed)
    while frontier and not client.halted:
        level, frontier = frontier, []

        def fetch(url: str) -> None:
            outcome = client.send("GET", url)
            if not isinstance(outcome, Exchange):
                return
            links: list[str] = []
            forms: list[Form] = []
            if outcome.response.is_html:
                links, forms = parse_page(outcome.response.url, outcome.response.text)
            with lock:
                site.pages[url] = outcome
                site.forms.extend(forms)
                for link in links:
                    enqueue(link)

        client.send_many([partial(fetch, url) for url in level])
    site.endpoints = _endpoints(site)
    return site


def merged(site: SiteMap, more: SiteMap, forms: Iterable[Form] = ()) -> SiteMap:
    """Two crawls (and forms found elsewhere, e.g. in rendered pages) as one site map."""
    combined = SiteMap({**site.pages, **more.pages}, [*site.forms, *more.forms, *forms], [])
    combined.endpoints = _endpoints(combined)
    return combined


def _shape(url: str) -> str:
    """Pages that differ only in query values are one page for the crawl."""
    parts = urlsplit(url)
    names = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{'&'.join(names)}"


def _endpoints(site: SiteMap) -> list[Endpoint]:
    found: dict[tuple[str, tuple[str, ...]], Endpoint] = {}

    def add(url: str, params: tuple[tuple[str, str], ...]) -> None:
        base = urlsplit(url)._replace(query="", fragment="").geturl()
        if params:
            found.setdefault((base, tuple(k for k, _ in params)), Endpoint("GET", base, params))

    for url in site.pages:
        add(url, tuple(parse_qsl(urlsplit(url).query, keep_blank_values=True)))
    for form in site.forms:
        if form.method == "GET":
            add(form.action, tuple(form.sample_data()))
    return list(found.values())
