"""An acknowledged comment survives a power cut: on the embedded default (SQLite in WAL mode)
every connection syncs the log at each commit (``synchronous=FULL``, 2), in the test's own
threads and in a gevent process like ``serve``, whose greenlets open connections side by side.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from flask import Flask

from handbook.core.config import TestConfig
from tests.live import ROOT

FULL = 2


def _pragmas(connection) -> tuple[int, str, int]:
    return (
        connection.exec_driver_sql("PRAGMA synchronous").scalar(),
        connection.exec_driver_sql("PRAGMA journal_mode").scalar(),
        connection.exec_driver_sql("PRAGMA foreign_keys").scalar(),
    )


def test_every_connection_of_the_app_engine_syncs_each_commit(app: Flask) -> None:
    engine = app.extensions["handbook.engine"]
    engine.dispose()  # only connections made from here on
    connections = [engine.connect() for _ in range(7)]  # beyond the pool's 5: overflow too
    try:
        assert len({id(c.connection.dbapi_connection) for c in connections}) == 7
        assert [_pragmas(c) for c in connections] == [(FULL, "wal", 1)] * 7
    finally:
        for connection in connections:
            connection.close()
    engine.dispose()
    with engine.connect() as fresh:
        assert _pragmas(fresh) == (FULL, "wal", 1)


GEVENT_PROBE = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import json
    import sys

    import gevent

    from handbook import create_app

    app = create_app(json.loads(sys.argv[1]))
    engine = app.extensions["handbook.engine"]


    def probe():
        # Held across a switch, so every greenlet opens a connection of its own.
        with engine.connect() as connection:
            gevent.sleep(0.05)
            return [
                id(connection.connection.dbapi_connection),
                connection.exec_driver_sql("PRAGMA synchronous").scalar(),
            ]


    def request():
        # A real request: its session takes a connection from the same engine.
        with app.test_client() as client:
            return client.get("/login").status_code


    greenlets = [gevent.spawn(probe) for _ in range(9)]
    greenlets += [gevent.spawn(request) for _ in range(3)]
    gevent.joinall(greenlets, raise_error=True)
    print(json.dumps([g.value for g in greenlets]))
    """
)


def test_connections_made_under_gevent_sync_each_commit_too(
    database_url: str, tmp_path: Path
) -> None:
    """``serve`` patches the standard library with gevent before the app exists; connections
    are opened by greenlets, several at once, through the same engine."""
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config = {k: v for k, v in config.items() if isinstance(v, str | int | float | None)}
    config.update(DATABASE_URL=database_url, INSTANCE_PATH=str(tmp_path / "instance"))
    run = subprocess.run(
        [sys.executable, "-c", GEVENT_PROBE, json.dumps(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout.strip().splitlines()[-1])
    probes, requests = results[:9], results[9:]
    assert len({connection for connection, _ in probes}) == 9
    assert [synchronous for _, synchronous in probes] == [FULL] * 9
    assert requests == [200] * 3
