"""Rendering the HTML report for 5,000 synthetic findings: time (median of 5) and size.

    python benchmarks/bench_html.py [COUNT]

Targets (issue 7): under 2 s and under 5 MB. Filter responsiveness in the browser is
measured by tests/report/test_html_browser.py (test_filter_responsiveness_on_5000_findings).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from html_report_data import mixed_report

from nodeward.report import html


def main(count: int) -> None:
    report = mixed_report(count)
    html.render(report)  # warm up: template compilation, rule lookups
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        page = html.render(report)
        timings.append(time.perf_counter() - started)
    size = len(page.encode("utf-8"))
    median = statistics.median(timings)
    runs = ", ".join(f"{t:.3f}" for t in timings)
    print(f"{count} findings: render median {median:.3f} s (runs {runs})")
    print(f"page size {size / 1_000_000:.2f} MB")
    ok = median < 2.0 and size < 5_000_000
    print("within targets (< 2 s, < 5 MB)" if ok else "OUTSIDE TARGETS")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
