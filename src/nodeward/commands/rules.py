"""`nodeward rules`: every rule of the catalogue, one line each or as JSON."""

from __future__ import annotations

import argparse
from typing import Any

from nodeward.commands.common import EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser("rules", help="list every rule")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from nodeward.catalog import all_rules

    if args.format == "json":
        import json

        from nodeward.report.json_report import rule_dict

        print(json.dumps([rule_dict(r) for r in all_rules()], indent=2))
        return EXIT_OK
    for rule in all_rules():
        cwe = ",".join(rule.cwe_labels)
        print(f"{rule.code}  {rule.name:<40} {rule.severity.label:<8} {cwe:<18} {rule.title}")
    return EXIT_OK
