"""The one seam between the web frameworks nodeward knows and the analyses that read them.

Each framework (Express, Koa, Fastify, NestJS, routing-controllers, GraphQL servers, Hapi)
is one module of this package with one object implementing `Framework`. The app model
(source/appmodel: the route table) and the taint engine (source/taint) both iterate over
the registry (`frameworks.FRAMEWORKS`) instead of naming a framework:

- the app model asks each framework which calls create its apps and routers
  (`creations`), which registrations it recognises (`collect`, called for the member
  calls named in `calls`), and how its apps apply middleware to routes (`app_routes`);
- the taint engine asks each framework which parameters of a function hold the request
  and the response (`handler_roles`), and reads the request sources and response sinks
  a framework adds to the shared pseudo-packages `@request`/`@response` (`models`, rows
  in the syntax of taint/models/*.toml);
- rules print a framework's own fix (`fixes`) and its name (`label`).

Nothing here imports a rule module: rules read frameworks, never the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from nodeward.source import syntax
from nodeward.source.context import FileContext, Ref
from nodeward.source.parse import Node
from nodeward.source.taint.content_type import is_html_type

if TYPE_CHECKING:
    from nodeward.findings import Skip
    from nodeward.source.appmodel.entries import Entry, Item, Order
    from nodeward.source.appmodel.model import App, AppUse, Handler, Middleware, Route
    from nodeward.source.appmodel.resolve import Creation, Resolver, Target
    from nodeward.source.taint.nest import NestHandler


@dataclass(frozen=True)
class Fixes:
    """The fix, in the framework's own words, of the rules whose fix depends on it."""

    rate_limit: str  # a limiter in front of one route
    global_rate_limit: str  # a limiter in front of every route
    csrf: str  # CSRF protection for the state-changing routes
    helmet: str  # the security-header middleware


@dataclass(frozen=True)
class HandlerRoles:
    """Which parameters of a request handler hold the request, the response, a Koa
    context; what a destructured request parameter reads."""

    request: str | None = None
    response: str | None = None
    koa: str | None = None
    request_pattern: Node | None = None  # `({ body, query }, res) => ...`
    fastify: bool = False  # the response is a Fastify reply (strings are text/plain)
    #: a NestJS or routing-controllers route method, or a handler whose return value is
    #: the response body (Hapi)
    nest: NestHandler | None = None
    #: parameters whose whole value the client sent (a WebSocket message's payload)
    messages: tuple[Node, ...] = ()
    #: what the messages are, for the flow ("request data: WebSocket message `data`") and
    #: for the source a finding names ("socket message data")
    message_kind: str = "WebSocket message"
    message_origin: str = "socket message"
    #: Socket.IO sockets whose handshake (`socket.handshake.query`, `.auth`, `.headers`)
    #: the client sent when it connected
    handshakes: tuple[Node, ...] = ()


class Site(Protocol):
    """What the app model's collector offers a framework while it reads one file."""

    resolver: Resolver
    files: list[FileContext]
    entries: dict[Target, list[Entry]]
    skips: list[Skip]
    autoload_roots: set[Target]
    #: what a framework builds for one project (`prepare`) and reads back later; each
    #: framework checks the type of its own value
    state: dict[str, object]

    def add(self, target: Target, entry: Entry) -> None: ...

    def receiver(self, ctx: FileContext, node: Node | None) -> object: ...

    def order(self, ctx: FileContext, node: Node, target: Target) -> Order: ...

    def path_arg(self, ctx: FileContext, node: Node) -> str | None: ...

    def items(self, ctx: FileContext, args: list[Node]) -> list[Item]: ...

    def middleware(self, ctx: FileContext, node: Node) -> Middleware: ...

    def handler(self, ctx: FileContext, node: Node) -> Handler: ...


Walked = tuple[tuple["Route", ...], tuple["AppUse", ...]]


class Framework(Protocol):
    """One web framework, as both the route table and the taint engine read it."""

    #: the stable identifier (`nodeward routes --format json` prints it)
    name: str
    #: how a message names it: "Express", "NestJS"
    label: str
    fixes: Fixes
    #: access path of a call that creates an app or a router -> whether it is an app
    creations: Mapping[Ref, bool]
    #: modules whose import means a project may use the framework (the app model skips
    #: projects that import none)
    modules: frozenset[str]
    #: `app.get(...)` returns the app, so registrations chain (Express, Koa)
    chains_registrations: bool
    #: member calls whose registrations `collect` reads (`route`, `register`, ...)
    calls: frozenset[str]
    #: request sources and response sinks, as rows of taint/models/*.toml ("" for none)
    models: str

    def collect(self, site: Site, ctx: FileContext, call: Node, fn: Node, prop: str) -> bool:
        """Record the registration `call` (`x.<prop>(...)`) makes, if it is one of this
        framework's; True when it was."""
        ...

    def router_prefix(self, creation: Creation) -> str:
        """The prefix a router of this framework adds when it is created with one
        (`new Router({ prefix: "/api" })`)."""
        ...

    def note_file(self, site: Site, ctx: FileContext) -> None:
        """Read one file after its registrations were collected (NestJS: the bootstrap
        call is the app even when nothing is registered on it)."""
        ...

    def prepare(self, site: Site) -> None:
        """Build what the framework needs once every file is read (controller models)."""
        ...

    def app_routes(self, site: Site, creation: Creation) -> Walked:
        """The routes of one app of this framework, with their chains, and the
        middleware applied app-wide."""
        ...

    def attach(self, site: Site, creation: Creation, walked: Walked) -> Walked:
        """An app's routes with those this framework adds to it (routing-controllers
        registers controllers on an Express or Koa app)."""
        ...

    def extra_apps(self, site: Site) -> list[App]:
        """Apps no creation call shows (a fastify-cli root plugin, the app a
        routing-controllers server is given as a parameter)."""
        ...

    def orphan_routes(self, site: Site) -> list[Route]:
        """Routes of this framework that no app reaches (controllers no server
        registers); their unresolved parts go to `site.skips`."""
        ...

    def handler_roles(self, func: Node, *, routed: bool) -> HandlerRoles | None:
        """The roles of `func`'s parameters when it is this framework's handler;
        `routed` when the route table names it as a route handler."""
        ...


class Defaults:
    """The hooks a framework that needs none of them inherits."""

    def collect(self, site: Site, ctx: FileContext, call: Node, fn: Node, prop: str) -> bool:
        return False

    def router_prefix(self, creation: Creation) -> str:
        return ""

    def note_file(self, site: Site, ctx: FileContext) -> None:
        return None

    def prepare(self, site: Site) -> None:
        return None

    def app_routes(self, site: Site, creation: Creation) -> Walked:
        return (), ()

    def attach(self, site: Site, creation: Creation, walked: Walked) -> Walked:
        return walked

    def extra_apps(self, site: Site) -> list[App]:
        return []

    def orphan_routes(self, site: Site) -> list[Route]:
        return []

    def handler_roles(self, func: Node, *, routed: bool) -> HandlerRoles | None:
        return None


def returns_html(
    on_method: Mapping[str, list[Node]],
    *,
    answered: bool,
    non_html: frozenset[str],
    json: bool = False,
) -> bool:
    """Whether a decorated controller method's return value is sent as text/html (NestJS
    and routing-controllers send a returned string with Express's `res.send`): not when
    the method renders, redirects or streams (`non_html` decorators), answers with the
    response itself (`answered`), or declares a non-HTML type (`@ContentType(...)`,
    `@Header('Content-Type', ...)`); a JSON controller (`json`) sends JSON."""
    if non_html & on_method.keys() or answered:
        return False
    content_type = on_method.get("ContentType", [])
    if content_type:  # routing-controllers' @ContentType decides
        return is_html_type(content_type[0]) is not False
    header = on_method.get("Header", [])
    if len(header) >= 2 and (syntax.string_value(header[0]) or "").lower() == "content-type":
        return is_html_type(header[1]) is not False
    return not json


#: The HTTP method registration calls name (`app.get`, `router.del`).
METHODS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "del": "DELETE",
    "all": "ALL",
    "options": "OPTIONS",
    "head": "HEAD",
}
