"""Ignoring what a team accepted: rule codes, advisory ids and package@version.

An entry of `--ignore` (or of the config's `ignore` list) is one of:

- a rule code or code prefix (`NW801`, `NW8`, `DEP`): the rule does not run;
- an advisory id (`GHSA-…`, `CVE-…`, `NSWG-ECO-…`, `NSWG-CORE-…`, `MAL-…`, `OSV-…`): a
  DEP001 finding whose advisory has that id or alias is left out;
- `name@version` (`lodash@4.17.4`, `@scope/name@1.0.0`) or `name@*` for every version:
  dependency findings of that installed package are left out. A bare name is read as a
  rule code, so that a typo of a code is never taken for a package.

A config file can also give a reason and an expiry date:

    [[ignore]]
    id = "GHSA-jf85-cpcp-j695"
    reason = "not reachable: we never call merge"
    until = 2027-01-31

After `until` the finding comes back, with a note naming the expired ignore. Findings an
ignore left out are counted in the report (`Report.ignored`), never dropped silently.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from nodeward.findings import Finding, PackageLocation

_ADVISORY = re.compile(
    r"(GHSA(-[23456789CFGHJMPQRVWX]{4}){3}|CVE-\d{4}-\d{4,}|NSWG-(ECO|CORE)-\d+"
    r"|MAL-\d{4}-\d+|OSV-\d{4}-\d+)",
    re.IGNORECASE,
)
#: An npm package name (optionally @scope/) and a version, or * for every version. Matched
#: in two parts around the last "@": one pattern over "name@version" backtracks on "@@@...".
_NAME = re.compile(r"(@[a-z0-9][\w.~-]*/)?[a-z0-9][\w.~-]*", re.IGNORECASE)
_VERSION = re.compile(r"\*|[0-9A-Za-z.+-]+")


class IgnoreError(ValueError):
    """An entry that is neither a known rule code, an advisory id nor package@version."""


@dataclass(frozen=True)
class Ignore:
    """One accepted finding pattern: an advisory id, package@version or rule code."""

    target: str
    reason: str = ""
    until: datetime.date | None = None

    def expired(self, today: datetime.date) -> bool:
        return self.until is not None and self.until < today


def is_advisory(entry: str) -> bool:
    return _ADVISORY.fullmatch(entry) is not None


def is_package(entry: str) -> bool:
    name, at, version = entry.rpartition("@")
    return (
        bool(at) and _NAME.fullmatch(name) is not None and _VERSION.fullmatch(version) is not None
    )


def check_codes(
    entries: Iterable[str], codes: Sequence[str], option: str, *, advisories: bool
) -> None:
    """Raise IgnoreError naming the first entry that is not a rule code or prefix of one
    (nor, when `advisories`, an advisory id or package@version), with the closest code."""
    for entry in entries:
        if any(code.startswith(entry.upper()) for code in codes) and entry:
            continue
        if advisories and (is_advisory(entry) or is_package(entry)):
            continue
        # A short entry is compared with code prefixes of its length: NX1 is closest to NW1.
        prefixes = sorted({code[: len(entry)] for code in codes}) if entry else list(codes)
        close = difflib.get_close_matches(entry.upper(), prefixes, n=1, cutoff=0.0)
        hint = f" (closest rule code: {close[0]})" if close else ""
        what = "rule code, advisory id or package@version" if advisories else "rule code"
        raise IgnoreError(f"{option}: unknown {what} {entry!r}{hint}")


def finding_ignores(entries: Iterable[str]) -> tuple[Ignore, ...]:
    """The entries of a plain ignore list that filter findings rather than turn rules off."""
    return tuple(Ignore(e) for e in entries if is_advisory(e) or is_package(e))


def parse_table(item: object) -> Ignore:
    """One `[[ignore]]` table: `id` (required), `reason`, `until` (a TOML date)."""
    if not isinstance(item, dict):
        raise TypeError("expected a code string or a table with id, reason and until")
    unknown = set(item) - {"id", "reason", "until"}
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(sorted(unknown))} (known: id, reason, until)")
    target, reason, until = item.get("id"), item.get("reason", ""), item.get("until")
    if not isinstance(target, str) or not target.strip():
        raise TypeError("each [[ignore]] needs an id string")
    if not isinstance(reason, str):
        raise TypeError("reason must be a string")
    if isinstance(until, str):
        try:
            until = datetime.date.fromisoformat(until)
        except ValueError:
            raise ValueError(f"until {until!r} is not a date (YYYY-MM-DD)") from None
    if until is not None and (
        not isinstance(until, datetime.date) or isinstance(until, datetime.datetime)
    ):
        raise TypeError("until must be a date (until = 2027-01-31)")
    return Ignore(target.strip(), reason, until)


def _matches(ignore: Ignore, finding: Finding) -> bool:
    """Whether `ignore` leaves out the whole finding (a rule or a package); advisory ids are
    judged per advisory by `_advisories_matched`."""
    target = ignore.target
    if is_advisory(target):
        return False
    location = finding.location
    if is_package(target):
        if not isinstance(location, PackageLocation):
            return False
        name, _, version = target.rpartition("@")
        return name.lower() == location.package.lower() and version in ("*", location.version)
    return finding.rule.startswith(target.upper())


def _advisories_matched(ignores: Sequence[Ignore], finding: Finding) -> list[list[Ignore]]:
    """For each advisory the finding lists, the advisory-id ignores naming it."""
    return [
        [
            i
            for i in ignores
            if is_advisory(i.target) and i.target.upper() in {a.upper() for a in ids}
        ]
        for ids in finding.advisory_ids
    ]


@dataclass(frozen=True)
class IgnoreResult:
    kept: list[Finding]
    ignored: list[Finding]


def apply_ignores(
    findings: Iterable[Finding], ignores: Sequence[Ignore], today: datetime.date
) -> IgnoreResult:
    """Leave out the findings an unexpired ignore matches; a finding that only an expired
    ignore matches stays, with a note at the end of its message."""
    kept: list[Finding] = []
    ignored: list[Finding] = []
    for finding in findings:
        whole = [i for i in ignores if _matches(i, finding)]
        per_advisory = _advisories_matched(ignores, finding)
        # A package's one finding lists all its advisories: it is left out only when every
        # one of them is ignored (accepting one advisory must not hide the others).
        every_advisory = bool(per_advisory) and all(
            any(not i.expired(today) for i in found) for found in per_advisory
        )
        if any(not i.expired(today) for i in whole) or every_advisory:
            ignored.append(finding)
            continue
        expired = [i for i in [*whole, *(i for f in per_advisory for i in f)] if i.expired(today)]
        if expired:
            kept.append(replace(finding, message=finding.message + _expired_note(expired[0])))
        else:
            kept.append(finding)
    return IgnoreResult(kept, ignored)


def _expired_note(ignore: Ignore) -> str:
    reason = f" (reason: {ignore.reason})" if ignore.reason else ""
    return f" [ignore of {ignore.target} expired on {ignore.until}{reason}]"
