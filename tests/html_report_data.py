"""Synthetic reports for the HTML report tests and benchmark."""

from __future__ import annotations

from dataclasses import replace

from nodeward.catalog import all_rules
from nodeward.findings import (
    Evidence,
    FlowStep,
    HttpLocation,
    PackageLocation,
    Report,
    Route,
    Severity,
    SourceLocation,
)

XSS = "<script>alert(1)</script>"
SECRET_COOKIE = "connect.sid=s%3Asupersecretvalue"  # noqa: S105 (test data)
SECRET_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"  # noqa: S105


def mixed_report(count: int = 40) -> Report:
    """`count` findings spread over every registered rule and severity, with a flow, live
    evidence holding secrets, hostile snippets and a route table."""
    rules = [r for r in all_rules() if r.practices]
    severities = list(Severity)
    findings = []
    for n in range(count):
        rule = rules[n % len(rules)]
        loc = SourceLocation(f"src/file{n % 50}.js", n + 1, 5, snippet=f"res.send({XSS}) // {n}")
        step = FlowStep(SourceLocation("src/a.js", 2, 1, snippet="req.query.q"), "user input")
        evidence = Evidence(
            HttpLocation("http://127.0.0.1:3000/login?token=abc123"),
            "response sets the cookie",
            request=(
                f"GET /login HTTP/1.1\nAuthorization: Bearer {SECRET_TOKEN}\n"
                f"Cookie: {SECRET_COOKIE}"
            ),
            response=f"HTTP/1.1 200 OK\nSet-Cookie: {SECRET_COOKIE}; Path=/; HttpOnly",
        )
        findings.append(
            rule.finding(
                loc,
                f"message {n} {XSS}",
                severity=severities[n % len(severities)],
                flow=(step, FlowStep(loc, "reaches res.send")) if n % 3 == 0 else (),
                evidence=(evidence,) if n % 4 == 0 else (),
            )
        )
    routes = (
        Route("POST", "/login", SourceLocation("src/routes.js", 4), ("bodyParser",), "login"),
        Route("GET", f"/search/{XSS}", SourceLocation("src/routes.js", 9), (), "search"),
    )
    return Report(
        tool_version="0.0.0",
        root="/tmp/app",
        findings=tuple(findings),
        files_scanned=50,
        rules_run=tuple(r.code for r in all_rules()),
        rules=all_rules(),
        routes=routes,
    )


def package_location() -> PackageLocation:
    return PackageLocation("package-lock.json", "lodash", "4.17.4", ("app", "lodash"), 12)


def with_routes(report: Report, count: int) -> Report:
    """`report` with a route table of `count` routes, some with long paths and chains (the
    widest rows a narrow window must still hold)."""
    routes = tuple(
        Route(
            ("GET", "POST", "PUT", "DELETE")[n % 4],
            f"/api/v{n % 3}/accounts/:accountId/projects/:projectId/items{n}"
            + ("/attachments/:attachmentId/versions/:version" if n % 7 == 0 else ""),
            SourceLocation(f"src/routes/resource{n % 20}.js", n + 1),
            ("authenticate", "requireRole('admin')", "express.json()", "validateBody(schema)")[
                : n % 5
            ],
            f"handler{n}",
        )
        for n in range(count)
    )
    return replace(report, routes=routes)
