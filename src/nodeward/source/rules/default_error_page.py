"""NW401 through Express's default error handler: a route handler calls a parser or evaluator
that throws on malformed input (`mathjs.evaluate`, `JSON.parse`, `new URL`) with request
data and nothing catches the error, so Express answers with its default error page, which
carries the stack trace whenever NODE_ENV is not `production`. Reported only when the
project registers no error handler of its own (a four-parameter middleware) and no
deployment file sets NODE_ENV=production."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.errors import ERROR_DETAILS_LEAKED
from nodeward.discover import FileKind
from nodeward.findings import Confidence, Finding
from nodeward.manifests.files import scripts, texts
from nodeward.project import Project
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

#: (module, last step of the access path) -> what throws: evaluators and parsers.
_THROWING_REFS: dict[tuple[str, str], str] = {
    ("mathjs", "evaluate"): "mathjs.evaluate()",
    ("mathjs", "eval"): "mathjs.eval()",
    ("mathjs", "parse"): "mathjs.parse()",
    ("mathjs", "compile"): "mathjs.compile()",
    ("js-yaml", "load"): "yaml.load()",
    ("yaml", "parse"): "YAML.parse()",
}
#: Globals that throw on malformed text, as written.
_THROWING_GLOBALS = frozenset(
    {"JSON.parse", "decodeURIComponent", "decodeURI", "BigInt", "URL", "RegExp"}
)
_SETS_PRODUCTION = re.compile(r"NODE_ENV[\"']?\s{0,3}[=:]\s{0,3}[\"']?production")
_ERROR_PARAM = re.compile(r"^_*(?:err|error|e|ex|exc|exception|er)(?:[A-Z_]\w{0,12})?$")
_REQUEST_PARTS = "body|query|params|headers|cookies|files"


def uncaught_parse_errors(analysis: AnalysisContext) -> Iterator[Finding]:
    project = analysis.project
    if not any(app.framework.name == "express" for app in analysis.app_model.apps):
        return
    if _has_error_handler(project) or _sets_production(project):
        return
    seen: set[tuple[str, int]] = set()
    for app, route in analysis.app_model.routes():
        handler = route.handler
        if app is None or app.framework.name != "express":
            continue
        if handler.function is None or handler.ctx is None:
            continue
        for call, thrower, data in _uncaught_calls(handler.ctx, handler.function):
            place = (handler.ctx.rel, call.start_byte)
            if place in seen:
                continue
            seen.add(place)
            yield ERROR_DETAILS_LEAKED.finding(
                handler.ctx.location(call),
                f"{thrower} throws on malformed input ({data}) and nothing catches it in "
                f"the handler of {route.label}: Express's default error handler answers with "
                "the stack trace unless NODE_ENV is production, and the app registers no "
                "error handler; catch the error and send a generic message, or add "
                "app.use((err, req, res, next) => ...) as the last middleware",
                confidence=Confidence.LOW,
            )


def _uncaught_calls(ctx: FileContext, func: Node) -> Iterator[tuple[Node, str, str]]:
    """Calls in the handler's own synchronous body (not in a callback, not in `try`) that
    throw on request data. Express 4 does not route an async handler's rejection to its
    error handler, so async handlers are left out."""
    params = syntax.function_params(func)
    request = syntax.param_name(params[0]) if params else None
    body = func.child_by_field_name("body")
    if request is None or body is None or syntax.text(func).startswith("async"):
        return
    tainted = re.compile(rf"\b{re.escape(request)}\??\.(?:{_REQUEST_PARTS})\b")
    for call in ctx.nodes_within(body, "call_expression", "new_expression"):
        thrower = _thrower(ctx, call)
        args = syntax.call_arguments(call)
        if thrower is None or not args or _owner_id(call) != func.id:
            continue
        if _request_data(ctx, body, args[0], tainted) and not _inside_try(call, func):
            yield call, thrower, syntax.text(args[0])


def _request_data(ctx: FileContext, body: Node, arg: Node, tainted: re.Pattern[str]) -> bool:
    """`req.body.expr` written in the argument, or a variable of the handler set from one
    (`const expr = req.body.expr`)."""
    if tainted.search(syntax.text(arg)):
        return True
    if arg.type != "identifier":
        return False
    name = syntax.text(arg)
    return any(
        syntax.text(declarator.child_by_field_name("name")) == name
        and tainted.search(syntax.text(declarator.child_by_field_name("value"))) is not None
        for declarator in ctx.nodes_within(body, "variable_declarator")
    )


def _owner_id(node: Node) -> int | None:
    owner = syntax.enclosing_function(node)
    return owner.id if owner is not None else None


def _thrower(ctx: FileContext, call: Node) -> str | None:
    ref = ctx.callee(call)
    if ref is not None and ref.path:
        found = _THROWING_REFS.get((ref.module, ref.path[-1]))
        if found is not None:
            return found
    name = ctx.callee_name(call)
    if name in _THROWING_GLOBALS:
        return f"new {name}()" if call.type == "new_expression" else f"{name}()"
    return None


def _inside_try(call: Node, func: Node) -> bool:
    for ancestor in syntax.ancestors(call):
        if ancestor.id == func.id:
            return False
        parent = syntax.parent_of(ancestor)
        if parent is None or parent.type != "try_statement":
            continue
        block = parent.child_by_field_name("body")
        if block is not None and block.id == ancestor.id:
            return True
    return False


def _has_error_handler(project: Project) -> bool:
    """Express recognises an error handler by its four parameters; the first names the
    error (a passport strategy's `(req, username, password, done)` has four too)."""
    for ctx in project.files:
        for func in ctx.nodes(*syntax.FUNCTION_TYPES):
            params = syntax.function_params(func)
            if len(params) == 4 and _ERROR_PARAM.match(syntax.param_name(params[0]) or ""):
                return True
    return False


def _sets_production(project: Project) -> bool:
    kinds = (FileKind.DOCKERFILE, FileKind.COMPOSE, FileKind.KUBERNETES, FileKind.ENV_FILE)
    for kind in kinds:
        for text in texts(project, kind).items:
            if any(_SETS_PRODUCTION.search(line) for line in text.lines):
                return True
    return any(
        _SETS_PRODUCTION.search(command)
        for manifest in project.manifests
        for command in scripts(manifest).values()
    )
