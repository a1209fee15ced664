"""Route modules loaded from a folder by a computed name: `require("./" + name)(router)` in a
`readdirSync(__dirname).forEach(...)` loop, `require(path.join(__dirname, file))(app)`,
`` require(`./routes/${name}`)(app) ``. The name is unknown, so the call may load any module
of that folder (a file, or a sub-folder's index): each one's exported function receives the
router, as with a literal `require("./routes/users")(app)`."""

from __future__ import annotations

import posixpath

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.modules import DEFAULT, ModuleGraph
from nodeward.source.parse import Node

#: A computed require loads at most this many modules of its folder (a generated or
#: vendored folder would otherwise splice hundreds of functions into one router).
MAX_MODULES_PER_FOLDER = 40
_JOINS = frozenset({"path.join", "join", "path.resolve", "resolve"})
_SCRIPT_EXTENSIONS = (".js", ".cjs", ".mjs", ".ts", ".cts", ".mts")


def _static_prefix(ctx: FileContext, arg: Node) -> str | None:
    """The constant start of a computed specifier, as a path relative to the file:
    `"./" + x` -> "./", `` `./routes/${x}` `` -> "./routes/", `path.join(__dirname, x)` and
    `__dirname + "/" + x` -> "./"."""
    node = syntax.unwrap(arg) or arg
    if node.type == "binary_expression":
        left = syntax.unwrap(node.child_by_field_name("left"))
        while left is not None and left.type == "binary_expression":
            left = syntax.unwrap(left.child_by_field_name("left"))
        if left is None:
            return None
        if left.type == "identifier" and syntax.text(left) == "__dirname":
            return "./"
        return syntax.string_value(left) if left.type == "string" else None
    if node.type == "template_string":
        text = syntax.text(node)[1:-1]
        head = text.split("${", 1)[0]
        return head if "${" in text else None
    if node.type == "call_expression" and ctx.callee_name(node) in _JOINS:
        args = syntax.call_arguments(node)
        if len(args) < 2 or syntax.text(args[0]) != "__dirname":
            return None
        folders = [syntax.string_value(a) for a in args[1:-1]]
        if any(f is None for f in folders):
            return None
        return "./" + "".join(f"{f.strip('/')}/" for f in folders if f)
    return None


def loaded_functions(
    graph: ModuleGraph, ctx: FileContext, call: Node
) -> list[tuple[FileContext, Node]]:
    """The exported functions a computed `require(...)` call may load, in path order."""
    fn = call.child_by_field_name("function")
    args = syntax.call_arguments(call)
    if fn is None or syntax.text(fn) != "require" or len(args) != 1:
        return []
    prefix = _static_prefix(ctx, args[0])
    if prefix is None or not prefix.startswith("."):
        return []
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(ctx.rel), prefix))
    folder, stem = (joined, "") if prefix.endswith("/") else posixpath.split(joined)
    folder = "" if folder == "." else folder
    found: list[tuple[FileContext, Node]] = []
    for module in sorted(_modules_in(graph, folder, stem), key=lambda m: m.rel):
        if module.rel == ctx.rel:
            continue
        exported = graph.exports(module).get(DEFAULT)
        value = module.value_of(exported) if exported is not None else None
        if value is not None and value.type in syntax.FUNCTION_TYPES:
            found.append((module, value))
        if len(found) >= MAX_MODULES_PER_FOLDER:
            break
    return found


def _modules_in(graph: ModuleGraph, folder: str, stem: str) -> list[FileContext]:
    """Scripts directly in `folder` and the index scripts of its sub-folders whose names
    start with `stem`."""
    start = f"{folder}/" if folder else ""
    modules = []
    for module in graph.files():
        rel = module.rel
        if not rel.startswith(start) or not rel.endswith(_SCRIPT_EXTENSIONS):
            continue
        parts = rel[len(start) :].split("/")
        direct = len(parts) == 1
        index = len(parts) == 2 and posixpath.splitext(parts[1])[0] == "index"
        if (direct or index) and parts[0].startswith(stem):
            modules.append(module)
    return modules
