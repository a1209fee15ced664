"""Fix advice: which version fixes a package, and what the user upgrades to get it --
the package itself when it is a direct dependency, else the direct dependency that
pulls it in, as far as the lockfile tells offline."""

from __future__ import annotations

from nodeward.deps import semver
from nodeward.deps.lockfiles.interface import Package


def advice(package: Package, fixed: str | None, last_affected: str | None) -> str:
    name = package.alias or package.name
    if fixed is None:
        after = f" after {last_affected}" if last_affected else ""
        return (
            f"No fixed version of {package.name}{after} is known: remove or replace "
            f"{name}, or accept the risk with a suppression that gives the reason"
        )
    direct = package.direct
    if direct is None or len(package.path) == 1:
        return f'Upgrade {name} to {fixed} or later (package.json: "{name}": "^{fixed}")'
    parent = package.path[-2]
    spec = package.path[-1].spec
    chain = " > ".join(str(step) for step in package.path)
    if spec and semver.satisfies(fixed, spec, include_prerelease=True):
        return (
            f"{parent} already allows {package.name} {fixed} ({spec!r}); refresh the "
            f"lockfile so it resolves to {fixed} or later: npm update {package.name} "
            f"(path: {chain})"
        )
    return (
        f"{parent} requires {package.name} {spec or '(unknown range)'}, which excludes "
        f"{fixed}: upgrade the direct dependency {direct.name} (now {direct.version}) to a "
        f"release that depends on {package.name} >= {fixed} -- which release that is cannot "
        f'be known offline (see `npm view {direct.name}`) -- or pin it with "overrides": '
        f'{{"{package.name}": "{fixed}"}} (path: {chain})'
    )
