"""Hard-coded credentials a finding quotes are masked to their first and last characters in
every report format (snippets, messages, evidence), unless --show-secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nodeward.catalog import get_rule
from nodeward.cli import main
from nodeward.findings import Evidence, HttpLocation, Report, SourceLocation
from nodeward.report import github, html, json_report, sarif, text
from nodeward.report.conceal import STARS, conceal, mask_secret
from nodeward.scan import scan_path

# Built from parts so that secret scanners do not flag this test file itself.
AWS_KEY = "AKIA" + "Q3ZP7W2LMN4TX6RB"
JWT_SECRET = "jwt-" + "signing-k3y-9f8e7d"
SESSION_SECRET = "keyboard-" + "cat-7c1d9e"
PASSWORD = "Tr0ub4" + "dor&3xyz"
DB_PASSWORD = "Sup3r" + "S3cretPw"
SECRETS = (AWS_KEY, JWT_SECRET, SESSION_SECRET, PASSWORD, DB_PASSWORD)
SOURCE = f"""\
const jwt = require("jsonwebtoken");
const session = require("express-session");
const express = require("express");
const app = express();
const awsAccessKeyId = "{AWS_KEY}";
const token = jwt.sign({{ sub: 1 }}, "{JWT_SECRET}");
app.use(session({{ name: "sid_x", secret: "{SESSION_SECRET}" }}));
const dbPassword = "{PASSWORD}";
const url = "postgres://admin:{DB_PASSWORD}@db.internal:5432/app";
"""
#: (rule, line, what the report shows instead of the secret)
EXPECTED = {
    ("NW602", 5, "AKIA****X6RB"),
    ("NW601", 6, mask_secret(JWT_SECRET)),
    ("NW805", 7, mask_secret(SESSION_SECRET)),
    ("NW601", 8, mask_secret(PASSWORD)),
    ("NW603", 9, mask_secret(DB_PASSWORD)),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "server.js").write_text(SOURCE)
    return root


def test_masks_keep_few_characters_and_hide_the_length() -> None:
    assert mask_secret(AWS_KEY) == "AKIA****X6RB"
    assert mask_secret("abcdefgh") == "ab****gh"  # never more than half
    assert mask_secret("abcd") == "a****d"
    assert mask_secret("abc") == "****"
    assert mask_secret("x" * 40) == "xxxx****xxxx"  # the length is not told


def test_findings_carry_the_secret_they_quote(project: Path) -> None:
    report = scan_path(project)
    quoted = {(f.rule, f.location.line): f.secrets for f in report.findings if f.secrets}
    assert set(quoted) == {(rule, line) for rule, line, _ in EXPECTED}
    assert all(any(secret in pieces for secret in SECRETS) for pieces in quoted.values()), quoted


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "html", "github"])
def test_no_format_contains_a_full_secret(project: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    assert main(["scan", str(project), "--format", fmt, "--output", str(out), "-q"]) == 1
    output = out.read_text()
    for secret in SECRETS:
        assert secret not in output
    shown_masks = {masked for _rule, _line, masked in EXPECTED if masked in output}
    # annotations carry messages, not snippets: only the AWS key is quoted in a message
    assert shown_masks == ({"AKIA****X6RB"} if fmt == "github" else {m for *_, m in EXPECTED})


def test_show_secrets_prints_them_in_full(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--no-color", "scan", str(project), "-q", "--show-secrets"]) == 1
    output = capsys.readouterr().out
    for secret in SECRETS:
        assert secret in output
    assert f"AWS access key id ({AWS_KEY})" in output


def test_show_secrets_from_the_config_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".nodeward.toml").write_text("show-secrets = true\n")
    main(["scan", str(project), "-q", "--format", "json"])
    snippets = {f["location"]["snippet"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert f'const dbPassword = "{PASSWORD}";' in snippets


def test_masking_keeps_the_fingerprint_and_the_snippet_shape(project: Path) -> None:
    report = scan_path(project)
    shown = json.loads(json_report.render(report, show_secrets=True))["findings"]
    masked = json.loads(json_report.render(report))["findings"]
    assert [f["fingerprint"] for f in shown] == [f["fingerprint"] for f in masked]
    [password] = [f for f in masked if f["location"]["line"] == 8]
    assert password["location"]["snippet"] == f'const dbPassword = "{mask_secret(PASSWORD)}";'
    [url] = [f for f in masked if f["rule"] == "NW603"]
    assert url["location"]["snippet"] == (
        f'const url = "postgres://admin:{mask_secret(DB_PASSWORD)}@db.internal:5432/app";'
    )


def test_a_short_secret_does_not_garble_the_words_around_it() -> None:
    rule = get_rule("NW805")
    assert rule is not None
    snippet = 'app.use(session({ secret: "secret", name: "concat", url: "redis://secret:cat@h" }))'
    finding = rule.finding(
        SourceLocation("a.js", 1, snippet=snippet),
        "express-session `secret` is a string literal",
        secrets=("secret", "cat"),
    )
    [concealed] = conceal(Report("0", "/", (finding,))).findings
    assert isinstance(concealed.location, SourceLocation)
    assert concealed.location.snippet == (
        'app.use(session({ secret: "s****t", name: "concat", url: "redis://secret:****@h" }))'
    )
    assert concealed.message == finding.message
    assert concealed.secrets == ()


def test_evidence_is_redacted_in_every_format_unless_shown() -> None:
    rule = get_rule("NW801")
    assert rule is not None
    cookie = "connect.sid=s%3Asupersecretvalue"
    finding = rule.finding(
        HttpLocation("http://127.0.0.1:3000/"),
        "default cookie name",
        evidence=(
            Evidence(
                HttpLocation("http://127.0.0.1:3000/"), "login", response=f"Set-Cookie: {cookie}"
            ),
        ),
    )
    report = Report("0", "/", (finding,), rules=(rule,))
    for render in (json_report.render, html.render):  # the formats that show exchanges
        assert "supersecretvalue" not in render(report)
        assert "supersecretvalue" in render(report, show_secrets=True)
    assert "Set-Cookie: connect.sid=[redacted]" in json_report.render(report)
    rest = sarif.render(report) + text.render(report) + github.render(report)
    assert "supersecretvalue" not in rest


@given(st.text(min_size=1, max_size=80))
def test_a_mask_shows_at_most_half_and_not_the_length(secret: str) -> None:
    masked = mask_secret(secret)
    shown = masked.replace(STARS, "", 1)
    assert STARS in masked and 2 * len(shown) <= len(secret)
    if len(secret) >= 16:  # every long secret with the same ends masks alike
        assert masked == mask_secret(secret[:4] + "x" * 40 + secret[-4:])


SECRET_CHARS = st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="\"'`*\\")


@given(st.text(SECRET_CHARS, min_size=1, max_size=40), st.text(SECRET_CHARS, max_size=20))
def test_a_quoted_secret_never_survives_in_any_snippet_of_its_file(secret: str, other: str) -> None:
    rule = get_rule("NW601")
    assert rule is not None
    line = f'const k = "{secret}"; f("{other}");'
    reported = rule.finding(SourceLocation("a.js", 1, snippet=line), "m", secrets=(secret,))
    neighbour = rule.finding(SourceLocation("a.js", 1, 20, snippet=line), "n")
    for finding in conceal(Report("0", "/", (reported, neighbour))).findings:
        assert isinstance(finding.location, SourceLocation)
        assert f'"{secret}"' not in finding.location.snippet
