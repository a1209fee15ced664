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
        # Never run a test app as root: as root, it runs as nobody.
        as_nobody = {"user": "nobody", "group": "nogroup"} if os.geteuid() == 0 else {}
        process = subprocess.Popen(
            ["node", "server.js"],
            cwd=APPS / name,
            env=env,
            **as_nobody,  # type: ignore[call-overload]
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        wait_for_port(port, process)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        process.kill()
        process.wait(timeout=10)
