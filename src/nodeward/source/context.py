"""What a rule sees of one parsed file: its nodes by type and what each name refers to.

Names are resolved to *access paths* in the style of CodeQL's library models: a module and
the members and calls taken from it. `const s = require("express-session"); s({...})`
makes the callee `express-session` and `express().use` is `express` `()` `use`, whatever
the local names, import style (CommonJS, ES modules, TypeScript `import = require`) or
destructuring the file uses.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property

from nodeward.findings import SourceLocation
from nodeward.source import syntax
from nodeward.source.call_index import CallIndex
from nodeward.source.nesting import Nesting, exact_for
from nodeward.source.parse import Dialect, Node, ParsedFile, language
from nodeward.source.scopes import DECLARING, MODULE, ScopeIndex

CALL = "()"
#: Files whose syntax tree nests deeper than this are generated code for our purposes.
DEEP_FILE = 500
_MAX_RESOLVE_DEPTH = 12

#: The node types the file's first walk indexes: those rules and analyses ask for (about
#: half of a file's nodes). The index keeps a Python object per node it holds, so types no
#: one asks for are left out; the first question about another type indexes that type
#: alone in a walk of its own (correct, only slower: add the type here). Identifiers (a
#: large share of what the index held) are asked for in few files (the taint engine's name
#: lookups: 104 of 3,984 files of a dependency tree), so those files pay the second walk
#: and the others keep no object for them. Member expressions are in the first walk: the
#: taint engine's source scan of browser code asks every served script for them.
INDEXED_TYPES = (
    frozenset(
        {
            "arguments",
            "assignment_expression",
            "augmented_assignment_expression",
            "binary_expression",
            "call_expression",
            "catch_clause",
            "class_body",
            "do_statement",
            "export_statement",
            "field_definition",
            "for_in_statement",
            "for_statement",
            "if_statement",
            "import_statement",
            "jsx_attribute",
            "member_expression",
            "new_expression",
            "object",
            "pair",
            "public_field_definition",
            "return_statement",
            "shorthand_property_identifier",
            "statement_block",
            "string",
            "switch_statement",
            "template_string",
            "ternary_expression",
            "unary_expression",
            "update_expression",
            "variable_declarator",
            "while_statement",
        }
    )
    | syntax.FUNCTION_TYPES
    | syntax.CLASS_TYPES
)


@dataclass(frozen=True)
class _Kinds:
    """INDEXED_TYPES and DECLARING as one grammar's kind ids (each grammar numbers its
    node types its own way): a node's kind id is an int the binding returns as is, where
    its type is a new string per node."""

    eager: dict[int, str]  # kind id -> the INDEXED_TYPES type
    declaring: frozenset[int]  # DECLARING's
    wanted: frozenset[int]  # either


@cache
def _kinds(dialect: Dialect) -> _Kinds:
    grammar = language(dialect)

    def named_ids(types: Iterable[str]) -> dict[int, str]:
        ids = {kind: grammar.id_for_node_kind(kind, True) for kind in types}
        return {found: kind for kind, found in ids.items() if found}  # 0, None: not in it

    eager = named_ids(INDEXED_TYPES)
    declaring = frozenset(named_ids(DECLARING))
    return _Kinds(eager, declaring, frozenset(eager) | declaring)


@dataclass(frozen=True, slots=True)
class Ref:
    """An access path: `module` then member names and CALL markers. (Slots: a file holds
    one for nearly every call it makes, a dependency tree about 150,000.)"""

    module: str
    path: tuple[str, ...] = ()

    def then(self, *steps: str) -> Ref:
        return Ref(self.module, self.path + steps)

    def is_(self, module: str, *path: str) -> bool:
        return self.module == module and self.path == path

    def __str__(self) -> str:
        tail = "".join(step if step == CALL else f".{step}" for step in self.path)
        return self.module + tail


def normalize_module(name: str) -> str:
    return name.removeprefix("node:")


def _promisified(callee: Ref, call: Node) -> Node | None:
    """The function `util.promisify(fn)` wraps: the promise-returning wrapper runs it with
    the same arguments, so its sinks are fn's."""
    args = syntax.call_arguments(call)
    return args[0] if callee.is_("util", "promisify") and len(args) == 1 else None


class FileContext:
    """One parsed file, indexed once and shared by every rule."""

    def __init__(self, parsed: ParsedFile) -> None:
        self.parsed = parsed
        self.rel = parsed.rel
        self._scopes = ScopeIndex()
        self._by_type: dict[str, list[Node]] = {}
        #: the types outside INDEXED_TYPES indexed so far (each on its first question)
        self._indexed_later: set[str] = set()
        #: How deeply the syntax tree nests. tree-sitter's `Node.parent` costs O(depth), so
        #: ancestor walks are quadratic in generated code that nests thousands of levels;
        #: analyses that walk up the tree skip files deeper than DEEP_FILE.
        self.max_depth = self._index(parsed.root)
        #: name -> its first binding anywhere in the file, for questions asked by name only
        self._bindings: dict[str, Node] = {}
        #: (name, scope) -> the first value bound to that declaration (see scopes.py)
        self._scoped: dict[tuple[str, int], Node] = {}
        self._imports: dict[str, Ref] = {}
        self._import_scopes: dict[str, int] = {}  # destructured requires inside a function
        self._declarations: dict[str, Node] = {}
        # Every rule module asks for the callee of every call: resolve each node once.
        self._callee_cache: dict[int, Ref | None] = {}
        self._collect_bindings()

    # -- node index -------------------------------------------------------------------

    def _index(self, root: Node) -> int:
        """One walk of the file (walk_with_depth() written out: it visits every node of
        every file, and the generator and per-node calls cost a third of the scan's set-up)
        that fills the node index and the scopes; returns the deepest named node's depth.
        Nodes are told apart by their grammar's kind ids (_Kinds), read without building
        the type's string for each node, punctuation included."""
        by_type = self._by_type
        kinds = _kinds(self.parsed.dialect)
        eager, declaring, wanted = kinds.eager, kinds.declaring, kinds.wanted
        visit = self._scopes.visit
        by_type[root.type] = [root]
        if root.type in DECLARING:
            visit(root, 0)
        deepest = 0
        cursor = root.walk()
        if not cursor.goto_first_child():
            return deepest
        depth = 1
        while True:
            node = cursor.node
            if node is not None:
                kind_id = node.kind_id
                if kind_id in wanted:  # a named node: _Kinds holds the named kinds' ids
                    kind = eager.get(kind_id)
                    if kind is not None:
                        found = by_type.get(kind)
                        if found is None:
                            by_type[kind] = [node]
                        else:
                            found.append(node)
                    if kind_id in declaring:
                        visit(node, depth)
                if depth > deepest and node.is_named:
                    deepest = depth
            if cursor.goto_first_child():
                depth += 1
                continue
            while not cursor.goto_next_sibling():
                if depth == 1 or not cursor.goto_parent():
                    return deepest
                depth -= 1

    def _of_type(self, kind: str) -> list[Node]:
        """The file's nodes of type `kind`, in document order."""
        if kind not in INDEXED_TYPES and kind not in self._indexed_later:
            self._index_later(kind)
        return self._by_type.get(kind, [])

    def _index_later(self, kind: str) -> None:
        """Index the nodes of one type the first walk left out (a walk per type, on its
        first question in this file): indexing every other type as well on that walk held
        a Python object for each of 870,000 nodes of a dependency tree no one asked for,
        when the only type asked was `identifier`."""
        self._indexed_later.add(kind)
        if kind == self.parsed.root.type:
            return  # the first walk indexed the root, and a root is never nested
        below_root = syntax.walk(self.parsed.root)
        next(below_root)  # the root is indexed already
        found = [node for node in below_root if node.type == kind]
        if found:
            self._by_type[kind] = found

    def nodes(self, *types: str) -> list[Node]:
        """All nodes of the given types, in document order."""
        if len(types) == 1:
            return self._of_type(types[0])
        found = [n for t in types for n in self._of_type(t)]
        found.sort(key=lambda n: n.start_byte)
        return found

    @cached_property
    def calls(self) -> list[Node]:
        """Every call and `new` expression."""
        return self.nodes("call_expression", "new_expression")

    def nodes_within(self, node: Node, *types: str) -> list[Node]:
        """The nodes of the given types inside `node` (itself included), in document order:
        a slice of the file index found by bisection instead of a walk of `node`."""
        found: list[Node] = []
        for kind in types:
            indexed = self._of_type(kind)
            starts = self._type_starts(kind)
            first = bisect_left(starts, node.start_byte)
            last = bisect_left(starts, node.end_byte, lo=first)
            found += [n for n in indexed[first:last] if n.end_byte <= node.end_byte]
        if len(types) > 1:  # an ancestor starts no later and ends no sooner: it comes first
            found.sort(key=lambda n: (n.start_byte, -n.end_byte))
        return found

    def _type_starts(self, kind: str) -> array[int]:
        """The start bytes of the indexed nodes of `kind` (non-decreasing: the index is in
        document order), for bisection: built on first use, one array per type."""
        starts = self._start_bytes.get(kind)
        if starts is None:
            starts = self._start_bytes[kind] = array(
                "q", [n.start_byte for n in self._of_type(kind)]
            )
        return starts

    @cached_property
    def _start_bytes(self) -> dict[str, array[int]]:
        """Per node type, the start bytes of the indexed nodes (filled on first use)."""
        return {}

    def enclosing_function(self, node: Node) -> Node | None:
        """syntax.enclosing_function(node), found by bisection of the file's functions
        (nesting.py) instead of a walk up: the taint engine asks it of nearly every name it
        resolves. The walk stays for what a span cannot place: a file deeper than the walk
        reaches (it gives up there), an empty node, and a node whose span equals a
        function's (`x => x` as a statement of its own: the function is inside it)."""
        if self.max_depth > syntax.MAX_ANCESTORS or not exact_for(node):
            return syntax.enclosing_function(node)
        found = self._functions.around(node)
        if found is not None and (found.start_byte, found.end_byte) == (
            node.start_byte,
            node.end_byte,
        ):
            return syntax.enclosing_function(node)
        return found

    @cached_property
    def _functions(self) -> Nesting:
        return Nesting(self.nodes(*syntax.FUNCTION_TYPES))

    def first_identifier(self, name: str) -> Node | None:
        """The first identifier spelled `name` in the file, in document order."""
        return self._first_identifiers.get(name)

    @cached_property
    def _first_identifiers(self) -> dict[str, Node]:
        """Identifier text -> its first occurrence: one pass over the file's identifiers
        instead of one per question."""
        index: dict[str, Node] = {}
        for node in self.nodes("identifier"):
            index.setdefault(syntax.text(node), node)
        return index

    # -- locations --------------------------------------------------------------------

    def location(self, node: Node) -> SourceLocation:
        line = syntax.line_of(node)
        end_line = node.end_point.row + 1
        return SourceLocation(
            path=self.rel,
            line=line,
            column=self._char_column(line, node.start_point.column),
            end_line=end_line,
            end_column=self._char_column(end_line, node.end_point.column),
            snippet=self.parsed.text.line(line).strip(),
        )

    def _char_column(self, line: int, byte_column: int) -> int:
        """tree-sitter counts bytes; reports count characters (SARIF unicodeCodePoints)."""
        text = self.parsed.text.line(line)
        if text.isascii():
            return byte_column + 1
        return len(text.encode("utf-8")[:byte_column].decode("utf-8", errors="ignore")) + 1

    # -- name resolution --------------------------------------------------------------

    def _collect_bindings(self) -> None:
        for decl in self.nodes("variable_declarator"):
            name, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
            if name is None or value is None:
                continue
            if name.type == "identifier":
                self._bind(name, value)
            elif name.type == "object_pattern":
                self._bind_pattern(name, value)
        for assign in self.nodes("assignment_expression"):
            left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
            if left is not None and right is not None and left.type == "identifier":
                self._bind(left, right)
        for statement in self.nodes("import_statement"):
            self._collect_import(statement)
        for decl in self.nodes(
            "function_declaration", "generator_function_declaration", "class_declaration"
        ):
            name = decl.child_by_field_name("name")
            if name is not None:
                self._declarations.setdefault(syntax.text(name), decl)

    def _bind(self, ident: Node, value: Node) -> None:
        name = syntax.text(ident)
        self._bindings.setdefault(name, value)
        self._scoped.setdefault((name, self.scope_of(name, ident)), value)

    def scope_of(self, name: str, at: Node) -> int:
        """Which declaration of `name` a use at `at` reads: the start byte of the innermost
        enclosing scope declaring it (a block for const/let, the function for var and
        parameters), or scopes.MODULE for module-level and undeclared names."""
        return self._scopes.scope_of(name, at.start_byte)

    def binding(self, ident: Node) -> Node | None:
        """The value the declaration an identifier reads was first given, by lexical scope:
        a `const re` in one handler is not the `re` of the handler beside it."""
        name = syntax.text(ident)
        return self._scoped.get((name, self.scope_of(name, ident)))

    def _bind_pattern(self, pattern: Node, value: Node) -> None:
        base = self.ref_of(value)
        if base is None:
            return
        for child in pattern.named_children:
            if child.type == "shorthand_property_identifier_pattern":
                self._imports[syntax.text(child)] = base.then(syntax.text(child))
                self._import_scopes[syntax.text(child)] = self.scope_of(syntax.text(child), child)
            elif child.type == "pair_pattern":
                key = syntax.property_key(child)
                target = child.child_by_field_name("value")
                if key and target is not None and target.type == "identifier":
                    self._imports[syntax.text(target)] = base.then(key)
                    self._import_scopes[syntax.text(target)] = self.scope_of(
                        syntax.text(target), target
                    )

    def _collect_import(self, statement: Node) -> None:
        source = syntax.string_value(statement.child_by_field_name("source"))
        require_clause = next(
            (c for c in statement.named_children if c.type == "import_require_clause"), None
        )
        if require_clause is not None:  # TypeScript: import x = require("m")
            name = next((c for c in require_clause.named_children if c.type == "identifier"), None)
            required = syntax.string_value(require_clause.child_by_field_name("source"))
            if name is not None and required is not None:
                self._imports[syntax.text(name)] = Ref(normalize_module(required))
            return
        if source is None:
            return
        module = Ref(normalize_module(source))
        clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
        if clause is None:
            return
        for child in clause.named_children:
            if child.type == "identifier":
                self._imports[syntax.text(child)] = module
            elif child.type == "namespace_import":
                ident = next((c for c in child.named_children if c.type == "identifier"), None)
                if ident is not None:
                    self._imports[syntax.text(ident)] = module
            elif child.type == "named_imports":
                for spec in child.named_children:
                    if spec.type != "import_specifier":
                        continue
                    name_node = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias") or name_node
                    if name_node is None or alias is None:
                        continue
                    imported = syntax.text(name_node).strip("'\"")
                    ref = module if imported == "default" else module.then(imported)
                    self._imports[syntax.text(alias)] = ref

    def ref_of(self, node: Node | None, _depth: int = 0) -> Ref | None:
        """The access path an expression evaluates to, when it comes from a module."""
        node = syntax.unwrap(node)
        if node is None or _depth > _MAX_RESOLVE_DEPTH:
            return None
        match node.type:
            case "identifier" | "shorthand_property_identifier":  # `{ x }` reads x
                name = syntax.text(node)
                return self._name_ref(name, self.scope_of(name, node), _depth)
            case "member_expression" | "subscript_expression":
                chain_obj = node.child_by_field_name("object")
                if node.type == "member_expression":
                    prop = syntax.text(node.child_by_field_name("property"))
                else:
                    prop_value = syntax.string_value(node.child_by_field_name("index"))
                    if prop_value is None:
                        return None
                    prop = prop_value
                base = self.ref_of(chain_obj, _depth + 1)
                return base.then(prop) if base is not None else None
            case "call_expression" | "new_expression":
                callee = node.child_by_field_name("function") or node.child_by_field_name(
                    "constructor"
                )
                required = self.required_module(node)
                if required is not None:
                    return Ref(normalize_module(required))
                base = self.ref_of(callee, _depth + 1)
                if base is not None and base.path[-1:] == ("bind",):  # `query.bind(db)`
                    return Ref(base.module, base.path[:-1])
                promisified = _promisified(base, node) if base is not None else None
                if promisified is not None:  # `util.promisify(exec)` runs exec
                    return self.ref_of(promisified, _depth + 1)
                return base.then(CALL) if base is not None else None
            case _:
                return None

    def _name_ref(self, name: str, scope: int, depth: int) -> Ref | None:
        """ref_of() of a name read in `scope`: what it gives depends on the declaration
        read (and the depth left), not on the identifier node, so it is found once per
        declaration: the analyses ask for every use of `req` and `router`."""
        key = (name, scope, depth)
        if key in self._name_refs:
            return self._name_refs[key]
        found: Ref | None = None
        if name in self._imports and self._import_scopes.get(name, MODULE) == scope:
            found = self._imports[name]
        else:
            bound = self._scoped.get((name, scope))
            if bound is not None:  # (`x = x` recurses to the depth bound: None, as before)
                found = self.ref_of(bound, depth + 1)
        self._name_refs[key] = found
        return found

    @cached_property
    def _name_refs(self) -> dict[tuple[str, int, int], Ref | None]:
        """(name, scope, depth) -> its access path: bounded by the file's declarations."""
        return {}

    def required_module(self, call: Node) -> str | None:
        """`x` for `require("x")` and `import("x")`, else None."""
        if call.type != "call_expression":
            return None
        callee = call.child_by_field_name("function")
        if callee is None or callee.type not in ("identifier", "import"):
            return None
        if callee.type == "identifier" and syntax.text(callee) != "require":
            return None
        args = syntax.call_arguments(call)
        return syntax.string_value(args[0]) if args else None

    def callee(self, call: Node) -> Ref | None:
        """The access path of the function a call or `new` invokes."""
        if not self._imported_modules:
            return None  # every access path starts at a module the file imports
        key = call.id
        if key not in self._callee_cache:
            fn = call.child_by_field_name("function") or call.child_by_field_name("constructor")
            self._callee_cache[key] = self.ref_of(fn)
        return self._callee_cache[key]

    def calls_to(self, module: str, *path: str) -> list[Node]:
        """Calls whose callee is exactly `module` + `path` (e.g. ("jsonwebtoken", "verify"))."""
        if module not in self._imported_modules:
            return []  # every access path starts at an imported module: no callee to resolve
        return self._calls_by_callee.get(Ref(module, path), [])

    @cached_property
    def _calls_by_callee(self) -> dict[Ref, list[Node]]:
        """Every call under its callee's access path, in document order: rules ask for
        the calls of a library function file by file, many times each."""
        index: dict[Ref, list[Node]] = defaultdict(list)
        for call in self.calls:
            ref = self.callee(call)
            if ref is not None:
                index[ref].append(call)
        return index

    def callee_name(self, call: Node) -> str:
        """The callee as written (`app.use`, `jwt.verify`), for heuristics and messages."""
        key = call.id
        name = self._callee_names.get(key)
        if name is None:
            fn = call.child_by_field_name("function") or call.child_by_field_name("constructor")
            # interned: a file calls the same few names (`res.send`) many times
            name = self._callee_names[key] = sys.intern(syntax.dotted_name(fn) or "")
        return name

    @cached_property
    def _callee_names(self) -> dict[int, str]:
        """call id -> callee_name(call): the rules ask it of every call, several times."""
        return {}

    @cached_property
    def call_index(self) -> CallIndex:
        """The file's calls by method name, callee name and module (call_index.py): rules
        read the few calls they may report on instead of asking every call."""
        return CallIndex(self)

    def mentions(self, word: str) -> bool:
        """Whether `word` occurs in the file's source text: a necessary condition of any
        node whose syntax.text() contains it (identifiers, properties, operators)."""
        return word.encode() in self.parsed.text.source

    def may_spell(self, value: str) -> bool:
        """Whether a string literal of the file may have the value `value` (a necessary
        condition): its text is in the source, or written with escapes, which
        syntax.string_value() reads as the escaped character (`"\\e"` is "e")."""
        source, encoded = self.parsed.text.source, value.encode()
        if encoded in source:
            return True
        if b"\\" not in source:
            return False
        # an escape adds a backslash before the character it stands for (an escaped
        # backslash too: a value holding one is not ruled out)
        return b"\\" in encoded or encoded in source.replace(b"\\", b"")

    def imported_modules(self) -> frozenset[str]:
        """The modules the file imports or requires (rules ask it per file, many times)."""
        return self._imported_modules

    def imports_any(self, modules: frozenset[str]) -> bool:
        """Whether the file imports or requires one of `modules`. Every access path
        (`Ref`) starts at a module the file imports, so a rule that matches calls by
        their `Ref` can skip a file that imports none of its modules without a walk."""
        return not self._imported_modules.isdisjoint(modules)

    @cached_property
    def _imported_modules(self) -> frozenset[str]:
        modules = {r.module for r in self._imports.values()}
        modules.update(
            normalize_module(m)
            for c in self.nodes("call_expression")
            if (m := self.required_module(c)) is not None
        )
        return frozenset(modules)

    def binds(self, name: str) -> bool:
        """Whether the file gives `name` a value anywhere: a declaration with a value, an
        assignment, a function or class declaration, an import. A name it does not bind
        (a parameter, a global) resolves to nothing: ref_of(), declaration() and
        binding() all give None for it."""
        return name in self._bindings or name in self._declarations or name in self._imports

    def declaration(self, name: str, at: Node | None = None) -> Node | None:
        """What a file-level name is declared as: a function or class declaration, or the
        initialiser of a variable (`const f = (req, res) => ...`). Given the identifier `at`
        that reads it, a variable is resolved by lexical scope."""
        found = self._declarations.get(name)
        if found is not None:
            return found
        if at is not None:
            return self._scoped.get((name, self.scope_of(name, at)))
        return self._bindings.get(name)

    def value_of(self, node: Node | None) -> Node | None:
        """Follow an identifier to the expression it was initialised with (one file,
        no flow sensitivity), so that `const opts = {...}; session(opts)` is seen."""
        seen = 0
        node = syntax.unwrap(node)
        while (
            node is not None
            and node.type in ("identifier", "shorthand_property_identifier")
            and seen < _MAX_RESOLVE_DEPTH
        ):
            bound = self.binding(node)
            if bound is None:
                return node
            node = syntax.unwrap(bound)
            seen += 1
        return node

    # -- indexes built once per file (no walk of a whole file per route or per call) --

    def within(self, scope: Node, *types: str) -> list[Node]:
        """The nodes of `types` that are `scope` or inside it, in the order walk(scope)
        yields them: a binary search in the file index instead of a walk of `scope`."""
        start, end = scope.start_byte, scope.end_byte
        found: list[Node] = []
        for node_type in types:
            nodes = self._of_type(node_type)
            if not nodes:
                continue
            starts = self._type_starts(node_type)
            for index in range(bisect_left(starts, start), bisect_right(starts, end)):
                node = nodes[index]
                node_end = node.end_byte
                if node_end > end:
                    continue
                if _touches_edges(node, start, end) and not _inside(node, scope):
                    continue
                found.append(node)
        if len(types) > 1:  # parents first where two nodes start at one byte
            found.sort(key=lambda n: (n.start_byte, -n.end_byte))
        return found

    def references(self, name: str) -> list[Node]:
        """The identifiers and member expressions written as `name` (`login`,
        `security.isAuthorized`), in document order."""
        return self._references.get(name, [])

    @cached_property
    def _references(self) -> dict[str, list[Node]]:
        index: dict[str, list[Node]] = defaultdict(list)
        for node in self.nodes("identifier", "member_expression"):
            index[syntax.text(node)].append(node)
        return index

    def import_identifiers(self, name: str) -> list[Node]:
        """The identifiers named `name` inside the file's `import` statements, in order:
        the specifiers that may bind the name."""
        return self._import_identifiers.get(name, [])

    @cached_property
    def _import_identifiers(self) -> dict[str, list[Node]]:
        index: dict[str, list[Node]] = defaultdict(list)
        for statement in self.nodes("import_statement"):
            for node in syntax.walk(statement):
                if node.type == "identifier":
                    index[syntax.text(node)].append(node)
        return index


def _touches_edges(node: Node, start: int, end: int) -> bool:
    """A node spanning the whole scope may be its ancestor, and an empty node at an
    edge may sit just outside it: those need the parent chain."""
    node_start, node_end = node.start_byte, node.end_byte
    if node_start == start and node_end == end:
        return True
    return node_start == node_end and node_start in (start, end)


def _inside(node: Node, scope: Node) -> bool:
    if node == scope:
        return True
    return any(ancestor == scope for ancestor in syntax.ancestors(node))
