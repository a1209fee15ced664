"""A scan stopped by a signal leaves no forked child running: SIGTERM and SIGINT to the
parent kill the child at once, and a parent killed outright takes the child with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from nodeward import parallel

SRC = Path(__file__).parent.parent / "src"

#: Enough code per file that the forked per-file checks run for a while.
ROUTES = """const express = require("express");
const session = require("express-session");
const router = express.Router();
app.use(session({{ secret: "s{n}" }}));
router.get("/a{n}", (req, res) => {{
  const id = req.query.id;
  db.query("SELECT * FROM t WHERE id = " + id);
  res.send("<p>" + req.query.name + "</p>");
}});
router.post("/b{n}", function (req, res) {{
  require("child_process").exec("ls " + req.body.dir);
  res.cookie("sid", req.body.v, {{ httpOnly: false }});
  res.json({{ ok: true, n: {n} }});
}});
module.exports = router;
"""

needs_fork_and_proc = pytest.mark.skipif(
    not (parallel.can_fork() and Path("/proc/self/stat").exists()),
    reason="needs fork and /proc",
)


def _project(root: Path, files: int = 250) -> Path:
    for n in range(files):
        folder = root / f"mod{n % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        body = "".join(ROUTES.format(n=f"{n}_{k}") for k in range(20))
        (folder / f"routes{n}.js").write_text(body, encoding="utf-8")
    return root


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == parent and stat[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def _start_scan(root: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A two-process scan in a subprocess, and the pid of its forked child once it runs."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "NODEWARD_OFFLINE": "1"}
    command = [sys.executable, "-m", "nodeward", "scan", str(root), "--jobs", "2", "-q"]
    process = subprocess.Popen(
        [*command, "--format", "json"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120  # a hang guard for a slow machine, not a timing check
    while time.monotonic() < deadline and process.poll() is None:
        children = _children(process.pid)
        if children:
            return process, children[0]
        time.sleep(0.005)
    process.kill()
    process.wait()
    pytest.fail("the scan never forked a child")


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.02)
    return not _alive(pid)


@needs_fork_and_proc
@pytest.mark.parametrize(
    ("signum", "code", "message"),
    [
        (signal.SIGTERM, 143, b"nodeward: terminated\n"),
        (signal.SIGINT, 130, b"nodeward: interrupted\n"),
    ],
)
def test_signal_to_the_parent_stops_the_child(
    tmp_path: Path, signum: int, code: int, message: bytes
) -> None:
    process, child = _start_scan(_project(tmp_path / "app"))
    try:
        process.send_signal(signum)
        gone = _gone_within(child, 2.0)
        _out, err = process.communicate(timeout=60)
        assert gone, f"the forked child outlived the signal: {_stat(child)}, {err!r}"
    finally:
        if process.poll() is None:
            process.kill()
        if _alive(child):
            os.kill(child, signal.SIGKILL)
    assert (process.returncode, err) == (code, message)


@needs_fork_and_proc
def test_parent_killed_outright_takes_the_child_with_it(tmp_path: Path) -> None:
    process, child = _start_scan(_project(tmp_path / "app"))
    try:
        process.kill()  # SIGKILL: no handler runs, only PR_SET_PDEATHSIG can help
        process.wait(timeout=60)
        assert _gone_within(child, 2.0), "the forked child outlived its parent"
    finally:
        if _alive(child):
            os.kill(child, signal.SIGKILL)


class _Stop(BaseException):
    pass


def _stop(_signum: int, _frame: object) -> None:
    raise _Stop


def _finish_later(marker: Path) -> None:
    time.sleep(5)
    marker.write_text("finished")


@needs_fork_and_proc
def test_interrupted_wait_for_the_result_kills_the_child(tmp_path: Path) -> None:
    """The parent waiting in `result()` when a signal handler raises (what SIGTERM and
    Ctrl-C do) kills the child instead of waiting for it to finish."""
    marker = tmp_path / "finished"
    forked = parallel.start(partial(_finish_later, marker))
    previous = signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    try:
        with pytest.raises(_Stop):
            forked.result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if _alive(forked.pid):
            os.kill(forked.pid, signal.SIGKILL)
            os.waitpid(forked.pid, 0)
            pytest.fail("the child was still running")
    assert _stat(forked.pid) is None  # reaped
    assert not marker.exists()  # killed, not waited for
