"""Errors are errors: every failure that is not a finding exits 2 with one line on stderr
(never 1, the code for findings, and never a traceback unless --debug asks for one)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nodeward import scan
from nodeward.cli import main
from nodeward.commands import scan as scan_command

SRC = Path(__file__).parent.parent / "src"
REPORT_BUG = "please report this on the nodeward issue tracker with the --debug output"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "server.js").write_text(
        'const session = require("express-session");\napp.use(session({ secret: "s" }));\n'
    )
    return root


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('tool = "x"\n', '.nodeward.toml:1: "tool" must be a table'),
        ("[tool]\nnodeward = 5\n", '.nodeward.toml:2: "nodeward" must be a table'),
        ('jobs = "two"\n', ".nodeward.toml:1: key 'jobs': expected a positive whole number"),
        ("strict = 1\n", ".nodeward.toml:1: key 'strict': expected true or false"),
        ("exclude = [1, 2]\n", ".nodeward.toml:1: key 'exclude': expected a list of strings"),
        (
            "fail-on = {a = 1}\n",
            ".nodeward.toml:1: key 'fail-on': expected one of low, medium, high, critical",
        ),
        ("colour = true\n", ".nodeward.toml:1: unknown key 'colour'"),
        ("jobs = [\n", ".nodeward.toml: invalid TOML: Invalid value (at end of document)"),
        (
            "a = " + "[" * 3000 + "]" * 3000 + "\n",
            ".nodeward.toml: invalid TOML: nested too deeply",
        ),
    ],
)
def test_config_file_errors_exit_2_with_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], toml: str, message: str
) -> None:
    (project / ".nodeward.toml").write_text(toml)
    code, err = _run(capsys, "scan", str(project))
    assert code == 2
    assert err.startswith(f"nodeward: error: {project / message.split(':')[0]}")
    assert message.split(":", 1)[1] in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("c.json", "[1, 2]", "c.json: expected a JSON object, not an array"),
        ("c.json", '"x"', "c.json: expected a JSON object, not a string"),
        ("c.json", '{"format": 3}', "c.json:1: key 'format': expected one of text, json"),
        ("package.json", "null", "package.json: expected a JSON object, not null"),
        ("package.json", '{"nodeward": []}', 'package.json:1: "nodeward" must be a table'),
        ("package.json", "[" * 100_000, "package.json: invalid JSON: nested too deeply"),
    ],
)
def test_config_option_json_errors(
    tmp_path: Path,
    project: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    message: str,
) -> None:
    config = tmp_path / name
    config.write_text(text)
    code, err = _run(capsys, "scan", str(project), "--config", str(config))
    assert code == 2
    assert err.startswith(f"nodeward: error: {tmp_path / message}")
    assert err.count("\n") == 1


def test_json_config_file_with_valid_keys_is_read(
    tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "nodeward.json"
    config.write_text('{"format": "json", "fail-on": "low", "select": ["NW801"]}')
    assert main(["scan", str(project), "--config", str(config)]) == 1
    assert '"rule": "NW801"' in capsys.readouterr().out


def test_broken_package_json_next_to_the_code_does_not_crash(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "package.json").write_text("[" * 100_000)
    assert main(["scan", str(project), "--select", "NW801", "-q"]) == 0


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_unwritable_output_path_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(capsys, "scan", str(project), "-o", "/proc/x")
    assert (code, err) == (
        2,
        "nodeward: error: cannot write the report to /proc/x: No such file or directory\n",
    )


def test_output_path_that_is_a_directory_exits_2_and_leaves_nothing(
    tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out"
    target.mkdir()
    before = sorted(tmp_path.iterdir())
    code, err = _run(capsys, "scan", str(project), "-o", str(target))
    assert (code, err) == (
        2,
        f"nodeward: error: cannot write the report to {target}: Is a directory\n",
    )
    assert sorted(tmp_path.iterdir()) == before  # no temporary report left behind


def test_corrupt_advisory_database_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NODEWARD_CACHE_DIR", str(tmp_path))
    (tmp_path / "osv-npm.sqlite3").write_bytes(b"not a database" * 300)
    code, err = _run(capsys, "db", "status")
    assert code == 2
    assert err == (
        f"nodeward: error: advisory database {tmp_path / 'osv-npm.sqlite3'} is corrupt "
        "(file is not a database); rebuild it with `nodeward db import FILE.zip` or "
        "`nodeward db update`\n"
    )


def _crash(_config: object, **_options: object) -> None:
    raise ValueError("boom\nsecond line")


def test_crash_is_one_line_and_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan, "run_scan", _crash)
    code, err = _run(capsys, "scan", str(project))
    assert (code, err) == (
        2,
        f"nodeward: internal error: ValueError: boom second line ({REPORT_BUG})\n",
    )


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setattr(scan, "run_scan", _crash)
    argv = (
        ["--debug", "scan", str(project)]
        if where == "before"
        else ["scan", str(project), "--debug"]
    )
    code, err = _run(capsys, *argv)
    assert code == 2
    assert err.startswith("Traceback (most recent call last):\n")
    assert 'raise ValueError("boom\\nsecond line")' in err
    assert err.endswith(f"nodeward: internal error: ValueError: boom second line ({REPORT_BUG})\n")


def test_ctrl_c_exits_130(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(_config: object, **_options: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(scan, "run_scan", interrupted)
    assert _run(capsys, "scan", str(project)) == (130, "nodeward: interrupted\n")


def test_os_error_of_a_command_exits_2(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(_config: object, **_options: object) -> None:
        raise PermissionError(13, "Permission denied", "/srv/app/x.js")

    monkeypatch.setattr(scan, "run_scan", unreadable)
    assert _run(capsys, "scan", str(project)) == (
        2,
        "nodeward: error: [Errno 13] Permission denied: '/srv/app/x.js'\n",
    )


def test_closed_stdout_exits_quietly() -> None:
    """`nodeward rules | head -1`: the reader goes away; no traceback, no error message."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; time.sleep(1); from nodeward.cli import main; "
            "raise SystemExit(main(['rules']))",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.close()  # before the first line is written
    _out, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (141, b"")


def test_max_file_size_must_be_positive(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["scan", str(project), "--max-file-size", "-1"])
    assert exited.value.code == 2
    assert (
        "argument --max-file-size: expected a positive number, not '-1'" in capsys.readouterr().err
    )


def test_report_into_a_pipe_writes_into_it_and_keeps_it(tmp_path: Path, project: Path) -> None:
    """`-o /dev/stdout` or a FIFO: written into, never renamed over (as root, the rename
    replaced the device node with a regular file)."""
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        code = main(
            ["scan", str(project), "--select", "NW801", "-f", "json", "-o", str(fifo), "-q"]
        )
    finally:
        if reader.is_alive():  # the scan failed before opening the pipe: unblock the reader
            with fifo.open("wb"):
                pass
        reader.join(timeout=30)
    assert code == 0
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(received[0])["schema"] == "nodeward-report"


def test_a_stop_signal_whose_exception_was_swallowed_still_stops_with_its_code(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python ignores an exception raised by a signal handler inside an at-fork hook or a
    finalizer; the run must still end as terminated, not as clean or with findings."""

    def swallowing(_args: object) -> int:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler runs here and raises
        except BaseException:  # noqa: S110 - what a finalizer does to the exception
            pass
        return 0

    monkeypatch.setattr(scan_command, "run", swallowing)
    assert _run(capsys, "scan", str(project)) == (143, "nodeward: terminated\n")
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored after the run
