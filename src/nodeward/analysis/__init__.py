"""What a scan computes once and shares: the analysis context, and the one interface every
analyzer implements (static checks, dependency audit, route table, live probe).

`context` holds the per-scan state (parsed project, module graph, app model, request
handlers, taint result), each computed lazily and at most once; `result` holds the
`Analyzer` protocol and the `AnalysisResult` every analyzer returns. Import them from their
modules: this package imports nothing itself, so that `result` stays as light as findings.
"""
