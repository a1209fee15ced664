"""Running the Express test apps (tests/apps/) with node on 127.0.0.1 for the probe tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

APPS = Path(__file__).parent.parent / "apps"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], limit: float = 15.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"app did not listen on {port} within {limit} s")


def app_missing(name: str) -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (APPS / name / "node_modules").is_dir():
        return f"tests/apps/{name}/node_modules missing: run `npm ci` there"
    return None


StartApp = Callable[[str], str]
