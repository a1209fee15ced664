"""Unsafe merge / set-by-path recognition (source/taint/merges.py): the shapes real helpers
are written in, and the guards that make them safe. End-to-end flows from request data to
calls of these helpers are covered by the flows_merge_* fixtures."""

from __future__ import annotations

import pytest

from nodeward.findings import Confidence
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import SourceText, parse
from nodeward.source.taint.merges import MergeIndex, MergeKind, UnsafeMerge, unsafe_merge


def _first_function(code: str, rel: str = "a.js") -> tuple[FileContext, UnsafeMerge | None]:
    source = code.encode()
    ctx = FileContext(parse(SourceText(rel, source, tuple(code.splitlines()))))
    func = min(
        (f for kind in syntax.FUNCTION_TYPES for f in ctx.nodes(kind)),
        key=lambda f: f.start_byte,
    )
    return ctx, unsafe_merge(ctx, func)


MERGES = {
    "for-in, ??= target": """
function merge(target, source) {
  for (const key in source) {
    if (isObject(source[key])) { merge(target[key] ??= {}, source[key]); }
    else { target[key] = source[key]; }
  }
  return target;
}""",
    "Object.keys forEach, || target": """
module.exports = function deepMerge(target, source) {
  Object.keys(source).forEach((key) => {
    if (typeof source[key] === "object") {
      target[key] = target[key] || {};
      deepMerge(target[key], source[key]);
    } else {
      target[key] = source[key];
    }
  });
};""",
    "Object.entries for-of, arrow": """
const extend = (target, source) => {
  for (const [key, value] of Object.entries(source)) {
    target[key] = value && typeof value === "object" ? extend(target[key] ?? {}, value) : value;
  }
  return target;
};""",
    "keys in a variable": """
function merge(a, b) {
  const keys = Object.keys(b);
  for (const k of keys) {
    if (b[k] instanceof Object) { const next = a[k] || (a[k] = {}); merge(next, b[k]); }
    else a[k] = b[k];
  }
}""",
    "method with this": """
class Config {
  merge(target: Record<string, any>, source: Record<string, any>): void {
    for (const key of Object.keys(source)) {
      if (typeof source[key] === "object") {
        if (!target[key]) target[key] = {};
        this.merge(target[key] as Record<string, any>, source[key]);
      } else { target[key] = source[key]; }
    }
  }
}""",
    "`key in target` sees inherited keys": """
function merge(target, source) {
  return Object.keys(source).reduce((acc, key) => {
    if (key in acc) acc[key] = merge(acc[key], source[key]);
    else acc[key] = source[key];
    return acc;
  }, target);
}""",
    "source own-key test protects nothing": """
function merge(target, source) {
  for (const key in source) {
    if (!Object.prototype.hasOwnProperty.call(source, key)) continue;
    if (isObject(source[key])) merge(target[key] ??= {}, source[key]);
    else target[key] = source[key];
  }
}""",
}


@pytest.mark.parametrize("name", sorted(MERGES))
def test_recursive_merges_are_recognised(name: str) -> None:
    _ctx, found = _first_function(MERGES[name], "a.ts" if "class" in MERGES[name] else "a.js")
    assert found is not None
    assert (found.kind, found.param, found.variadic, found.proto_only) == (
        MergeKind.RECURSIVE_MERGE,
        1,
        False,
        False,
    )


def test_variadic_merge_reports_every_source_position() -> None:
    _ctx, found = _first_function("""
function extend(target, ...sources) {
  for (const source of sources) {
    for (const key in source) {
      if (typeof source[key] === "object") extend(target[key] = target[key] || {}, source[key]);
      else target[key] = source[key];
    }
  }
}""")
    assert found is not None
    assert found.variadic
    assert list(found.indexes(4)) == [1, 2, 3]


PATHS = {
    "split and walk": """
function setPath(obj, path, value) {
  const keys = path.split(".");
  let cur = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    cur = cur[keys[i]] = cur[keys[i]] || {};
  }
  cur[keys[keys.length - 1]] = value;
}""",
    "for-of and pop": """
function set(target, dotted, value) {
  const parts = dotted.split(".");
  const last = parts.pop();
  let node = target;
  for (const part of parts) {
    if (!node[part]) node[part] = {};
    node = node[part];
  }
  node[last] = value;
}""",
    "reduce": """
const assignPath = (obj, path, value) =>
  path.split(".").reduce((acc, key, i, all) => {
    if (i === all.length - 1) acc[key] = value;
    else acc[key] = acc[key] || {};
    return acc[key];
  }, obj);""",
    "recursive": """
function setIn(obj, path, value) {
  const [head, ...rest] = path.split(".");
  if (rest.length === 0) { obj[head] = value; return; }
  setIn(obj[head] ??= {}, rest.join("."), value);
}""",
}


@pytest.mark.parametrize("name", sorted(PATHS))
def test_set_by_path_helpers_are_recognised(name: str) -> None:
    _ctx, found = _first_function(PATHS[name])
    assert found is not None
    assert (found.kind, found.param) == (MergeKind.PATH_SET, 1)


SAFE = {
    "proto and constructor compared": """
function merge(target, source) {
  for (const key in source) {
    if (key === "__proto__" || key === "constructor") continue;
    if (isObject(source[key])) merge(target[key] ??= {}, source[key]);
    else target[key] = source[key];
  }
}""",
    "blocklist constant in the file": """
const BLOCKED = new Set(["__proto__", "constructor", "prototype"]);
function merge(target, source) {
  for (const key of Object.keys(source)) {
    if (BLOCKED.has(key)) continue;
    if (isObject(source[key])) merge(target[key] ??= {}, source[key]);
    else target[key] = source[key];
  }
}""",
    "regex guard in a set-by-path": """
function setPath(obj, path, value) {
  const keys = path.split(".");
  if (keys.some((k) => /^(__proto__|constructor|prototype)$/.test(k))) return;
  let cur = obj;
  for (const k of keys.slice(0, -1)) cur = cur[k] = cur[k] || {};
  cur[keys[keys.length - 1]] = value;
}""",
    "own-key test on the target": """
function merge(target, source) {
  for (const key in source) {
    if (Object.hasOwn(target, key) && isObject(target[key])) merge(target[key], source[key]);
    else target[key] = source[key];
  }
}""",
    "own-key test through an alias": """
const has = Object.prototype.hasOwnProperty;
function merge(target, source) {
  return Object.keys(source).reduce((acc, key) => {
    if (has.call(acc, key)) acc[key] = merge(acc[key], source[key]);
    else acc[key] = source[key];
    return acc;
  }, target);
}""",
    "options object, not a path": """
function assignVals(o) {
  const docs = o.docs;
  const parts = o.path.split(".");
  let cur = docs;
  for (const p of parts) cur = cur[p] = cur[p] || {};
  cur[o.key] = o.value;
}""",
    "shallow copy": """
function assign(target, source) {
  for (const key in source) target[key] = source[key];
  return target;
}""",
    "clone into a fresh object": """
function clone(source) {
  const out = {};
  for (const key in source) out[key] = isObject(source[key]) ? clone(source[key]) : source[key];
  return out;
}""",
    "getter by path": """
function getPath(obj, path) {
  return path.split(".").reduce((acc, k) => (acc == null ? acc : acc[k]), obj);
}""",
    "query-string parser": """
function parse(qs) {
  const out = {};
  for (const part of qs.split("&")) { const [k, v] = part.split("="); out[k] = v; }
  return out;
}""",
    "Map": """
function merge(target, source) {
  for (const [key, value] of Object.entries(source)) {
    if (value instanceof Map) merge(target.get(key), value);
    else target.set(key, value);
  }
}""",
}


@pytest.mark.parametrize("name", sorted(SAFE))
def test_guarded_and_harmless_functions_are_not_unsafe_merges(name: str) -> None:
    _ctx, found = _first_function(SAFE[name])
    assert found is None


def test_a_proto_only_guard_is_reported_at_medium_confidence() -> None:
    _ctx, found = _first_function("""
function merge(target, source) {
  for (const key in source) {
    if (key === "__proto__") continue;
    if (isObject(source[key])) merge(target[key] ??= {}, source[key]);
    else target[key] = source[key];
  }
}""")
    assert found is not None
    assert found.proto_only
    assert found.confidence is Confidence.MEDIUM
    assert found.describe("lib/merge.js") == (
        "recursive merge (guards __proto__ but not constructor) at lib/merge.js:2"
    )


def test_the_index_reads_each_function_once() -> None:
    ctx, _found = _first_function(MERGES["for-in, ??= target"])
    func = ctx.nodes("function_declaration")[0]
    index = MergeIndex()
    first = index.of(ctx, func)
    assert first is not None
    assert index.of(ctx, func) is first


@pytest.mark.parametrize("code", ["function f() {}", "const f = (a) => a[b][c] = 1;", "x => x"])
def test_odd_functions_are_not_merges(code: str) -> None:
    assert _first_function(code)[1] is None
