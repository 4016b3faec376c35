"""Every SQL statement a page issues, with PostgreSQL's ``EXPLAIN (ANALYZE, BUFFERS)`` of each,
for ``bench/pages.py --explain`` (issue #12 item 8: a page's cost must not grow with the rest of
the database, so each of its queries needs an index).

Why in-process: a bench-side app (the project's ``create_app`` on the same database) with a
``before_cursor_execute`` listener sees each statement and its parameters exactly as the driver
gets them, without touching the server's configuration (``auto_explain`` would). Each page is
visited twice as the signed-in member, through Flask's test client; the second visit is the
steady state wrk measures (caches warm, the read receipt already there), and any statement only
the first visit made is listed apart. Each statement is then explained on its own connection
inside a transaction that is rolled back, so the UPDATEs and INSERTs a page makes change nothing.

Flags: a sequential scan on a table with more than ``BIG_TABLE_ROWS`` rows, a scan that returns
more than ``FILTERED_ROWS`` rows (a page shows a few dozen things: more means an index that
does not narrow enough), and any node that threw away more than ``FILTERED_ROWS`` rows after
reading them.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from typing import Any

#: A sequential scan on a table this large makes a page's cost grow with the database.
BIG_TABLE_ROWS = 10_000
#: Rows one scan returns, or reads and throws away: an index that does not fit the query.
FILTERED_ROWS = 1_000
_SKIP = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK|COMMIT|BEGIN|SET|SHOW)\b", re.I)


def _sign_in(client: Any, login: str) -> None:
    from bench.embedded import DEMO_PASSWORD

    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token, "no CSRF token on the sign-in form"
    answer = client.post(
        "/login",
        data={"login": login, "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
    )
    if answer.status_code != 302 or answer.headers.get("Location", "").endswith("/login"):
        raise RuntimeError(f"sign-in refused for {login}")


def capture(database_url: str, login: str, paths: list[str]) -> dict[str, dict[str, Any]]:
    """For each path: the statements of the first and of the second visit."""
    import sqlalchemy as sa

    with tempfile.TemporaryDirectory() as instance:
        os.environ["HANDBOOK_INSTANCE"] = instance
        from handbook import create_app

        app = create_app(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": None,
                "SERVER_JOB_WORKERS": 0,
                "LOGIN_RATE_LIMIT": "1000 per minute",
            }
        )
        engine: sa.Engine = app.extensions["handbook.engine"]
        seen: list[tuple[str, Any]] | None = None

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _seen(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
            if seen is not None:
                seen.append((statement, params))

        client = app.test_client()
        _sign_in(client, login)
        pages: dict[str, dict[str, Any]] = {}
        for path in paths:
            visits = []
            for _ in range(2):
                seen = []
                answer = client.get(path, headers={"Accept-Encoding": "gzip, br"})
                if answer.status_code != 200:
                    raise RuntimeError(f"{path}: {answer.status_code}")
                visits.append(seen)
                seen = None
            pages[path] = {"first": visits[0], "steady": visits[1]}
        engine.dispose()
        return pages


def _plan_flags(plan: list[str], sizes: dict[str, float]) -> list[str]:
    flags = []
    for line in plan:
        scan = re.search(r"Seq Scan on (\w+)", line)
        if scan and sizes.get(scan.group(1), 0) > BIG_TABLE_ROWS:
            rows = sizes[scan.group(1)]
            flags.append(f"Seq Scan on {scan.group(1)} ({rows:,.0f} rows)")
        read = re.search(
            r"((?:[A-Z]\w* )*Scan(?: using \S+)?(?: on \S+)?).*"
            r"\(actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)",
            line,
        )
        if read and int(read.group(2)) * int(read.group(3)) > FILTERED_ROWS:
            rows = int(read.group(2)) * int(read.group(3))
            flags.append(f"{read.group(1)} returns {rows:,} rows")
        removed = re.search(r"Rows Removed by (Filter|Index Recheck|Join Filter): (\d+)", line)
        if removed and int(removed.group(2)) > FILTERED_ROWS:
            flags.append(f"{int(removed.group(2)):,} rows removed by {removed.group(1).lower()}")
    return flags


def explain(database_url: str, login: str, paths: list[str]) -> dict[str, Any]:
    """Capture each page's statements and explain those of its steady state."""
    import sqlalchemy as sa

    pages = capture(database_url, login, paths)
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    out: dict[str, Any] = {"big_table_rows": BIG_TABLE_ROWS, "pages": {}}
    with engine.connect() as conn:
        sizes = {
            name: float(rows)
            for name, rows in conn.exec_driver_sql(
                "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'"
                " AND relnamespace = 'public'::regnamespace"
            )
        }
        conn.rollback()
        out["table_rows"] = {k: int(v) for k, v in sorted(sizes.items()) if v > 0}
        for path, visits in pages.items():
            steady_sql = Counter(s for s, _ in visits["steady"])
            first_only = [
                s for s, _ in visits["first"] if steady_sql[s] == 0 and not _SKIP.match(s)
            ]
            statements = []
            for statement, params in visits["steady"]:
                entry: dict[str, Any] = {"sql": " ".join(statement.split()), "params": params}
                if not _SKIP.match(statement):
                    transaction = conn.begin()
                    try:
                        rows = conn.exec_driver_sql(
                            "EXPLAIN (ANALYZE, BUFFERS) " + statement, params
                        ).fetchall()
                    finally:
                        transaction.rollback()
                    plan = [r[0] for r in rows]
                    entry["plan"] = plan
                    entry["flags"] = _plan_flags(plan, sizes)
                    timing = re.search(r"Execution Time: ([\d.]+) ms", "\n".join(plan))
                    entry["execution_ms"] = float(timing.group(1)) if timing else None
                statements.append(entry)
            repeated = {s: n for s, n in steady_sql.items() if n > 1 and not _SKIP.match(s)}
            out["pages"][path] = {
                "statements": statements,
                "count": len(statements),
                "execution_ms": round(sum(s.get("execution_ms") or 0 for s in statements), 3),
                "repeated": [{"sql": " ".join(s.split()), "times": n} for s, n in repeated.items()],
                "first_visit_only": [" ".join(s.split()) for s in first_only],
            }
    engine.dispose()
    return out


def _short(sql: str, width: int = 400) -> str:
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def print_explain(report: dict[str, Any]) -> None:
    print("\nEXPLAIN (ANALYZE, BUFFERS) of every statement of each page (the second visit)")
    rows = report["table_rows"]
    print("  tables: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    flagged: list[str] = []
    for path, page in report["pages"].items():
        print(
            f"\n== {path}: {page['count']} statements, "
            f"{page['execution_ms']:.2f} ms executing in PostgreSQL =="
        )
        for number, statement in enumerate(page["statements"], 1):
            ms = statement.get("execution_ms")
            timing = f"{ms:.3f} ms" if ms is not None else "-"
            print(f"\n [{number}] {timing}  {_short(statement['sql'])}")
            if statement["params"]:
                print(f"     params: {_short(repr(statement['params']), 200)}")
            for line in statement.get("plan", []):
                print(f"       {line}")
            for flag in statement.get("flags", []):
                print(f"     !! {flag}")
                flagged.append(f"{path} [{number}]: {flag}")
        for repeated in page["repeated"]:
            print(f"\n  repeated {repeated['times']}×: {_short(repeated['sql'], 200)}")
        for sql in page["first_visit_only"]:
            print(f"\n  first visit only: {_short(sql, 200)}")
    print("\nflags:" if flagged else "\nno sequential scan on a big table, no large filter")
    for flag in flagged:
        print(f"  {flag}")
