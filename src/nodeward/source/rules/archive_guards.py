"""Which archive libraries check entry names themselves, from the version the project
requires: a zip-slip flow into `new AdmZip(upload).extractAllTo(dest)` is real with
adm-zip 0.4.7 and harmless with 0.4.9 or later, which refuses entries that leave `dest`."""

from __future__ import annotations

import re
from dataclasses import replace

from nodeward.deps import semver
from nodeward.project import Project
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.values import Hit, OriginKind, Source

#: Library -> the first version that refuses entries outside the target folder
#: (adm-zip: CVE-2018-1002204; decompress: CVE-2020-12265).
GUARDED_FROM: dict[str, str] = {"adm-zip": "0.4.9", "decompress": "4.2.1"}
_VERSION = re.compile(r"\d{1,9}\.\d{1,9}\.\d{1,9}")
_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies")


def unguarded(project: Project, hits: list[Hit]) -> list[Hit]:
    """`hits` without the library extractions that the required version guards; the
    others name the version in their label."""
    kept: list[Hit] = []
    for hit in hits:
        library = _extracting_library(hit)
        if library is None:
            kept.append(hit)
            continue
        declared = _declared(project, library)
        lowest = _VERSION.search(declared) if declared is not None else None
        fixed = GUARDED_FROM[library]
        if declared is None or lowest is None or semver.compare(lowest.group(0), fixed) >= 0:
            continue  # not required, or a version that checks entry names
        label = (
            f"{hit.label}, which writes every entry where its name points ({library} "
            f"{declared}; {fixed} and later refuse entries outside the target folder)"
        )
        kept.append(replace(hit, label=label))
    return kept


def _extracting_library(hit: Hit) -> str | None:
    """The library of a zip-slip sink that is an archive handed to a library, not a path
    built from an entry name."""
    origin = hit.trace.origin
    if hit.kind is not SinkKind.ZIP_SLIP or (
        isinstance(origin, Source) and origin.kind is OriginKind.ARCHIVE
    ):
        return None
    library = hit.label.split(" ", 1)[0].removesuffix("()")
    return library if library in GUARDED_FROM else None


def _declared(project: Project, library: str) -> str | None:
    for manifest in project.manifests:
        for key in _SECTIONS:
            section = manifest.data.get(key)
            if isinstance(section, dict) and isinstance(section.get(library), str):
                return str(section[library])
    return None
