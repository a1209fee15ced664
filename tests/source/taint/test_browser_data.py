"""Browser sources beyond the URL: server data (fetch, XHR, HttpClient, Socket.IO) is
reported with medium confidence, the URL through Angular's router with high confidence,
and neither reaches the server-side rules."""

from __future__ import annotations

from pathlib import Path

from tree import write_file

from nodeward.findings import Confidence, Finding, SourceLocation
from nodeward.scan import scan_path

_FIX = (
    "Write text (textContent, innerText, jQuery .text()), or sanitize with DOMPurify.sanitize "
    "before inserting HTML; check event.origin for messages"
)


def _findings(root: Path, files: dict[str, str]) -> list[Finding]:
    for rel, text in files.items():
        write_file(root, rel, text)
    return list(scan_path(root).findings)


def _at(findings: list[Finding]) -> list[tuple[str, str, int, Confidence]]:
    return sorted(
        (f.rule, f.location.path, f.location.line, f.confidence)
        for f in findings
        if isinstance(f.location, SourceLocation)
    )


def test_fetched_data_is_dom_xss_with_medium_confidence(tmp_path: Path) -> None:
    findings = _findings(
        tmp_path,
        {
            "public/app.js": (
                "fetch('/api/me')\n"
                "  .then((r) => r.json())\n"
                "  .then((me) => {\n"
                "    document.getElementById('me').innerHTML = me.name;\n"
                "  });\n"
            )
        },
    )
    [finding] = findings
    assert _at(findings) == [("NW903", "public/app.js", 4, Confidence.MEDIUM)]
    assert finding.message == (
        f"the response of fetch() flows into innerHTML assignment (DOM XSS); {_FIX}"
    )


def test_url_through_activated_route_is_dom_xss_with_high_confidence(tmp_path: Path) -> None:
    component = (
        "import { Component } from '@angular/core';\n"
        "import { ActivatedRoute } from '@angular/router';\n"
        "import { DomSanitizer } from '@angular/platform-browser';\n"
        "@Component({ selector: 'x', template: '' })\n"
        "export class X {\n"
        "  constructor(private route: ActivatedRoute, private s: DomSanitizer) {}\n"
        "  show() {\n"
        "    return this.s.bypassSecurityTrustHtml(this.route.snapshot.queryParams.q);\n"
        "  }\n"
        "}\n"
    )
    findings = _findings(tmp_path, {"src/app/x.component.ts": component})
    [finding] = findings
    assert _at(findings) == [("NW903", "src/app/x.component.ts", 8, Confidence.HIGH)]
    assert finding.message == (
        "this.route.snapshot (the URL, through Angular's ActivatedRoute) flows into "
        f"this.s.bypassSecurityTrustHtml() (DOM XSS); {_FIX}"
    )


def test_a_function_on_the_first_byte_of_a_browser_script_has_a_summary(
    tmp_path: Path,
) -> None:
    # it used to share its summary key with the program unit and get an empty summary
    script = (
        "function paint(html) {\n"
        "  document.body.innerHTML = html;\n"
        "}\n"
        "paint(location.hash.slice(1));\n"
    )
    findings = _findings(tmp_path, {"public/paint.js": script})
    assert _at(findings) == [("NW903", "public/paint.js", 2, Confidence.HIGH)]


def test_browser_data_in_the_console_is_not_log_injection(tmp_path: Path) -> None:
    script = (
        "console.log('hash', location.hash);\n"
        "fetch('/api').then((r) => r.text()).then((t) => console.log(t));\n"
    )
    assert _at(_findings(tmp_path, {"public/log.js": script})) == []


def test_socket_lifecycle_events_and_dom_events_carry_no_server_data(tmp_path: Path) -> None:
    script = (
        "const socket = io();\n"
        "socket.on('disconnect', (reason) => { document.body.innerHTML = reason; });\n"
        "$('#b').on('click', (e) => { document.body.innerHTML = e; });\n"
        "socket.on('news', (item) => { document.body.innerHTML += item.html; });\n"
    )
    findings = _findings(tmp_path, {"public/live.js": script})
    assert _at(findings) == [("NW903", "public/live.js", 4, Confidence.MEDIUM)]
    assert findings[0].message.startswith("a Socket.IO message 'news' flows into innerHTML")


def test_websocket_messages_are_server_data_and_window_messages_are_postmessage(
    tmp_path: Path,
) -> None:
    script = (
        "const ws = new WebSocket('wss://example.test/feed');\n"
        "ws.onmessage = (event) => { document.body.innerHTML = event.data; };\n"
        "window.addEventListener('message', (e) => { document.body.innerHTML = e.data; });\n"
        "const socket = io();\n"
        "socket.on('message', (text) => { document.body.innerHTML = text; });\n"
    )
    findings = _findings(tmp_path, {"public/ws.js": script})
    assert _at(findings) == [
        ("NW903", "public/ws.js", 2, Confidence.MEDIUM),
        ("NW903", "public/ws.js", 3, Confidence.HIGH),
        ("NW903", "public/ws.js", 5, Confidence.MEDIUM),
    ]
    messages = sorted(f.message.split(" flows ")[0] for f in findings)
    assert messages == [
        "a Socket.IO message 'message'",
        "e.data (a postMessage message)",
        "event.data (a message from ws)",
    ]
