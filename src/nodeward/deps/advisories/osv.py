"""OSV records (schema 1.x) -> Advisory, for the npm ecosystem."""

from __future__ import annotations

import re
from typing import Any

from nodeward.deps.advisories.cvss import base_score, severity_of_label, severity_of_score
from nodeward.deps.advisories.interface import Advisory, Affected, Event, EventKind
from nodeward.findings import Severity

_CWE = re.compile(r"CWE-(\d+)")


class InvalidRecord(ValueError):
    """A JSON document that is not an OSV record; the message names the field."""


_KINDS = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), "null" if value is None else "a number")


def _expect(value: Any, expected: type, where: str) -> None:
    if not isinstance(value, expected):
        raise InvalidRecord(f"{where}: expected {_KINDS[expected]}, not {_kind(value)}")


def _optional(record: dict[str, Any], key: str, expected: type, where: str) -> Any:
    """`record[key]` checked for its type; None when absent or null."""
    value = record.get(key)
    if value is not None:
        _expect(value, expected, f"{where}{key}")
    return value


def _strings(record: dict[str, Any], key: str, where: str) -> None:
    for index, item in enumerate(_optional(record, key, list, where) or []):
        _expect(item, str, f"{where}{key}[{index}]")


def _objects(record: dict[str, Any], key: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    """The objects of the list `record[key]`, each with where it is."""
    found = []
    for index, item in enumerate(_optional(record, key, list, where) or []):
        here = f"{where}{key}[{index}]"
        _expect(item, dict, here)
        found.append((here + ".", item))
    return found


def check_record(record: Any) -> None:
    """Raise InvalidRecord unless every field nodeward reads has the type OSV's schema gives
    it, so that one malformed record is skipped instead of breaking an import or a scan."""
    _expect(record, dict, "record")
    if not isinstance(record.get("id"), str) or not record["id"]:
        raise InvalidRecord("not an OSV record (no id)")
    for key in ("modified", "published", "withdrawn", "summary", "details"):
        _optional(record, key, str, "")
    for key in ("aliases", "related"):
        _strings(record, key, "")
    _optional(record, "database_specific", dict, "")
    for where, entry in _objects(record, "severity", ""):
        _optional(entry, "type", str, where)
        _optional(entry, "score", str, where)
    for where, entry in _objects(record, "references", ""):
        _optional(entry, "type", str, where)
        _optional(entry, "url", str, where)
    for where, entry in _objects(record, "affected", ""):
        package = _optional(entry, "package", dict, where)
        if package is not None:
            for key in ("ecosystem", "name"):
                _expect(package.get(key), str, f"{where}package.{key}")
        _strings(entry, "versions", where)
        specific = _optional(entry, "ecosystem_specific", dict, where)
        if specific is not None:
            _strings(specific, "affected_functions", f"{where}ecosystem_specific.")
        for range_where, range_ in _objects(entry, "ranges", where):
            _expect(range_.get("type"), str, f"{range_where}type")
            for event_where, event in _objects(range_, "events", range_where):
                for kind in EventKind:
                    _optional(event, kind.value, str, event_where)


def is_npm(record: dict[str, Any]) -> bool:
    """Whether a checked record names an npm package."""
    return any(_npm_name(entry) is not None for entry in record.get("affected") or [])


def _npm_name(entry: dict[str, Any]) -> str | None:
    package = entry.get("package") or {}
    if package.get("ecosystem", "").lower() == "npm" and package.get("name"):
        return str(package["name"])
    return None


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
    """The npm part of an OSV record; InvalidRecord when it is not one (see check_record)."""
    check_record(record)
    summary = (record.get("summary") or record.get("details") or "")[:300]
    affected = []
    for entry in record.get("affected") or []:
        name = _npm_name(entry)
        if name is None:
            continue
        ranges = []
        for range_ in entry.get("ranges") or []:
            if range_["type"] not in ("SEMVER", "ECOSYSTEM"):
                continue
            events = []
            for event in range_.get("events") or []:
                events += [Event(k, event[k.value]) for k in EventKind if k.value in event]
            ranges.append(tuple(events))
        versions = tuple(entry.get("versions") or [])
        affected.append(
            Affected(name, tuple(ranges), versions, None, _functions(entry, name, summary))
        )
    severity, vector = _severity(record)
    specific = record.get("database_specific") or {}
    cwe_ids = specific.get("cwe_ids")
    listed = cwe_ids if isinstance(cwe_ids, list) else []
    cwes = tuple(int(m) for c in listed for m in _CWE.findall(str(c)))
    references = record.get("references") or []
    refs = [r.get("url") for r in references]
    advisory_refs = [r.get("url") for r in references if r.get("type") == "ADVISORY"]
    url = next((u for u in [*advisory_refs, *refs] if u), "")
    if record["id"].startswith("GHSA-"):
        url = f"https://github.com/advisories/{record['id']}"
    return Advisory(
        id=record["id"],
        aliases=tuple(record.get("aliases") or []),
        summary=summary,
        severity=severity,
        affected=tuple(affected),
        cwes=cwes,
        url=url,
        cvss_vector=vector,
        withdrawn=bool(record.get("withdrawn")),
    )


def package_names(record: dict[str, Any]) -> set[str]:
    """The npm package names of a checked record."""
    return {name for entry in record.get("affected") or [] if (name := _npm_name(entry))}
