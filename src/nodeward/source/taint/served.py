"""What the app serves besides its server code: browser scripts (static folders, front-end
files, inline `<script>` blocks of templates) and the templates `res.render` fills."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from nodeward.default_excludes import BROWSER_FOLDERS
from nodeward.discover import FileKind
from nodeward.findings import FlowStep, SourceLocation
from nodeward.project import Project
from nodeward.source import syntax
from nodeward.source.browser import is_client_file
from nodeward.source.context import FileContext, Ref
from nodeward.source.parse import Node, SourceText, parse
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.template_context import OutputContext, can_run_script
from nodeward.source.taint.templates import (
    TemplateOutput,
    engine_of,
    find_views,
    inline_scripts,
    template_outputs,
)
from nodeward.source.taint.values import OriginKind, Render, Source, Taint, Trace, members, union

STATIC_FOLDERS = BROWSER_FOLDERS
_STATIC_CALLS = (Ref("express", ("static",)), Ref("serve-static", ()), Ref("koa-static", ()))
_STATIC_MODULES = frozenset(ref.module for ref in _STATIC_CALLS)
_AUTOESCAPE_CALLS = (
    Ref("nunjucks", ("configure",)),
    Ref("nunjucks", ("Environment",)),
    Ref("swig", ("setDefaults",)),
    Ref("swig", ("init",)),  # swig 0.x
)
_AUTOESCAPE_MODULES = frozenset(ref.module for ref in _AUTOESCAPE_CALLS)


@dataclass(frozen=True)
class Served:
    client_files: frozenset[str]
    inline: tuple[FileContext, ...]  # inline scripts, one context per template


@dataclass(frozen=True)
class TemplateHit:
    template: SourceLocation
    render: Render
    trace: Trace
    expression: str
    written: str  # "<%- %>", ...
    escaped: bool  # printed with an escaping tag, in a context where that is not enough
    context: OutputContext
    by_setting: bool  # unescaped because a setting turned escaping off (EscapeSetting)


def named_calls(ctx: FileContext, calls: list[Node] | None = None) -> Iterator[tuple[Node, str]]:
    """Each call (of the file, or of `calls`) with its callee as written; a callee nested
    too deeply to name (generated code) is passed over rather than ending the analysis."""
    for call in ctx.calls if calls is None else calls:
        try:
            name = ctx.callee_name(call)
        except RecursionError:
            continue
        yield call, name


def _last_string(node: Node | None) -> str | None:
    found = None
    for child in syntax.walk(node) if node is not None else ():
        value = syntax.string_value(child)
        if value is not None and child.type in syntax.STRING_TYPES:
            found = value
    return found


def _static_folders(project: Project) -> set[str]:
    folders = set(STATIC_FOLDERS)
    for ctx in project.files:
        if not ctx.imports_any(_STATIC_MODULES):
            continue  # every access path starts at an imported module: no static call here
        for call in ctx.calls:
            if ctx.callee(call) in _STATIC_CALLS:
                args = syntax.call_arguments(call)
                folder = _last_string(args[0]) if args else None
                if folder:
                    folders.add(posixpath.basename(folder.strip("./")) or folder)
    return folders


def served_code(project: Project) -> Served:
    folders = _static_folders(project)
    client = {ctx.rel for ctx in project.files if is_client_file(ctx, folders)}
    inline: list[FileContext] = []
    for discovered in project.inventory.of_kind(FileKind.TEMPLATE):
        text = project.text_of(discovered)
        if not isinstance(text, SourceText):
            continue
        scripts = inline_scripts(text)
        if scripts is not None:
            inline.append(FileContext(parse(scripts)))
            client.add(text.rel)
    return Served(frozenset(client), tuple(inline))


@dataclass(frozen=True)
class EscapeSetting:
    """A setting that turns off HTML escaping for every output of an engine's templates."""

    location: SourceLocation
    label: str  # "swig.init({ autoescape: false })"
    engines: frozenset[str]


_NUNJUCKS_ENGINES = frozenset({"nunjucks", "html"})
_HANDLEBARS_MODULES = frozenset({"handlebars", "express-handlebars", "hbs", "express-hbs"})


def escape_settings(project: Project) -> list[EscapeSetting]:
    """Nunjucks/Swig `autoescape: false` and Handlebars `noEscape: true`, in file order."""
    found: list[EscapeSetting] = []
    for ctx in project.files:
        handlebars = bool(ctx.imported_modules() & _HANDLEBARS_MODULES)
        if not handlebars and not ctx.imports_any(_AUTOESCAPE_MODULES):
            continue  # every access path starts at an imported module: no setting here
        for call in ctx.calls:
            setting = _escape_setting(ctx, call, handlebars)
            if setting is not None:
                found.append(setting)
    return found


def _escape_setting(ctx: FileContext, call: Node, handlebars: bool) -> EscapeSetting | None:
    nunjucks = ctx.callee(call) in _AUTOESCAPE_CALLS
    if not nunjucks and not handlebars:
        return None
    for arg in syntax.call_arguments(call):
        options = ctx.value_of(arg)
        if nunjucks and syntax.bool_value(syntax.object_get(options, "autoescape")) is False:
            label = f"{ctx.callee_name(call)}({{ autoescape: false }})"
            return EscapeSetting(ctx.location(call), label, _NUNJUCKS_ENGINES)
        if handlebars:
            compiler = ctx.value_of(syntax.object_get(options, "compilerOptions"))
            for holder in (options, compiler):
                if syntax.bool_value(syntax.object_get(holder, "noEscape")) is True:
                    label = f"Handlebars {ctx.callee_name(call)}(... noEscape: true ...)"
                    return EscapeSetting(ctx.location(call), label, frozenset({"handlebars"}))
    return None


def setting_for(rel: str, settings: list[EscapeSetting]) -> EscapeSetting | None:
    """The setting that turned escaping off in template `rel`."""
    engine = engine_of(rel)
    return next((s for s in settings if engine in s.engines), None)


def views_folders(project: Project) -> tuple[str, ...]:
    """`app.set("views", path.join(__dirname, "templates"))`, relative to the scan root."""
    folders = ["views"]
    for ctx in project.files:
        # a callee named `x.set` is filed under its last name, "set"
        for call, name in named_calls(ctx, ctx.call_index.calls_named(("set",))):
            args = syntax.call_arguments(call)
            if not name.endswith(".set") or len(args) < 2:
                continue
            if syntax.string_value(args[0]) != "views":
                continue
            folder = _last_string(args[1])
            if folder:
                base = posixpath.dirname(ctx.rel)
                folders.append(posixpath.normpath(posixpath.join(base, folder.strip("/"))))
    return tuple(folders)


def template_hits(project: Project, renders: list[Render]) -> list[TemplateHit]:
    if not renders:
        return []
    templates = {d.rel: d for d in project.inventory.of_kind(FileKind.TEMPLATE)}
    folders = views_folders(project)
    settings = escape_settings(project)
    hits: list[TemplateHit] = []
    names = sorted(templates)
    pairs = [(r, rel) for r in renders for rel in find_views(r.view, names, folders)]
    for render, rel in pairs:
        text = project.text_of(templates[rel])
        if not isinstance(text, SourceText):
            continue
        decoded = text.source.decode("utf-8", errors="replace")
        autoescape_off = setting_for(text.rel, settings) is not None
        for output in template_outputs(text.rel, decoded, autoescape_off):
            if not _can_run_script(output):
                continue
            taints = [_variable_taint(render, v, output.resolved) for v in output.variables]
            taints += [members(render.every_variable, v) for v in output.variables]
            live = [t for t in union(*taints) if SinkKind.XSS not in t.cleared]
            if not live:
                continue
            location = SourceLocation(
                path=text.rel,
                line=output.line,
                column=output.column,
                snippet=text.line(output.line).strip(),
            )
            # one hit for request data (NW902) and one for stored records (NW904)
            groups = [[t for t in live if _is_stored(t) is flag] for flag in (False, True)]
            hits.extend(
                _template_hit(location, render, trace, output)
                for trace in (_shortest(g) for g in groups if g)
            )
    return hits


def _can_run_script(output: TemplateOutput) -> bool:
    return can_run_script(output.context, output.expression, output.escaped)


def _shortest(traces: list[Trace]) -> Trace:
    return min(traces, key=lambda t: (len(t.steps), repr(t.origin)))


def _is_stored(trace: Trace) -> bool:
    return isinstance(trace.origin, Source) and trace.origin.kind is OriginKind.STORED


def _template_hit(
    location: SourceLocation, render: Render, trace: Trace, output: TemplateOutput
) -> TemplateHit:
    how = "printed" if output.escaped else "printed unescaped"
    where = "" if output.context is OutputContext.HTML else f" in {output.context.value} context"
    steps = (
        *trace.steps,
        FlowStep(render.call, f"rendered by {render.label} as {render.view!r}"),
        FlowStep(location, f"{how}{where}: {output.syntax} {output.expression}"),
    )
    return TemplateHit(
        location,
        render,
        Trace(trace.origin, steps, trace.via),
        output.expression,
        output.syntax,
        output.escaped,
        output.context,
        output.by_setting,
    )


#: `.name`, `?.name`, `["name"]` or `[index]` (one level of brackets inside): possessive
#: runs, and an index holds no `[` of its own, so no run is read in more than one way;
#: matched right after a name or `]`, never inside a run of spaces
_ACCESSOR = re.compile(
    r"(?<!\s)\s*+(?:\??\.\s*+([\w$]++)"
    r"|\[\s*+(?:['\"]([\w$]++)['\"]\s*+\]|(?:[^\]\[]|\[[^\]\[]*+\])*+\]))"
)


def _accessors(variable: str, expression: str) -> list[str]:
    """The properties `expression` reads from `variable`, in order: `posts[0].body` ->
    ["[]", "body"]; a computed index is "[]"."""
    start = re.search(rf"(?<![\w.$]){re.escape(variable)}(?![\w$])", expression)
    if start is None:
        return []
    found: list[str] = []
    position = start.end()
    while (step := _ACCESSOR.match(expression, position)) is not None and step.end() > position:
        found.append(step.group(1) or step.group(2) or "[]")
        position = step.end()
    return found


def _variable_taint(render: Render, variable: str, expression: str) -> Taint:
    """What `expression` reads from `variable`: the property path it follows, through the
    traces' fields (values.Trace.fields), or one property's taint when the render passed
    an object literal that declares it."""
    taint = render.variables.get(variable, frozenset())
    fields = render.fields.get(variable)
    if not taint and not fields:
        # nothing to follow (every name of the expression is asked for, so reading the
        # expression only for variables the render passes keeps this linear)
        return taint
    path = _accessors(variable, expression)
    if path and fields and path[0] in fields:
        taint, path = fields[path[0]], path[1:]
    for name in path:
        taint = members(taint, name)
    return taint
