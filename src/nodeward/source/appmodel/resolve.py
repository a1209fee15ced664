"""Resolving expressions to what the app model cares about: router objects, functions and
string paths, within one file and across the project's modules."""

from __future__ import annotations

from dataclasses import dataclass

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.frameworks.base import Framework
from nodeward.source.modules import ModuleGraph
from nodeward.source.nesting import Nesting, exact_for
from nodeward.source.parse import Node

_MAX_DEPTH = 10
#: Calls that return the router they register on, with the arguments they need to be a
#: registration (`app.get("env")` with one argument reads a setting instead).
_CHAIN_ARGS = {
    "use": 1,
    **dict.fromkeys(("get", "post", "put", "patch", "delete", "all", "options", "head"), 2),
}
_CHAINABLE = frozenset(_CHAIN_ARGS)
#: The nodes whose declarations local_value() reads.
_BLOCKS = frozenset({"statement_block", "program", "class_body"})


@dataclass(frozen=True)
class Target:
    """What registrations are made on: a router object created at (rel, byte), or the
    parameter `index` of a route-registration helper function defined at (rel, byte)."""

    rel: str
    byte: int
    param: int | None = None


@dataclass(frozen=True)
class Creation:
    target: Target
    ctx: FileContext
    node: Node
    framework: Framework
    is_app: bool


class Resolver:
    def __init__(self, graph: ModuleGraph) -> None:
        # the registry's modules import this one: read it when the first Resolver is made
        from nodeward.source.frameworks.registry import CREATIONS

        self.graph = graph
        self._kinds = CREATIONS
        self.creations: dict[Target, Creation] = {}
        # What each expression was found to create. Factories that return calls to other
        # factories (or to themselves) fan out exponentially without it; an entry is set to
        # None while its expression is being resolved, which also cuts recursion cycles.
        self._created: dict[tuple[str, int, int], Creation | None] = {}
        self._scopes: dict[int, dict[str, Node | None]] = {}
        self._fields: dict[str, dict[str, Node | None]] = {}
        #: (file, block start, block end, name) -> what the name means in the block
        self._block_values: dict[tuple[str, int, int, str], Node | None] = {}
        #: file -> its blocks, nested (files whose walks up are exact)
        self._nestings: dict[str, Nesting] = {}

    def creation_kind(self, ctx: FileContext, node: Node | None) -> tuple[Framework, bool] | None:
        """(framework, makes an app) when `node` is a call that creates an app or router."""
        node = syntax.unwrap(node)
        if node is None or node.type not in ("call_expression", "new_expression"):
            return None
        ref = ctx.ref_of(node)
        return self._kinds.get(ref) if ref is not None else None

    # -- values -----------------------------------------------------------------------

    def local_value(self, ctx: FileContext, ident: Node) -> Node | None:
        """The initialiser of the nearest enclosing declaration of `ident` (block scoped,
        so two functions that both declare `const router` are told apart)."""
        name = syntax.text(ident)
        if ctx.max_depth > syntax.MAX_ANCESTORS:  # the walk up is cut short: as it goes
            for scope in syntax.ancestors(ident):
                if scope.type in _BLOCKS:
                    found = self.declared_in(scope, name)
                    if found is not None:
                        return found
            return ctx.declaration(name)
        return self._block_value(ctx, self._block_around(ctx, ident), name)

    def _blocks(self, ctx: FileContext) -> Nesting:
        """The file's blocks, for the searches a walk up would make in a file shallow
        enough for the walk to reach the top (ctx.max_depth)."""
        found = self._nestings.get(ctx.rel)
        if found is None:
            root = ctx.parsed.root  # "program": the index holds the root under its type
            top = [root] if root.type in _BLOCKS else []
            found = self._nestings[ctx.rel] = Nesting(top + ctx.nodes(*(_BLOCKS - {"program"})))
        return found

    def _block_around(self, ctx: FileContext, node: Node) -> Node | None:
        """The nearest block (_BLOCKS) above `node` in a shallow file."""
        if exact_for(node):
            return self._blocks(ctx).around(node)
        return next((p for p in syntax.ancestors(node) if p.type in _BLOCKS), None)

    def _function_around(self, ctx: FileContext | None, node: Node) -> Node | None:
        """syntax.enclosing_function(node), by bisection where the file is known."""
        if ctx is not None:
            return ctx.enclosing_function(node)
        return syntax.enclosing_function(node)

    def _block_value(self, ctx: FileContext, block: Node | None, name: str) -> Node | None:
        """What `name` means inside `block`: declared by it or by a block around it, else
        by the file. Remembered per block and name: every use of `router` in a function
        asked the same question with a walk up to the file's top."""
        if block is None:
            return ctx.declaration(name)
        key = (ctx.rel, block.start_byte, block.end_byte, name)
        if key not in self._block_values:
            found = self.declared_in(block, name)
            if found is None:
                found = self._block_value(ctx, self._block_around(ctx, block), name)
            self._block_values[key] = found
        return self._block_values[key]

    def this_field(self, ctx: FileContext, name: str) -> Node | None:
        """`this.app` in a class: its field initialiser or a `this.app = ...` assignment
        (indexed once per file)."""
        if ctx.rel not in self._fields:
            self._fields[ctx.rel] = _this_fields(ctx)
        return self._fields[ctx.rel].get(name)

    def declared_in(self, scope: Node, name: str) -> Node | None:
        """What `scope` declares `name` as. Indexed once per block: a bundled library's
        top level holds tens of thousands of statements, and every name is looked up."""
        if scope.id not in self._scopes:
            self._scopes[scope.id] = _declarations(scope)
        return self._scopes[scope.id].get(name)

    def value(self, ctx: FileContext, node: Node | None, depth: int = 0) -> Node | None:
        """Follow identifiers and `this.x` to what they were initialised with."""
        node = syntax.unwrap(node)
        while node is not None and depth < _MAX_DEPTH:
            depth += 1
            if node.type == "assignment_expression":  # const app = module.exports = express()
                node = syntax.unwrap(node.child_by_field_name("right"))
            elif node.type in ("identifier", "shorthand_property_identifier"):
                found = syntax.unwrap(self.local_value(ctx, node))
                if found is None or found is node:
                    return node
                node = found
            elif node.type == "member_expression" and _is_this_member(node):
                found = self.this_field(ctx, syntax.text(node.child_by_field_name("property")))
                if found is None:
                    return node
                node = syntax.unwrap(found)
            else:
                return node
        return node

    def param_index(self, ident: Node, ctx: FileContext | None = None) -> tuple[Node, int] | None:
        """(function, index) when `ident` names a parameter of an enclosing function.
        Given the file `ident` is in, the functions around it are found by bisection."""
        name = syntax.text(ident)
        func = self._function_around(ctx, ident)
        while func is not None:
            for index, param in enumerate(syntax.function_params(func)):
                if syntax.param_name(param) == name:
                    return func, index
            body = func.child_by_field_name("body")
            if body is not None and body.type == "statement_block" and self.declared_in(body, name):
                return None
            func = self._function_around(ctx, func)
        return None

    def creation(self, ctx: FileContext, node: Node | None, depth: int = 0) -> Creation | None:
        """The router or app object an expression evaluates to, across files."""
        if depth > _MAX_DEPTH or node is None:
            return None
        key = (ctx.rel, node.start_byte, node.end_byte)
        if key not in self._created:
            self._created[key] = None
            self._created[key] = self._creation(ctx, node, depth)
        return self._created[key]

    def _creation(self, ctx: FileContext, node: Node, depth: int) -> Creation | None:
        value = self.value(ctx, node)
        if value is None:
            return None
        kind = self.creation_kind(ctx, value)
        if kind is not None:
            return self._remember(ctx, value, kind)
        if value.type == "call_expression":
            fn = syntax.unwrap(value.child_by_field_name("function"))
            if fn is not None and fn.type == "member_expression":
                prop = syntax.text(fn.child_by_field_name("property"))
                # koa-router: app.use(router.routes()); Fastify's type providers return
                # the same instance: fastify().withTypeProvider<TypeBoxTypeProvider>()
                if prop in ("routes", "middleware", "withTypeProvider"):
                    return self.creation(ctx, fn.child_by_field_name("object"), depth + 1)
                # Express and Koa registrations return their router, so a chain is one:
                # `export default Router().use("/api", api)`, `Router().use(a).use(b)`.
                if prop in _CHAINABLE and len(syntax.call_arguments(value)) >= _CHAIN_ARGS[prop]:
                    inner = self.creation(ctx, fn.child_by_field_name("object"), depth + 1)
                    if inner is not None and inner.framework.chains_registrations:
                        return inner
            # a factory: `app.use("/api", makeApiRouter())`
            func = self.function(ctx, fn, depth + 1)
            if func is not None:
                return self._returned_creation(func[0], func[1], depth + 1)
        if value.type in ("identifier", "member_expression", "call_expression"):
            resolved = self.graph.resolve_import(ctx, value)
            if resolved is not None and resolved.node is not value:
                return self.creation(resolved.ctx, resolved.node, depth + 1)
        return None

    def function(
        self, ctx: FileContext, node: Node | None, depth: int = 0
    ) -> tuple[FileContext, Node] | None:
        """The function an expression names: inline, declared in this file, or imported."""
        if depth > _MAX_DEPTH or (node is not None and _names_nothing(ctx, node)):
            return None
        value = self.value(ctx, node)
        if value is None:
            return None
        if value.type in syntax.FUNCTION_TYPES:
            return ctx, value
        if value.type in ("identifier", "member_expression", "call_expression"):
            resolved = self.graph.resolve_import(ctx, value)
            if resolved is not None and resolved.node is not value:
                found = self.function(resolved.ctx, resolved.node, depth + 1)
                if found is not None or value.type != "member_expression":
                    return found
        if value.type == "member_expression":
            return self._instance_method(ctx, value, depth + 1)
        return None

    def _instance_method(
        self, ctx: FileContext, member: Node, depth: int
    ) -> tuple[FileContext, Node] | None:
        """`handler.login` where `handler = new Handler(db)`: the method a constructor
        function assigns (`this.login = function ...`) or a class declares."""
        prop = member.child_by_field_name("property")
        instance = self.value(ctx, member.child_by_field_name("object"))
        if prop is None or instance is None or depth > _MAX_DEPTH:
            return None
        inst_ctx = ctx
        if instance.type != "new_expression":  # `module.exports = new Handler()` elsewhere
            resolved = self.graph.resolve_import(ctx, instance)
            if resolved is None or resolved.node is instance:
                return None
            inst_ctx, instance = resolved.ctx, self.value(resolved.ctx, resolved.node)
            if instance is None or instance.type != "new_expression":
                return None
        found = self._constructor(inst_ctx, instance.child_by_field_name("constructor"), depth)
        if found is None:
            return None
        cls_ctx, cls = found
        method = member_function(cls, syntax.text(prop))
        return (cls_ctx, method) if method is not None else None

    def class_of(self, ctx: FileContext, node: Node | None) -> tuple[FileContext, Node] | None:
        """The class (or constructor function) an expression names, across files."""
        return self._constructor(ctx, node, 0)

    def _constructor(
        self, ctx: FileContext, node: Node | None, depth: int
    ) -> tuple[FileContext, Node] | None:
        """The constructor function or class a `new X()` names, across files."""
        value = self.value(ctx, node)
        if value is None or depth > _MAX_DEPTH:
            return None
        if value.type in syntax.FUNCTION_TYPES or value.type in syntax.CLASS_TYPES:
            return ctx, value
        if value.type in ("identifier", "member_expression", "call_expression"):
            resolved = self.graph.resolve_import(ctx, value)
            if resolved is not None and resolved.node is not value:
                return self._constructor(resolved.ctx, resolved.node, depth + 1)
        return None

    def string(self, ctx: FileContext, node: Node | None) -> str | None:
        value = syntax.string_value(node)
        if value is None:
            value = syntax.string_value(self.value(ctx, node))
        return value

    def _returned_creation(self, ctx: FileContext, func: Node, depth: int) -> Creation | None:
        body = func.child_by_field_name("body")
        if body is None:
            return None
        if body.type != "statement_block":
            return self.creation(ctx, body, depth + 1)
        # the function's own returns: where ancestor walks reach the top, a walk that does
        # not enter nested functions finds them without a walk up from each `return`
        shallow = ctx.max_depth <= syntax.MAX_ANCESTORS
        nodes = syntax.walk_skipping(body, syntax.FUNCTION_TYPES) if shallow else syntax.walk(body)
        for ret in nodes:
            if ret.type == "return_statement" and (
                shallow or syntax.enclosing_function(ret) == func
            ):
                returned = next(iter(ret.named_children), None)
                found = self.creation(ctx, returned, depth + 1)
                if found is not None:
                    return found
        return None

    def _remember(self, ctx: FileContext, node: Node, kind: tuple[Framework, bool]) -> Creation:
        target = Target(ctx.rel, node.start_byte)
        if target not in self.creations:
            self.creations[target] = Creation(target, ctx, node, kind[0], kind[1])
        return self.creations[target]


def _declarations(scope: Node) -> dict[str, Node | None]:
    """Name -> initialiser (or declaration) of everything a block declares directly; the
    first declaration of a name wins. A declaration without initialiser maps to None."""
    found: dict[str, Node | None] = {}
    # not scope.named_children: that list would stay on the block, which the file
    # index keeps for the whole scan
    for statement in syntax.named_children(scope):
        candidates = [statement]
        if statement.type == "export_statement":
            candidates = list(statement.named_children)
        for decl in candidates:
            if decl.type in ("lexical_declaration", "variable_declaration"):
                for declarator in decl.named_children:
                    ident = declarator.child_by_field_name("name")
                    if ident is not None:
                        found.setdefault(
                            syntax.text(ident), declarator.child_by_field_name("value")
                        )
            elif decl.type in ("function_declaration", "class_declaration"):
                ident = decl.child_by_field_name("name")
                if ident is not None:
                    found.setdefault(syntax.text(ident), decl)
    return found


def _names_nothing(ctx: FileContext, node: Node) -> bool:
    """`name` or `name.a.b` where the file never binds `name` (FileContext.binds): a
    parameter's method, a global's. Nothing resolves it (neither the block declarations
    nor the imports hold the name), so Resolver.function() answers None without
    resolving: most calls the route table looks at are of this kind."""
    base: Node | None = node
    while base is not None and base.type == "member_expression":
        base = base.child_by_field_name("object")
    return base is not None and base.type == "identifier" and not ctx.binds(syntax.text(base))


def member_function(cls: Node, name: str) -> Node | None:
    """The function `name` of a class (method or arrow field) or of a constructor
    function (`this.name = function ...` in its body)."""
    body = cls.child_by_field_name("body")
    if body is None:
        return None
    if cls.type in syntax.CLASS_TYPES:
        for member in body.named_children:
            key = member.child_by_field_name("name") or member.child_by_field_name("property")
            if key is None or syntax.text(key) != name:
                continue
            if member.type == "method_definition":
                return member
            value = syntax.unwrap(member.child_by_field_name("value"))
            if value is not None and value.type in syntax.FUNCTION_TYPES:
                return value
        return None
    for node in syntax.walk(body):
        if node.type != "assignment_expression":
            continue
        if syntax.this_member(node.child_by_field_name("left")) != name:
            continue
        value = syntax.unwrap(node.child_by_field_name("right"))
        if value is not None and value.type in syntax.FUNCTION_TYPES:
            return value
    return None


def _is_this_member(node: Node) -> bool:
    obj = node.child_by_field_name("object")
    return obj is not None and obj.type == "this"


def _this_fields(ctx: FileContext) -> dict[str, Node | None]:
    """`this.x` in a file's classes: field initialisers first, then the first
    `this.x = ...` assignment, by field name."""
    found: dict[str, Node | None] = {}
    for field in ctx.nodes(*syntax.FIELD_TYPES):
        key = field.child_by_field_name("name") or field.child_by_field_name("property")
        if key is not None:
            found.setdefault(syntax.text(key), field.child_by_field_name("value"))
    for assign in ctx.nodes("assignment_expression"):
        member = syntax.this_member(assign.child_by_field_name("left"))
        if member is not None:
            found.setdefault(member, assign.child_by_field_name("right"))
    return found
