"""Materialise the accuracy corpus (manifest.toml) into a folder, one app per sub-folder.

Usage: python benchmarks/corpus/fetch.py [--mirrors DIR ...] [--into DIR] [--force] [APP ...]

Each app is exported at its pinned commit from a local git mirror of its repository: a folder
`<mirrors>/<owner>+<name>/repo` (a bare git directory or a clone with a work tree), as the
search tool's fetch leaves them, or `<mirrors>/<owner>/<name>`. Nothing is downloaded here:
an app whose mirror or commit is missing is reported and skipped (exit 1 at the end). The
exported code is never committed to this repository.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST = Path(__file__).resolve().parent / "manifest.toml"


@dataclass(frozen=True)
class App:
    name: str
    repo: str
    commit: str
    kind: str


def load_manifest(path: Path = MANIFEST) -> list[App]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [App(a["name"], a["repo"], a["commit"], a["kind"]) for a in data["app"]]


def git_dir(mirrors: list[Path], repo: str) -> Path | None:
    owner, name = repo.split("/", 1)
    for base in mirrors:
        for root in (base / f"{owner}+{name}" / "repo", base / owner / name):
            for candidate in (root / ".git", root):
                if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
                    return candidate
    return None


def export(git: Path, commit: str, into: Path) -> None:
    """`git archive` the commit and unpack it with tarfile's data filter (no links out of
    the folder, no device files), into a fresh folder swapped in at the end."""
    with tempfile.TemporaryDirectory(dir=into.parent) as tmp:
        archive = Path(tmp) / "app.tar"
        with archive.open("wb") as out:
            subprocess.run(
                ["git", f"--git-dir={git}", "archive", "--format=tar", commit],
                stdout=out,
                check=True,
            )
        unpacked = Path(tmp) / "app"
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
        if into.exists():
            shutil.rmtree(into)
        unpacked.rename(into)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, action="append", default=[])
    parser.add_argument("--into", type=Path, default=Path("/work/corpus"))
    parser.add_argument("--force", action="store_true", help="re-export apps already there")
    parser.add_argument("apps", nargs="*", help="only these apps (default: all)")
    args = parser.parse_args()
    mirrors = args.mirrors or [Path("/work/.mirror")]
    args.into.mkdir(parents=True, exist_ok=True)
    missing = 0
    for app in load_manifest():
        if args.apps and app.name not in args.apps:
            continue
        target = args.into / app.name
        if target.exists() and not args.force:
            print(f"{app.name}: already at {target} (--force to re-export)")
            continue
        git = git_dir(mirrors, app.repo)
        if git is None:
            print(f"{app.name}: no mirror of {app.repo} under {mirrors}", file=sys.stderr)
            missing += 1
            continue
        try:
            export(git, app.commit, target)
        except subprocess.CalledProcessError:
            print(f"{app.name}: {app.repo} has no commit {app.commit}", file=sys.stderr)
            missing += 1
            continue
        print(f"{app.name}: {app.repo}@{app.commit[:12]} -> {target}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
