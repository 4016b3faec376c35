"""Sign-in and import costs: argon2id per profile, and member import rows per second.

Run: .venv/bin/python bench/accounts.py [--rows 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handbook import create_app  # noqa: E402
from handbook.accounts import passwords  # noqa: E402
from handbook.core import db
from handbook.core.config import TestConfig  # noqa: E402
from handbook.orgs.member_import import import_members  # noqa: E402
from handbook.orgs.models import OrgKind  # noqa: E402
from handbook.orgs.operations import create_organization  # noqa: E402


def _ms(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()

    strong = passwords.hash_password("mot-mat-khau-rat-dai")
    rows = [
        ("hash, chosen password (argon2id m=19MiB t=2)", lambda: passwords.hash_password("x" * 12)),
        (
            "hash, one-time password (m=8MiB t=1)",
            lambda: passwords.hash_one_time_password("x" * 12),
        ),
        ("verify at sign-in", lambda: passwords.verify_password(strong, "mot-mat-khau-rat-dai")),
    ]
    for label, fn in rows:
        median, worst = _ms(fn, 20)
        print(f"{label:48s} median {median:6.1f} ms   max {worst:6.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
        url = f"sqlite:///{tmp}/bench.db"
        config.update(DATABASE_URL=url, INSTANCE_PATH=tmp)
        db.upgrade(url)
        app = create_app(config)
        with app.app_context():
            province = create_organization("Tỉnh Đo", OrgKind.PROVINCE, None)
            branch = create_organization("Chi bộ Đo", OrgKind.BRANCH, province)
            csv = "Số điện thoại,Họ và tên\n" + "".join(
                f"098{i:07d},Đảng viên số {i}\n" for i in range(args.rows)
            )
            start = time.perf_counter()
            result = import_members(csv.encode(), branch, actor=None, max_rows=10_000)
            db.session.commit()
            elapsed = time.perf_counter() - start
        assert result.ok and len(result.created) == args.rows
        rate = args.rows / elapsed
        print(
            f"member import, {args.rows} rows (SQLite){'':17s} {elapsed:6.1f} s   "
            f"{rate:6.0f} rows/s   (10,000 rows ≈ {10_000 / rate:.0f} s)"
        )


if __name__ == "__main__":
    main()
