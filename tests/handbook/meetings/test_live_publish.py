"""Scheduled publication on the real server: its job scheduler fires at the chosen time and a
member's real Socket.IO client is told once, never before that time."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import requests
import socketio

from handbook.core.timeutil import utcnow
from handbook.demo import DEMO_PASSWORD


def _session(base: str, login: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = session.post(
        f"{base}/login",
        data={"login": login, "password": DEMO_PASSWORD, "csrf_token": token},
        timeout=60,
    )
    assert not response.url.endswith("/login"), f"sign-in refused for {login}"
    return session


def test_a_scheduled_meeting_reaches_a_connected_member_at_its_time(live_server: str) -> None:
    member = _session(live_server, "0912000013")
    heard: list[tuple[datetime, dict]] = []
    arrived = threading.Event()
    client = socketio.Client(reconnection=False)

    @client.on("notification")
    def _notification(data: dict) -> None:
        heard.append((utcnow(), data))
        arrived.set()

    client.connect(
        live_server,
        # Strong session protection ties the session to its browser: same cookie, same agent.
        headers={
            "Cookie": f"session={member.cookies['session']}",
            "User-Agent": member.headers["User-Agent"],
        },
        transports=["websocket"],
        wait_timeout=20,
    )
    try:
        secretary = _session(live_server, "0912000011")
        me = secretary.get(f"{live_server}/api/v1/me", timeout=30).json()
        csrf = {"X-CSRFToken": me["csrf_token"]}
        branch = me["memberships"][0]["organization"]["id"]
        meeting = secretary.post(
            f"{live_server}/api/v1/organizations/{branch}/meetings",
            json={
                "title": "Họp chi bộ hẹn giờ công bố",
                "starts_at": (utcnow() + timedelta(days=3)).isoformat(),
            },
            headers=csrf,
            timeout=30,
        ).json()
        publish_at = utcnow() + timedelta(seconds=3)
        published = secretary.post(
            f"{live_server}/api/v1/meetings/{meeting['id']}/publish",
            json={"publish_at": publish_at.isoformat()},
            headers=csrf,
            timeout=30,
        )
        assert published.status_code == 200, published.text
        assert published.json()["published"] is False  # scheduled, not yet out

        assert arrived.wait(timeout=60), "the member was never told"
        when, data = next((w, d) for w, d in heard if d.get("meeting") == meeting["id"])
        assert data["kind"] == "meeting.published"
        assert data["title"] == "Họp chi bộ hẹn giờ công bố"
        assert when >= publish_at  # never before the chosen time
    finally:
        client.disconnect()
    stored = member.get(f"{live_server}/api/v1/notifications", timeout=30).json()["notifications"]
    mine = [n for n in stored if n["payload"].get("meeting") == meeting["id"]]
    assert len(mine) == 1
