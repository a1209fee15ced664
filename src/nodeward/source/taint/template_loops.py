"""Loop variables of server-side templates: what a name printed inside a loop stands for.

`<% posts.forEach(function (post) { %> <%- post.body %>` prints an element of the rendered
`posts`; rewriting the printed expression to `posts[0].body` lets the taint of the render
variable `posts` reach it. Each engine scopes its loops differently:

- EJS: JavaScript loops (`arr.forEach(function (x) {`, `for (const x of arr) {`) that stay
  open until their brace closes in a later scriptlet;
- Pug: `each x in arr` / `for x in arr`, open while the lines are indented deeper;
- Nunjucks and Swig: `{% for x in arr %}` ... `{% endfor %}`;
- Handlebars: `{{#each arr}}` changes the context (`{{{body}}}` and `{{{this.body}}}` read
  the element), `{{#each arr as |x|}}` also names it, `{{#with obj}}` changes the context.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from nodeward.source.taint.delimited import Closers, IndentedLines, end_of_last

_NAME = r"[A-Za-z_$][\w$]*"
_PATTERN = rf"\{{[^{{}}]*\}}|{_NAME}"  # a name or an object destructuring pattern
_JS_IDENTIFIER = re.compile(rf"(?<![\w.$'\"])({_NAME})")

_ITERATORS = r"(?:forEach|map|filter|flatMap|some|every|find)"
#: the receiver of an iteration, `posts`, `user.posts`, `a[0].b`: a chain that stops
#: before `.forEach(`, possessively (_iterations)
_RECEIVER = re.compile(rf"{_NAME}(?:\s*+\??\.\s*+(?!{_ITERATORS}\s*\(){_NAME}|\[[^\]\[]*+\])*+")
_BRACKETED = re.compile(r"\[([^\]\[]*+)\]")
#: where the receiver ends (so never from inside a run of spaces)
_ITERATION_CALL = re.compile(
    rf"(?<!\s)\s*+\??\.\s*{_ITERATORS}\s*\(\s*(?:async\s+)?"
    rf"(?:function\s*(?:{_NAME})?\s*)?\(?\s*({_PATTERN})"
)
#: the iterable runs to the `)`, spaces before it included (the caller strips them: a lazy
#: `([^)]+?)\s*\)` would rescan a run of spaces at each step)
_EJS_FOR_OF = re.compile(rf"\bfor\s*+\(\s*+(?:const|let|var)?\s*+({_PATTERN})\s++of\s++([^)]++)\)")
#: string literals, and escapes outside them (kept): a quote escaped outside a string is
#: then never taken for an opening one, so an unclosed string is read once, not once per
#: escaped quote after it
_STRING = re.compile(r"\\.|'(?:\\.|[^'\\])*+'|\"(?:\\.|[^\"\\])*+\"|`(?:\\.|[^`\\])*+`")

#: the iterable runs to the line's last character but spaces and tabs (greedy, then one
#: step back over them: a lazy `(.+?)[ \t]*$` would rescan a run of spaces at each step)
_PUG_EACH = re.compile(
    rf"^([ \t]*)(?:each|for)[ \t]+({_NAME})(?:[ \t]*,[ \t]*{_NAME})?[ \t]+in[ \t]+"
    r"([^ \t\n](?:[^\n]*[^ \t\n])?)[ \t]*$",
    re.M,
)
#: `{% for x in`: the iterable runs to the next `%}` (_nunjucks_loops)
_NUNJUCKS_FOR_HEAD = re.compile(rf"\{{%-?\s*+for\s++({_NAME})(?:\s*+,\s*+({_NAME}))?\s++in\s++")
_NUNJUCKS_ENDFOR = re.compile(r"\{%-?\s*endfor\s*-?%\}")

#: `{{#each`: the arguments run to the next `}}` (_handlebars_opens)
_HANDLEBARS_OPEN_HEAD = re.compile(r"\{\{~?#\s*+([\w-]++)\s*+")
_HANDLEBARS_CLOSE = re.compile(r"\{\{~?/\s*([\w-]+)\s*~?\}\}")
_BLOCK_PARAMS = re.compile(r"\bas\s*+\|\s*+([^|]*+)\|")  # the names are split on spaces
_NOT_SCRIPTLET = frozenset("=-#%_")  # `<%=`, `<%-`, `<%#`, `<%%`, `<%__`
_OPEN = 1 << 62  # the end of a loop not closed yet
_MAX_PATH = 200  # characters of a resolved loop path (_bounded)
_MAX_DEPTH = 64  # Handlebars blocks a path is resolved through, innermost first


@dataclass(frozen=True)
class Alias:
    """`name` stands for `replacement` between the offsets `start` and `end` (`_OPEN`
    while the loop has not closed yet)."""

    name: str
    replacement: str
    start: int
    end: int


def _bounded(path: str) -> str:
    """A path no longer than real templates make: loops nested thousands deep (`each a`
    inside `each a` ...) would otherwise print paths that grow with every level, and the
    work with them. Past the bound only the root is kept."""
    path = path.strip()
    if len(path) <= _MAX_PATH:
        return path
    root = re.match(_NAME, path)
    return root.group() if root else path[:_MAX_PATH]


def _element(source: str) -> str:
    return f"{_bounded(source)}[0]"


def _pattern_aliases(pattern: str, element: str, start: int) -> list[Alias]:
    """`post` -> post is the element; `{ body, title: t }` -> body and t read its fields."""
    if not pattern.startswith("{"):
        return [Alias(pattern, element, start, _OPEN)]
    found = []
    for part in pattern.strip("{}").split(","):
        key, _colon, bound = part.partition(":")
        key, bound = key.strip(), (bound or key).split("=")[0].strip()
        if re.fullmatch(_NAME, key) and re.fullmatch(_NAME, bound):
            found.append(Alias(bound, f"{element}.{key}", start, _OPEN))
    return found


def substitute(expression: str, aliases: list[Alias], offset: int) -> str:
    """`expression` with the loop variables open at `offset` replaced by what they stand for
    (the innermost loop wins)."""
    return LoopScope(aliases).resolve(expression, offset)


def _replace_names(expression: str, lookup: Callable[[str], str | None]) -> str:
    return _JS_IDENTIFIER.sub(lambda m: lookup(m.group(1)) or m.group(1), expression)


class LoopScope:
    """The loop variables open at an offset, asked for in increasing offsets (the order a
    template is read in): each alias is taken in and dropped once, and a name is looked up
    on its own stack, so a view with many loops is not read again for every output."""

    def __init__(self, aliases: Iterable[Alias] = ()) -> None:
        self._aliases = sorted(aliases, key=lambda a: a.start)  # stable: the later one wins
        self._reset()

    def _reset(self) -> None:
        self._taken = 0
        self._asked = -1
        self._open: dict[str, list[Alias]] = {}

    def add(self, alias: Alias) -> None:
        """A loop that starts at or after every loop taken in so far."""
        self._aliases.append(alias)

    def resolve(self, expression: str, offset: int) -> str:
        if offset < self._asked:  # out of order: read again from the start
            self._reset()
        self._asked = offset
        while self._taken < len(self._aliases) and self._aliases[self._taken].start <= offset:
            alias = self._aliases[self._taken]
            self._open.setdefault(alias.name, []).append(alias)
            self._taken += 1
        return _replace_names(expression, lambda name: self._innermost(name, offset))

    def _innermost(self, name: str, offset: int) -> str | None:
        stack = self._open.get(name)
        while stack and stack[-1].end <= offset:  # closed for good: offsets only grow
            stack.pop()
        return stack[-1].replacement if stack else None


def _braces(code: str) -> int:
    code = _STRING.sub(lambda m: m.group() if m.group().startswith("\\") else "", code)
    return code.count("{") - code.count("}")


def _scriptlets(text: str) -> Iterator[tuple[int, int, str]]:
    r"""(start, end, code) of each EJS scriptlet `<% code %>` (also `<%_ %>`, `-%>`, `_%>`),
    not output or comment tags: what `<%_?(?![=\-#%_])(.*?)[-_]?%>` finds, each `%>`
    searched for once rather than from every `<%`."""
    closers = Closers(text)
    position = 0
    while (start := text.find("<%", position)) != -1:
        body = start + 2
        if text.startswith("_", body) and text[body + 1 : body + 2] not in _NOT_SCRIPTLET:
            body += 1
        elif text[body : body + 1] in _NOT_SCRIPTLET:
            position = start + 1
            continue
        close = closers.after("%>", body)
        if close == -1:
            return
        code = text[body:close]
        yield start, close + 2, code[:-1] if code.endswith(("-", "_")) else code
        position = close + 2


def _iterations(
    code: str, start: int = 0, end: int | None = None, nested: bool = False
) -> Iterator[tuple[str, str]]:
    """(loop variable pattern, iterated expression) of each `a.b.forEach(function (x)`
    and the like. The receiver chain is read once, possessively, and the call tried where
    it stops: a greedy chain that backtracks from every start would be quadratic. Of a
    chain that is no receiver only the brackets (`a[b.map(...)]`) can hold one."""
    end = len(code) if end is None else end
    position = start
    while (receiver := _RECEIVER.search(code, position, end)) is not None:
        call = _ITERATION_CALL.match(code, receiver.end())
        if call is not None:
            yield call.group(1), receiver.group()
            position = call.end()
            continue
        if not nested:  # bracket contents hold no brackets: one level is all there is
            for bracket in _BRACKETED.finditer(code, receiver.start(), receiver.end()):
                yield from _iterations(code, *bracket.span(1), nested=True)
        position = receiver.end()


def _top(names: dict[str, list[str]], name: str) -> str | None:
    stack = names.get(name)
    return stack[-1] if stack else None


def ejs_aliases(text: str) -> list[Alias]:
    """Loop variables of EJS scriptlets, open until the brace their loop opened closes."""
    aliases: list[Alias] = []
    open_at: list[tuple[int, list[Alias]]] = []  # (brace depth inside the loop, aliases)
    names: dict[str, list[str]] = {}  # the open loops' variables, innermost last
    depth = 0
    for scriptlet_start, start, code in _scriptlets(text):
        heads = list(_iterations(code))
        # no search past the last `)`: a `for (x of` without one would rescan the rest
        end = end_of_last(")", code)
        heads += [(m.group(1), m.group(2)) for m in _EJS_FOR_OF.finditer(code, 0, end)]
        before = depth
        depth += _braces(code)
        while open_at and open_at[-1][0] > depth:
            closed = open_at.pop()[1]
            aliases += [replace(a, end=scriptlet_start) for a in closed]
            for alias in closed:
                names[alias.name].pop()
        if depth <= before:  # the loop closes in the same scriptlet: it prints nothing
            continue
        for pattern, source in heads:
            element = _element(_replace_names(source, lambda n: _top(names, n)))
            opened = _pattern_aliases(pattern.strip(), element, start)
            open_at.append((depth, opened))
            for alias in opened:
                names.setdefault(alias.name, []).append(alias.replacement)
    return aliases + [replace(a, end=len(text)) for _depth, group in open_at for a in group]


def pug_aliases(text: str) -> list[Alias]:
    """`each post in posts`: open over the following lines indented deeper."""
    aliases: list[Alias] = []
    lines = IndentedLines(text)
    scope = LoopScope()
    for match in _PUG_EACH.finditer(text):
        end = lines.block_end(match.end() + 1, len(match.group(1).expandtabs()))
        source = scope.resolve(match.group(3), match.start())
        alias = Alias(match.group(2), _element(source), match.end(), end)
        aliases.append(alias)
        scope.add(alias)
    return aliases


def _nunjucks_loops(text: str) -> Iterator[tuple[int, int, str, str | None, str]]:
    r"""(start, end, first name, second name, iterable) of each `{% for x in xs %}`: what
    `\{%-?\s*for\s+(x)(?:\s*,\s*(y))?\s+in\s+(.+?)\s*-?%\}` finds, each `%}` searched
    for once rather than from every `{% for`."""
    closers = Closers(text)
    position = 0
    while (head := _NUNJUCKS_FOR_HEAD.search(text, position)) is not None:
        close = closers.after("%}", head.end() + 1)  # the iterable is one character or more
        if close == -1:
            return
        iterable = text[head.end() : close]
        iterable = (iterable[:-1] if iterable.endswith("-") else iterable).rstrip()
        if not iterable:
            position = head.start() + 1
            continue
        yield head.start(), close + 2, head.group(1), head.group(2), iterable
        position = close + 2


def nunjucks_aliases(text: str) -> list[Alias]:
    """`{% for post in posts %}` ... `{% endfor %}` (nested loops close innermost first);
    `{% for key, value in object %}` names the value second."""
    events: list[tuple[int, int, tuple[str, str | None, str] | None]] = [
        (start, end, (first, second, iterable))
        for start, end, first, second, iterable in _nunjucks_loops(text)
    ]
    events += [(m.start(), m.end(), None) for m in _NUNJUCKS_ENDFOR.finditer(text)]
    aliases: list[Alias] = []
    stack: list[Alias] = []
    names: dict[str, list[str]] = {}  # the open loops' variables, innermost last
    for start, end, loop in sorted(events, key=lambda e: e[0]):
        if loop is None:
            if stack:
                closed = stack.pop()
                names[closed.name].pop()
                aliases.append(replace(closed, end=start))
            continue
        first, second, iterable = loop
        source = _replace_names(iterable, lambda n: _top(names, n))
        stack.append(Alias(second or first, _element(source), end, _OPEN))
        names.setdefault(stack[-1].name, []).append(stack[-1].replacement)
    return aliases + [replace(a, end=len(text)) for a in stack]


# -- Handlebars -----------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """An open Handlebars block helper."""

    name: str
    context: str | None  # the expression `this` stands for; None: the render data
    params: tuple[tuple[str, str], ...]  # block parameters -> what they stand for
    scoped: bool  # #each and #with change the context (`../` leaves them); #if does not


def _hb_path(token: str, frames: list[Block]) -> str:
    """A Handlebars path as the expression it reads: `body` inside `{{#each posts}}` is
    `posts[0].body`, `../title` steps out one block, `@index` is a number."""
    frames = list(frames)
    while token.startswith("../"):
        token = token[3:]
        while frames and not frames.pop().scoped:
            pass
    context = frames[-1].context if frames else None
    if token.startswith("@root."):
        return token[len("@root.") :]
    if token.startswith("@"):
        return "0"
    head, _dot, rest = token.partition(".")
    for frame in reversed(frames):
        for name, value in frame.params:
            if head == name:
                return f"{value}.{rest}" if rest else value
    if token in ("this", "."):
        return context or "this"
    if head == "this" or token.startswith("./"):
        token = rest if head == "this" else token[2:]
    if not re.match(_NAME, token):
        return token
    return f"{context}.{token}" if context else token


def _hb_expression(expression: str, frames: list[Block]) -> str:
    """Each path of a mustache resolved; with arguments, the first word names a helper."""
    tokens = expression.split()
    resolved = []
    for index, token in enumerate(tokens):
        lead = token[: len(token) - len(token.lstrip("("))]
        core = token.strip("()")
        tail = token[len(lead) + len(core) :]
        key, equals, value = core.rpartition("=")
        helper = (index == 0 and len(tokens) > 1) or bool(lead)
        if helper or core[:1] in "\"'" or core[:1].isdigit() or not core:
            resolved.append(token)
            continue
        resolved.append(f"{lead}{key}{equals}{_hb_path(value, frames)}{tail}")
    return " ".join(resolved)


def _hb_frame(block: str, arguments: str, frames: list[Block]) -> Block:
    current = frames[-1].context if frames else None
    params = _BLOCK_PARAMS.search(arguments)
    subject = _BLOCK_PARAMS.sub("", arguments).split()
    source = _hb_path(subject[0], frames) if subject else None
    if block == "each" and source is not None:
        element = _element(source)
        names = params.group(1).split() if params else []
        bound = [(names[0], element)] if names else []
        if len(names) > 1:  # `as |item index|`
            bound.append((names[1], "0"))
        return Block(block, element, tuple(bound), scoped=True)
    if block == "with" and source is not None:
        source = _bounded(source)
        names = params.group(1).split() if params else []
        return Block(block, source, ((names[0], source),) if names else (), scoped=True)
    return Block(block, current, (), scoped=False)


def _handlebars_opens(text: str) -> Iterator[tuple[int, int, str, str]]:
    r"""(start, end, helper, arguments) of each block opening `{{#each posts}}`: what
    `\{\{~?#\s*([\w-]+)\s*(.*?)\s*~?\}\}` finds, each `}}` searched for once."""
    closers = Closers(text)
    position = 0
    while (head := _HANDLEBARS_OPEN_HEAD.search(text, position)) is not None:
        close = closers.after("}}", head.end())
        if close == -1:
            return
        arguments = text[head.end() : close]
        arguments = (arguments[:-1] if arguments.endswith("~") else arguments).rstrip()
        yield head.start(), close + 2, head.group(1), arguments
        position = close + 2


def handlebars_blocks(text: str) -> list[tuple[int, int, Block]]:
    """(block start, block end, frame) spans, outermost first, to resolve mustaches by."""
    events: list[tuple[int, int, str, str | None]] = [
        (start, end, helper, arguments) for start, end, helper, arguments in _handlebars_opens(text)
    ]
    events += [(m.start(), m.end(), m.group(1), None) for m in _HANDLEBARS_CLOSE.finditer(text)]
    spans: list[tuple[int, int, Block]] = []
    stack: list[tuple[int, Block]] = []
    for start, end, helper, arguments in sorted(events, key=lambda e: e[0]):
        if arguments is None:  # a closing `{{/helper}}`
            while stack:
                opened, frame = stack.pop()
                spans.append((opened, start, frame))
                if frame.name == helper:
                    break
            continue
        frame = _hb_frame(helper, arguments, [f for _s, f in stack[-_MAX_DEPTH:]])
        stack.append((end, frame))
    spans += [(opened, len(text), frame) for opened, frame in stack]
    return sorted(spans, key=lambda s: s[0])


def handlebars_resolve(expression: str, spans: list[tuple[int, int, Block]], offset: int) -> str:
    """`expression` as read inside the blocks open at `offset`."""
    return BlockScope(spans).resolve(expression, offset)


class BlockScope:
    """The Handlebars blocks open at an offset, asked for in increasing offsets: the spans
    nest (handlebars_blocks closes them as a stack), so the open ones are a stack too, and
    each span is pushed and popped once rather than every span tested for every output."""

    def __init__(self, spans: list[tuple[int, int, Block]]) -> None:
        self._spans = spans  # sorted by start
        self._reset()

    def _reset(self) -> None:
        self._taken = 0
        self._asked = -1
        self._open: list[tuple[int, int, Block]] = []

    def resolve(self, expression: str, offset: int) -> str:
        if offset < self._asked:  # out of order: read again from the start
            self._reset()
        self._asked = offset
        while self._taken < len(self._spans) and self._spans[self._taken][0] <= offset:
            span = self._spans[self._taken]
            while self._open and self._open[-1][1] <= span[0]:
                self._open.pop()
            self._open.append(span)
            self._taken += 1
        while self._open and self._open[-1][1] <= offset:
            self._open.pop()
        innermost = self._open[-_MAX_DEPTH:]
        return _hb_expression(expression, [block for _start, _end, block in innermost])
