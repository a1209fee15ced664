from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
sys.path.insert(0, str(TESTS))


@pytest.fixture(autouse=True)
def _no_advisory_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The dependency audit never leaves the machine in tests, whatever the user cache
    or npm configuration holds: an empty cache folder and offline mode by default."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NODEWARD_CACHE_DIR", str(tmp_path_factory.mktemp("nodeward-cache")))
        patch.setenv("NODEWARD_OFFLINE", "1")
        yield


# Property-based tests run a bounded number of examples, without a per-example deadline
# (CI machines are shared and noisy), and keep no example database in the work tree.
try:
    from hypothesis import HealthCheck, settings
    from hypothesis.database import InMemoryExampleDatabase
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    pass
else:
    # CI draws the same examples on every run: a red CI then means a change broke
    # something, not that this run drew a new input (other runs keep exploring)
    _in_ci = bool(os.environ.get("CI"))
    settings.register_profile(
        "nodeward",
        max_examples=60,
        deadline=None,
        database=None if _in_ci else InMemoryExampleDatabase(),
        derandomize=_in_ci,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("nodeward")
