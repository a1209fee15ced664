"""Request bodies parsed by a library the handler hands the request to: formidable and
multiparty, `form.parse(req, (err, fields, files) => ...)`, and formidable 3's
`const [fields, files] = await form.parse(req)`. The fields and files are request data.

Their file names (`originalFilename`, `name`) are what the client sent with only the part
up to the last backslash removed, so `../` survives; busboy's (multer,
express-fileupload) keep only the last path segment (names.UPLOAD_FILE_NAMES)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from nodeward.findings import FlowStep
from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint.values import Source, Taint, Trace

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis

#: the request a Koa handler hands over: the Node request under the context
_KOA_REQUEST = ("req",)
#: where the parser saved an upload (formidable's `filepath`/`newFilename`, v1's and
#: multiparty's `path`): a name the server chose under its upload folder
SERVER_PATHS = frozenset({"filepath", "newFilename", "path"})
#: ends the first step of every trace this module starts (is_parsed_form)
_MARK = " (parsed form data)"


def parses_request(fa: FunctionAnalysis, call: Node) -> bool:
    """`something.parse(req, ...)` with the handler's request (or Koa's `ctx.req`)."""
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "member_expression":
        return False
    if syntax.text(callee.child_by_field_name("property")) != "parse":
        return False
    args = syntax.call_arguments(call)
    first = syntax.unwrap(args[0]) if args else None
    if first is None:
        return False
    if first.type == "identifier":
        return syntax.text(first) in fa.requests
    chain = syntax.member_chain(first)
    return chain is not None and chain[0] in fa.koa and tuple(chain[1:]) == _KOA_REQUEST


def parsed(fa: FunctionAnalysis, node: Node, described: str, how: str) -> Taint:
    """A source named `described` (`files`, `form.parse(req)`), explained by `how`."""
    location = fa.ctx.location(node)
    trace = Trace(
        origin=Source(described, location),
        # two steps: a property read renames a lone source step, and the second is what
        # is_parsed_form looks for
        steps=(
            FlowStep(location, f"request data: {described}"),
            FlowStep(location, f"{how}{_MARK}"),
        ),
        maybe_object=True,
        whole=True,
        cleared=fa.engine.request_cleared,
    )
    return frozenset({trace})


def promised(fa: FunctionAnalysis, call: Node) -> Taint:
    """`await form.parse(req)`: formidable 3's [fields, files]."""
    written = " ".join(syntax.text(call).split())[:60]
    return parsed(fa, call, written, f"the form fields and files {written} resolves to")


def callback_bindings(fa: FunctionAnalysis, call: Node) -> Iterator[tuple[Node, Taint]]:
    """The callback's `fields` and `files` parameters (after the error), each a source."""
    if not parses_request(fa, call):
        return
    args = syntax.call_arguments(call)
    callback = syntax.unwrap(args[-1]) if len(args) > 1 else None
    if callback is None or callback.type not in syntax.FUNCTION_TYPES:
        return
    parser = syntax.text(call.child_by_field_name("function"))
    for param in syntax.function_params(callback)[1:3]:
        name = syntax.param_name(param) or "fields"
        how = f"{name}: what {parser}(req, callback) parses from the request body"
        yield param, parsed(fa, param, name, how)


#: uploads that koa-body parsed with formidable before the handler runs
_FORMIDABLE_SOURCES = ("ctx.request.files",)


def is_parsed_form(trace: Trace) -> bool:
    """Whether the trace starts at a formidable or multiparty form's fields or files."""
    origin = trace.origin
    if isinstance(origin, Source) and origin.description.startswith(_FORMIDABLE_SOURCES):
        return True
    return any(step.description.endswith(_MARK) for step in trace.steps[1:3])
