"""Participation across meetings and branches on PostgreSQL (issue #14 item 5): a commune of
2,500 members in 90 branches, each branch with 12 monthly meetings of 2 documents, and the
traces a working commune leaves (readings, some only opened; listening; comments; check-ins).

Times the committee's side-by-side view (every branch, the quarter's 3 meetings and all 12)
both ways in the same run: counted by the database (``participation.totals``, what the page
uses) and from every member's cells in Python (``overview.grid``, what it used before and the
branch page still uses), after checking that both give the same numbers; the whole committee
page through the test client; one branch's view (12 meetings); and a reference,
``SELECT count(*)`` over the same trace rows. The cases take turns round by round, so a burst
of other load on the machine falls on all of them. Median and p95 over rounds, in
milliseconds, with the load average before and after.

Run: ``nice -n 10 .venv/bin/python bench/participation.py [--database-url URL] [--rounds 30]``.
It builds its own schema (``bench_participation``) in the database given (default: the test
database at 127.0.0.1:5432), and drops it at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402

from handbook import create_app  # noqa: E402
from handbook.attendance.models import Attendance, AttendanceSheet, Mark  # noqa: E402
from handbook.audio.models import ListenProgress  # noqa: E402
from handbook.comments.models import Comment  # noqa: E402
from handbook.core import db  # noqa: E402
from handbook.core.config import TestConfig  # noqa: E402
from handbook.documents.models import Document, DocumentStatus, ReadReceipt  # noqa: E402
from handbook.meetings.models import Meeting  # noqa: E402
from handbook.orgs.models import Membership, Organization, OrgKind, Role  # noqa: E402
from handbook.participation.models import ReadingPosition  # noqa: E402
from handbook.participation.overview import (  # noqa: E402
    MARKS,
    Quarter,
    Span,
    _traces,
    branches_below,
    grid,
)
from handbook.participation.totals import totals  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_participation"
BRANCHES, MEMBERS, MEETINGS, DOCS = 90, 2500, 12, 2
YEAR = 2025


def _build(rng: random.Random) -> None:
    """The commune and its traces, by bulk INSERTs (the ORM's executemany, no objects)."""
    s = db.session
    s.execute(
        sa.insert(Organization),
        [
            {"id": 1, "name": "Tỉnh Bench", "kind": OrgKind.PROVINCE, "path": "/1/", "depth": 0},
            {"id": 2, "name": "Xã Bench", "kind": OrgKind.COMMUNE, "path": "/1/2/", "depth": 1},
            {"id": 3, "name": "Xã Bên Cạnh", "kind": OrgKind.COMMUNE, "path": "/1/3/", "depth": 1},
        ]
        + [
            {
                "id": 10 + b,
                "name": f"Chi bộ số {b + 1:02d}",
                "kind": OrgKind.BRANCH,
                "parent_id": 2,
                "path": f"/1/2/{10 + b}/",
                "depth": 2,
            }
            for b in range(BRANCHES)
        ],
    )
    from handbook.accounts.models import User

    s.execute(
        sa.insert(User),
        [
            {
                "id": u + 1,
                "full_name": f"Đảng viên {u + 1}",
                "password_hash": "x",
                "phone": f"09{u + 1:08d}",
            }
            for u in range(MEMBERS)
        ],
    )
    branch_of = {u + 1: 10 + u % BRANCHES for u in range(MEMBERS)}
    secretary = {10 + b: b + 1 for b in range(BRANCHES)}
    s.execute(
        sa.insert(Membership),
        [
            {
                "user_id": uid,
                "organization_id": org,
                "role": Role.SECRETARY if secretary[org] == uid else Role.MEMBER,
            }
            for uid, org in branch_of.items()
        ],
    )
    meetings, documents = [], []
    for b in range(BRANCHES):
        org = 10 + b
        for month in range(1, MEETINGS + 1):
            mid = len(meetings) + 1
            starts = datetime(YEAR, month, 10, 12, 30, tzinfo=UTC)
            meetings.append(
                {
                    "id": mid,
                    "organization_id": org,
                    "title": f"Sinh hoạt tháng {month}",
                    "starts_at": starts,
                    "publish_at": starts - timedelta(days=7),
                    "notified_at": starts - timedelta(days=7),
                    "published_by_id": secretary[org],
                }
            )
            for _ in range(DOCS):
                documents.append(
                    {
                        "id": len(documents) + 1,
                        "organization_id": org,
                        "meeting_id": mid,
                        "title": "Tài liệu",
                        "filename": "t.txt",
                        "kind": "txt",
                        "blob_sha256": "0" * 64,
                        "size": 1,
                        "status": DocumentStatus.READY,
                        "publish_at": starts - timedelta(days=7),
                        "created_by_id": secretary[org],
                    }
                )
    s.execute(sa.insert(Meeting), meetings)
    s.execute(sa.insert(Document), documents)
    members_of: dict[int, list[int]] = {}
    for uid, org in branch_of.items():
        members_of.setdefault(org, []).append(uid)
    receipts, positions, listens, comments, sheets, attendance = [], [], [], [], [], []
    docs_of: dict[int, list[int]] = {}
    for d in documents:
        docs_of.setdefault(d["meeting_id"], []).append(d["id"])
    for m in meetings:
        seen = m["starts_at"] - timedelta(days=1)
        checked = rng.random() < 0.8
        if checked:
            sheets.append({"meeting_id": m["id"], "closed_at": m["starts_at"]})
        for uid in members_of[m["organization_id"]]:
            for doc in docs_of[m["id"]]:
                roll = rng.random()
                if roll < 0.75:  # opened
                    receipts.append({"user_id": uid, "document_id": doc})
                    read = roll < 0.55
                    positions.append(
                        {
                            "user_id": uid,
                            "document_id": doc,
                            "paragraph": 40 if read else 3,
                            "text_version": "v1",
                            "seen_at": seen,
                            "read_at": seen if read else None,
                        }
                    )
                if rng.random() < 0.3:
                    done = rng.random() < 0.8
                    listens.append(
                        {
                            "user_id": uid,
                            "document_id": doc,
                            "heard": 300.0 if done else 60.0,
                            "completed_at": seen if done else None,
                        }
                    )
            for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
                comments.append(
                    {
                        "meeting_id": m["id"],
                        "document_id": rng.choice(docs_of[m["id"]]),
                        "author_id": uid,
                        "client_id": f"b{len(comments)}",
                        "body": "Tôi đồng ý với dự thảo.",
                    }
                )
            if checked:
                mark = rng.choices(
                    [Mark.PRESENT, Mark.LATE, Mark.ONLINE, Mark.EXCUSED, Mark.ABSENT],
                    [80, 5, 5, 6, 4],
                )[0]
                attendance.append({"meeting_id": m["id"], "user_id": uid, "mark": mark})
    s.execute(sa.insert(ReadReceipt), receipts)
    s.execute(sa.insert(ReadingPosition), positions)
    s.execute(sa.insert(ListenProgress), listens)
    s.execute(sa.insert(Comment), comments)
    s.execute(sa.insert(AttendanceSheet), sheets)
    s.execute(sa.insert(Attendance), attendance)
    s.commit()
    s.execute(sa.text("ANALYZE"))
    s.commit()
    print(
        f"built: {MEMBERS} members, {BRANCHES} branches, {len(meetings)} meetings, "
        f"{len(documents)} documents, {len(receipts)} opened, {len(positions)} positions, "
        f"{len(listens)} listening, {len(comments)} comments, {len(attendance)} check-ins"
    )


def _time(cases: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Every case once per round, in an order that turns each round."""
    names = list(cases)
    took: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # warm: the statements' plans, the pages in PostgreSQL's cache
        cases[name]()
        db.session.rollback()
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            db.session.expire_all()
            start = time.perf_counter()
            cases[name]()
            took[name].append((time.perf_counter() - start) * 1000)
            db.session.rollback()
    return took


def _same(branch_ids: list[int], span: Quarter | Span) -> None:
    """The database's totals are the cells' totals, branch by branch."""
    cells, counted = grid(branch_ids, span), totals(branch_ids, span)
    assert counted.per_branch == cells.per_branch, "per branch"
    assert counted.total == cells.total, "total"
    assert counted.member_count == len(cells.members)
    assert counted.meeting_count == len(cells.meetings)


def _page(app: Flask, span: Quarter) -> Callable[[], object]:
    """The committee's page, signed in as a committee officer of the commune."""
    from handbook.accounts.models import User
    from handbook.accounts.passwords import hash_password

    password = secrets.token_urlsafe()
    officer = User(id=MEMBERS + 1, full_name="Cấp ủy Bench", username="bench-cap-uy")
    officer.password_hash = hash_password(password)
    db.session.add(officer)
    db.session.flush()
    db.session.add(Membership(user_id=officer.id, organization_id=2, role=Role.COMMITTEE))
    db.session.commit()
    client = app.test_client()
    answer = client.post("/login", data={"login": "bench-cap-uy", "password": password})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    url = f"/org/2/participation/branches?quarter={span}"

    def get() -> object:
        with app.app_context():
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    return get


def _reference() -> int:
    """The same trace rows, only counted: what reading them at all costs here."""
    return int(
        db.session.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM reading_positions WHERE read_at IS NOT NULL)"
                " + (SELECT count(*) FROM listen_progress WHERE completed_at IS NOT NULL)"
                " + (SELECT count(*) FROM comments) + (SELECT count(*) FROM attendances)"
            )
        ).scalar_one()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="leave the schema for EXPLAIN")
    args = parser.parse_args()
    admin = sa.create_engine(args.database_url.replace("postgresql://", "postgresql+psycopg://"))
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{SCHEMA}"'))
    sep = "&" if "?" in args.database_url else "?"
    url = f"{args.database_url}{sep}options=-csearch_path%3D{SCHEMA}"
    try:
        db.upgrade(url)
        with tempfile.TemporaryDirectory() as instance:
            config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
            config.update(DATABASE_URL=url, INSTANCE_PATH=instance)
            app = create_app(config)
            with app.app_context():
                _build(random.Random(14))
                commune = db.session.get(Organization, 2)
                assert commune is not None
                branch_ids = [b.id for b in branches_below(commune)]
                assert len(branch_ids) == BRANCHES
                quarter, year = (
                    Quarter(YEAR, 4),
                    Span(Quarter(YEAR, 1).starts, Quarter(YEAR + 1, 1).starts),
                )
                whole = grid(branch_ids, year)
                rates = ", ".join(f"{label} {whole.total.percent(name)}" for name, label in MARKS)
                print(
                    f"year: {len(whole.members)} members × {len(whole.meetings)} meetings; {rates}"
                )
                for span in (quarter, year):
                    _same(branch_ids, span)
                print("the database's totals equal the cells' totals (a quarter, the year)")
                cases = {
                    "reference: SELECT count(*) over the trace rows": _reference,
                    "committee view, a quarter (270 meetings), counted in SQL": lambda: totals(
                        branch_ids, quarter
                    ),
                    "committee view, a quarter, from the cells (before)": lambda: grid(
                        branch_ids, quarter
                    ),
                    "committee view, 12 meetings (1,080), counted in SQL": lambda: totals(
                        branch_ids, year
                    ),
                    "committee view, 12 meetings, from the cells (before)": lambda: grid(
                        branch_ids, year
                    ),
                    "of which the cells' seven trace queries, 12 meetings": lambda: _traces(
                        sa.select(Meeting.id).where(Meeting.organization_id.in_(branch_ids)),
                        datetime.now(UTC),
                    ),
                    "committee page, a quarter, whole request (test client)": _page(app, quarter),
                    "branch view, 28 members, 12 meetings (cells)": lambda: grid(
                        branch_ids[:1], year
                    ),
                }
                load = os.getloadavg()
                took = _time(cases, args.rounds)
                after = os.getloadavg()
                for name, times in took.items():
                    times.sort()
                    median = statistics.median(times)
                    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
                    print(f"{name}: median {median:.1f} ms, p95 {p95:.1f} ms")
                print(
                    f"{args.rounds} rounds; load average (1, 5, 15 min) before "
                    f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, after "
                    f"{after[0]:.2f} {after[1]:.2f} {after[2]:.2f}"
                )
            app.extensions["handbook.engine"].dispose()
    finally:
        if not args.keep:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
