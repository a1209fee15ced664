"""The parts of npm's configuration that say where package metadata comes from and which
token each registry host gets.

npm's precedence: the environment (`npm_config_registry`), then the project's `.npmrc`,
then the user's `~/.npmrc`. Scoped registries are `@scope:registry=URL`; tokens are
`//host[:port]/path/:_authToken=TOKEN` and belong to that host and path only. Values may
name environment variables (`${NPM_TOKEN}`), as npm allows.

No registry host is built in: without configuration there is no registry to ask.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

_ENV_REFERENCE = re.compile(r"\$\{([^${}]+)\}")  # no `$`/`{` inside: a failed match stops early


@dataclass(frozen=True)
class NpmConfig:
    registry: str | None = None
    scoped: dict[str, str] = field(default_factory=dict)  # "@scope" -> registry URL
    #: "//host[:port]/path/" -> token. Never printed: `__repr__` leaves the values out.
    tokens: dict[str, str] = field(default_factory=dict, repr=False)

    def registry_for(self, package: str) -> str | None:
        """The registry URL (ending in "/") that serves `package`."""
        if package.startswith("@"):
            scope = package.split("/", 1)[0]
            if scope in self.scoped:
                return self.scoped[scope]
        return self.registry

    def url_for(self, package: str) -> str | None:
        """The package document's URL: a scoped name keeps its `@` and escapes its `/`."""
        registry = self.registry_for(package)
        if registry is None:
            return None
        return registry + quote(package, safe="@")

    def token_for(self, url: str) -> str | None:
        """The token configured for the longest `//host/path/` prefix of `url`; the host
        (and port) must match exactly, so a token never leaves the host it was given for."""
        parts = urlsplit(url)
        here = f"//{parts.netloc}{parts.path}"
        best: tuple[int, str] | None = None
        for prefix, token in self.tokens.items():
            if here.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), token)
        return best[1] if best else None


def _normalized(url: str) -> str:
    url = url.strip().strip('"').strip("'")
    return url if url.endswith("/") else url + "/"


def _expand(value: str) -> str:
    return _ENV_REFERENCE.sub(lambda m: os.environ.get(m.group(1), ""), value)


def _read(path: Path) -> dict[str, str]:
    """key -> value of one .npmrc (`;` and `#` start comments); unreadable files are empty."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    values: dict[str, str] = {}
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        key, sep, value = stripped.partition("=")
        if sep:
            values[key.strip()] = _expand(value.strip().strip('"').strip("'"))
    return values


def load(project_root: Path) -> NpmConfig:
    """The merged configuration; a key in a nearer file wins over the same key further out."""
    merged: dict[str, str] = {}
    for npmrc in (Path.home() / ".npmrc", project_root / ".npmrc"):
        merged.update(_read(npmrc))
    for variable in ("NPM_CONFIG_REGISTRY", "npm_config_registry"):
        if os.environ.get(variable):
            merged["registry"] = os.environ[variable]
    registry = merged.get("registry")
    scoped: dict[str, str] = {}
    tokens: dict[str, str] = {}
    for key, value in merged.items():
        if key.startswith("@") and key.endswith(":registry") and value:
            scoped[key.removesuffix(":registry")] = _normalized(value)
        elif key.startswith("//") and key.endswith(":_authToken") and value:
            prefix = key.removesuffix(":_authToken")
            tokens[prefix if prefix.endswith("/") else prefix + "/"] = value
    return NpmConfig(_normalized(registry) if registry else None, scoped, tokens)
