"""NW610: middleware that lists directory contents to anyone who asks."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.checks import Checker
from nodeward.findings import Confidence, Finding, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta
from nodeward.source import syntax
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

DIRECTORY_LISTING = RuleMeta(
    code="NW610",
    name="directory-listing",
    title="Directory listings are served",
    cwe=(548,),
    owasp=Owasp.A05,
    practices=(Practice.DATA_LEAKS,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks for serve-index (and koa-serve-index, Express 3's `express.directory`) "
        "middleware, and for @fastify/static with `list` or serve-handler with "
        "`directoryListing` turned on. `express.static` alone lists nothing and is not "
        "reported."
    ),
    why=(
        "A listing shows every file in the folder: backups, `.env` copies, source maps, "
        "uploads of other users. Attackers do not need to guess names."
    ),
    example="app.use('/files', express.static('public'), serveIndex('public', { icons: true }));",
    use_instead="app.use('/files', express.static('public', { index: false }));",
    fix="Remove the listing middleware; serve known files with express.static only",
    references=(
        "OWASP WSTG, Review Webserver Metafiles and directory listing: https://owasp.org/www-project-web-security-testing-guide/",
        "CWE-548: https://cwe.mitre.org/data/definitions/548.html",
    ),
)


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    for call in ctx.calls:
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
