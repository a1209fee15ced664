"""Calls that run code, shell commands or deserialize objects, given a non-constant
argument. These are syntactic sink checks at low confidence: they do not prove that the
argument comes from a request (the taint engine does that)."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.catalog.injection import CODE_EXECUTION, COMMAND_EXECUTION, UNSAFE_DESERIALIZATION
from nodeward.checks import Checker
from nodeward.findings import Finding, Severity
from nodeward.source import syntax
from nodeward.source.browser import is_browser_code
from nodeward.source.call_index import in_document_order
from nodeward.source.context import FileContext, Ref
from nodeward.source.parse import Node
from nodeward.source.rules.express import resolve

_VM_RUNNERS = frozenset(
    {"runInThisContext", "runInNewContext", "runInContext", "Script", "compileFunction"}
)
_TIMERS = frozenset({"setTimeout", "setInterval", "setImmediate"})
#: The globals NW101's code-execution check looks at: other calls are left at their name.
_CODE_GLOBALS = frozenset({"eval", "Function", *_TIMERS})
_SHELL_ALWAYS = frozenset({"exec", "execSync"})
#: the modules _command_ref() may resolve a shell command into (util: a promisified one)
_COMMAND_MODULES = frozenset({"child_process", "shelljs", "execa", "util"})
_DESERIALIZERS = frozenset({"node-serialize", "serialize-to-js", "js-yaml"})
_SHELL_OPTIONAL = frozenset({"spawn", "spawnSync", "execFile", "execFileSync"})
_EXECA = frozenset({"execa", "execaSync", "execaCommand", "execaCommandSync"})
_UNSAFE_SCHEMAS = frozenset({"DEFAULT_FULL_SCHEMA", "FULL_SCHEMA"})


def _constant(ctx: FileContext, node: Node | None) -> bool:
    return syntax.is_literal(resolve(ctx, node))


def _first_arg(call: Node) -> Node | None:
    args = syntax.call_arguments(call)
    return args[0] if args else None


def _global(ctx: FileContext, call: Node) -> str | None:
    """The name of one of _CODE_GLOBALS called directly (`eval(x)`), unless shadowed.
    The name is read before anything is resolved: most calls are of other functions."""
    fn = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    if fn is None or fn.type != "identifier":
        inner = syntax.unwrap(fn)
        if (
            inner is not None
            and inner.type == "member_expression"
            and syntax.text(inner.child_by_field_name("property")) not in _CODE_GLOBALS
        ):
            return None
        chain = syntax.member_chain(fn)
        if chain and len(chain) == 2 and chain[0] in ("global", "globalThis", "window"):
            return chain[1]
        return None
    name = syntax.text(fn)
    if name not in _CODE_GLOBALS:
        return None
    return None if ctx.declaration(name) is not None or ctx.ref_of(fn) else name


def _builds_string(node: Node | None) -> bool:
    """A concatenation or template literal: a timer given code rather than a function."""
    node = syntax.unwrap(node)
    if node is None:
        return False
    if node.type == "template_string":
        return True
    return node.type == "binary_expression" and any(
        c.type in syntax.STRING_TYPES for c in syntax.walk(node)
    )


def _code_calls(ctx: FileContext) -> list[Node]:
    """The calls _code_findings() may report, in document order: into `vm`, or named
    like one of _CODE_GLOBALS (which _global() reads as the callee's last name)."""
    index = ctx.call_index
    into_vm = (call for call, _ref in index.calls_into(("vm",)))
    return in_document_order(into_vm, index.calls_named(_CODE_GLOBALS))


def _code_findings(ctx: FileContext) -> Iterator[Finding]:
    browser: bool | None = None  # decided once, for the first finding
    for call in _code_calls(ctx):
        ref = ctx.callee(call)
        name = _global(ctx, call)
        code = _first_arg(call)
        if (
            ref is not None
            and ref.module == "vm"
            and ref.path[-1:]
            and ref.path[-1] in (_VM_RUNNERS)
        ):
            label = f"vm.{ref.path[-1]}"
        elif name in ("eval", "Function"):
            label = name
            if name == "Function":  # new Function(arg1, ..., body): any non-constant part
                args = syntax.call_arguments(call)
                code = next((a for a in args if not _constant(ctx, a)), None)
                if code is None:
                    continue
        elif name in _TIMERS and _builds_string(code):
            label = name
        else:
            continue
        if code is None or _constant(ctx, code):
            continue
        evaluated = f"{label}() evaluates `{syntax.text(code)[:60]}`, which is not a constant"
        if browser is None:
            browser = is_browser_code(ctx)
        if browser:
            # Code served to browsers: the danger is script in the visitor's page (DOM
            # XSS), not code on the server; a proven flow is NW903.
            yield CODE_EXECUTION.finding(
                ctx.location(call),
                f"{evaluated}, in browser code; if any of it comes from the URL, a message "
                "or stored data, attackers run script in the visitor's browser. Parse data "
                "instead of evaluating it",
                severity=Severity.MEDIUM,
            )
            continue
        yield CODE_EXECUTION.finding(
            ctx.location(call),
            f"{evaluated}; if any of it comes from a request, attackers run code on the "
            "server. Parse data instead of evaluating it",
        )


def _command_ref(ctx: FileContext, call: Node) -> Ref | None:
    """The callee, looking through `const run = util.promisify(exec)`."""
    ref = ctx.callee(call)
    if ref is not None and ref.module == "util" and ref.path == ("promisify", "()"):
        fn = call.child_by_field_name("function")
        bound = resolve(ctx, fn)
        if bound is not None and bound.type == "call_expression":
            return ctx.ref_of(_first_arg(bound))
    return ref


def _shell_enabled(ctx: FileContext, call: Node) -> bool:
    for arg in syntax.call_arguments(call)[1:]:
        shell = syntax.object_get(resolve(ctx, arg), "shell")
        if shell is not None and syntax.bool_value(resolve(ctx, shell)) is not False:
            return True
    return False


def _command_parts(ctx: FileContext, call: Node, ref: Ref) -> tuple[str, list[Node]] | None:
    """(label, the arguments that reach a shell) when `call` runs a shell command."""
    args = syntax.call_arguments(call)
    member = ref.path[0] if ref.path else ref.module
    always = (ref.module == "child_process" and member in _SHELL_ALWAYS) or (
        ref.module == "shelljs" and member == "exec"
    )
    optional = (ref.module == "child_process" and member in _SHELL_OPTIONAL) or (
        ref.module == "execa" and member in _EXECA
    )
    if len(ref.path) > 1 or not args or not (always or optional):
        return None
    if always:
        return f"{ref.module}.{member}", args[:1]
    if not _shell_enabled(ctx, call):
        return None
    # With a shell, the command and its argument array are joined into one string.
    parts = [a for a in args[:2] if (v := resolve(ctx, a)) is None or v.type != "object"]
    return f"{ref.module}.{member}", parts


def _command_findings(ctx: FileContext) -> Iterator[Finding]:
    for call, _ref in ctx.call_index.calls_into(_COMMAND_MODULES):
        ref = _command_ref(ctx, call)
        found = _command_parts(ctx, call, ref) if ref is not None else None
        if found is None:
            continue
        label, parts = found
        dynamic = next((p for p in parts if not _constant(ctx, p)), None)
        if dynamic is None:
            continue
        yield COMMAND_EXECUTION.finding(
            ctx.location(call),
            f"{label}() runs a shell command built from `{syntax.text(dynamic)[:60]}`; if "
            "any of it comes from a request, attackers run their own commands. Use "
            "execFile/spawn with an argument array and no shell",
        )


def _deserialize_findings(ctx: FileContext) -> Iterator[Finding]:
    for call, ref in ctx.call_index.calls_into(_DESERIALIZERS):
        if call.type != "call_expression" or len(ref.path) != 1:
            continue
        member = ref.path[0]
        label: str | None = None
        if ref.module == "node-serialize" and member == "unserialize":
            label = "node-serialize unserialize()"
        elif ref.module == "serialize-to-js" and member == "deserialize":
            label = "serialize-to-js deserialize()"
        elif ref.module == "js-yaml" and member in ("unsafeLoad", "unsafeLoadAll"):
            label = f"js-yaml {member}()"
        elif ref.module == "js-yaml" and member in ("load", "loadAll"):
            args = syntax.call_arguments(call)
            for arg in args[1:]:
                schema = ctx.ref_of(syntax.object_get(resolve(ctx, arg), "schema"))
                if schema is not None and schema.path[-1:] and schema.path[-1] in (_UNSAFE_SCHEMAS):
                    label = f"js-yaml {member}() with {schema.path[-1]}"
        if label is None:
            continue
        data = _first_arg(call)
        if data is None or _constant(ctx, data):
            continue
        yield UNSAFE_DESERIALIZATION.finding(
            ctx.location(call),
            f"{label} deserializes `{syntax.text(data)[:60]}`; this format can carry "
            "functions that run on load. Use JSON.parse or js-yaml's default schema",
        )


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    yield from _code_findings(ctx)
    yield from _command_findings(ctx)
    yield from _deserialize_findings(ctx)


CHECKER = Checker(
    rules=(CODE_EXECUTION, COMMAND_EXECUTION, UNSAFE_DESERIALIZATION),
    check_file=_check_file,
)
