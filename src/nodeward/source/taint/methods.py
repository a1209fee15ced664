"""Methods a call reaches through a class: `this.run(x)` inside a class (or an ES5
constructor function) and `Shell.execute(x)` on a class declared here or imported.

Services, DAOs and controllers written as classes call their own helpers through `this`
and shared utilities through static methods; without these the flow stops at the call.
"""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node

#: How many `extends` links are followed to find an inherited method.
MAX_BASES = 3

Found = tuple[FileContext, Node]


def class_named(graph: ModuleGraph, ctx: FileContext, name: str) -> Found | None:
    """The class `name` refers to in `ctx`: declared in the file or imported."""
    declared = syntax.unwrap(ctx.declaration(name))
    if declared is not None and declared.type in syntax.CLASS_TYPES:
        return ctx, declared
    for ident in ctx.import_identifiers(name):  # the import specifier that binds the name
        resolved = graph.resolve_import(ctx, ident)
        if resolved is None:
            continue
        found = syntax.unwrap(resolved.node)
        if found is not None and found.type == "identifier":
            found = syntax.unwrap(resolved.ctx.declaration(syntax.text(found)))
        if found is not None and found.type in syntax.CLASS_TYPES:
            return resolved.ctx, found
        return None
    return None


def class_method(
    graph: ModuleGraph, ctx: FileContext, cls: Node, name: str, depth: int = 0
) -> Found | None:
    """Method `name` of class `cls`: declared, an arrow-function field (`run = (x) =>`),
    or inherited through `extends`."""
    body = cls.child_by_field_name("body")
    for member in body.named_children if body is not None else ():
        member_name = syntax.text(member.child_by_field_name("name"))
        if member_name != name:
            continue
        if member.type == "method_definition":
            return ctx, member
        if member.type in syntax.FIELD_TYPES:
            value = syntax.unwrap(member.child_by_field_name("value"))
            if value is not None and value.type in syntax.FUNCTION_TYPES:
                return ctx, value
    constructor = _constructor(cls)
    assigned = _this_functions(constructor).get(name) if constructor is not None else None
    if assigned is not None:  # `constructor() { this.run = (x) => ... }`
        return ctx, assigned
    base = _base_class(cls)
    if base is None or depth >= MAX_BASES:
        return None
    parent = class_of(graph, ctx, base)
    if parent is None:
        return None
    return class_method(graph, parent[0], parent[1], name, depth + 1)


def _constructor(cls: Node) -> Node | None:
    body = cls.child_by_field_name("body")
    for member in body.named_children if body is not None else ():
        if (
            member.type == "method_definition"
            and syntax.text(member.child_by_field_name("name")) == "constructor"
        ):
            return member
    return None


def _base_class(cls: Node) -> Node | None:
    for child in cls.named_children:
        if child.type == "class_heritage":
            for node in syntax.walk(child):
                if node.type == "identifier":
                    return node  # `extends Base` (TS: before `implements`)
    return None


class Methods:
    """`this.m()` and `Cls.m()` resolution for one project, with what each constructor
    function assigns to `this` read once (library code calls `this.x()` thousands of
    times per file)."""

    def __init__(self, graph: ModuleGraph) -> None:
        self.graph = graph
        self._assigned: dict[tuple[str, int], dict[str, Node]] = {}
        self._fields: dict[tuple[str, int], dict[str, Node]] = {}
        #: class_method's answers by (file, class, name): a class's members are scanned
        #: once per method name, not once per call (library classes have hundreds)
        self._methods: dict[tuple[str, int, str], Found | None] = {}
        #: per constructor (file, span), what `new` of it carries, by member name
        self._members: dict[tuple[str, int, int], dict[str, list[Node]]] = {}
        #: static()'s receivers: (file, name, declaring scope) -> the class it names
        self._classes: dict[tuple[str, str, int], Found | None] = {}

    def method(self, ctx: FileContext, cls: Node, name: str) -> Found | None:
        """class_method(), remembered."""
        key = (ctx.rel, cls.start_byte, name)
        if key not in self._methods:
            self._methods[key] = class_method(self.graph, ctx, cls, name)
        return self._methods[key]

    def constructed_member(self, ctx: FileContext, constructor: Node, name: str) -> Found | None:
        """The function an object made by `new constructor()` carries as `name` in the
        constructor itself: a method the class declares, or the first function assigned
        to `this.name` anywhere in it (functions.instance_method asks for every call on
        such an object: the constructor is read once, not once per call)."""
        key = (ctx.rel, constructor.start_byte, constructor.end_byte)
        members = self._members.get(key)
        if members is None:
            members = self._members[key] = _constructed_members(constructor)
        for member in members.get(name, ()):
            if member.type == "method_definition":
                return ctx, member
            value = syntax.unwrap(member.child_by_field_name("right"))
            if value is not None:
                value = syntax.unwrap(ctx.value_of(value))
                if value is not None and value.type in syntax.FUNCTION_TYPES:
                    return ctx, value
        return None

    def own(self, ctx: FileContext, callee: Node) -> Found | None:
        """`this.name(...)`: the method of the class the call is written in, or the
        function an ES5 constructor assigns to `this.name`."""
        obj = callee.child_by_field_name("object")
        if obj is None or obj.type != "this":
            return None
        name = syntax.text(callee.child_by_field_name("property"))
        for ancestor in syntax.ancestors(callee):
            if ancestor.type in syntax.CLASS_TYPES:
                return self.method(ctx, ancestor, name)
            if ancestor.type in ("function_declaration", "function_expression"):
                assigned = self._assigned_to_this(ctx, ancestor).get(name)
                if assigned is not None:
                    return ctx, assigned
        return None

    def field_value(self, ctx: FileContext, member: Node) -> Node | None:
        """The `new` expression a constructor stores in `this.name` (`this.dao = new
        Dao(db)`, a field `dao = new Dao(db)`), for a `this.name` member expression."""
        if syntax.text(member.child_by_field_name("object")) != "this":
            return None
        name = syntax.text(member.child_by_field_name("property"))
        owner = next((a for a in syntax.ancestors(member) if _is_constructor(a)), None)
        if owner is None:
            return None
        key = (ctx.rel, owner.start_byte)
        fields = self._fields.get(key)
        if fields is None:
            fields = self._fields[key] = _instance_fields(ctx, owner)
        return fields.get(name)

    def _assigned_to_this(self, ctx: FileContext, constructor: Node) -> dict[str, Node]:
        """`this.name = function (...) {...}` in a constructor function's own body."""
        key = (ctx.rel, constructor.start_byte)
        found = self._assigned.get(key)
        if found is None:
            found = self._assigned[key] = _this_functions(constructor)
        return found

    def static(self, ctx: FileContext, callee: Node) -> Found | None:
        """`Shell.execute(...)` where `Shell` is a class declared here or imported."""
        obj = syntax.unwrap(callee.child_by_field_name("object"))
        if obj is None or obj.type != "identifier":
            return None
        # class_of answers by the name and the declaration it reads (ref_of, by scope),
        # not by the use: every `res.json()` and `User.find()` asks again
        name = syntax.text(obj)
        key = (ctx.rel, name, ctx.scope_of(name, obj))
        if key not in self._classes:
            self._classes[key] = class_of(self.graph, ctx, obj)
        target = self._classes[key]
        if target is None:
            return None
        method = syntax.text(callee.child_by_field_name("property"))
        return self.method(target[0], target[1], method)


def _is_constructor(node: Node) -> bool:
    """A class, or a function named like a constructor (`function UserDao(db)`, `const
    UserDao = function (db)`): what `this` is an instance of."""
    if node.type in ("class", "class_declaration"):
        return True
    if node.type not in ("function_declaration", "function_expression"):
        return False
    name = node.child_by_field_name("name")
    parent = node.parent
    if name is None and parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
    return name is not None and syntax.text(name)[:1].isupper()


def _constructed_members(constructor: Node) -> dict[str, list[Node]]:
    """Member name -> the class's method definitions of that name (for a class) and the
    assignments to `this.name` anywhere in the constructor, in document order."""
    is_class = constructor.type in ("class", "class_declaration")
    found: dict[str, list[Node]] = {}
    for node in syntax.walk(constructor):
        name: str | None = None
        if node.type == "method_definition" and is_class:
            name = syntax.text(node.child_by_field_name("name"))
        elif node.type == "assignment_expression":
            name = syntax.this_member(node.child_by_field_name("left"))
        if name is not None:
            found.setdefault(name, []).append(node)
    return found


def _instance_fields(ctx: FileContext, owner: Node) -> dict[str, Node]:
    """`this.name = new X(...)` anywhere in a class or constructor function, and class
    fields initialised with `new X(...)`: name -> the new expression."""
    found: dict[str, Node] = {}
    for node in ctx.nodes_within(owner, "assignment_expression", *syntax.FIELD_TYPES):
        if node.type == "assignment_expression":
            value = syntax.unwrap(ctx.value_of(node.child_by_field_name("right")))
            name = syntax.this_member(node.child_by_field_name("left"))
        else:  # a class field
            value = syntax.unwrap(node.child_by_field_name("value"))
            name = syntax.text(node.child_by_field_name("name"))
        if name and value is not None and value.type == "new_expression":
            found.setdefault(name, value)
    return found


def _this_functions(constructor: Node) -> dict[str, Node]:
    found: dict[str, Node] = {}
    body = constructor.child_by_field_name("body")
    for statement in syntax.named_children(body) if body is not None else ():
        expression = statement.named_children[0] if statement.named_children else None
        if statement.type != "expression_statement" or expression is None:
            continue
        if expression.type != "assignment_expression":
            continue
        name = syntax.this_member(expression.child_by_field_name("left"))
        value = syntax.unwrap(expression.child_by_field_name("right"))
        if name is None:
            continue
        if value is not None and value.type in syntax.FUNCTION_TYPES:
            found.setdefault(name, value)
    return found


def class_of(graph: ModuleGraph, ctx: FileContext, ident: Node) -> Found | None:
    """The class an identifier in code names: declared here, imported, or required
    (`const { Shell } = require("./shell")`)."""
    resolved = graph.resolve_import(ctx, ident)
    if resolved is not None:
        found = syntax.unwrap(resolved.node)
        if found is not None and found.type in ("identifier", "shorthand_property_identifier"):
            found = syntax.unwrap(resolved.ctx.declaration(syntax.text(found)))
        if found is not None and found.type in syntax.CLASS_TYPES:
            return resolved.ctx, found
    return class_named(graph, ctx, syntax.text(ident))
