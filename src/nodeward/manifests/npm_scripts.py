"""RUN004: package.json scripts that run with root privileges (sudo, --unsafe-perm)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.runtime import SUDO_IN_SCRIPTS
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.manifests.files import location, script_line, scripts

_SUDO = re.compile(r"(?:^|[;&|(]|\s)sudo\s")
_UNSAFE_PERM = re.compile(r"--unsafe-perm(?:=true)?\b(?!=false)")


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
