"""Votes over Socket.IO (the app's test client, on SQLite and PostgreSQL): joining answers the
state for a resync, a ballot is acked by the same service as the API, and the room is told of
openings, progress (a count only) and the result."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import socket_for
from tests.handbook.voting.conftest import Hall, tallies

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _events(client: Any, name: str) -> list[dict[str, Any]]:
    return [e["args"][0] for e in client.get_received() if e["name"] == name]


def test_join_answers_the_state_and_the_room_hears_each_change(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai", "quang")
    desk = socket_for(hall.app, hall.tree.secretary_b1)
    phone = socket_for(hall.app, hall.user("mai"))
    draft = hall.new_vote(title="Chưa mở")
    joined = phone.emit("vote.join", {"meeting": hall.meeting.id}, callback=True)
    assert joined == {"ok": True, "meeting": hall.meeting.id, "votes": []}  # no drafts for her
    at_desk = desk.emit("vote.join", {"meeting": hall.meeting.id}, callback=True)
    assert [v["title"] for v in at_desk["votes"]] == ["Chưa mở"]

    assert hall.act(draft["id"], "open").status_code == 200
    [opened] = _events(phone, "vote.opened")
    assert opened["vote"]["status"] == "open" and opened["vote"]["result"] is None

    ack = phone.emit(
        "vote.cast",
        {"vote": draft["id"], "option": draft["options"][0]["id"], "client_id": "mai-socket-1"},
        callback=True,
    )
    assert ack["ok"] and ack["created"] is True
    assert (ack["vote"]["cast"], ack["vote"]["mine"]["voted"]) == (1, True)
    [progress] = _events(desk, "vote.progress")
    assert progress == {"meeting": hall.meeting.id, "vote": draft["id"], "cast": 1, "eligible": 3}

    # The same ballot again (the ack was lost): answered as the first, counted once.
    again = phone.emit(
        "vote.cast",
        {"vote": draft["id"], "option": draft["options"][1]["id"], "client_id": "mai-socket-1"},
        callback=True,
    )
    assert again["ok"] and again["created"] is False
    # Another tab: refused.
    other = phone.emit(
        "vote.cast",
        {"vote": draft["id"], "option": draft["options"][1]["id"], "client_id": "mai-socket-2"},
        callback=True,
    )
    assert other == {"ok": False, "status": 409, "error": "Đồng chí đã biểu quyết."}
    assert tallies(draft["id"])["Tán thành"] == 1

    assert hall.act(draft["id"], "close").status_code == 200
    [closed] = _events(phone, "vote.closed")
    assert closed["vote"]["result"]["verdict"].startswith("Không thông qua: 1/4")

    # A phone back after a while joins again and is whole: the result is in the answer.
    rejoined = phone.emit("vote.join", {"meeting": hall.meeting.id}, callback=True)
    [state] = rejoined["votes"]
    assert state["status"] == "closed" and state["result"]["cast"] == 1
    assert state["mine"]["voted"] is True


def test_socket_refusals_say_why(hall: Hall) -> None:
    hall.standing("quang", standing="probationary")
    hall.open_check_in()
    hall.check_in("secretary", "quang")
    vote = hall.opened()
    option = vote["options"][0]["id"]
    probationary = socket_for(hall.app, hall.user("quang"))
    refused = probationary.emit(
        "vote.cast",
        {"vote": vote["id"], "option": option, "client_id": "quang-sock-1"},
        callback=True,
    )
    assert refused == {
        "ok": False,
        "status": 403,
        "error": "Đảng viên dự bị không biểu quyết (Điều lệ Đảng, Điều 5).",
    }
    outsider = socket_for(hall.app, hall.tree.member_b3)
    for event, data in (
        ("vote.join", {"meeting": hall.meeting.id}),
        ("vote.cast", {"vote": vote["id"], "option": option, "client_id": "outsider-1"}),
    ):
        answer = outsider.emit(event, data, callback=True)
        assert (answer["ok"], answer["status"]) == (False, 404), answer
    assert outsider.get_received() == []
    for bad in (None, [], {"meeting": "1"}, {"meeting": 2**40}, {"vote": True}):
        answer = probationary.emit("vote.join", bad, callback=True)
        assert (answer["ok"], answer["status"]) == (False, 400), (bad, answer)
    assert tallies(vote["id"]) == {"Tán thành": 0, "Không tán thành": 0, "Không biểu quyết": 0}
