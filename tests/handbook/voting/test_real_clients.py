"""Votes on the real server (``python -m handbook serve``) with real python-socketio clients:
a ballot acked over the network, the room told of progress and of the result, and a phone that
lost the network mid-vote sending its kept ballot when back, after the vote closed: told so,
and counted for nothing."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import requests
import socketio

from handbook.core.timeutil import utcnow
from tests.helpers import demo_session

pytestmark = pytest.mark.timeout(240)

SECRETARY, LAN, PAO = "0912000011", "0912000012", "0912000013"


class Phone:
    """A member's real Socket.IO client, keeping what the server pushes."""

    def __init__(self, base: str, session: requests.Session) -> None:
        self.heard: list[tuple[str, dict[str, Any]]] = []
        self.arrived = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        for event in ("vote.opened", "vote.progress", "vote.closed"):
            self.client.on(event, self._keep(event))
        self.client.connect(
            base,
            transports=["websocket"],
            wait_timeout=20,
            headers={
                "Cookie": f"session={session.cookies['session']}",
                "User-Agent": session.headers["User-Agent"],
            },
        )

    def _keep(self, event: str) -> Any:
        def keep(data: dict[str, Any]) -> None:
            with self.arrived:
                self.heard.append((event, data))
                self.arrived.notify_all()

        return keep

    def wait_for(self, event: str, vote: int, test: Any = lambda d: True) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            for name, data in self.heard:
                if name == event and _vote_id(data) == vote and test(data):
                    return data
            return None

        with self.arrived:
            assert self.arrived.wait_for(lambda: found() is not None, timeout=30), self.heard
        result = found()
        assert result is not None
        return result

    def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        return dict(self.client.call(event, data, timeout=30))

    def close(self) -> None:
        self.client.shutdown()


def _vote_id(data: dict[str, Any]) -> int:
    vote = data["vote"]
    return int(vote["id"] if isinstance(vote, dict) else vote)


class Api:
    def __init__(self, base: str, login: str) -> None:
        self.base, self.session = base, demo_session(base, login)
        me = self.session.get(f"{base}/api/v1/me", timeout=30).json()
        self.me = me
        self.session.headers["X-CSRFToken"] = me["csrf_token"]

    def __call__(self, method: str, path: str, **json: Any) -> requests.Response:
        return self.session.request(method, f"{self.base}/api/v1{path}", json=json, timeout=60)


def test_real_clients_vote_and_a_late_ballot_is_told_the_vote_closed(live_server: str) -> None:
    secretary, lan, pao = (Api(live_server, who) for who in (SECRETARY, LAN, PAO))
    branch = secretary.me["memberships"][0]["organization"]["id"]
    meeting = secretary(
        "POST",
        f"/organizations/{branch}/meetings",
        title="Họp chi bộ biểu quyết qua mạng",
        starts_at=(utcnow() + timedelta(hours=1)).isoformat(),
        agenda=["Thông qua nghị quyết"],
    ).json()
    assert secretary("POST", f"/meetings/{meeting['id']}/publish").status_code == 200
    assert secretary("POST", f"/meetings/{meeting['id']}/attendance/open", self_check_in=True).ok
    for member in (secretary, lan, pao):
        assert member("POST", f"/meetings/{meeting['id']}/check-in").status_code == 200
    vote = secretary(
        "POST", f"/meetings/{meeting['id']}/votes", title="Nghị quyết quý I", secret=True
    ).json()
    yes = vote["options"][0]["id"]

    lan_phone, pao_phone = Phone(live_server, lan.session), Phone(live_server, pao.session)
    try:
        for phone in (lan_phone, pao_phone):
            assert phone.call("vote.join", {"meeting": meeting["id"]})["ok"]
        opened = secretary("POST", f"/votes/{vote['id']}/open", version=vote["version"]).json()
        lan_phone.wait_for("vote.opened", vote["id"])

        ballot = {"vote": vote["id"], "option": yes, "client_id": "pao-real-ballot-1"}
        ack = pao_phone.call("vote.cast", ballot)
        assert ack["ok"] and ack["created"] is True and ack["vote"]["mine"]["option"] is None
        assert pao_phone.call("vote.cast", ballot)["created"] is False  # sent again: the same
        progress = lan_phone.wait_for("vote.progress", vote["id"])
        assert (progress["cast"], progress["eligible"]) == (1, 3)

        # Lan taps "Tán thành" as her network goes: the phone keeps the ballot ...
        kept = {"vote": vote["id"], "option": yes, "client_id": "lan-kept-ballot"}
        lan_phone.close()
        # ... the secretary closes meanwhile ...
        closed = secretary("POST", f"/votes/{vote['id']}/close", version=opened["version"])
        assert closed.status_code == 200, closed.text
        result = pao_phone.wait_for("vote.closed", vote["id"])["vote"]["result"]
        assert result["verdict"] == (
            "Không thông qua: 1/3 đảng viên chính thức được triệu tập tán thành, cần 2 "
            "(trên một nửa)."
        )
        # ... and when she is back the ballot goes, once, and she is told.
        lan_phone = Phone(live_server, lan.session)
        late = lan_phone.call("vote.cast", kept)
        assert late == {
            "ok": False,
            "status": 409,
            "error": "Biểu quyết đã kết thúc trước khi phiếu của đồng chí được gửi.",
        }
        resync = lan_phone.call("vote.join", {"meeting": meeting["id"]})
        [state] = resync["votes"]
        assert state["status"] == "closed" and state["result"] == result
        assert state["mine"]["voted"] is False
    finally:
        lan_phone.close()
        pao_phone.close()
    final = secretary("GET", f"/votes/{vote['id']}/result").json()
    assert final["cast"] == 1 and final == result
