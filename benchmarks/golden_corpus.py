"""The golden-report check on real apps: scan each app with two checkouts of nodeward and
print every finding, skip and route that differs (a refactor must show none, or explain each).

Usage: python benchmarks/golden_corpus.py --base /path/to/old/checkout APP_DIR [APP_DIR ...]
The current checkout is the one this script lives in; both run as fresh processes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent


def scan(checkout: Path, app: Path, out: Path) -> dict[str, Any]:
    # A fixed hash seed on both sides: set iteration order must not pass for a difference.
    env = {**os.environ, "PYTHONPATH": str(checkout / "src"), "PYTHONHASHSEED": "0"}
    command = [sys.executable, "-m", "nodeward", "scan", str(app), "--format", "json"]
    subprocess.run(
        [*command, "-o", str(out), "--quiet", "--jobs", "1", "--offline"],
        env=env,
        check=False,
    )
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def keyed(report: dict[str, Any]) -> dict[str, set[str]]:
    def row(item: dict[str, Any], drop: tuple[str, ...] = ()) -> str:
        return json.dumps({k: v for k, v in item.items() if k not in drop}, sort_keys=True)

    return {
        "findings": {row(f) for f in report["findings"]},
        "skips": {row(s) for s in report["skips"]},
        "routes": {row(r) for r in report.get("routes", [])},
        "scorecard": {row(s) for s in report["scorecard"]},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("apps", type=Path, nargs="+")
    args = parser.parse_args()
    differences = 0
    with tempfile.TemporaryDirectory() as tmp:
        for app in args.apps:
            old = keyed(scan(args.base, app, Path(tmp) / "old.json"))
            new = keyed(scan(HERE, app, Path(tmp) / "new.json"))
            for part in old:
                for gone in sorted(old[part] - new[part]):
                    print(f"{app.name}: {part} only before: {gone}")
                for added in sorted(new[part] - old[part]):
                    print(f"{app.name}: {part} only after: {added}")
                differences += len(old[part] ^ new[part])
            print(f"{app.name}: {len(new['findings'])} findings")
    print(f"{differences} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
