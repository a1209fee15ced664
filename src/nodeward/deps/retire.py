"""Vulnerable client-side libraries (DEP002) with Retire.js's repository (v5 format):
`filename`, `filecontent` and `hashes` extractors, where `§§version§§` stands for the
version capture, applied to JavaScript files in static folders."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nodeward.catalog.dependencies import VULNERABLE_CLIENT_LIBRARY
from nodeward.deps import semver
from nodeward.deps.caches import cache_dir
from nodeward.deps.gaps import NO_STATIC_SCRIPTS
from nodeward.discover import FileKind
from nodeward.findings import Finding, Skip, SourceLocation
from nodeward.project import Project
from nodeward.source import syntax

STATIC_FOLDERS = ("public", "static", "assets")
_VERSION_GROUP = r"[0-9][0-9.a-z_\-]+"
_HEAD_BYTES = 20_000  # banners sit at the top of a file
#: Retire.js's patterns come from its repository, written for JavaScript engines; some
#: start with `[\s]+`, which a long run of spaces makes quadratic. No banner needs more
#: than a few spaces in a row, so longer runs are cut before the patterns run.
_SPACE_RUN = re.compile(r"(\s{8})\s++")


class RepositoryError(Exception):
    """A file that is not a Retire.js repository."""


@dataclass(frozen=True)
class Vulnerability:
    below: str | None
    at_or_above: str | None
    severity: str
    ids: tuple[str, ...]
    summary: str
    cwes: tuple[int, ...]
    info: str


@dataclass(frozen=True)
class Library:
    name: str
    filename: tuple[re.Pattern[str], ...]
    filecontent: tuple[re.Pattern[str], ...]
    hashes: dict[str, str]
    vulnerabilities: tuple[Vulnerability, ...]


def repository_path() -> Path:
    return cache_dir() / "retire-jsrepository.json"


def _compile(patterns: Any) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns if isinstance(patterns, list) else []:
        try:
            compiled.append(re.compile(str(pattern).replace("§§version§§", _VERSION_GROUP)))
        except re.error:
            continue  # a JS-only regex feature; the other extractors still apply
    return tuple(compiled)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _vulnerability(item: dict[str, Any]) -> Vulnerability:
    identifiers = item.get("identifiers")
    identifiers = identifiers if isinstance(identifiers, dict) else {}
    ids = [*_list(identifiers.get("CVE")), identifiers.get("githubID")]
    cwes = tuple(int(str(c)[4:]) for c in _list(item.get("cwe")) if str(c)[4:].isdigit())
    info = _list(item.get("info")) or [""]
    return Vulnerability(
        below=_text_or_none(item.get("below")),
        at_or_above=_text_or_none(item.get("atOrAbove")),
        severity=str(item.get("severity") or "medium"),
        ids=tuple(str(i) for i in ids if i),
        summary=str(identifiers.get("summary") or ""),
        cwes=cwes,
        info=str(info[0]),
    )


def parse_repository(data: Any) -> list[Library]:
    """The libraries of a repository; entries of the wrong shape are left out."""
    if not isinstance(data, dict):
        raise RepositoryError("not a Retire.js repository (expected a JSON object)")
    libraries = []
    for name, entry in data.items():
        if not isinstance(entry, dict) or name == "retire-example":
            continue
        extractors = entry.get("extractors")
        if not isinstance(extractors, dict):
            continue
        hashes = extractors.get("hashes")
        libraries.append(
            Library(
                name=name,
                filename=_compile(extractors.get("filename")),
                filecontent=_compile(extractors.get("filecontent")),
                hashes={
                    str(k): str(v) for k, v in (hashes if isinstance(hashes, dict) else {}).items()
                },
                vulnerabilities=tuple(
                    _vulnerability(v)
                    for v in _list(entry.get("vulnerabilities"))
                    if isinstance(v, dict)
                ),
            )
        )
    if not libraries:
        raise RepositoryError("not a Retire.js repository (no library has extractors)")
    return libraries


def import_repository(source: Path) -> int:
    """Validate and install a repository file for later scans; returns its library count."""
    try:
        count = len(parse_repository(json.loads(source.read_text(encoding="utf-8"))))
    except (OSError, ValueError, RepositoryError) as error:
        raise RepositoryError(f"{source}: {error}") from None
    except RecursionError:
        raise RepositoryError(f"{source}: invalid JSON: nested too deeply") from None
    target = repository_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return count


def _below(version: str, bound: str) -> bool:
    a, b = semver.try_parse(_pad(version)), semver.try_parse(_pad(bound))
    return a is not None and b is not None and a < b


def _pad(version: str) -> str:
    core, sep, rest = version.partition("-")
    parts = core.split(".")
    parts += ["0"] * (3 - len(parts))
    return ".".join(parts[:3]) + sep + rest


def identify(
    name: str, head: str, data: bytes, libraries: list[Library]
) -> list[tuple[Library, str]]:
    sha1 = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    head = _SPACE_RUN.sub(r"\1", head[:_HEAD_BYTES])
    found = []
    for library in libraries:
        version = library.hashes.get(sha1)
        for pattern in library.filename if version is None else ():
            match = pattern.search(name)
            if match and match.groups():
                version = match.group(1)
                break
        for pattern in library.filecontent if version is None else ():
            match = pattern.search(head)
            if match and match.groups():
                version = match.group(1)
                break
        if version:
            found.append((library, version.rstrip(".")))
    return found


def static_roots(project: Project) -> set[str]:
    """Conventional static folders plus every folder passed to express.static()."""
    roots = set(STATIC_FOLDERS)
    for ctx in project.files:
        for call in ctx.calls_to("express", "static"):
            args = syntax.call_arguments(call)
            folder = syntax.string_value(args[0]) if args else None
            if folder:
                roots.add(folder.strip("./") or ".")
    return roots


def _in_roots(rel: str, roots: set[str]) -> bool:
    parts = rel.split("/")
    return any(
        "/".join(parts[i : i + len(r.split("/"))]) == r
        for r in roots
        for i in range(len(parts) - 1)
    )


def scan_static(project: Project) -> tuple[list[Finding], list[Skip], str | None]:
    """Findings, skips, and why nothing could be evaluated (None when something was)."""
    path = repository_path()
    roots = static_roots(project)
    candidates = [
        f
        for f in project.inventory.files
        if f.kind in (FileKind.STATIC_LIBRARY, FileKind.SCRIPT) and _in_roots(f.rel, roots)
    ]
    if not candidates:
        return [], [], NO_STATIC_SCRIPTS
    if not path.is_file():
        reason = "no Retire.js repository; import one with `nodeward db import-retire FILE`"
        return [], [Skip("client-side libraries", reason)], reason
    try:
        libraries = parse_repository(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, RepositoryError, RecursionError) as error:
        reason = f"unreadable Retire.js repository: {error}"
        return [], [Skip(str(path), reason)], reason
    findings = []
    for discovered in candidates:
        data = discovered.path.read_bytes()
        head = data[:_HEAD_BYTES].decode("utf-8", "replace")
        for library, version in identify(discovered.path.name, head, data, libraries):
            findings += _findings(discovered.rel, library, version)
    return findings, [], None


def _findings(rel: str, library: Library, version: str) -> list[Finding]:
    hits = [
        v
        for v in library.vulnerabilities
        if (v.below is None or _below(version, v.below))
        and (v.at_or_above is None or not _below(version, v.at_or_above))
    ]
    if not hits:
        return []
    from nodeward.deps.advisories.cvss import severity_of_label

    worst = max(hits, key=lambda v: severity_of_label(v.severity) or 0)
    fixed = max(
        (v.below for v in hits if v.below),
        key=lambda b: semver.try_parse(_pad(b)) or semver.Version(0, 0, 0),
        default=None,
    )
    ids = sorted({i for v in hits for i in v.ids})
    summary = "; ".join(dict.fromkeys(v.summary for v in hits if v.summary))[:300]
    message = (
        f"{library.name} {version} served from {rel} has {len(hits)} known "
        f"vulnerabilit{'y' if len(hits) == 1 else 'ies'} ({', '.join(ids[:6]) or 'no ids'}"
        f"{', ...' if len(ids) > 6 else ''}): {summary or worst.info}"
    )
    fix = (
        f"Replace {rel} with {library.name} {fixed} or later"
        if fixed
        else VULNERABLE_CLIENT_LIBRARY.fix
    )
    return [
        VULNERABLE_CLIENT_LIBRARY.finding(
            SourceLocation(rel, 1),
            message,
            fix=fix,
            severity=severity_of_label(worst.severity) or VULNERABLE_CLIENT_LIBRARY.severity,
        )
    ]
