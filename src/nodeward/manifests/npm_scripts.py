"""RUN004: package.json scripts that run with root privileges (sudo, --unsafe-perm)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.checks import Checker
from nodeward.findings import Confidence, Finding, Severity
from nodeward.manifests.files import location, script_line, scripts
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

_SUDO = re.compile(r"(?:^|[;&|(]|\s)sudo\s")
_UNSAFE_PERM = re.compile(r"--unsafe-perm(?:=true)?\b(?!=false)")

SUDO_IN_SCRIPTS = RuleMeta(
    code="RUN004",
    name="sudo-in-npm-scripts",
    title="An npm script runs with root privileges",
    cwe=(250,),
    owasp=Owasp.A05,
    practices=(Practice.NOT_ROOT,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks the `scripts` of every package.json for `sudo` and for npm's "
        "`--unsafe-perm`, which keeps root privileges for lifecycle scripts."
    ),
    why=(
        "A script that runs the app or an install step as root hands root to the app and "
        "to every dependency's install script. Binding port 80 or writing to a system "
        "folder has safer answers (a reverse proxy, a port above 1024, "
        "`setcap cap_net_bind_service`)."
    ),
    example='"scripts": { "start": "sudo node server.js" }',
    use_instead='"scripts": { "start": "node server.js" }',
    fix="Remove `sudo`/`--unsafe-perm`; listen on a port above 1024 behind a proxy",
    references=(
        "npm docs, scripts and user: https://docs.npmjs.com/cli/using-npm/scripts#user",
        "Node.js security best practices: https://nodejs.org/en/learn/getting-started/security-best-practices",
    ),
)


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    project = analysis.project
    for manifest in project.manifests:
        for name, command in scripts(manifest).items():
            if _SUDO.search(" " + command):
                what = "`sudo`"
            elif _UNSAFE_PERM.search(command):
                what = "`--unsafe-perm`"
            else:
                continue
            yield SUDO_IN_SCRIPTS.finding(
                location(manifest.text, script_line(manifest, name)),
                f'npm script "{name}" runs with root privileges ({what}: {command!r}); '
                "run it as an ordinary user",
            )


CHECKER = Checker(rules=(SUDO_IN_SCRIPTS,), check_project=_check_project)
