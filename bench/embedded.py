"""The real server on the embedded default (SQLite, jobs inside `serve`), for benchmarks."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
#: The demo data's password (handbook.demo.DEMO_PASSWORD, without importing the app here).
DEMO_PASSWORD = "demo@2026"  # noqa: S105 - published with the demo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server(str):
    """The base URL, carrying the server's process (benches that freeze it with SIGSTOP)."""

    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def demo_server(**settings: str) -> Iterator[Server]:
    """`python -m handbook demo`, then `serve` on a temporary instance; yields its base URL and
    stops the server (and removes the instance) on the way out."""
    with tempfile.TemporaryDirectory() as instance:
        port = free_port()
        env = {
            **os.environ,
            "HANDBOOK_INSTANCE": instance,
            "PORT": str(port),
            "LOGIN_RATE_LIMIT": "1000 per minute",
            # Every load client comes from 127.0.0.1: no per-address bound on connections.
            "SERVE_MAX_CONNECTIONS_PER_IP": "0",
            "LOG_LEVEL": "ERROR",
            **settings,
        }
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        subprocess.run(
            [sys.executable, "-m", "handbook", "demo"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "handbook", "serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = Server(f"http://127.0.0.1:{port}")
        base.process = server
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"{base}/login", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            yield base
        finally:
            server.send_signal(signal.SIGCONT)  # a bench may have left it frozen
            server.terminate()
            server.wait(timeout=30)


def signed_in(base: str, login: str, *, user_agent: str | None = None) -> requests.Session:
    """A requests session signed in as ``login`` (the demo's password) through the form."""
    session = requests.Session()
    if user_agent:
        session.headers["User-Agent"] = user_agent
    form = session.get(f"{base}/login", timeout=60).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token, "no CSRF token on the sign-in form"
    answer = session.post(
        f"{base}/login",
        data={"login": login, "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
        timeout=60,
    )
    if answer.url.endswith("/login"):
        raise RuntimeError(f"sign-in refused for {login}")
    return session
