"""What ``serve`` loads before its first page (issue #12 item 6): the app and its web
libraries, not what only jobs, exports or migrations need; and those still load and work
where they are used. Each check runs in a fresh interpreter, as ``serve`` starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from handbook.core import db as hdb
from tests.live import ROOT

#: Modules a page never needs: exports, the voice, pushes, Alembic, and the clients and
#: database drivers other libraries import for features the embedded web process never uses.
NOT_AT_START = [
    "docx",
    "reportlab",
    "tts.pipeline",
    "tts.engines",
    "gtts",
    "pywebpush",
    "alembic",
    "alembic.command",
    "handbook.comments.export",
]
#: Imported by libraries at once but executed only on first use (``core.lazyimports``).
DEFERRED = ["aiohttp", "requests", "psycopg"]


def _serve_start(instance: Path, url: str, extra: str = "") -> dict[str, object]:
    """What a process that starts as ``serve`` does, then what it has loaded."""
    code = f"""
import json, sys
sys.argv = ["handbook", "serve"]
from gevent import monkey
monkey.patch_all()
from handbook.core.lazyimports import defer
defer()
from handbook import create_app
app = create_app({{"DATABASE_URL": {url!r}, "INSTANCE_PATH": {str(instance)!r}}})
from handbook.core import db
db.upgrade(app.config["DATABASE_URL"])
{extra}
loaded = {{
    name: type(sys.modules[name]).__name__ if name in sys.modules else None
    for name in {NOT_AT_START + DEFERRED!r}
}}
print(json.dumps(loaded))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.splitlines()[-1]))


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'handbook.db'}"
    hdb.upgrade(url)
    return url


def test_serve_loads_no_job_export_or_migration_code(tmp_path: Path, migrated: str) -> None:
    loaded = _serve_start(tmp_path / "instance", migrated)
    assert {name: kind for name, kind in loaded.items() if name in NOT_AT_START and kind} == {}
    # Imported by python-engineio and Huey, but not run: loaded on first use.
    assert {name: loaded[name] for name in DEFERRED} == dict.fromkeys(DEFERRED, "_LazyModule")


def test_what_was_deferred_loads_whole_on_first_use(tmp_path: Path, migrated: str) -> None:
    extra = """
import requests, aiohttp
assert requests.Session().get_adapter("https://example.org") is not None
assert aiohttp.ClientTimeout(total=1).total == 1
from handbook.notifications import webpush
assert callable(webpush._no_redirects_session().request)
"""
    loaded = _serve_start(tmp_path / "instance", migrated, extra)
    assert loaded["requests"] == loaded["aiohttp"] == "module"
