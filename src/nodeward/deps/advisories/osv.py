"""OSV records (schema 1.x) -> Advisory, for the npm ecosystem."""

from __future__ import annotations

import re
from typing import Any

from nodeward.deps.advisories.cvss import base_score, severity_of_label, severity_of_score
from nodeward.deps.advisories.interface import Advisory, Affected, Event, EventKind
from nodeward.findings import Severity

_CWE = re.compile(r"CWE-(\d+)")


class InvalidRecord(ValueError):
    """A JSON document that is not an OSV record."""


#: OSV severity types in the order they are read: v3 first, as before v4 scores existed, so
#: that an advisory scored both ways keeps its severity; v4, then v2, when it is all there is.
_CVSS_PREFERENCE = ("CVSS_V3", "CVSS_V4", "CVSS_V2")


def _severity(record: dict[str, Any]) -> tuple[Severity, str | None]:
    vector = None
    entries = [e for e in record.get("severity") or [] if isinstance(e, dict)]
    for kind in _CVSS_PREFERENCE:
        for entry in entries:
            if str(entry.get("type", "")) == kind:
                vector = str(entry.get("score", ""))
                score = base_score(vector)
                if score is not None:
                    return severity_of_score(score), vector
    specific = record.get("database_specific") or {}
    label = specific.get("severity") if isinstance(specific, dict) else None
    rated = severity_of_label(label) if isinstance(label, str) else None
    return (rated if rated is not None else Severity.MEDIUM), vector


def _functions(entry: dict[str, Any], package: str, text: str) -> tuple[str, ...]:
    """Functions an advisory names: OSV's `ecosystem_specific.affected_functions` when
    given, else `package.fn` mentions in the summary (`lodash.template`)."""
    specific = entry.get("ecosystem_specific") or {}
    listed = specific.get("affected_functions") if isinstance(specific, dict) else None
    if isinstance(listed, list):
        return tuple(str(f).removeprefix(package + ".") for f in listed)
    pattern = re.compile(rf"\b{re.escape(package)}\.([A-Za-z_$][\w$]*)\b")
    return tuple(dict.fromkeys(m.group(1) for m in pattern.finditer(text) if m.group(1) != "js"))


def parse_record(record: Any) -> Advisory:
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise InvalidRecord("not an OSV record (no id)")
    summary = str(record.get("summary") or record.get("details") or "")[:300]
    affected = []
    for entry in record.get("affected") or []:
        if not isinstance(entry, dict):
            continue
        package = entry.get("package") or {}
        if str(package.get("ecosystem", "")).lower() != "npm" or not package.get("name"):
            continue
        name = str(package["name"])
        ranges = []
        for range_ in entry.get("ranges") or []:
            if not isinstance(range_, dict) or range_.get("type") not in ("SEMVER", "ECOSYSTEM"):
                continue
            events = []
            for event in range_.get("events") or []:
                if isinstance(event, dict):
                    events += [Event(k, str(event[k.value])) for k in EventKind if k.value in event]
            ranges.append(tuple(events))
        versions = tuple(str(v) for v in entry.get("versions") or [])
        affected.append(
            Affected(name, tuple(ranges), versions, None, _functions(entry, name, summary))
        )
    severity, vector = _severity(record)
    specific = record.get("database_specific") or {}
    cwe_ids = specific.get("cwe_ids") if isinstance(specific, dict) else None
    cwes = tuple(int(m) for c in cwe_ids or [] for m in _CWE.findall(str(c)))
    refs = [r.get("url") for r in record.get("references") or [] if isinstance(r, dict)]
    advisory_refs = [
        r.get("url")
        for r in record.get("references") or []
        if isinstance(r, dict) and r.get("type") == "ADVISORY"
    ]
    url = next((str(u) for u in [*advisory_refs, *refs] if u), "")
    if record["id"].startswith("GHSA-"):
        url = f"https://github.com/advisories/{record['id']}"
    return Advisory(
        id=record["id"],
        aliases=tuple(str(a) for a in record.get("aliases") or []),
        summary=summary,
        severity=severity,
        affected=tuple(affected),
        cwes=cwes,
        url=url,
        cvss_vector=vector,
        withdrawn=bool(record.get("withdrawn")),
    )


def package_names(record: dict[str, Any]) -> set[str]:
    names = set()
    for entry in record.get("affected") or []:
        package = entry.get("package") if isinstance(entry, dict) else None
        if isinstance(package, dict) and str(package.get("ecosystem", "")).lower() == "npm":
            names.add(str(package.get("name")))
    return names
