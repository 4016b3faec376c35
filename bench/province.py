"""A province on PostgreSQL for the page benches (issue #12 item 8): 50,000 members in 2,000
branches under ~100 communes, 24 meetings a branch with their agendas, 10 documents a meeting
with their pages and read-aloud tracks, 500,000 comments with replies, read receipts, listening
progress, notifications and devices in the proportions a working province would have.

Why: a page must cost the same in a province as in the demo; only a database of that size shows
which query scans what (``bench/pages.py --database-url ... --explain``). The schema comes from
the project's migrations (``python -m handbook db upgrade``); the rows go in by COPY and
INSERT ... SELECT, never through the ORM, with foreign-key triggers off and the secondary indexes
built after the load (as pg_restore does); one argon2 hash of the demo password, computed once,
serves every member. Every member signs in with the demo's password; ``BENCH_LOGIN`` is a plain
member of a branch in the middle of the tree, whose next meeting is published and discussed.

Run: ``.venv/bin/python bench/province.py [--database-url URL] [--fresh]``. An existing,
filled database is left alone unless ``--fresh`` (drop and regenerate). Smaller trial:
``--branches 200 --members 5000 --comments 50000``.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench import province_load as load  # noqa: E402
from bench.embedded import DEMO_PASSWORD, ROOT  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/handbook_province"
#: The member bench/pages.py signs in as (password: the demo's).
BENCH_LOGIN = "0988888888"


def _admin_url(url: str) -> tuple[str, str]:
    """The server's maintenance database URL, and the name of ours."""
    base, _, name = url.rpartition("/")
    return f"{base}/postgres", name.split("?", 1)[0]


def prepare_database(url: str, fresh: bool) -> bool:
    """Create the database (dropped first with ``fresh``); False when it is already filled."""
    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            return True
    with psycopg.connect(url) as conn:
        filled = conn.execute(
            "SELECT to_regclass('users') IS NOT NULL AND EXISTS (SELECT 1 FROM users)"
        ).fetchone()
    return not (filled and filled[0])


def migrate(url: str) -> None:
    """The schema, exactly as a deployment gets it."""
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "DATABASE_URL": url, "HANDBOOK_INSTANCE": instance}
        env.pop("REDIS_URL", None)
        done = subprocess.run(
            [sys.executable, "-m", "handbook", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"db upgrade failed:\n{done.stderr[-3000:]}")


def password_hash() -> str:
    """The app's own argon2id hash of the demo password, made once for every member."""
    from handbook.accounts.passwords import hash_password

    return hash_password(DEMO_PASSWORD)


def report(url: str) -> dict[str, Any]:
    """Rows per table and the database's size on disk."""
    with psycopg.connect(url) as conn:
        rows = {
            name: count
            for name, count in conn.execute(
                "SELECT relname, n_live_tup FROM pg_stat_user_tables ORDER BY n_live_tup DESC"
            )
        }
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return {"rows": rows, "size": size.fetchone()[0]}  # type: ignore[index]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--fresh", action="store_true", help="drop the database and regenerate")
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--branches", type=int, default=2_000)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--meetings", type=int, default=24, help="per branch")
    parser.add_argument("--documents", type=int, default=10, help="per meeting")
    parser.add_argument("--comments", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()

    started = time.perf_counter()
    if not prepare_database(args.database_url, args.fresh):
        print(f"{args.database_url} is already filled (--fresh to regenerate):")
        _print_report(report(args.database_url))
        return
    migrate(args.database_url)
    shape = load.Shape(
        communes=args.communes,
        branches=args.branches,
        members=args.members,
        meetings=args.meetings,
        documents=args.documents,
        comments=args.comments,
        bench_login=BENCH_LOGIN,
        password_hash=password_hash(),
        now=datetime.now(UTC).replace(microsecond=0),
    )
    phases = load.generate(args.database_url, shape, random.Random(args.seed))
    total = time.perf_counter() - started
    print(f"generated in {total:.0f} s ({timedelta(seconds=round(total))})")
    for name, seconds in phases:
        print(f"  {name:42} {seconds:7.1f} s")
    _print_report(report(args.database_url))
    print(f"sign in as {BENCH_LOGIN} / {DEMO_PASSWORD}")


def _print_report(data: dict[str, Any]) -> None:
    print(f"database size {data['size']}")
    for name, count in data["rows"].items():
        print(f"  {name:20} {count:>12,}")


if __name__ == "__main__":
    main()
