"""Which scripts run in the visitor's browser rather than on the server: the taint engine
follows browser sources (location, postMessage) in them, and rules that would say "runs
code on the server" describe them as browser code instead."""

from __future__ import annotations

from nodeward.default_excludes import BROWSER_FOLDERS
from nodeward.source import syntax
from nodeward.source.context import FileContext

FRONT_END_MODULES = frozenset(
    {
        "react",
        "react-dom",
        "react-dom/client",
        "@angular/core",
        "@angular/platform-browser",
        "vue",
        "jquery",
    }
)
#: A file that loads one of these runs under Node.js, whatever else it touches.
_SERVER_MODULES = frozenset(
    {
        "child_process",
        "cluster",
        "dgram",
        "dns",
        "fs",
        "fs/promises",
        "http",
        "http2",
        "https",
        "net",
        "os",
        "tls",
        "vm",
        "worker_threads",
        "express",
        "koa",
        "fastify",
        "@hapi/hapi",
        "hapi",
        "restify",
        "@nestjs/core",
        "@nestjs/common",
        "mongoose",
        "sequelize",
        "pg",
        "mysql",
        "mysql2",
        "knex",
    }
)
_DOM_GLOBALS = frozenset({"document", "window"})


def is_client_file(ctx: FileContext, folders: set[str] | frozenset[str]) -> bool:
    """A file the app serves to browsers by where it lies or what it imports (the taint
    engine's view: `folders` are the static folders, express.static roots included)."""
    parts = ctx.rel.split("/")
    if "node_modules" in parts:
        return False
    if ctx.rel.endswith((".jsx", ".tsx")) or any(p in folders for p in parts[:-1]):
        return True
    return bool(ctx.imported_modules() & FRONT_END_MODULES)


def is_browser_code(ctx: FileContext) -> bool:
    """Browser code for the per-file rules: a client file, or one that uses `document` or
    `window`; either way, one that loads no Node.js built-in or server framework."""
    if ctx.imported_modules() & _SERVER_MODULES:
        return False
    return is_client_file(ctx, BROWSER_FOLDERS) or _uses_dom_globals(ctx)


def _uses_dom_globals(ctx: FileContext) -> bool:
    # an identifier's text is written in the file: the identifiers are decoded only
    # when a global's name is there
    if not any(ctx.mentions(name) for name in _DOM_GLOBALS):
        return False
    used = {syntax.text(node) for node in ctx.nodes("identifier")} & _DOM_GLOBALS
    return any(ctx.declaration(name) is None for name in used)
