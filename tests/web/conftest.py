"""The `start_app` fixture: an Express test app on 127.0.0.1, killed after the test."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from web.app_runner import APPS, StartApp, app_missing, free_port, wait_for_port


@pytest.fixture
def start_app() -> Iterator[StartApp]:
    """start_app("vulnerable") -> "http://127.0.0.1:PORT"; every app is killed afterwards."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> str:
        reason = app_missing(name)
        if reason is not None:
            pytest.skip(reason)
        port = free_port()
        env = {**os.environ, "PORT": str(port), "NODE_ENV": "development"}
        # The apps are deliberately vulnerable: never run one as root.
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        process = subprocess.Popen(
            ["node", "server.js"],
            cwd=APPS / name,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            user="nobody" if as_root else None,
            group="nogroup" if as_root else None,
            extra_groups=[] if as_root else None,
        )
        started.append(process)
        wait_for_port(port, process)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        process.kill()
        process.wait(timeout=10)
