"""Flow rules: request data that reaches a dangerous call, found by the taint engine
(source/taint/). Each finding points at the sink and carries the path from the source."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.access import MASS_ASSIGNMENT, OPEN_REDIRECT
from nodeward.catalog.auth import PLAINTEXT_PASSWORD
from nodeward.catalog.dos import LOOP_BOUND
from nodeward.catalog.exposure import PERSONAL_DATA_UNENCRYPTED, SENSITIVE_DATA_EXPOSURE
from nodeward.catalog.injection import (
    CODE_INJECTION,
    COMMAND_INJECTION,
    DESERIALIZATION,
    HEADER_INJECTION,
    LOG_INJECTION,
    NOSQL_INJECTION,
    PATH_TRAVERSAL,
    PROTOTYPE_POLLUTION,
    REDOS,
    SQL_INJECTION,
    SSRF,
    XPATH_INJECTION,
    XXE,
    ZIP_SLIP,
)
from nodeward.catalog.xss import (
    DOM_XSS,
    REFLECTED_XSS,
    STORED_XSS,
    TEMPLATE_UNESCAPED,
    TEMPLATE_UNSAFE_CONTEXT,
)
from nodeward.checks import Checker
from nodeward.findings import Confidence, Evidence, Finding, Skip
from nodeward.project import Project
from nodeward.rulemeta import RuleMeta
from nodeward.source import syntax
from nodeward.source.rules import archive_guards
from nodeward.source.rules.privilege_fields import privilege_field_findings
from nodeward.source.taint import stored
from nodeward.source.taint.environment import ENVIRONMENT_FIX, from_environment
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.served import (
    EscapeSetting,
    TemplateHit,
    escape_settings,
    named_calls,
    setting_for,
    template_hits,
)
from nodeward.source.taint.template_context import OutputContext
from nodeward.source.taint.values import Hit, OriginKind, Render, Source

RULES_BY_KIND: dict[SinkKind, RuleMeta] = {
    SinkKind.SQL: SQL_INJECTION,
    SinkKind.NOSQL: NOSQL_INJECTION,
    SinkKind.COMMAND: COMMAND_INJECTION,
    SinkKind.CODE: CODE_INJECTION,
    SinkKind.PATH: PATH_TRAVERSAL,
    SinkKind.SSRF: SSRF,
    SinkKind.LOG: LOG_INJECTION,
    SinkKind.REDOS: REDOS,
    SinkKind.PROTOTYPE: PROTOTYPE_POLLUTION,
    SinkKind.DESERIALIZATION: DESERIALIZATION,
    SinkKind.XXE: XXE,
    SinkKind.XPATH: XPATH_INJECTION,
    SinkKind.HEADER: HEADER_INJECTION,
    SinkKind.REDIRECT: OPEN_REDIRECT,
    SinkKind.MASS_ASSIGNMENT: MASS_ASSIGNMENT,
    SinkKind.XSS: REFLECTED_XSS,
    SinkKind.DOM_XSS: DOM_XSS,
    SinkKind.ZIP_SLIP: ZIP_SLIP,
    SinkKind.SENSITIVE: SENSITIVE_DATA_EXPOSURE,
    SinkKind.PLAIN_PASSWORD: PLAINTEXT_PASSWORD,
    SinkKind.PLAIN_PERSONAL: PERSONAL_DATA_UNENCRYPTED,
    SinkKind.LOOP_BOUND: LOOP_BOUND,
    SinkKind.LENGTH_BOUND: LOOP_BOUND,
}

_PRIVILEGED_FIELDS = frozenset(
    {"role", "roles", "isAdmin", "admin", "balance", "permissions", "verified", "isVerified"}
)


_KIND_TITLES = {
    SinkKind.SQL: "SQL injection",
    SinkKind.NOSQL: "NoSQL injection",
    SinkKind.COMMAND: "command injection",
    SinkKind.CODE: "code injection",
    SinkKind.PATH: "path traversal",
    SinkKind.SSRF: "SSRF",
    SinkKind.LOG: "log injection",
    SinkKind.REDOS: "ReDoS",
    SinkKind.PROTOTYPE: "prototype pollution",
    SinkKind.DESERIALIZATION: "insecure deserialization",
    SinkKind.XXE: "XXE",
    SinkKind.XPATH: "XPath injection",
    SinkKind.HEADER: "header injection",
    SinkKind.REDIRECT: "open redirect",
    SinkKind.MASS_ASSIGNMENT: "mass assignment",
    SinkKind.XSS: "reflected XSS",
    SinkKind.DOM_XSS: "DOM XSS",
    SinkKind.ZIP_SLIP: "zip slip",
    SinkKind.SENSITIVE: "sensitive data exposure",
    SinkKind.PLAIN_PASSWORD: "password stored in plaintext",
    SinkKind.PLAIN_PERSONAL: "personal data stored unencrypted",
    SinkKind.LOOP_BOUND: "resource exhaustion",
    SinkKind.LENGTH_BOUND: "resource exhaustion",
}


def message_of(hit: Hit) -> str:
    origin = hit.trace.origin
    assert isinstance(origin, Source)  # noqa: S101 - the engine only reports source hits
    via = f" via {', '.join(dict.fromkeys(hit.trace.via))}" if hit.trace.via else ""
    fix = ENVIRONMENT_FIX if from_environment(origin) else RULES_BY_KIND[hit.kind].fix
    title = _KIND_TITLES[hit.kind]
    if hit.kind is SinkKind.NOSQL and hit.trace.in_code_clause:
        # a string is enough there: coercing it to a string fixes nothing
        title, fix = "NoSQL injection: JavaScript the database runs", _CODE_CLAUSE_FIX
    return f"{origin.description} flows into {hit.label} ({title}){via}; {fix}"


_CODE_CLAUSE_FIX = (
    "Never build $where (or $function) from request data; express the condition with "
    "query operators: { count: { $gt: Number(level) } }"
)


def declares_privileged_fields(project: Project) -> bool:
    """Whether a mongoose schema, sequelize model or typeorm entity in the project has a
    field such as `role` or `isAdmin`."""
    for ctx in project.files:
        for call, name in named_calls(ctx):
            if not name.endswith(("Schema", "define", "init")):
                continue
            for arg in syntax.call_arguments(call):
                if any(key in _PRIVILEGED_FIELDS for key, _v, _p in syntax.object_entries(arg)):
                    return True
        for prop in ctx.nodes("public_field_definition"):
            prop_name = prop.child_by_field_name("name")
            if syntax.text(prop_name) in _PRIVILEGED_FIELDS:
                return True
    return False


def _as_zip_slip(hit: Hit) -> Hit:
    """A path built from an archive entry's name is zip slip, not request path traversal."""
    origin = hit.trace.origin
    if isinstance(origin, Source) and origin.kind is OriginKind.ARCHIVE:
        return replace(hit, kind=SinkKind.ZIP_SLIP)
    return hit


_BROWSER_ORIGINS = frozenset({OriginKind.BROWSER, OriginKind.FETCHED})


def _confidence(hit: Hit) -> Confidence:
    """Data the app's own server sent (browser_data.py) may have been checked or escaped
    when it was stored: one level below the sink's confidence."""
    origin = hit.trace.origin
    if isinstance(origin, Source) and origin.kind is OriginKind.FETCHED:
        return min(hit.confidence, Confidence.MEDIUM)
    return hit.confidence


def _as_dom_xss(hit: Hit) -> Hit:
    """URL or message data evaluated in browser code runs script in the visitor's page:
    DOM XSS, not code injection on the server."""
    origin = hit.trace.origin
    browser = isinstance(origin, Source) and origin.kind in _BROWSER_ORIGINS
    return replace(hit, kind=SinkKind.DOM_XSS) if hit.kind is SinkKind.CODE and browser else hit


def _stored_finding(hit: Hit, write: Hit) -> Finding:
    origin = hit.trace.origin
    assert isinstance(origin, Source)  # noqa: S101 - stored hits have a stored source
    via = f" via {', '.join(dict.fromkeys(hit.trace.via))}" if hit.trace.via else ""
    message = (
        f"{origin.description} ({stored.stored_from(write)}) flows into {hit.label} "
        f"(stored XSS){via}; {STORED_XSS.fix}"
    )
    return STORED_XSS.finding(
        hit.sink, message, confidence=hit.confidence, flow=stored.joined_steps(hit.trace, write)
    )


#: Why HTML escaping does not protect a value printed there, and what does.
_CONTEXT_RISKS = {
    OutputContext.SCRIPT: (
        "inside <script> code, where a value needs no markup to run (`1;alert(1)`) and "
        "an unescaped one can close the block with </script>",
        "JSON-encode it with serialize-javascript or JSON.stringify(x).replace(/</g, "
        "'\\\\u003c') printed raw, or put it in a data- attribute and read it with dataset",
    ),
    OutputContext.SCRIPT_STRING: (
        "inside a quoted string of a <script> block, where escape-html leaves "
        "backslashes and newlines that end the string early",
        "JSON-encode it with serialize-javascript or JSON.stringify(x).replace(/</g, "
        "'\\\\u003c') printed raw, or put it in a data- attribute and read it with dataset",
    ),
    OutputContext.EVENT_HANDLER: (
        "inside an event-handler attribute, whose entities the browser decodes before "
        "running it as JavaScript",
        "put the value in a data- attribute and attach the handler in a script that "
        "reads it with dataset",
    ),
    OutputContext.URL: (
        "at the start of a URL attribute, where `javascript:` URLs need no markup",
        "allow only http:/https: URLs (new URL(x).protocol) before rendering, or give "
        "the URL a fixed prefix",
    ),
    OutputContext.STYLE: (
        "inside CSS, where escaping does not stop `url(...)` or expression injection",
        "allow only known values (a list of colours, a number) in styles",
    ),
}
_CONTEXT_CONFIDENCE = {
    OutputContext.SCRIPT: Confidence.HIGH,
    OutputContext.SCRIPT_STRING: Confidence.MEDIUM,
    OutputContext.EVENT_HANDLER: Confidence.HIGH,
    OutputContext.URL: Confidence.MEDIUM,  # the app may check the scheme elsewhere
    OutputContext.STYLE: Confidence.LOW,
}


def _printed(hit: TemplateHit) -> str:
    """How and where the template prints the value, and the fix that fits the context."""
    risk = _CONTEXT_RISKS.get(hit.context)
    how = "printed" if hit.escaped else "printed unescaped"
    if risk is None:
        return f"{how} here with {hit.written} {hit.expression}"
    where, _fix = risk
    escaping = "HTML escaping does not protect it" if hit.escaped else "nothing escapes it"
    return f"{how} here with {hit.written} {hit.expression} {where}, so {escaping}"


def _context_fix(hit: TemplateHit, default: str) -> str:
    risk = _CONTEXT_RISKS.get(hit.context)
    return default if risk is None else risk[1]


def _stored_template_finding(hit: TemplateHit, write: Hit) -> Finding:
    origin = hit.trace.origin
    assert isinstance(origin, Source)  # noqa: S101 - renders keep sources only
    fix = _context_fix(hit, STORED_XSS.fix)
    message = (
        f"{origin.description} ({stored.stored_from(write)}) is rendered by "
        f"{hit.render.label} ({hit.render.call.path}:{hit.render.call.line}) and "
        f"{_printed(hit)} (stored XSS); {fix}"
    )
    confidence = _CONTEXT_CONFIDENCE.get(hit.context) if hit.escaped else None
    return STORED_XSS.finding(
        hit.template,
        message,
        fix=fix,  # the fix for the template context, which the message ends with too
        confidence=confidence,
        flow=stored.joined_steps(hit.trace, write),
    )


#: Which XSS finding a template line keeps: stored data, an unsafe context, then an
#: unescaped tag.
_XSS_PRIORITY = ("NW904", "NW905", "NW902", "NW901")


def _most_specific(found: list[Finding]) -> Finding:
    """One finding for a template line: the most specific rule's, with the other flows
    (another rule, another render, another output on the line) as evidence."""
    ordered = sorted(found, key=lambda f: (_XSS_PRIORITY.index(f.rule), f.sort_key))
    kept, others = ordered[0], ordered[1:]
    evidence = [
        Evidence(other.flow[0].location if other.flow else other.location, f"also: {other.message}")
        for other in others
        if other.message != kept.message
    ]
    return replace(kept, evidence=(*kept.evidence, *evidence)) if evidence else kept


#: Outputs named in a setting finding's message; the rest are counted (all are evidence).
_OUTPUTS_SHOWN = 3


def _setting_finding(setting: EscapeSetting, affected: list[TemplateHit]) -> Finding:
    """One NW902 at the setting that turned escaping off, each output it leaves unescaped
    (with request or stored data reaching it) as evidence."""
    outputs: dict[tuple[str, int, int], TemplateHit] = {}
    for hit in sorted(affected, key=lambda h: (len(h.trace.steps), repr(h.trace.origin))):
        where = (hit.template.path, hit.template.line, hit.template.column)
        outputs.setdefault(where, hit)
    places = [outputs[where] for where in sorted(outputs)]
    named = ", ".join(
        f"{h.template.path}:{h.template.line} {{{{ {h.expression} }}}}"
        for h in places[:_OUTPUTS_SHOWN]
    )
    more = len(places) - _OUTPUTS_SHOWN
    if more > 0:
        named += f" and {more} more"
    count = f"{len(places)} output{'s' if len(places) > 1 else ''}"
    fix = (
        "keep escaping on and print with {{ }}; mark only sanitized HTML as safe "
        "(`| safe`, `{{{ }}}`)"
    )
    message = (
        f"{setting.label} turns off HTML escaping in every template it renders; request or "
        f"stored data reaches {count} printed without escaping (XSS): {named}; {fix}"
    )
    evidence = tuple(
        Evidence(
            h.template,
            f"{getattr(h.trace.origin, 'description', 'data')} rendered by {h.render.label} "
            f"({h.render.call.path}:{h.render.call.line}), printed unescaped: {h.expression}",
        )
        for h in places
    )
    return TEMPLATE_UNESCAPED.finding(setting.location, message, fix=fix, evidence=evidence)


def _template_finding(hit: TemplateHit) -> Finding:
    origin = hit.trace.origin
    assert isinstance(origin, Source)  # noqa: S101 - renders keep request sources only
    rule = TEMPLATE_UNSAFE_CONTEXT if hit.escaped else TEMPLATE_UNESCAPED
    fix = _context_fix(hit, rule.fix)
    message = (
        f"{origin.description} is rendered by {hit.render.label} ({hit.render.call.path}:"
        f"{hit.render.call.line}) and {_printed(hit)} (XSS); {fix}"
    )
    confidence = _CONTEXT_CONFIDENCE.get(hit.context) if hit.escaped else None
    return rule.finding(hit.template, message, fix=fix, confidence=confidence, flow=hit.trace.steps)


def _check_project(analysis: AnalysisContext) -> Iterator[Finding | Skip]:
    project = analysis.project
    taint = analysis.taint
    all_hits = list(taint.hits)
    yield from taint.skips
    hits = all_hits
    writes = stored.request_writes(hits)
    renders = stored.keep_written(list(taint.renders), frozenset(writes))
    yield from _template_findings(project, renders, writes)
    hits = [h for h in hits if h.kind is not SinkKind.STORE and not stored.is_stored(h.trace)]
    stored_places: set[tuple[str, int, int]] = set()
    for place, finding in _stored_xss_findings(all_hits, hits, writes):
        stored_places.add(place)
        yield finding
    hits = [
        h
        for h in hits
        if not (
            h.kind is SinkKind.XSS and (h.sink.path, h.sink.line, h.sink.column) in stored_places
        )
    ]
    yield from _sink_findings(project, hits)
    reported = {(h.sink.path, h.sink.line) for h in hits if h.kind is SinkKind.MASS_ASSIGNMENT}
    yield from privilege_field_findings(analysis, reported)


def _template_findings(
    project: Project, renders: list[Render], writes: dict[str, list[Hit]]
) -> Iterator[Finding]:
    """Request data printed by templates: one finding per escaping setting that causes
    it, then one per template line (the most specific rule, the others as evidence)."""
    settings = escape_settings(project)
    by_setting: dict[EscapeSetting, list[TemplateHit]] = {}
    by_line: dict[tuple[str, int], list[Finding]] = {}
    for template_hit in template_hits(project, renders):
        setting = setting_for(template_hit.template.path, settings)
        if template_hit.by_setting and setting is not None:
            by_setting.setdefault(setting, []).append(template_hit)
            continue
        write = stored.written_store(template_hit.trace, writes)
        if write is not None:
            found = _stored_template_finding(template_hit, write)
        elif not stored.is_stored(template_hit.trace):
            found = _template_finding(template_hit)
        else:
            continue
        line = (template_hit.template.path, template_hit.template.line)
        by_line.setdefault(line, []).append(found)
    for setting, affected in by_setting.items():
        yield _setting_finding(setting, affected)
    for line in sorted(by_line):
        yield _most_specific(by_line[line])


def _stored_xss_findings(
    all_hits: list[Hit], hits: list[Hit], writes: dict[str, list[Hit]]
) -> Iterator[tuple[tuple[str, int, int], Finding]]:
    """Stored XSS at each sink that prints what a request wrote into a store; a reflected
    flow into the same sink is one NW904 with the reflected flow as evidence."""
    stored_hits: dict[tuple[str, int, int], tuple[Hit, Hit]] = {}
    for hit in sorted(all_hits, key=lambda h: (len(h.trace.steps), repr(h.trace.origin))):
        write = stored.written_store(hit.trace, writes)
        if write is not None and hit.kind is SinkKind.XSS:
            place = (hit.sink.path, hit.sink.line, hit.sink.column)
            stored_hits.setdefault(place, (hit, write))
    reflected = {
        (h.sink.path, h.sink.line, h.sink.column): h
        for h in sorted(
            hits, key=lambda h: (len(h.trace.steps), repr(h.trace.origin)), reverse=True
        )
        if h.kind is SinkKind.XSS
    }
    for place in sorted(stored_hits):
        finding = _stored_finding(*stored_hits[place])
        also = reflected.get(place)
        if also is not None:
            evidence = Evidence(also.trace.steps[0].location, f"also reflected: {message_of(also)}")
            finding = replace(finding, evidence=(*finding.evidence, evidence))
        yield place, finding


def _sink_findings(project: Project, hits: list[Hit]) -> Iterator[Finding]:
    """One finding per sink and kind: the shortest flow, the other sources named."""
    privileged: bool | None = None
    by_sink: dict[tuple[str, int, int, SinkKind], list[Hit]] = {}
    hits = [_as_dom_xss(_as_zip_slip(h)) for h in archive_guards.unguarded(project, hits)]
    for hit in hits:
        by_sink.setdefault((hit.sink.path, hit.sink.line, hit.sink.column, hit.kind), []).append(
            hit
        )
    for key in sorted(by_sink, key=lambda k: (k[0], k[1], k[2], k[3].value)):
        group = sorted(by_sink[key], key=lambda h: (len(h.trace.steps), repr(h.trace.origin)))
        hit = group[0]
        rule = RULES_BY_KIND[hit.kind]
        confidence = _confidence(hit)
        if hit.kind is SinkKind.MASS_ASSIGNMENT:
            if privileged is None:
                privileged = declares_privileged_fields(project)
            confidence = Confidence.MEDIUM if privileged else Confidence.LOW
        message = message_of(hit)
        others = {str(getattr(h.trace.origin, "description", "")) for h in group[1:]}
        others.discard(str(getattr(hit.trace.origin, "description", "")))
        if others:
            message += f" (also: {', '.join(sorted(others))})"
        yield rule.finding(hit.sink, message, confidence=confidence, flow=hit.trace.steps)


CHECKER = Checker(
    rules=(
        *dict.fromkeys(RULES_BY_KIND.values()),
        TEMPLATE_UNESCAPED,
        TEMPLATE_UNSAFE_CONTEXT,
        STORED_XSS,
    ),
    check_project=_check_project,
)
