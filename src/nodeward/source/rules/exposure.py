"""NW610: middleware that lists directory contents to anyone who asks."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.catalog.exposure import DIRECTORY_LISTING
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.call_index import in_document_order
from nodeward.source.context import FileContext

#: (module, path) of calls that create a directory-listing middleware outright.
LISTING_MIDDLEWARE = {
    ("serve-index", ()): "serve-index",
    ("koa-serve-index", ()): "koa-serve-index",
    ("express", ("directory",)): "express.directory (Express 3)",
}
#: (module, path) of static servers -> the option that turns listings on.
LISTING_OPTIONS = {
    ("@fastify/static", ()): "list",
    ("fastify-static", ()): "list",
    ("serve-handler", ()): "directoryListing",
    ("koa-static-server", ()): "index",
}


_MODULES = frozenset(module for module, _path in (*LISTING_MIDDLEWARE, *LISTING_OPTIONS))


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    # The calls that may be reported: into a module of the tables, or a `.register`
    # (whose callee name then ends with "register").
    index = ctx.call_index
    into = (call for call, _ref in index.calls_into(_MODULES))
    for call in in_document_order(into, index.calls_ending("register")):
        ref = ctx.callee(call)
        args = syntax.call_arguments(call)
        if ctx.callee_name(call).endswith(".register") and args:
            ref, args = ctx.ref_of(args[0]), args[1:]  # fastify.register(plugin, options)
        if ref is None:
            continue
        key = (ref.module, ref.path)
        if key in LISTING_MIDDLEWARE:
            yield DIRECTORY_LISTING.finding(
                ctx.location(call),
                f"{LISTING_MIDDLEWARE[key]} serves a listing of every file in the folder; "
                "remove it and serve known files with express.static",
            )
        elif key in LISTING_OPTIONS:
            option = LISTING_OPTIONS[key]
            for arg in args:
                value = syntax.object_get(ctx.value_of(arg), option)
                enabled = syntax.bool_value(value)
                if value is not None and (enabled or value.type == "object"):
                    yield DIRECTORY_LISTING.finding(
                        ctx.location(value),
                        f"{ref.module} is configured with `{option}` on, which lists folder "
                        f"contents; remove the `{option}` option",
                    )


CHECKER = Checker(rules=(DIRECTORY_LISTING,), check_file=_check_file)
