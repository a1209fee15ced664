"""Foundation benchmark: wall time and peak RSS of `nodeward scan`.

(a) a small Express app of 15 files, written to a temp dir by this script;
(b) mongoose's lib/ (npm install into a temp dir, or --mongoose PATH to an existing lib/).

Each command runs as a fresh process (interpreter start-up included); the figures are the
median of --runs runs. When `njsscan` is on PATH it runs on the same inputs and the ratio is
printed. Usage: python benchmarks/bench_scan.py [--runs 5] [--mongoose PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUTE = """const express = require("express");
const router = express.Router();
const {name} = require("../models/{name}");

router.get("/", async (req, res) => {{
  const items = await {name}.find({{ owner: req.user.id }}).limit(50);
  res.json(items);
}});

router.post("/", async (req, res, next) => {{
  try {{
    const item = await {name}.create({{ title: String(req.body.title), owner: req.user.id }});
    res.status(201).json(item);
  }} catch (err) {{
    next(err);
  }}
}});

router.get("/:id", async (req, res) => {{
  const item = await {name}.findOne({{ _id: req.params.id, owner: req.user.id }});
  if (!item) return res.status(404).end();
  res.json(item);
}});

module.exports = router;
"""

MODEL = """const mongoose = require("mongoose");

const schema = new mongoose.Schema({{
  title: {{ type: String, required: true, maxlength: 200 }},
  owner: {{ type: mongoose.Schema.Types.ObjectId, ref: "User", index: true }},
  createdAt: {{ type: Date, default: Date.now }},
}});

module.exports = mongoose.model("{name}", schema);
"""

APP = """const express = require("express");
const helmet = require("helmet");
const session = require("express-session");
const rateLimit = require("express-rate-limit");
const {{ requireUser }} = require("./middleware/auth");

const app = express();
app.use(helmet());
app.use(express.json({{ limit: "100kb" }}));
app.use(session({{
  name: "sid",
  secret: process.env.SESSION_SECRET,
  resave: false,
  saveUninitialized: false,
  cookie: {{ secure: true, httpOnly: true, sameSite: "lax" }},
}}));
app.use("/login", rateLimit({{ windowMs: 60000, max: 10 }}));
{mounts}
app.use((err, req, res, next) => {{
  console.error(err);
  res.status(500).json({{ error: "internal error" }});
}});

module.exports = app;
"""

AUTH = """function requireUser(req, res, next) {
  if (!req.session.userId) return res.status(401).json({ error: "login required" });
  req.user = { id: req.session.userId };
  next();
}

module.exports = { requireUser };
"""

SERVER = """const app = require("./app");

process.on("unhandledRejection", (reason) => {
  console.error("unhandled rejection", reason);
  process.exit(1);
});

app.listen(process.env.PORT || 3000);
"""

NAMES = ("Note", "Task", "Project", "Comment", "Tag", "Invoice")


def write_small_app(root: Path) -> Path:
    """15 files: app, server, auth middleware, 6 routers and 6 models."""
    (root / "routes").mkdir(parents=True)
    (root / "models").mkdir()
    (root / "middleware").mkdir()
    mounts = "\n".join(
        f'app.use("/api/{n.lower()}s", requireUser, require("./routes/{n}"));' for n in NAMES
    )
    (root / "app.js").write_text(APP.format(mounts=mounts))
    (root / "server.js").write_text(SERVER)
    (root / "middleware" / "auth.js").write_text(AUTH)
    for name in NAMES:
        (root / "routes" / f"{name}.js").write_text(ROUTE.format(name=name))
        (root / "models" / f"{name}.js").write_text(MODEL.format(name=name))
    return root


def install_mongoose(workdir: Path) -> Path:
    subprocess.run(["npm", "init", "-y"], cwd=workdir, check=True, capture_output=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "mongoose@8"],
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    return workdir / "node_modules" / "mongoose" / "lib"


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024


def median_of(command: list[str], runs: int) -> tuple[float, float]:
    samples = [measure(command) for _ in range(runs)]
    return (
        statistics.median(s[0] for s in samples),
        statistics.median(s[1] for s in samples),
    )


def count(path: Path) -> tuple[int, int]:
    files = list(path.rglob("*.js"))
    lines = sum(p.read_text(encoding="utf-8", errors="replace").count("\n") for p in files)
    return len(files), lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mongoose", type=Path, help="an existing mongoose lib/ folder")
    args = parser.parse_args()
    nodeward = [sys.executable, "-m", "nodeward", "scan", "--format", "json", "--quiet"]
    njsscan = shutil.which("njsscan")
    with tempfile.TemporaryDirectory(prefix="nodeward-bench-") as temp:
        work = Path(temp)
        small = write_small_app(work / "small-app")
        installed = args.mongoose or install_mongoose(work)
        # Outside any node_modules folder: njsscan skips paths that contain one.
        mongoose = work / "mongoose-lib"
        shutil.copytree(installed, mongoose)
        targets = {"small app": small, "mongoose lib/": mongoose}
        print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; runs={args.runs}")
        for label, path in targets.items():
            files, lines = count(path)
            wall, rss = median_of([*nodeward, str(path)], args.runs)
            line = (
                f"{label:<14} {files:>4} files {lines:>6} lines  "
                f"nodeward {wall:6.2f}s {rss:6.0f} MB"
            )
            if njsscan:
                other, _ = median_of([njsscan, "--json", str(path)], max(1, args.runs // 2))
                line += f"  njsscan {other:6.2f}s  ratio {other / wall:5.1f}x"
            print(line)


if __name__ == "__main__":
    main()
