"""Browser units are analysed on demand (taint/demand.py): only the top-level functions a
source can reach are analysed as units of their own; the others still answer, as
summaries, when a live unit calls them, and state shared through module-level variables
keeps its readers live."""

from __future__ import annotations

from pathlib import Path

import pytest
from taint_helpers import engine_at

from nodeward.findings import SourceLocation
from nodeward.scan import scan_path
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.taint import demand
from nodeward.source.taint.engine import TaintEngine

HELPER_AND_CALLER = """\
function paint(html) {
  document.getElementById("out").innerHTML = html;
}
function scale(v) {
  return v * 2;
}
function onLoad() {
  paint(location.hash);
}
"""

SHARED_STATE = """\
var last = "";
function remember() {
  last = location.hash;
}
function show() {
  document.getElementById("out").innerHTML = last;
}
"""


def _write(root: Path, rel: str, text: str) -> Path:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)
    return root


def _dom_xss_lines(root: Path) -> list[tuple[str, int]]:
    report = scan_path(root, select=("NW903",))
    return [
        (f.location.path, f.location.line)
        for f in report.findings
        if isinstance(f.location, SourceLocation)
    ]


#: The fixtures of the browser rule (NW903): every kind of browser source, JS and TS.
BROWSER_FIXTURES = (
    "flows_coverage_dom_js",
    "flows_coverage_dom_ts",
    "flows_dom_fetched_js",
    "flows_dom_fetched_ts",
    "flows_dom_xss_js",
    "flows_dom_xss_ts",
    "forms_browser_ts",
    "forms_client_views_js",
    "forms_client_views_ts",
)
FIXTURES = Path(__file__).parents[2] / "fixtures" / "rules"


def test_a_helper_no_source_reaches_is_summarised_for_its_caller(tmp_path: Path) -> None:
    root = _write(tmp_path, "public/js/app.js", HELPER_AND_CALLER)
    assert _dom_xss_lines(root) == [("public/js/app.js", 2)]


def test_only_units_a_source_reaches_are_live(tmp_path: Path) -> None:
    root = _write(tmp_path, "public/js/app.js", HELPER_AND_CALLER)
    engine = engine_at(root)
    [ctx] = [c for c in engine.files if c.rel == "public/js/app.js"]
    functions = {
        syntax.text(f.child_by_field_name("name")): f for f in ctx.nodes("function_declaration")
    }
    live = {name: engine.demand.live(ctx, f) for name, f in functions.items()}
    assert live == {"paint": False, "scale": False, "onLoad": True}
    assert engine.demand.live(ctx, ctx.parsed.root) is False  # declarations only


def test_a_reader_of_module_state_stays_live(tmp_path: Path) -> None:
    root = _write(tmp_path, "public/js/app.js", SHARED_STATE)
    assert _dom_xss_lines(root) == [("public/js/app.js", 6)]


@pytest.mark.parametrize("fixture", BROWSER_FIXTURES)
def test_the_browser_chain_prefilter_keeps_every_source(
    fixture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """expressions.may_read_browser_source lets demand.py skip the member chains of a
    served script that no source rule can answer for: on every served file of the browser
    fixtures, the seeds found with it are those found by asking every chain."""
    engine = engine_at(FIXTURES / fixture)
    served = [c for c in engine.files if c.rel in engine.client_files]
    assert _seeds_both_ways(engine, served, monkeypatch)


def _seeds_both_ways(
    engine: TaintEngine, files: list[FileContext], monkeypatch: pytest.MonkeyPatch
) -> dict[str, list[int]]:
    """The seeds of `files` as demand finds them: only the chains that spell a browser
    source's word (chain_tops.tops_spelling), each asked only if it may read a source
    (may_read_browser_source), and only the calls that name a read's method. They must be
    those found by asking every chain and every call; returned for the caller to check
    that there were sources to find."""
    found = {c.rel: list(demand._seed_positions(engine, c)) for c in files}
    with monkeypatch.context() as patch:
        patch.setattr(demand, "may_read_browser_source", lambda *_args: True)
        patch.setattr(demand, "browser_source_words", lambda _probe: None)
        patch.setattr(demand, "_named_calls", lambda ctx: ctx.nodes("call_expression"))
        every_chain = {c.rel: list(demand._seed_positions(engine, c)) for c in files}
    assert found == every_chain
    return {rel: seeds for rel, seeds in found.items() if seeds}


FACTORY_JS = """\
export function make(read) {
  return function show() {
    document.getElementById("out").innerHTML = read();
  };
}
"""
FACTORY_TS = """\
export function make(read: () => string): () => void {
  return function show(): void {
    document.getElementById("out")!.innerHTML = read();
  };
}
"""
CALLER = """\
import { make } from "./factory";
function fromUrl() {
  return location.hash;
}
function fixed() {
  return "<b>hello</b>";
}
const paint = make(fromUrl);
const greet = make(fixed);
paint();
greet();
"""


@pytest.mark.parametrize(("ext", "factory"), [("js", FACTORY_JS), ("ts", FACTORY_TS)])
def test_a_factory_in_a_file_that_imports_nothing_sees_what_its_importers_pass(
    tmp_path: Path, ext: str, factory: str
) -> None:
    """factory.js imports no project module and reads no source, but its parameter is
    bound to the functions its importers pass (function_values.py): it is not isolated."""
    _write(tmp_path, f"public/js/factory.{ext}", factory)
    root = _write(tmp_path, f"public/js/main.{ext}", CALLER)
    assert _dom_xss_lines(root) == [(f"public/js/factory.{ext}", 3)]


@pytest.mark.parametrize(("ext", "factory"), [("js", FACTORY_JS), ("ts", FACTORY_TS)])
def test_a_factory_handed_only_constants_stays_quiet(
    tmp_path: Path, ext: str, factory: str
) -> None:
    _write(tmp_path, f"public/js/factory.{ext}", factory)
    root = _write(tmp_path, f"public/js/main.{ext}", CALLER.replace("make(fromUrl)", "make(fixed)"))
    assert _dom_xss_lines(root) == []


SHAPES_JS = """\
var xhr = new XMLHttpRequest();
function a() { show(xhr.responseText); show(xhr['responseText']); show(xhr["respons\\u0065Text"]); }
function a2() { show(xhr["respons\\eText"]); }
function b() { show((location).hash); show(window["location"].search); show(document.cookie); }
function c() { $.ajax({ url: "/x" }).done(show); jQuery.getJSON("/y").then(show); }
function c2() { show(new $.ajax("/x").done); show(new (jQuery.get)("/y").then); }
function c3() { show(location.search.split("=")[1]); show(xhr["responseText"][0].trim()); }
function d() { fetch("/z").then((r) => r.text()).then(show); }
function e() { show(xhr[`response`]); show(new (window.URL)(location.href).search); }
function f() { window.addEventListener("message", (event) => show(event.data)); }
function g(list) { return list.map((x) => x.url).get(0).response; }
function h(db, zip) { show(db.query("SELECT * FROM notes")); show((db.all)("SELECT * FROM tags")); }
function i(zip) { zip.getEntries().forEach((e) => show(e.entryName)); }
function show(html) { document.body.innerHTML = html; }
"""
SHAPES_TS = """\
import { ActivatedRoute } from "@angular/router";
import { HttpClient } from "@angular/common/http";
export class Page {
  constructor(private route: ActivatedRoute, private http: HttpClient) {}
  load(): void {
    const id = this.route.snapshot.queryParams.id;
    this.http.get<string>("/api/" + id).subscribe((body) => this.show(body));
    this.show((this.route.snapshot as any).fragment);
  }
  show(html: string): void {
    document.body.innerHTML = html;
  }
}
"""


@pytest.mark.parametrize(("name", "text"), [("shapes.js", SHAPES_JS), ("shapes.ts", SHAPES_TS)])
def test_the_chains_found_by_their_words_hold_every_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    """Member chains written in every shape a browser source is read through (string and
    escaped keys, parentheses and casts, `new`, calls, Angular's injected services)."""
    root = _write(tmp_path, f"public/js/{name}", text)
    engine = engine_at(root)
    served = [c for c in engine.files if c.rel in engine.client_files]
    seeds = _seeds_both_ways(engine, served, monkeypatch)
    assert len(seeds[f"public/js/{name}"]) >= (15 if name.endswith(".js") else 3)
