"""`nodeward init`: writes a commented `.nodeward.toml` holding the defaults.

The values come from `Config()` so the file can never drift from what nodeward does
without one; a test loads the written file and compares it with the defaults.
"""

from __future__ import annotations

from pathlib import Path

from nodeward.config import Config
from nodeward.report import FORMATS

CONFIG_NAME = ".nodeward.toml"


class InitError(Exception):
    """The config file exists (and --force was not given), or cannot be written."""


def default_config_text() -> str:
    defaults = Config()
    # S608 mistakes the TOML keys "select"/"ignore" for an SQL query.
    return f"""\
# nodeward configuration: every key is a long command-line flag; flags given on the
# command line win over this file. These are the defaults; change what you need.

# Report format: {", ".join(FORMATS)}.
format = "{defaults.format}"

# Write the report to a file instead of stdout (written atomically).
# output = "nodeward-report.html"

# Exit 1 when a finding is at or above this severity: low, medium, high, critical.
fail-on = "{defaults.fail_on.label}"

# Only these rule codes or prefixes (empty: every rule), e.g. ["NW1", "DEP"].
select = {_toml_list(defaults.select)}

# Leave out these rule codes or prefixes, advisory ids or package@version, e.g.
# ["NW801", "GHSA-jf85-cpcp-j695", "lodash@4.17.4"]. To give a reason and an expiry, remove
# this line and add, at the end of the file, one table per accepted finding:
#   [[ignore]]
#   id = "GHSA-jf85-cpcp-j695"
#   reason = "not reachable: we never call merge"
#   until = 2027-01-31
ignore = {_toml_list(defaults.ignore)}

# gitignore-style patterns of paths to leave out (.gitignore is always honoured).
exclude = {_toml_list(defaults.exclude)}

# Also scan node_modules/ (slow; dependencies are audited from the lockfile anyway).
include-node-modules = {_toml_bool(defaults.include_node_modules)}

# Tests, fixtures, mocks, build output, vendored libraries and snippets are not analysed
# as server code; include-tests brings the tests back, default-excludes = false everything.
include-tests = {_toml_bool(defaults.include_tests)}
default-excludes = {_toml_bool(defaults.default_excludes)}

# Files larger than this many bytes are skipped (minified bundles, generated code).
max-file-size = {defaults.max_file_size}

# Report only findings absent from an earlier JSON report (matched by fingerprint).
# baseline = "nodeward-baseline.json"

# Treat skipped files (unparsable, too large) as a fatal error (exit 2).
strict = {_toml_bool(defaults.strict)}

# Print hard-coded credentials in full in reports (default: first and last characters).
show-secrets = {_toml_bool(defaults.show_secrets)}
"""  # noqa: S608


def _toml_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def _toml_bool(value: bool) -> str:
    return "true" if value else "false"


def write_default_config(directory: Path, *, force: bool) -> Path:
    """Create `directory/.nodeward.toml`; refuses to replace an existing one unless `force`."""
    if not directory.is_dir():
        raise InitError(f"{directory}: not a directory")
    target = directory / CONFIG_NAME
    text = default_config_text()
    try:
        # "x" fails if the file exists, without a check-then-write race.
        with target.open("w" if force else "x", encoding="utf-8") as stream:
            stream.write(text)
    except FileExistsError:
        raise InitError(f"{target} already exists; use --force to overwrite it") from None
    except OSError as error:
        raise InitError(f"{target}: cannot write: {error}") from None
    return target
