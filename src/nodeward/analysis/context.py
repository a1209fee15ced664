"""The state of one scan, computed once and shared by every analyzer.

`scan.py` builds one `AnalysisContext` per scan. Each property is computed on first use
and kept for the rest of the scan (`functools.cached_property`), so the module graph,
the app model, the request handlers and the taint run exist once whichever rules are
enabled, and a scan that needs none of them never computes them. What they could not
resolve is part of their value (`AppModel.unresolved`, `TaintResult.skips`): the analyzer
that reports on them returns it as its skips; nothing is appended to the `Project`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from nodeward import progress
from nodeward.findings import Skip

if TYPE_CHECKING:
    # Each property imports what computes it: a scan that needs no app model or taint run
    # (an empty folder, a manifest-only project) never loads them.
    from nodeward.config import Config
    from nodeward.project import Project
    from nodeward.source.appmodel import AppModel, Route
    from nodeward.source.context import FileContext
    from nodeward.source.modules import ModuleGraph
    from nodeward.source.parse import Node
    from nodeward.source.taint.values import Hit, Render


@dataclass(frozen=True)
class TaintResult:
    """One run of the taint engine over the project and the code it serves to browsers."""

    #: Request data reaching a sink (the engine's hits whose origin is a source).
    hits: tuple[Hit, ...]
    #: `res.render(view, locals)` calls, for the template rules.
    renders: tuple[Render, ...]
    #: Where the analysis was cut short (depth, step and nesting bounds).
    skips: tuple[Skip, ...]


@dataclass(eq=False)
class AnalysisContext:
    """The parsed project and what is derived from it, each computed at most once."""

    project: Project
    #: The rule codes the run reports (selected and not ignored).
    enabled: frozenset[str] = frozenset()

    @property
    def config(self) -> Config:
        return self.project.config

    @cached_property
    def module_graph(self) -> ModuleGraph:
        """Relative imports between the project's files, and what each file exports."""
        from nodeward.source.modules import ModuleGraph

        return ModuleGraph(self.project.files)

    @cached_property
    def app_model(self) -> AppModel:
        """The route table: apps, routers, mounts and middleware chains."""
        from nodeward.source.appmodel import app_model

        return app_model(self.project, self.module_graph)

    @cached_property
    def handlers(self) -> tuple[tuple[Route, Node, FileContext], ...]:
        """Every route handler that resolved to a function, with its route and file."""
        from nodeward.source.appmodel import handlers

        return tuple(handlers(self.app_model))

    @cached_property
    def answering_middleware(self) -> tuple[tuple[Route, Node, FileContext], ...]:
        """Chain members that answer the request themselves (`router.get(p, auth,
        controller.read, guard.check())`): the taint engine analyses them as handlers."""
        from nodeward.source.appmodel.answering import answering_middleware

        return tuple(answering_middleware(self.app_model))

    @cached_property
    def taint(self) -> TaintResult:
        """Request data traced through the request handlers to the sinks it reaches."""
        from nodeward.source.taint.engine import TaintEngine
        from nodeward.source.taint.model import load_models
        from nodeward.source.taint.plain_storage import store_models
        from nodeward.source.taint.records import models_with_secrets
        from nodeward.source.taint.served import served_code

        project = self.project
        served = served_code(project)
        engine = TaintEngine(
            [*project.files, *served.inline],
            load_models(),
            served.client_files,
            models_with_secrets(project),
            frozenset(
                (ctx.rel, func.start_byte)
                for _route, func, ctx in (*self.handlers, *self.answering_middleware)
            ),
            tuple((ctx, func, route) for route, func, ctx in self.handlers),
            graph=self.module_graph,
            store_models=store_models(project),
        )
        files = len(engine.files)
        with progress.task("taint", files, unit="files", quiet=self.config.quiet) as advance:
            hits = engine.run(advance)
        return TaintResult(tuple(hits), tuple(engine.distinct_renders()), tuple(engine.skips))
