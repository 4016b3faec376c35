"""Telling a whole tree: a province committee publishes a meeting to every member below it.

The product's ``publish_now`` (claim, the documents told with it, the notices stored, live
pushes and Web Push queued, commit) against the floor in the same run: the same notices stored
by one bare ``INSERT … SELECT`` on the same database through the driver, no ORM, no app.
Both are measured in CPU seconds of this process (the database is SQLite, in process: its work
is ours) and by the clock, for each size, on a fresh copy of the same demo instance.

Run (from the repository root):

    .venv/bin/python bench/publish_tree.py                  # 5,000 / 20,000 / 50,000 members
    .venv/bin/python bench/publish_tree.py --members 2000   # one size

Figures: README.md, "Benchmarks".
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRANCH_SIZE = 25  # a mountain branch: 4-60 members, 25 typical


def _demo(folder: Path) -> None:
    env = {**os.environ, "HANDBOOK_INSTANCE": str(folder)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "handbook", "demo"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)


def _grow(members: int) -> tuple[int, int]:
    """Branches of ``BRANCH_SIZE`` under the demo's province, filled in bulk; returns the new
    meeting (to the whole province, due now) and its publisher."""
    import sqlalchemy as sa

    from handbook.accounts.models import User
    from handbook.core import db
    from handbook.core.timeutil import utcnow
    from handbook.meetings.models import Meeting, MeetingKind
    from handbook.orgs.models import Membership, Organization, OrgKind, Reach, Role

    root = db.session.scalars(sa.select(Organization).order_by(Organization.depth)).first()
    assert root is not None
    publisher = db.session.scalar(
        sa.select(Membership.user_id).where(Membership.organization_id == root.id)
    )
    branches: list[int] = []
    for number in range(-(-members // BRANCH_SIZE)):
        branch = Organization(
            name=f"Chi bộ thử {number}", kind=OrgKind.BRANCH, parent_id=root.id, path="", depth=0
        )
        db.session.add(branch)
        db.session.flush()
        branch.path, branch.depth = f"{root.path}{branch.id}/", root.depth + 1
        branches.append(branch.id)
    first = int(db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
    db.session.execute(
        sa.insert(User),
        [
            {"id": first + i, "phone": f"09{60000000 + i}", "full_name": f"Đảng viên {i}"}
            | {"password_hash": "x"}
            for i in range(members)
        ],
    )
    db.session.execute(
        sa.insert(Membership),
        [
            {"user_id": first + i, "organization_id": branches[i // BRANCH_SIZE]}
            | {"role": Role.MEMBER}
            for i in range(members)
        ],
    )
    meeting = Meeting(
        organization_id=root.id,
        title="Hội nghị quán triệt nghị quyết",
        kind=MeetingKind.THEMATIC,
        starts_at=utcnow() + timedelta(days=3),
        place="Hội trường tỉnh",
        reach=Reach.SUBTREE,
        publish_at=utcnow(),
        published_by_id=publisher,
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting.id, int(publisher or 0)


def _product(folder: Path, members: int) -> tuple[float, float, int]:
    os.environ["HANDBOOK_INSTANCE"] = str(folder)
    from handbook import create_app
    from handbook.meetings.publishing import publish_now

    app = create_app({"SERVER_JOB_WORKERS": 0})
    with app.app_context():
        meeting_id, _publisher = _grow(members)
        cpu, clock = time.process_time(), time.perf_counter()
        told = publish_now(meeting_id) or 0
        return time.process_time() - cpu, time.perf_counter() - clock, told


def _reference(folder: Path, members: int) -> tuple[float, float, int]:
    """The same rows, one bare statement: the floor the product is measured against."""
    os.environ["HANDBOOK_INSTANCE"] = str(folder)
    from handbook import create_app

    app = create_app({"SERVER_JOB_WORKERS": 0})
    with app.app_context():
        meeting_id, publisher = _grow(members)
    database = next(folder.glob("*.sqlite*"), None) or next(folder.rglob("*.db"))
    connection = sqlite3.connect(database)
    cpu, clock = time.process_time(), time.perf_counter()
    cursor = connection.execute(
        """INSERT INTO notifications (user_id, kind, payload, dedupe_key, created_at)
           SELECT DISTINCT m.user_id, 'meeting.published', '{}', ?, datetime('now')
           FROM memberships m JOIN organizations o ON o.id = m.organization_id
           JOIN users u ON u.id = m.user_id
           WHERE o.path LIKE '/1/%' AND u.active AND m.user_id != ?""",
        (f"meeting:{meeting_id}:published", publisher),
    )
    connection.commit()
    told = cursor.rowcount
    return time.process_time() - cpu, time.perf_counter() - clock, told


def _one(kind: str, template: Path, members: int) -> tuple[float, float, int]:
    """Run one measurement in a child process, on a fresh copy of the demo instance."""
    with tempfile.TemporaryDirectory() as folder:
        shutil.copytree(template, folder, dirs_exist_ok=True)
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, folder, str(members)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    return float(out[-3]), float(out[-2]), int(out[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, action="append")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, folder, members = args.child
        sys.path.insert(0, str(ROOT))
        measure = _product if kind == "product" else _reference
        cpu, clock, told = measure(Path(folder), int(members))
        print(f"{cpu:.4f} {clock:.4f} {told}")
        return
    sizes = args.members or [5_000, 20_000, 50_000]
    with tempfile.TemporaryDirectory() as template:
        _demo(Path(template))
        print(
            f"{'members':>8} {'told':>7} {'product CPU s':>14} {'clock s':>8} "
            f"{'reference CPU s':>16} {'clock s':>8} {'ratio':>6}"
        )
        for size in sizes:
            runs: dict[str, list[tuple[float, float, int]]] = {"product": [], "reference": []}
            for _ in range(args.rounds):  # interleaved: the machine's load hits both alike
                for kind in runs:
                    runs[kind].append(_one(kind, Path(template), size))
            product = sorted(runs["product"])[len(runs["product"]) // 2]
            reference = sorted(runs["reference"])[len(runs["reference"]) // 2]
            print(
                f"{size:>8} {product[2]:>7} {product[0]:>14.3f} {product[1]:>8.3f} "
                f"{reference[0]:>16.3f} {reference[1]:>8.3f} {product[0] / reference[0]:>6.1f}"
            )


if __name__ == "__main__":
    main()
