"""Fuzzing every loader of untrusted input: lockfiles, config files, the baseline, OSV
records and archives, and the manifests (Dockerfile, compose, Kubernetes, package.json).

The property is the contract of each loader: it returns its result, or a Skip, or raises
its own documented error type; nothing else escapes, and nothing runs for long (a hang
guard of 10 s per example, not a speed assertion). Each input kind starts from random
bytes and text and from mutations of the real samples in tests/fixtures."""

from __future__ import annotations

import io
import json
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hang import hang_guard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nodeward.baseline import BaselineError, load_fingerprints
from nodeward.config import ConfigError, load_file
from nodeward.deps import retire
from nodeward.deps.advisories import osv_db
from nodeward.deps.advisories.archive import ArchiveError
from nodeward.deps.advisories.osv import InvalidRecord, parse_record
from nodeward.deps.lockfiles.load import read_lockfile
from nodeward.findings import Report, Skip
from nodeward.scan import scan_path

FIXTURES = Path(__file__).parent / "fixtures"
LOCKS = FIXTURES / "deps" / "lockfiles"
RULES = FIXTURES / "rules"
HANG_SECONDS = 10

#: (sample, the name it is read under)
LOCK_SAMPLES = (
    ("package-lock.v1.json", "package-lock.json"),
    ("package-lock.v3.json", "package-lock.json"),
    ("yarn.classic.lock", "yarn.lock"),
    ("yarn.berry.lock", "yarn.lock"),
    ("pnpm-lock.pnpm7.yaml", "pnpm-lock.yaml"),
    ("pnpm-lock.pnpm9.yaml", "pnpm-lock.yaml"),
    ("pnpm-lock.peers.pnpm8.yaml", "pnpm-lock.yaml"),
)
LOCK_NAMES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")

#: YAML that attacks the reader: code-running tags, alias bombs, self-reference, nesting.
HOSTILE_YAML = (
    "a: !!python/object/apply:os.system ['echo pwned']\n",
    "a: !!python/name:os.system\n",
    "!!python/object/new:type\nargs: ['z', !!python/tuple [], {}]\n",
    "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n"
    + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n" for n in range(9)
    ),
    "a: &a {x: 1}\nb: &b {<<: [*a, *a, *a, *a, *a, *a, *a, *a]}\n"
    + "".join(
        f"{chr(99 + n)}: &{chr(99 + n)} {{<<: [{', '.join([f'*{chr(98 + n)}'] * 8)}]}}\n"
        for n in range(15)
    ),
    "a: &a {<<: *a}\n",
    "&a [*a]\n",
    "[" * 2000 + "]" * 2000 + "\n",
    "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "\xff\xfe not utf-8",
)

fuzz = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def mutated(draw: st.DrawFn, sample: str) -> str:
    """A real sample with a few random cuts, insertions and line shuffles."""
    text = sample
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start, min(len(text), start + 200)))
        match draw(st.sampled_from(("cut", "insert", "replace", "duplicate", "swap-lines"))):
            case "cut":
                text = text[:start] + text[end:]
            case "insert":
                text = text[:start] + draw(_fragments) + text[start:]
            case "replace":
                text = text[:start] + draw(_fragments) + text[end:]
            case "duplicate":
                text = text[:end] + text[start:end] + text[end:]
            case _:
                lines = text.splitlines(keepends=True)
                if len(lines) > 1:
                    i = draw(st.integers(0, len(lines) - 1))
                    j = draw(st.integers(0, len(lines) - 1))
                    lines[i], lines[j] = lines[j], lines[i]
                text = "".join(lines)
    return text


_fragments = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        (
            "{",
            "}",
            "[",
            "]",
            '"',
            ":",
            "\n",
            "  ",
            "- ",
            "&a ",
            "*a",
            "<<: *a",
            "null",
            "true",
            "0",
            "-1",
            "1e999",
            "[]",
            "{}",
            '""',
            "!!binary",
            "2001-12-14",
            "~",
            "version:",
            "resolution:",
            "dependencies:",
            '"packages": ',
            "npm:",
            "@",
            "link:",
            "workspace:",
            "#",
        )
    ),
)

_json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
json_values = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


# --- lockfiles -----------------------------------------------------------------------


def _lockfile_result(workdir: Path, name: str, content: str | bytes) -> None:
    path = workdir / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(content)
    manifest = json.loads((LOCKS / "package.json").read_text())
    with hang_guard(HANG_SECONDS):
        result = read_lockfile(path, name, manifest)
    assert isinstance(result, list | Skip)


@fuzz
@given(name=st.sampled_from(LOCK_NAMES), content=st.binary(max_size=400) | st.text(max_size=400))
def test_lockfiles_random_input(workdir: Path, name: str, content: str | bytes) -> None:
    _lockfile_result(workdir, name, content)


@settings(fuzz, max_examples=150)
@given(data=st.data(), sample=st.sampled_from(LOCK_SAMPLES))
def test_lockfiles_mutated_samples(
    workdir: Path, data: st.DataObject, sample: tuple[str, str]
) -> None:
    text = (LOCKS / sample[0]).read_text()
    _lockfile_result(workdir, sample[1], data.draw(mutated(text)))


_names = st.sampled_from(("a", "@s/b", "lodash", "my-lodash", "", "..", "/", "a@1")) | st.text(
    max_size=6
)
_specs = st.sampled_from(
    ("1.0.0", "^1.2.3", "npm:lodash@4.17.21", "file:../x", "link:./y", "workspace:*", "", "*")
) | st.text(max_size=8)
_dependency_maps = st.dictionaries(_names, _specs | json_values, max_size=3) | json_values
_npm_entry = st.fixed_dictionaries(
    {},
    optional={
        "version": _specs | json_values,
        "resolved": _specs | json_values,
        "name": _names | json_values,
        "link": st.booleans() | json_values,
        "dev": st.booleans() | json_values,
        "dependencies": _dependency_maps,
        "devDependencies": _dependency_maps,
        "optionalDependencies": _dependency_maps,
        "requires": _dependency_maps,
    },
)
_npm_lockfiles = st.fixed_dictionaries(
    {},
    optional={
        "lockfileVersion": st.sampled_from((1, 2, 3)) | json_values,
        "name": json_values,
        "packages": st.dictionaries(
            st.sampled_from(("", "node_modules/a", "node_modules/a/node_modules/b", "x"))
            | st.text(max_size=5),
            _npm_entry | json_values,
            max_size=4,
        )
        | json_values,
        "dependencies": st.dictionaries(_names, _npm_entry | json_values, max_size=4) | json_values,
    },
)
#: YAML keys need not be strings: `1:`, `true:`, `null:` and dates are keys too.
_yaml_keys = _names | st.integers(-3, 3) | st.booleans() | st.none()
_yaml_dependency_maps = st.dictionaries(_yaml_keys, _specs | json_values, max_size=3) | json_values
_pnpm_entry = st.fixed_dictionaries(
    {},
    optional={
        "name": _names | json_values,
        "version": _specs | json_values,
        "resolution": st.fixed_dictionaries(
            {},
            optional={
                "type": st.sampled_from(("directory", "git")) | json_values,
                "tarball": json_values,
                "integrity": json_values,
                "commit": json_values,
            },
        )
        | json_values,
        "dependencies": _yaml_dependency_maps,
        "optionalDependencies": _yaml_dependency_maps,
        "dev": json_values,
    },
)
_pnpm_importer = st.fixed_dictionaries(
    {},
    optional={
        "specifiers": _yaml_dependency_maps,
        "dependencies": st.dictionaries(
            _yaml_keys,
            st.fixed_dictionaries({"specifier": _specs, "version": _specs}) | _specs | json_values,
            max_size=3,
        )
        | json_values,
        "devDependencies": _yaml_dependency_maps,
    },
)
_pnpm_keys = (
    st.sampled_from(("/a/1.0.0", "a@1.0.0", "/@s/b@2.0.0(a@1.0.0)", "link:../x", "file:y"))
    | _yaml_keys
)
_pnpm_lockfiles = st.fixed_dictionaries(
    {"lockfileVersion": st.sampled_from(("5.4", "6.0", "9.0", 5.4, 6, 9)) | json_values},
    optional={
        "importers": st.dictionaries(
            st.sampled_from((".", "packages/a")) | _yaml_keys,
            _pnpm_importer | json_values,
            max_size=2,
        )
        | json_values,
        "dependencies": st.dictionaries(_yaml_keys, _specs | json_values, max_size=3) | json_values,
        "specifiers": _yaml_dependency_maps,
        "packages": st.dictionaries(_pnpm_keys, _pnpm_entry | json_values, max_size=4)
        | json_values,
        "snapshots": st.dictionaries(_pnpm_keys, _pnpm_entry | json_values, max_size=3)
        | json_values,
    },
)
_berry_entry = st.fixed_dictionaries(
    {},
    optional={
        "version": _specs | json_values,
        "resolution": st.sampled_from(("a@npm:1.0.0", "root@workspace:.", "b@patch:a@npm%3A1#x"))
        | json_values,
        "dependencies": _yaml_dependency_maps,
        "dependenciesMeta": st.dictionaries(
            _yaml_keys, st.fixed_dictionaries({"optional": json_values}) | json_values, max_size=2
        )
        | json_values,
    },
)
_berry_lockfiles = st.fixed_dictionaries(
    {
        "__metadata": st.fixed_dictionaries(
            {"version": st.sampled_from((4, 6, 8, "6")) | json_values}
        )
    },
    optional={
        "a@npm:^1.0.0": _berry_entry | json_values,
        "root@workspace:.": _berry_entry,
        "my@npm:a@1, b@npm:1": _berry_entry,
    },
).map(lambda d: {**d}) | st.dictionaries(_yaml_keys, _berry_entry | json_values, max_size=3)


@settings(fuzz, max_examples=100)
@given(document=_npm_lockfiles | json_values, name=st.sampled_from(LOCK_NAMES[:2]))
def test_npm_lockfile_structures(workdir: Path, document: Any, name: str) -> None:
    _lockfile_result(workdir, name, json.dumps(document))


@settings(fuzz, max_examples=120)
@given(document=_pnpm_lockfiles)
def test_pnpm_lockfile_structures(workdir: Path, document: Any) -> None:
    _lockfile_result(workdir, "pnpm-lock.yaml", yaml.safe_dump(document, sort_keys=False))


@settings(fuzz, max_examples=100)
@given(document=_berry_lockfiles)
def test_yarn_berry_lockfile_structures(workdir: Path, document: Any) -> None:
    text = yaml.safe_dump(document, sort_keys=False)
    if "__metadata" not in document:
        text = "__metadata:\n  version: 6\n" + text
    _lockfile_result(workdir, "yarn.lock", text)


@settings(fuzz, max_examples=100)
@given(
    blocks=st.lists(
        st.tuples(
            st.lists(
                st.sampled_from(("a@^1.0.0", '"@s/b@npm:c@1"', "x", '"', "a@1, a@2"))
                | st.text(max_size=6),
                min_size=1,
                max_size=2,
            ),
            st.lists(
                st.tuples(
                    st.sampled_from(
                        ("version", "resolved", "dependencies", "  a", "optionalDependencies")
                    )
                    | st.text(max_size=5),
                    st.sampled_from(('"1.0.0"', "^1", '"', "", "file:x")) | st.text(max_size=6),
                ),
                max_size=4,
            ),
        ),
        max_size=4,
    )
)
def test_yarn_classic_structures(
    workdir: Path, blocks: list[tuple[list[str], list[tuple[str, str]]]]
) -> None:
    text = "# yarn lockfile v1\n\n" + "".join(
        ", ".join(names) + ":\n" + "".join(f"  {k} {v}\n" for k, v in fields) + "\n"
        for names, fields in blocks
    )
    _lockfile_result(workdir, "yarn.lock", text)


@pytest.mark.parametrize("name", ["pnpm-lock.yaml", "yarn.lock"])
@pytest.mark.parametrize("text", HOSTILE_YAML)
def test_lockfiles_hostile_yaml(workdir: Path, name: str, text: str) -> None:
    body = "__metadata:\n  version: 6\n" if name == "yarn.lock" else "lockfileVersion: '9.0'\n"
    _lockfile_result(workdir, name, body + text if not text.startswith(("[", "&", "!")) else text)


@pytest.mark.parametrize("name", ["package-lock.json", "npm-shrinkwrap.json"])
def test_lockfiles_deep_json(workdir: Path, name: str) -> None:
    _lockfile_result(workdir, name, '{"packages": ' + "[" * 100_000)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a YAML key that is a number: was AttributeError / TypeError on `key.startswith`
            "lockfileVersion: '6.0'\npackages:\n  1: {}\n  /a@1.0.0: {}\n",
            [("a", "1.0.0", "")],
        ),
        (  # an importer's dependency named by a number
            "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n"
            "      1: {specifier: '1', version: 1.0.0}\npackages:\n  1@1.0.0: {}\n",
            [("1", "1.0.0", "1")],
        ),
        (  # `specifiers` that is not a mapping: was AttributeError on `.get`
            "lockfileVersion: 5.4\nspecifiers: [a]\ndependencies:\n  a: 1.0.0\n"
            "packages:\n  /a/1.0.0: {}\n",
            [("a", "1.0.0", "1.0.0")],
        ),
    ],
)
def test_pnpm_lockfile_regressions(
    workdir: Path, text: str, expected: list[tuple[str, str, str]]
) -> None:
    path = workdir / "pnpm-lock.yaml"
    path.write_text(text)
    result = read_lockfile(path, "pnpm-lock.yaml", {})
    assert isinstance(result, list)
    assert [(p.name, p.version, p.path[0].spec) for p in result] == expected


# --- config files ----------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    """A TOML rendering of a JSON-like value (tomllib cannot write)."""
    match value:
        case None:
            return '""'
        case bool():
            return "true" if value else "false"
        case int() | float():
            return repr(value) if not isinstance(value, float) or value == value else "nan"
        case str():
            return json.dumps(value)
        case list():
            return "[" + ", ".join(_toml_value(v) for v in value) + "]"
        case _:
            inner = ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())
            return "{" + inner + "}"


CONFIG_KEYS = st.sampled_from(
    (
        "format",
        "output",
        "fail-on",
        "fail_on",
        "select",
        "ignore",
        "exclude",
        "jobs",
        "max-file-size",
        "baseline",
        "strict",
        "advisories",
        "omit",
        "tool",
        "nodeward",
    )
) | st.text(max_size=10)


def _config_result(path: Path, kind: str) -> None:
    with hang_guard(HANG_SECONDS):
        try:
            values = load_file(path, kind)
        except ConfigError as error:
            assert "\n" not in str(error)
            return
    assert isinstance(values, dict)


@fuzz
@given(table=st.dictionaries(CONFIG_KEYS, json_values, max_size=5))
def test_toml_config_random_values(workdir: Path, table: dict[str, Any]) -> None:
    lines = "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in table.items())
    path = workdir / ".nodeward.toml"
    path.write_text(lines, encoding="utf-8", errors="surrogatepass")
    _config_result(path, "toml")


@fuzz
@given(content=st.binary(max_size=300) | st.text(max_size=300))
def test_toml_config_random_text(workdir: Path, content: str | bytes) -> None:
    path = workdir / ".nodeward.toml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(content)
    _config_result(path, "toml")


@fuzz
@given(document=json_values, nodeward=json_values | st.dictionaries(CONFIG_KEYS, json_values))
def test_package_json_nodeward_key(workdir: Path, document: Any, nodeward: Any) -> None:
    if isinstance(document, dict):
        document["nodeward"] = nodeward
    path = workdir / "package.json"
    path.write_text(json.dumps(document), encoding="utf-8", errors="surrogatepass")
    _config_result(path, "package.json")


# --- baseline ---------------------------------------------------------------------------


@fuzz
@given(
    document=json_values
    | st.fixed_dictionaries(
        {"findings": st.lists(json_values | st.fixed_dictionaries({"fingerprint": json_values}))}
    )
)
def test_baseline_loader(workdir: Path, document: Any) -> None:
    path = workdir / "baseline.json"
    path.write_text(json.dumps(document), encoding="utf-8", errors="surrogatepass")
    with hang_guard(HANG_SECONDS):
        try:
            prints = load_fingerprints(path)
        except BaselineError:
            return
    assert all(isinstance(k, str) and v > 0 for k, v in prints.items())


def test_baseline_deep_json(workdir: Path) -> None:
    path = workdir / "baseline.json"
    path.write_text("[" * 100_000)
    with pytest.raises(BaselineError, match="nested too deeply"):
        load_fingerprints(path)


# --- OSV records and archives -----------------------------------------------------------

_event = st.dictionaries(
    st.sampled_from(("introduced", "fixed", "last_affected", "limit", "other")),
    json_values,
    max_size=2,
)
_range = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(("SEMVER", "ECOSYSTEM", "GIT")) | json_values,
        "events": st.lists(_event, max_size=3) | json_values,
    },
)
_package = st.fixed_dictionaries(
    {},
    optional={
        "ecosystem": st.sampled_from(("npm", "PyPI")) | json_values,
        "name": st.sampled_from(("lodash", "qs")) | json_values,
    },
)
_affected = st.fixed_dictionaries(
    {},
    optional={
        "package": _package | json_values,
        "ranges": st.lists(_range, max_size=2) | json_values,
        "versions": st.lists(st.text(max_size=8), max_size=3) | json_values,
        "ecosystem_specific": st.fixed_dictionaries({"affected_functions": json_values})
        | json_values,
    },
)
osv_records = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(("GHSA-1", "NSWG-ECO-1", "")) | json_values,
        "aliases": st.lists(st.text(max_size=8), max_size=2) | json_values,
        "summary": json_values,
        "details": json_values,
        "modified": json_values,
        "published": json_values,
        "withdrawn": json_values,
        "affected": st.lists(_affected, max_size=3) | json_values,
        "severity": st.lists(
            st.fixed_dictionaries({"type": st.just("CVSS_V3") | json_values, "score": json_values})
        )
        | json_values,
        "references": st.lists(st.fixed_dictionaries({"type": json_values, "url": json_values}))
        | json_values,
        "database_specific": st.fixed_dictionaries(
            {"severity": json_values, "cwe_ids": json_values}
        )
        | json_values,
    },
)


@settings(fuzz, max_examples=200)
@given(record=osv_records | json_values)
def test_osv_record_parser(record: Any) -> None:
    with hang_guard(HANG_SECONDS):
        try:
            advisory = parse_record(record)
        except InvalidRecord:
            return
    assert isinstance(advisory.id, str)
    assert all(isinstance(a, str) for a in advisory.aliases)


def _zip_of(documents: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in documents:
            archive.writestr(name, data)
    return buffer.getvalue()


def _import_result(workdir: Path, archive: bytes) -> None:
    """An import either succeeds or raises ArchiveError; either way the cache folder holds
    exactly the database (new, or the old one untouched) and no temporary file."""
    cache = workdir / "cache"
    cache.mkdir(exist_ok=True)
    database = cache / "osv-npm.sqlite3"
    database.write_bytes(b"the previous database")
    source = workdir / "all.zip"
    source.write_bytes(archive)
    with hang_guard(HANG_SECONDS):
        try:
            result = osv_db.import_database(source, database)
        except ArchiveError as error:
            assert "\n" not in str(error)
            assert database.read_bytes() == b"the previous database"
        else:
            assert result.imported >= 0
            assert database.read_bytes()[:16] == b"SQLite format 3\x00"
    assert sorted(p.name for p in cache.iterdir()) == ["osv-npm.sqlite3"]


@settings(fuzz, max_examples=30)
@given(
    records=st.lists(osv_records | json_values, max_size=4),
    raw=st.lists(st.binary(max_size=40), max_size=2),
)
def test_osv_import_of_random_records(workdir: Path, records: list[Any], raw: list[bytes]) -> None:
    documents = [(f"R-{n}.json", json.dumps(r).encode()) for n, r in enumerate(records)]
    documents += [(f"B-{n}.json", data) for n, data in enumerate(raw)]
    _import_result(workdir, _zip_of(documents))


SAMPLE_ZIP = _zip_of(
    [
        (
            f"GHSA-{n}.json",
            json.dumps(
                {
                    "id": f"GHSA-{n}",
                    "affected": [
                        {
                            "package": {"ecosystem": "npm", "name": "qs"},
                            "ranges": [
                                {
                                    "type": "SEMVER",
                                    "events": [{"introduced": "0"}, {"fixed": "6.3.2"}],
                                }
                            ],
                        }
                    ],
                }
            ).encode(),
        )
        for n in range(3)
    ]
)


@settings(fuzz, max_examples=150)
@given(data=st.data())
def test_osv_import_of_damaged_zips(workdir: Path, data: st.DataObject) -> None:
    archive = bytearray(SAMPLE_ZIP)
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(archive) - 1))
        archive[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        archive = archive[: data.draw(st.integers(0, len(archive)))]
    _import_result(workdir, bytes(archive))


@fuzz
@given(content=st.binary(max_size=300))
def test_osv_import_of_random_bytes(workdir: Path, content: bytes) -> None:
    _import_result(workdir, content)


_retire_library = st.fixed_dictionaries(
    {},
    optional={
        "extractors": st.fixed_dictionaries(
            {},
            optional={
                key: st.lists(st.sampled_from(("(§§version§§)", "a(", "x")) | json_values)
                | json_values
                for key in ("filename", "filecontent", "uri", "hashes", "func")
            },
        )
        | json_values,
        "vulnerabilities": st.lists(
            st.fixed_dictionaries(
                {},
                optional=dict.fromkeys(
                    ("atOrAbove", "below", "severity", "identifiers", "info", "cwe"), json_values
                ),
            )
            | json_values,
            max_size=3,
        )
        | json_values,
    },
)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # random regexes: "possible nested set"
@settings(fuzz, max_examples=150)
@given(document=st.dictionaries(st.text(max_size=5), _retire_library | json_values) | json_values)
def test_retire_repository_loader(document: Any) -> None:
    with hang_guard(HANG_SECONDS):
        try:
            libraries = retire.parse_repository(document)
        except retire.RepositoryError:
            return
    assert all(isinstance(v.below, str | None) for lib in libraries for v in lib.vulnerabilities)


# --- manifests -------------------------------------------------------------------------

MANIFESTS: dict[str, tuple[str, str]] = {
    "Dockerfile": ("Dockerfile", (RULES / "dockerfiles" / "Dockerfile.root").read_text()),
    "compose": (
        "docker-compose.yml",
        (RULES / "compose_privileged" / "docker-compose.yml").read_text(),
    ),
    "kubernetes": ("deploy.yaml", next((RULES / "kubernetes_root").glob("*.y*ml")).read_text()),
    "package.json": ("package.json", (LOCKS / "package.json").read_text()),
}


def _scan_result(workdir: Path, name: str, content: str | bytes) -> None:
    root = workdir / "project"
    root.mkdir(exist_ok=True)
    for old in root.iterdir():
        old.unlink()
    if isinstance(content, str):
        (root / name).write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        (root / name).write_bytes(content)
    with hang_guard(HANG_SECONDS):
        report = scan_path(root, select=("RUN", "NW"), jobs=1)
    assert isinstance(report, Report)
    # The scan turns a rule's crash into a skip so that the rest goes on; for the fuzzer
    # that is still a crash.
    crashes = ("internal error", "expression nesting too deep")
    assert [s.reason for s in report.skips if any(c in s.reason for c in crashes)] == []


@settings(fuzz, max_examples=150)
@given(data=st.data(), kind=st.sampled_from(sorted(MANIFESTS)))
def test_manifests_mutated_samples(workdir: Path, data: st.DataObject, kind: str) -> None:
    name, sample = MANIFESTS[kind]
    _scan_result(workdir, name, data.draw(mutated(sample)))


@settings(fuzz, max_examples=100)
@given(
    name=st.sampled_from(("Dockerfile", "docker-compose.yml", "deploy.yaml", "package.json")),
    content=st.binary(max_size=300) | st.text(max_size=300),
)
def test_manifests_random_input(workdir: Path, name: str, content: str | bytes) -> None:
    if name == "deploy.yaml":  # what makes a YAML file a Kubernetes manifest
        content = (
            "apiVersion: v1\nkind: Pod\n"
            if isinstance(content, str)
            else b"apiVersion: v1\nkind: Pod\n"
        ) + content  # type: ignore[operator]
    _scan_result(workdir, name, content)


@pytest.mark.parametrize("text", HOSTILE_YAML)
@pytest.mark.parametrize("name", ["docker-compose.yml", "deploy.yaml"])
def test_manifests_hostile_yaml(workdir: Path, name: str, text: str) -> None:
    header = "apiVersion: v1\nkind: List\n" if name == "deploy.yaml" else ""
    _scan_result(
        workdir, name, header + text if text[0] not in "[{&!\xff" else text + "\n" + header
    )


MERGE_BOMB = "".join(
    f"  m{n + 1}: &m{n + 1} {{<<: [{', '.join([f'*m{n}'] * 8)}]}}\n" for n in range(20)
)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (  # a service that merges itself: was endless recursion
            "docker-compose.yml",
            "services:\n  web: &w\n    <<: *w\n    privileged: true\n",
            [("RUN002", 4)],
        ),
        (  # 8^20 merge paths to one mapping: was exponential
            "docker-compose.yml",
            "x:\n  m0: &m0 {privileged: true}\n" + MERGE_BOMB + "services:\n  web: *m20\n",
            [("RUN002", 2)],
        ),
        (  # a List that contains itself: was endless recursion
            "deploy.yaml",
            "apiVersion: v1\nkind: List\nitems: &l [{kind: List, items: *l}, "
            "{kind: Pod, spec: {containers: [{name: a, securityContext: "
            "{privileged: true, runAsNonRoot: true}}]}}]\n",
            [("RUN003", 3)],
        ),
    ],
)
def test_manifest_self_reference_and_merge_bombs(
    workdir: Path, name: str, text: str, expected: list[tuple[str, int]]
) -> None:
    root = workdir / "hostile"
    root.mkdir(exist_ok=True)
    for old in root.iterdir():
        old.unlink()
    (root / name).write_text(text)
    with hang_guard(HANG_SECONDS):
        report = scan_path(root, select=("RUN",), jobs=1)
    assert report.skips == ()
    assert [(f.rule, f.location.line) for f in report.findings] == expected  # type: ignore[union-attr]


def test_manifest_alias_bomb_is_checked_once(workdir: Path) -> None:
    """1000 aliases of a workload whose spec holds 1000 aliases of a root container: one
    finding per line written, not a million."""
    containers = ", ".join(["*c"] * 1000)
    items = ", ".join(["*w"] * 1000)
    text = (
        "apiVersion: v1\nkind: List\n"
        "base: &c {name: app, image: node, securityContext: {privileged: true}}\n"
        f"pod: &w {{kind: Pod, spec: {{containers: [{containers}]}}}}\n"
        f"items: [{items}]\n"
    )
    root = workdir / "bomb"
    root.mkdir(exist_ok=True)
    (root / "deploy.yaml").write_text(text)
    with hang_guard(HANG_SECONDS):
        report = scan_path(root, select=("RUN",), jobs=1)
    found = [(f.rule, f.location.line, f.message[:36]) for f in report.findings]  # type: ignore[union-attr]
    assert found == [
        ("RUN003", 3, "Pod `(unnamed)` container `app` sets"),
        ("RUN003", 3, "Pod `(unnamed)` container `app` does"),
    ]


@pytest.mark.parametrize("raised", [IndexError("index out of range"), struct.error("unpack")])
def test_zip_header_errors_become_archive_errors(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, raised: Exception
) -> None:
    """zipfile raises IndexError or struct.error for some header fields shorter than they
    declare (found by the fuzzer above): the import must refuse the archive, not crash."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(zipfile, "ZipFile", broken)
    (workdir / "cache").mkdir(exist_ok=True)
    source = workdir / "all.zip"
    source.write_bytes(SAMPLE_ZIP)
    with pytest.raises(ArchiveError, match="not a readable zip archive"):
        osv_db.import_database(source, workdir / "cache" / "osv-npm.sqlite3")
