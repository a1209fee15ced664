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
from dataclasses import dataclass, replace

_NAME = r"[A-Za-z_$][\w$]*"
_PATTERN = rf"\{{[^{{}}]*\}}|{_NAME}"  # a name or an object destructuring pattern
_JS_IDENTIFIER = re.compile(rf"(?<![\w.$'\"])({_NAME})")

_EJS_SCRIPTLET = re.compile(r"<%_?(?![=\-#%_])(.*?)[-_]?%>", re.S)
_EJS_ITERATION = re.compile(
    rf"({_NAME}(?:\s*\??\.\s*{_NAME}|\[[^\]]*\])*)\s*\??\.\s*"
    rf"(?:forEach|map|filter|flatMap|some|every|find)\s*\(\s*(?:async\s+)?"
    rf"(?:function\s*(?:{_NAME})?\s*)?\(?\s*({_PATTERN})"
)
_EJS_FOR_OF = re.compile(rf"\bfor\s*\(\s*(?:const|let|var)?\s*({_PATTERN})\s+of\s+([^)]+?)\s*\)")
_STRING = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|`(?:\\.|[^`\\])*`")

_PUG_EACH = re.compile(
    rf"^([ \t]*)(?:each|for)[ \t]+({_NAME})(?:[ \t]*,[ \t]*{_NAME})?[ \t]+in[ \t]+(.+?)[ \t]*$",
    re.M,
)
_NUNJUCKS_FOR = re.compile(
    rf"\{{%-?\s*for\s+({_NAME})(?:\s*,\s*({_NAME}))?\s+in\s+(.+?)\s*-?%\}}", re.S
)
_NUNJUCKS_ENDFOR = re.compile(r"\{%-?\s*endfor\s*-?%\}")

_HANDLEBARS_OPEN = re.compile(r"\{\{~?#\s*([\w-]+)\s*(.*?)\s*~?\}\}", re.S)
_HANDLEBARS_CLOSE = re.compile(r"\{\{~?/\s*([\w-]+)\s*~?\}\}")
_BLOCK_PARAMS = re.compile(r"\bas\s*\|\s*([^|]*?)\s*\|")
_OPEN = 1 << 62  # the end of a loop not closed yet


@dataclass(frozen=True)
class Alias:
    """`name` stands for `replacement` between the offsets `start` and `end` (`_OPEN`
    while the loop has not closed yet)."""

    name: str
    replacement: str
    start: int
    end: int


def _element(source: str) -> str:
    return f"{source.strip()}[0]"


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
    active: dict[str, str] = {}
    for alias in sorted(aliases, key=lambda a: a.start):
        if alias.start <= offset < alias.end:
            active[alias.name] = alias.replacement
    if not active:
        return expression
    return _JS_IDENTIFIER.sub(lambda m: active.get(m.group(1), m.group(1)), expression)


def _braces(code: str) -> int:
    code = _STRING.sub("", code)
    return code.count("{") - code.count("}")


def ejs_aliases(text: str) -> list[Alias]:
    """Loop variables of EJS scriptlets, open until the brace their loop opened closes."""
    aliases: list[Alias] = []
    open_at: list[tuple[int, list[Alias]]] = []  # (brace depth inside the loop, aliases)
    depth = 0
    for scriptlet in _EJS_SCRIPTLET.finditer(text):
        code, start = scriptlet.group(1), scriptlet.end()
        heads = [(m.group(2), m.group(1)) for m in _EJS_ITERATION.finditer(code)]
        heads += [(m.group(1), m.group(2)) for m in _EJS_FOR_OF.finditer(code)]
        before = depth
        depth += _braces(code)
        while open_at and open_at[-1][0] > depth:
            aliases += [replace(a, end=scriptlet.start()) for a in open_at.pop()[1]]
        if depth <= before:  # the loop closes in the same scriptlet: it prints nothing
            continue
        for pattern, source in heads:
            element = _element(substitute(source, [a for _d, g in open_at for a in g], start))
            open_at.append((depth, _pattern_aliases(pattern.strip(), element, start)))
    return aliases + [replace(a, end=len(text)) for _depth, group in open_at for a in group]


def pug_aliases(text: str) -> list[Alias]:
    """`each post in posts`: open over the following lines indented deeper."""
    aliases: list[Alias] = []
    for match in _PUG_EACH.finditer(text):
        indent = len(match.group(1).expandtabs())
        end = len(text)
        offset = match.end() + 1
        for line in text[offset:].splitlines(keepends=True):
            stripped = line.strip()
            if stripped and len(line) - len(line.lstrip(" \t")) <= indent:
                end = offset
                break
            offset += len(line)
        source = substitute(match.group(3), aliases, match.start())
        aliases.append(Alias(match.group(2), _element(source), match.end(), end))
    return aliases


def nunjucks_aliases(text: str) -> list[Alias]:
    """`{% for post in posts %}` ... `{% endfor %}` (nested loops close innermost first);
    `{% for key, value in object %}` names the value second."""
    events = [(m.start(), m) for m in _NUNJUCKS_FOR.finditer(text)]
    events += [(m.start(), m) for m in _NUNJUCKS_ENDFOR.finditer(text)]
    aliases: list[Alias] = []
    stack: list[Alias] = []
    for _offset, match in sorted(events, key=lambda e: e[0]):
        if match.re is _NUNJUCKS_ENDFOR:
            if stack:
                aliases.append(replace(stack.pop(), end=match.start()))
            continue
        name = match.group(2) or match.group(1)
        source = substitute(match.group(3), [*aliases, *stack], match.start())
        stack.append(Alias(name, _element(source), match.end(), _OPEN))
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
        names = params.group(1).split() if params else []
        return Block(block, source, ((names[0], source),) if names else (), scoped=True)
    return Block(block, current, (), scoped=False)


def handlebars_blocks(text: str) -> list[tuple[int, int, Block]]:
    """(block start, block end, frame) spans, outermost first, to resolve mustaches by."""
    events = [(m.start(), m) for m in _HANDLEBARS_OPEN.finditer(text)]
    events += [(m.start(), m) for m in _HANDLEBARS_CLOSE.finditer(text)]
    spans: list[tuple[int, int, Block]] = []
    stack: list[tuple[int, Block]] = []
    for _offset, match in sorted(events, key=lambda e: e[0]):
        if match.re is _HANDLEBARS_CLOSE:
            while stack:
                start, frame = stack.pop()
                spans.append((start, match.start(), frame))
                if frame.name == match.group(1):
                    break
            continue
        frame = _hb_frame(match.group(1), match.group(2), [f for _s, f in stack])
        stack.append((match.end(), frame))
    spans += [(start, len(text), frame) for start, frame in stack]
    return sorted(spans, key=lambda s: s[0])


def handlebars_resolve(expression: str, spans: list[tuple[int, int, Block]], offset: int) -> str:
    """`expression` as read inside the blocks open at `offset`."""
    frames = [block for start, end, block in spans if start <= offset < end]
    return _hb_expression(expression, frames)
