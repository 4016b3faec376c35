"""From publishing a meeting to its push at the push service, on the real server (embedded
default: SQLite, jobs inside `serve`), for a member whose phone is subscribed and whose app is
not open. The push service is the test suite's own (`tests/pushservice.py`): it verifies the
VAPID signature and decrypts each push as a browser would.

The reference, in the same run, is the floor of the work itself: pywebpush encrypting, signing
and posting one push to the same service from this process.

Run: .venv/bin/python bench/push.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from py_vapid import Vapid  # noqa: E402
from pywebpush import webpush  # noqa: E402

from bench.embedded import demo_server  # noqa: E402
from bench.reach import _signed_in  # noqa: E402
from tests.pushservice import PushService  # noqa: E402

SUBJECT = "mailto:quantri@example.org"
MEMBER = "0912000003"
SECRETARY = "0912000001"


def _csrf(session, base: str) -> dict[str, str]:
    return {"X-CSRFToken": session.get(f"{base}/api/v1/me", timeout=30).json()["csrf_token"]}


def _wait(phone, count: int, timeout: float = 60) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(phone.delivered) >= count:
            return time.monotonic()
        time.sleep(0.002)
    raise RuntimeError("no push arrived")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    service = PushService(subject=SUBJECT, ttl=86400, hang_s=1)
    settings = {
        "PUSH_SERVICE_HOSTS": "127.0.0.1",
        "PUSH_ALLOW_HTTP": "1",
        "VAPID_SUBJECT": SUBJECT,
        "AUDIO_AUTO": "0",
    }
    try:
        with demo_server(**settings) as base:
            member = _signed_in(base)
            phone = service.browser()
            added = member.post(
                f"{base}/api/v1/push/subscriptions",
                json=phone.subscription,
                headers=_csrf(member, base),
                timeout=30,
            )
            assert added.status_code == 201, added.text
            secretary = _signed_in(base, SECRETARY)
            csrf = _csrf(secretary, base)
            branch = secretary.get(f"{base}/api/v1/me", timeout=30).json()["memberships"][0]
            org = branch["organization"]["id"]
            product = []
            for n in range(args.rounds):
                time.sleep(2)  # idle between publications, as in life
                meeting = secretary.post(
                    f"{base}/api/v1/organizations/{org}/meetings",
                    json={"title": f"Họp thử số {n + 1}", "starts_at": "2099-12-20T19:30:00+07:00"},
                    headers=csrf,
                    timeout=30,
                ).json()["id"]
                started = time.monotonic()
                answer = secretary.post(
                    f"{base}/api/v1/meetings/{meeting}/publish", json={}, headers=csrf, timeout=30
                )
                assert answer.status_code == 200, answer.text
                product.append(_wait(phone, n + 1) - started)
            assert service.problems == [], service.problems

        # The floor: the same push made and posted from here, to the same service.
        floor_phone = service.browser()
        key = Vapid()
        key.generate_keys()
        floor = []
        for n in range(args.rounds):
            started = time.monotonic()
            webpush(
                floor_phone.subscription,
                json.dumps({"title": f"Họp thử số {n + 1}", "url": "/meetings/1"}),
                vapid_private_key=key,
                vapid_claims={"sub": SUBJECT},
                ttl=86400,
                headers={"Topic": "meeting-1", "Urgency": "normal"},
            )
            floor.append(_wait(floor_phone, n + 1) - started)
    finally:
        service.close()

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"

    print(f"publish → push at the push service, {args.rounds} meetings: {ms(product)}")
    print(f"reference, pywebpush alone to the same service: {ms(floor)}")


if __name__ == "__main__":
    main()
