"""Cold start: from starting `python -m handbook serve` to its first page, beside a hello app.

The product: `python -m handbook demo`, then one `serve` that reads the demo's documents (and
makes the static files' compressed copies) and is stopped, so each measured start is a restart
of a settled instance, as after a deploy or a reboot (with the app's bytecode compiled once,
as `scripts/start` does). Each round starts `serve` and asks
`/login` every 10 ms until it answers 200: the wall time from `Popen` to that answer, and the
server process's CPU time (user + system: less disturbed than wall time by other work on the
machine) and resident memory (VmRSS) at that moment. The reference, in the same run, is a
hello Flask app served the same way (gevent's monkey-patching and `WSGIServer`, answering
`/login`). Modules imported by each (`-X importtime`, one extra start each) are counted too.
Min and median of --rounds rounds, the two alternating.

Run: .venv/bin/python bench/cold_start.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.client
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.embedded import free_port  # noqa: E402

HELLO = """
from gevent import monkey
monkey.patch_all()
import os
from flask import Flask
from gevent.pywsgi import WSGIServer
app = Flask(__name__)
@app.get("/login")
def login():
    return "<!doctype html><title>hello</title><p>hello</p>"
WSGIServer(("127.0.0.1", int(os.environ["PORT"])), app, log=None).serve_forever()
"""


class Start(NamedTuple):
    """One start: wall seconds to the first 200, the server's CPU seconds (user + system) and
    resident memory (MB) at that moment, and the modules imported (``-X importtime`` runs)."""

    wall: float
    cpu: float
    rss: float
    modules: int


def _cpu_and_rss(pid: int) -> tuple[float, float]:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    rss = next(
        int(line.split()[1]) / 1024
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    return cpu, rss


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/login")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def start(argv: list[str], env: dict[str, str], *, importtime: bool = False) -> Start:
    """Start ``argv`` and ask /login every 10 ms until it answers 200."""
    port = free_port()
    env = {**env, "PORT": str(port)}
    if importtime:
        argv = [argv[0], "-X", "importtime", *argv[1:]]
    with tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            while not _answers(port):
                if process.poll() is not None:
                    err.seek(0)
                    raise RuntimeError(f"{argv} exited with {process.returncode}:\n{err.read()}")
                if time.perf_counter() - started > 120:
                    raise TimeoutError(f"{argv} did not answer within 120 s")
                time.sleep(0.01)
            elapsed = time.perf_counter() - started
            cpu, rss = _cpu_and_rss(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
        err.seek(0)
        modules = sum(1 for line in err if line.startswith("import time:")) - 1
    return Start(elapsed, cpu, rss, max(modules, 0))


def settle(env: dict[str, str], instance: Path) -> None:
    """Load the demo data and run `serve` once until its documents are read and voiced."""
    subprocess.run(
        [sys.executable, "-m", "handbook", "demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "handbook", "serve"],
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            with sqlite3.connect(instance / "handbook.db", timeout=30) as conn:
                documents = conn.execute("SELECT status FROM documents").fetchall()
                tracks = conn.execute("SELECT status FROM audio_tracks").fetchall()
            done = {"ready", "failed"}
            if (
                documents
                and all(s in done for (s,) in documents)
                and len(tracks) == len(documents)
                and all(s in done for (s,) in tracks)
            ):
                return
            time.sleep(1)
        raise TimeoutError("the demo documents were not read within 15 minutes")
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--instance", type=Path, help="a settled instance folder to reuse (default: a new one)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        instance = args.instance or Path(tmp) / "instance"
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        env = {
            **os.environ,
            "HANDBOOK_INSTANCE": str(instance),
            "LOG_LEVEL": "ERROR",
            "TTS_ENGINE": "espeak",
        }
        for name in ("DATABASE_URL", "REDIS_URL"):
            env.pop(name, None)
        # As scripts/start does: the app's bytecode made once (this matters where
        # PYTHONDONTWRITEBYTECODE is set, as in containers, when Python would not keep it).
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "handbook", "tts", "docs_store"],
            cwd=ROOT,
            check=True,
        )
        if args.instance is None:
            settle(env, instance)

        product = [sys.executable, "-m", "handbook", "serve"]
        reference = [sys.executable, str(hello)]
        results: dict[str, list[Start]] = {"product": [], "reference": []}
        for _ in range(args.rounds):
            results["product"].append(start(product, env))
            results["reference"].append(start(reference, env))
        modules = {
            "product": start(product, env, importtime=True).modules,
            "reference": start(reference, env, importtime=True).modules,
        }

    names = {
        "product": "python -m handbook serve (demo data)",
        "reference": "hello Flask app, gevent WSGIServer",
    }
    print(f"cold start to the first 200 of /login, {args.rounds} rounds (min / median)")
    for key, label in names.items():
        runs = results[key]

        def both(values: list[float], unit: str, digits: int = 2) -> str:
            return f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} {unit}"

        print(
            f"  {label:38s} wall {both([r.wall for r in runs], 's')}   "
            f"CPU {both([r.cpu for r in runs], 's')}   "
            f"RSS {both([r.rss for r in runs], 'MB', 0)}   {modules[key]} modules"
        )
    wall = statistics.median(r.wall for r in results["product"])
    ratio = wall / statistics.median(r.wall for r in results["reference"])
    cpu_ratio = statistics.median(r.cpu for r in results["product"]) / statistics.median(
        r.cpu for r in results["reference"]
    )
    print(
        f"  product / reference (medians): wall {ratio:.1f}x, CPU {cpu_ratio:.1f}x; "
        f"goal: product <= 1.5 s (median {wall:.2f} s)"
    )


if __name__ == "__main__":
    main()
