"""A small Dockerfile parser: instructions with their line numbers, grouped into stages.

It follows the reference's lexical rules that matter for auditing: line continuations
(with the `# escape=` parser directive), comments, JSON ("exec") and shell forms, and
heredocs (`RUN <<EOF ... EOF`), whose bodies are skipped rather than read as instructions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from nodeward.source.parse import SourceText

_DIRECTIVE = re.compile(r"^#\s*(?P<name>[a-zA-Z]+)\s*=\s*(?P<value>\S+)\s*$")
_HEREDOC = re.compile(r"<<-?\s*[\"']?(?P<word>[A-Za-z_][A-Za-z0-9_]*)[\"']?")
#: starts where a run of spaces starts, not at each of its characters
_STAGE_NAME = re.compile(r"(?<!\s)\s++as\s++(?P<name>\S++)\s*+$", re.IGNORECASE)


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, USER, ...
    arguments: str  # the rest of the instruction, continuations joined
    line: int  # 1-based line of the keyword

    def exec_form(self) -> list[str] | None:
        """`["node", "server.js"]` -> ['node', 'server.js']; None for the shell form."""
        text = self.arguments.strip()
        if not text.startswith("["):
            return None
        try:
            parsed = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return None
        if isinstance(parsed, list) and all(isinstance(p, str) for p in parsed):
            return [str(p) for p in parsed]
        return None

    def command_text(self) -> str:
        """The command of RUN/CMD/ENTRYPOINT as one string, whichever form it uses."""
        parts = self.exec_form()
        return " ".join(parts) if parts is not None else self.arguments.strip()


@dataclass(frozen=True)
class Stage:
    """One build stage: its FROM instruction and what follows it up to the next FROM."""

    index: int
    base: str  # the image or earlier stage it starts from
    name: str | None  # `FROM x AS name`
    from_line: int
    instructions: tuple[Instruction, ...]

    def of(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def instructions(text: SourceText) -> list[Instruction]:
    escape = "\\"
    found: list[Instruction] = []
    lines = text.lines
    number = 0
    in_directives = True
    while number < len(lines):
        raw = lines[number]
        number += 1
        stripped = raw.strip()
        if in_directives:
            directive = _DIRECTIVE.match(stripped)
            if directive is not None:
                if directive.group("name").lower() == "escape" and directive.group("value") in (
                    "\\",
                    "`",
                ):
                    escape = directive.group("value")
                continue
            in_directives = False
        if not stripped or stripped.startswith("#"):
            continue
        start = number
        joined = stripped
        while joined.endswith(escape) and number < len(lines):
            joined = joined[: -len(escape)]
            following = lines[number].strip()
            number += 1
            if not following or following.startswith("#"):
                joined += escape  # blank and comment lines inside a continuation are dropped
                continue
            joined += " " + following
        joined = joined.strip()
        keyword, _, arguments = joined.partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip(), start))
        heredoc = _HEREDOC.search(arguments)
        if heredoc is not None and keyword.upper() in ("RUN", "COPY", "ADD"):
            terminator = heredoc.group("word")
            while number < len(lines) and lines[number].strip() != terminator:
                number += 1
            number += 1
    return found


def stages(text: SourceText) -> list[Stage]:
    """The build stages in order; instructions before the first FROM (ARG) are dropped."""
    result: list[Stage] = []
    current: list[Instruction] = []
    header: Instruction | None = None
    for instruction in instructions(text):
        if instruction.keyword == "FROM":
            if header is not None:
                result.append(_stage(len(result), header, current))
            header, current = instruction, []
        elif header is not None:
            current.append(instruction)
    if header is not None:
        result.append(_stage(len(result), header, current))
    return result


def _stage(index: int, header: Instruction, body: list[Instruction]) -> Stage:
    arguments = " ".join(w for w in header.arguments.split() if not w.startswith("--"))
    name_match = _STAGE_NAME.search(arguments)
    name = name_match.group("name") if name_match else None
    base = arguments[: name_match.start()].strip() if name_match else arguments.strip()
    return Stage(index, base, name, header.line, tuple(body))


def lineage(all_stages: list[Stage], stage: Stage) -> list[Stage]:
    """`stage` and the earlier stages it is built FROM, nearest first: a stage inherits
    ENV and USER from a stage it names as its base."""
    chain = [stage]
    by_name = {s.name.lower(): s for s in all_stages if s.name}
    current = stage
    while (parent := by_name.get(current.base.lower())) is not None and parent not in chain:
        if parent.index >= current.index:
            break
        chain.append(parent)
        current = parent
    return chain
