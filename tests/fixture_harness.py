"""The annotated-fixture harness: `// ruleid: CODE`, `// ok: CODE`, `// todoruleid: CODE`
and `// todook: CODE` comments (or `#` in Dockerfiles and YAML) state what must and must
not be reported on the next code line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

KEYWORDS = ("ruleid", "ok", "todoruleid", "todook")
ANNOTATION = re.compile(
    r"^\s*(?://|#|<!--|\{\{!--|\{#|/\*)\s*(?P<keyword>[a-z]+)\s*:\s*(?P<codes>[^*>#}-]*)"
)
_COMMENT_ONLY = re.compile(r"^\s*(//|#|/\*|\*|<!--|\{\{!--|\{#)")


class FixtureError(Exception):
    pass


def _is_annotation(match: re.Match[str]) -> bool:
    """A known keyword, or any word followed by what looks like rule codes (a typo such as
    `ruleidd: NW801` must fail, not pass silently)."""
    if match.group("keyword") in KEYWORDS:
        return True
    return re.fullmatch(r"\s*[A-Z]+\d+(\s*,\s*[A-Z]+\d+)*\s*", match.group("codes")) is not None


@dataclass(frozen=True)
class Expectation:
    keyword: str
    code: str
    path: str
    line: int  # the code line the annotation refers to


def expectations(path: Path, rel: str) -> Iterator[Expectation]:
    lines = path.read_text(encoding="utf-8").splitlines()
    pending: list[tuple[str, str, int]] = []
    for number, line in enumerate(lines, start=1):
        match = ANNOTATION.match(line)
        if match is not None and _is_annotation(match):
            keyword = match.group("keyword")
            if keyword not in KEYWORDS:
                raise FixtureError(f"{rel}:{number}: unknown annotation keyword {keyword!r}")
            for code in (c.strip() for c in match.group("codes").split(",")):
                if not re.fullmatch(r"(NW|RUN|DEP)\d{3}", code):
                    raise FixtureError(f"{rel}:{number}: malformed rule code {code!r}")
                pending.append((keyword, code, number))
            continue
        if not line.strip() or _COMMENT_ONLY.match(line):
            continue
        for keyword, code, _at in pending:
            yield Expectation(keyword, code, rel, number)
        pending = []
    if pending:
        raise FixtureError(f"{rel}:{pending[0][2]}: annotation with no code line after it")
