"""Running the real production server (``python -m handbook serve``) for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SERVER_START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_live_server(
    tmp_path_factory: pytest.TempPathFactory,
    artifacts_dir: Path,
    name: str = "live-server",
    instance: Path | None = None,
    **settings: str,
) -> Iterator[str]:
    """The production server on a free loopback port, with the demo data in a fresh instance
    (``instance``, when the test must reach the folder too) and these ``settings`` in its
    environment; its log goes to ``<artifacts>/<name>.log``."""
    instance = instance or tmp_path_factory.mktemp("live-instance")
    port = free_port()
    env = dict(os.environ)
    for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        env.pop(key, None)  # the embedded mode: SQLite and a key in the temp instance folder
    env.update(
        HANDBOOK_INSTANCE=str(instance),
        LOG_LEVEL="WARNING",
        HOST="127.0.0.1",
        PORT=str(port),
        PYTHONUNBUFFERED="1",
        # Every browser test signs in from 127.0.0.1; keep the limiter on, but roomy enough
        # that a growing suite never meets it.
        LOGIN_RATE_LIMIT="300 per minute",
    )
    # ... and every browser and client comes from 127.0.0.1: the per-address bound on
    # connections would count them all as one (tests/handbook/core/test_serve_limits.py sets
    # its own).
    env.setdefault("SERVE_MAX_CONNECTIONS_PER_IP", "0")
    # ... and the comment limit (10 a minute per member) would count one test's comments against
    # the next test's on the shared server; tests of the limit set their own.
    env.setdefault("COMMENT_RATE_LIMIT", "600 per minute")
    env.update(settings)

    # The demo, its documents already read and voiced: made once per test process and copied
    # (a server's own reading and voicing of them cost each start ~15 s of CPU).
    # (A server with AUDIO_AUTO=0 gets the demo read but not voiced, as its own worker leaves it.)
    voiced = env.get("AUDIO_AUTO", "1") != "0"
    shutil.copytree(prepared_demo(tmp_path_factory, voiced), instance, dirs_exist_ok=True)

    log_path = artifacts_dir / f"{name}.log"
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "handbook", "serve"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(server, f"{base_url}/login", log_path)
            yield base_url
        finally:
            stop(server)


def wait_until_up(server: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error: object = None
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"the server exited with code {server.returncode} before answering:\n"
                + log_path.read_text(errors="replace")
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = exc
        time.sleep(0.2)
    stop(server)
    pytest.fail(
        f"the server did not answer {url} within {SERVER_START_TIMEOUT:.0f} s "
        f"(last: {last_error}):\n" + log_path.read_text(errors="replace")
    )


def run_demo(env: dict[str, str], timeout: float = 180) -> None:
    """``python -m handbook demo`` in the environment a test's server will use."""
    demo = subprocess.run(
        [sys.executable, "-m", "handbook", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if demo.returncode != 0:
        pytest.fail(f"`handbook demo` failed ({demo.returncode}):\n{demo.stdout}\n{demo.stderr}")


#: ``handbook demo`` with the jobs run inline: the documents read (the scan by OCR) and voiced
#: before it ends, as a server's worker would do them.
_PREPARE_DEMO = """
from handbook import create_app

app = create_app({"JOBS_IMMEDIATE": True})
with app.app_context():
    result = app.test_cli_runner().invoke(args=["demo"])
print(result.output)
if result.exception is not None:
    raise result.exception
"""
_prepared: dict[bool, Path] = {}


def prepared_demo(tmp_path_factory: pytest.TempPathFactory, voiced: bool = True) -> Path:
    """An embedded instance holding the demo with every document read (and, if ``voiced``,
    read aloud), made once per test process; ``run_live_server`` starts each server on a copy
    (the files and audio are found under the instance folder, by relative path)."""
    if voiced in _prepared:
        return _prepared[voiced]
    folder = tmp_path_factory.mktemp("demo-voiced" if voiced else "demo-read")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(HANDBOOK_INSTANCE=str(folder), LOG_LEVEL="WARNING", AUDIO_AUTO=str(int(voiced)))
    env.pop("SECRET_KEY", None)
    made = subprocess.run(
        [sys.executable, "-c", _PREPARE_DEMO],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if made.returncode != 0:
        pytest.fail(f"preparing the demo failed ({made.returncode}):\n{made.stdout}\n{made.stderr}")
    with contextlib.closing(sqlite3.connect(folder / "handbook.db")) as conn:
        documents = conn.execute("SELECT status FROM documents").fetchall()
        tracks = conn.execute("SELECT status FROM audio_tracks").fetchall()
    whole = {s for (s,) in documents} == {"ready"} and (
        {s for (s,) in tracks} == {"ready"} and len(tracks) == len(documents)
        if voiced
        else not tracks
    )
    if not whole:
        pytest.fail(f"the prepared demo is not as asked: documents {documents}, audio {tracks}")
    _prepared[voiced] = folder
    return folder


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """``sig`` (SIGTERM, as a service manager would), then SIGKILL if it does not go."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def embedded_env(instance: Path, **settings: str) -> dict[str, str]:
    """``serve``'s environment on the embedded default (SQLite and files in ``instance``)."""
    env = {
        **os.environ,
        "HANDBOOK_INSTANCE": str(instance),
        "PORT": str(free_port()),
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    for key in ("DATABASE_URL", "REDIS_URL"):
        env.pop(key, None)
    return env


def wait_http(
    url: str, process: subprocess.Popen[bytes], timeout: float = 90, log: Path | None = None
) -> None:
    """Until ``url`` answers 200; fails if ``process`` (the server) exits first, showing
    ``log`` (its output) when given."""

    def output() -> str:
        return f":\n{log.read_text(errors='replace')}" if log is not None else ""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited{output()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer{output()}")


def start_redis(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """A private ``redis-server`` on ``port``, without persistence, once it answers PING."""
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
    try:
        for _ in range(200):
            try:
                if client.ping():
                    return server
            except redis.RedisError:
                time.sleep(0.05)
    finally:
        client.close()
    server.kill()
    pytest.fail("redis-server did not start")


def wait_for(predicate, timeout: float, what: str, server: subprocess.Popen) -> None:
    """Until ``predicate()`` holds; fails if ``server`` exits first or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if server.poll() is not None:
            pytest.fail(f"server exited ({server.returncode}) while waiting for {what}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@contextlib.contextmanager
def two_processes(pg_url: str, work: Path, name: str) -> Iterator[dict[str, Any]]:
    """Two ``serve`` processes on one PostgreSQL schema and one private Redis, as scaled out
    (jobs in the first only, one shared blob store), with the demo data; yields
    ``urls``, ``servers``, ``redis``, ``redis_port``, ``work`` and ``env``. A test may replace
    ``redis`` (a restarted one): what is there at the end is stopped. Skips without
    ``redis-server`` or PostgreSQL."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL not reachable at {pg_url}: {exc}")
    schema = f"hb_{name}_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    redis_port = free_port()
    state: dict[str, Any] = {
        "redis": start_redis(redis_port, work),
        "redis_port": redis_port,
        "work": work,
        "servers": [],
        "urls": [],
    }
    logs = []
    try:
        env = {
            **os.environ,
            "DATABASE_URL": f"{pg_url}?options=-csearch_path%3D{schema}",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "SECRET_KEY": f"{name}-test-secret",
            "LOG_LEVEL": "WARNING",
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "HANDBOOK_INSTANCE": str(work / "instance-a"),
            # Every process must see the same files: one blob store, shared.
            "DOCS_STORE_ROOT": str(work / "blobs"),
        }
        state["env"] = env
        run_demo(env)
        for number in range(2):
            port = free_port()
            server_env = {
                **env,
                "PORT": str(port),
                "HANDBOOK_INSTANCE": str(work / f"instance-{number}"),
                "SERVER_JOB_WORKERS": "1" if number == 0 else "0",
            }
            log_path = work / f"server-{number}.log"
            logs.append(log_path.open("wb"))
            state["servers"].append(
                subprocess.Popen(
                    [sys.executable, "-m", "handbook", "serve"],
                    cwd=ROOT,
                    env=server_env,
                    stdout=logs[-1],
                    stderr=subprocess.STDOUT,
                )
            )
            state["urls"].append(f"http://127.0.0.1:{port}")
            wait_http(f"{state['urls'][-1]}/login", state["servers"][-1], log=log_path)
        yield state
    finally:
        for server in state["servers"]:
            stop(server)
        for log in logs:
            log.close()
        stop(state["redis"])
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
