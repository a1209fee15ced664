"""The scripts a project runs: package.json `main`, `bin` and the scripts' `node x.js`
commands, and a Dockerfile's CMD / ENTRYPOINT. These are always analysed, however
minified or bundled they look: a file the app starts from is the app."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from nodeward.discover import SCRIPT_SUFFIXES

#: Commands that run a script given as an argument.
_RUNNERS = frozenset(
    {"node", "nodemon", "ts-node", "tsx", "babel-node", "bun", "pm2", "pm2-runtime", "forever"}
)


@dataclass
class EntryPoints:
    """Entry points as paths relative to the scan root; a Dockerfile's absolute paths
    (`/app/dist/server.js`) match any file whose path they end with."""

    relative: set[str] = field(default_factory=set)
    absolute: set[str] = field(default_factory=set)

    def add(self, folder: str, path: str) -> None:
        for candidate in _candidates(path):
            if candidate.startswith("/"):
                self.absolute.add(posixpath.normpath(candidate))
            else:
                self.relative.add(posixpath.normpath(posixpath.join(folder, candidate)))

    def __contains__(self, rel: str) -> bool:
        return rel in self.relative or any(a.endswith("/" + rel) for a in self.absolute)


def _candidates(path: str) -> Iterator[str]:
    """`server` may mean server, server.js or server/index.js, as in Node's resolution."""
    yield path
    if not path.lower().endswith(tuple(SCRIPT_SUFFIXES)):
        yield path + ".js"
        yield path.rstrip("/") + "/index.js"


def from_package(points: EntryPoints, rel: str, data: Mapping[str, Any]) -> None:
    """Entry points of one package.json at `rel`."""
    folder = posixpath.dirname(rel)
    main = data.get("main")
    points.add(folder, main if isinstance(main, str) and main else "index.js")
    binaries = data.get("bin")
    if isinstance(binaries, str):
        points.add(folder, binaries)
    elif isinstance(binaries, dict):
        for target in binaries.values():
            if isinstance(target, str):
                points.add(folder, target)
    scripts = data.get("scripts")
    if isinstance(scripts, dict):
        for command in scripts.values():
            if isinstance(command, str):
                for script in run_targets(command):
                    points.add(folder, script)


def from_dockerfile(points: EntryPoints, rel: str, commands: Iterable[str]) -> None:
    """Entry points of a Dockerfile's CMD / ENTRYPOINT commands (relative paths are taken
    from the Dockerfile's folder, the usual build context)."""
    for command in commands:
        for script in run_targets(command):
            points.add(posixpath.dirname(rel), script)


def run_targets(command: str) -> list[str]:
    """Scripts a shell command runs: with a runner in it (`node`, `nodemon`, ...), the
    word after the runner's options and every word naming a script file."""
    try:
        words = shlex.split(command, comments=False, posix=True)
    except ValueError:
        words = command.split()
    targets: list[str] = []
    for index, word in enumerate(words):
        if posixpath.basename(word) not in _RUNNERS:
            continue
        rest = [w for w in words[index + 1 :] if not w.startswith("-") and w != "start"]
        if rest and not re.search(r"[;&|<>]", rest[0]):
            targets.append(rest[0])
        targets += [w for w in words[index + 1 :] if w.lower().endswith(tuple(SCRIPT_SUFFIXES))]
    return list(dict.fromkeys(t.removeprefix("./") for t in targets))
