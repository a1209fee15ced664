"""What the taint-engine tests share: an engine over a folder, as a scan builds it."""

from __future__ import annotations

from pathlib import Path

from nodeward.analysis.context import AnalysisContext
from nodeward.config import Config
from nodeward.discover import DiscoveryOptions, discover
from nodeward.project import load_project
from nodeward.source.taint.engine import TaintEngine
from nodeward.source.taint.model import load_models
from nodeward.source.taint.served import served_code


def engine_at(root: Path) -> TaintEngine:
    config = Config(path=root, quiet=True)
    inventory = discover(root, DiscoveryOptions())
    context = AnalysisContext(load_project(inventory, config))
    served = served_code(context.project)
    return TaintEngine(
        [*context.project.files, *served.inline],
        load_models(),
        served.client_files,
        graph=context.module_graph,
    )
