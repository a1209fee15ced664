"""The project's package manager, told by its lockfile, and the exact commands the fix
advice gives for it (workspace-aware)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from enum import Enum

from nodeward.deps.lockfiles.interface import Scope


class Manager(Enum):
    NPM = "npm"
    YARN_CLASSIC = "yarn classic"
    YARN_BERRY = "yarn berry"
    PNPM = "pnpm"

    @classmethod
    def of_lockfile(cls, rel: str, head: str) -> Manager:
        """From the lockfile's name and its first bytes (berry writes `__metadata:`); a
        package.json without a lockfile is npm's."""
        match posixpath.basename(rel):
            case "pnpm-lock.yaml":
                return cls.PNPM
            case "yarn.lock":
                return cls.YARN_BERRY if "__metadata:" in head else cls.YARN_CLASSIC
            case _:
                return cls.NPM


@dataclass(frozen=True)
class Workspace:
    """Where a dependency is declared: the project root (folder "") or a workspace."""

    folder: str  # relative to the lockfile's folder
    name: str = ""  # the workspace's package name, when known


ROOT = Workspace("")

_DEV_FLAG = {Scope.DEV: "-D", Scope.OPTIONAL: "-O"}


def install(manager: Manager, where: Workspace, spec: str, scope: Scope) -> str:
    """Raise a direct dependency: `name@^version` into package.json and the lockfile."""
    flag = _DEV_FLAG.get(scope)
    flags = f"{flag} " if flag else ""
    match manager:
        case Manager.NPM:
            target = f"-w {where.folder} " if where.folder else ""
            return f"npm install {target}{flags}{spec}"
        case Manager.YARN_CLASSIC | Manager.YARN_BERRY:
            if where.folder:
                return f"yarn workspace {where.name or where.folder} add {flags}{spec}"
            return f"yarn add {flags}{spec}"
        case Manager.PNPM:
            target = f"--filter ./{where.folder} " if where.folder else ""
            return f"pnpm {target}add {flags}{spec}"


def update(manager: Manager, where: Workspace, name: str, version: str) -> str:
    """Refresh `name` within the ranges its dependents already declare."""
    match manager:
        case Manager.NPM:
            return f"npm update {name}" + (f" -w {where.folder}" if where.folder else "")
        case Manager.YARN_CLASSIC:
            # `yarn upgrade` only looks at direct dependencies; dropping the lock entry
            # makes `yarn install` resolve the declared range again.
            return f"delete the {name}@{version} entry from yarn.lock, then run yarn install"
        case Manager.YARN_BERRY:
            return f"yarn up -R {name}"
        case Manager.PNPM:
            target = f"--filter ./{where.folder} " if where.folder else ""
            return f"pnpm {target}update {name}"


def override(manager: Manager, name: str, version: str) -> str:
    """Force every copy of `name` to `version` from the root package.json."""
    entry = f'{{"{name}": "{version}"}}'
    match manager:
        case Manager.NPM:
            return f'add "overrides": {entry} to the root package.json, then run npm install'
        case Manager.YARN_CLASSIC | Manager.YARN_BERRY:
            return f'add "resolutions": {entry} to the root package.json, then run yarn install'
        case Manager.PNPM:
            return (
                f'add "pnpm": {{"overrides": {entry}}} to the root package.json, '
                "then run pnpm install"
            )
