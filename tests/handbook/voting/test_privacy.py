"""A secret ballot keeps no link between a member and a choice, and no vote shows a tally before
it closes: every voting route, API answer, socket message and log line is read here, as the
secretary (who sees the most) and as members, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.voting.models import Voter
from tests.conftest import socket_for
from tests.handbook.voting.conftest import Hall, tallies, voters
from tests.helpers import response_text

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

HILL, RIVER = "Phương án Đồi Thông", "Phương án Bãi Sông"


def _pairs(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, value) in a JSON answer, however deep."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from _pairs(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _pairs(v, key)


def _no_tally(answer: Any) -> None:
    """Nothing in the answer counts a choice: no tally, no result, no hand counts."""
    for key, value in _pairs(answer):
        assert key not in {"tally", "tallies", "count"}, (key, answer)
        if key in {"result", "hand_counts"}:
            assert value is None, (key, answer)


def _voters_section(page: str) -> str:
    return page.split('id="voters-title"', 1)[1].split("</section>", 1)[0]


def _everything(hall: Hall, vote_id: int) -> dict[str, Any]:
    """Every voting route and API answer about the vote, as the secretary reads it."""
    api = {
        path: hall.secretary.get(f"/api/v1{path}")
        for path in (
            f"/meetings/{hall.meeting.id}/votes",
            f"/votes/{vote_id}",
            f"/votes/{vote_id}/voters",
            f"/votes/{vote_id}/result",
        )
    }
    pages = {
        path: response_text(hall.secretary.get(path))
        for path in (
            f"/meetings/{hall.meeting.id}/votes",
            f"/votes/{vote_id}",
            f"/meetings/{hall.meeting.id}",
        )
    }
    return {"api": api, "pages": pages}


def test_no_route_socket_or_log_links_a_member_to_a_secret_choice(
    hall: Hall, caplog: pytest.LogCaptureFixture
) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai", "quang", "hoa")
    vote = hall.opened(kind="options", options=[HILL, RIVER], secret=True)
    ids = {o["label"]: o["id"] for o in vote["options"]}
    desk = socket_for(hall.app, hall.tree.secretary_b1)
    assert desk.emit("vote.join", {"meeting": hall.meeting.id}, callback=True)["ok"]
    phone = socket_for(hall.app, hall.user("quang"))
    assert phone.emit("vote.join", {"meeting": hall.meeting.id}, callback=True)["ok"]
    desk.get_received()

    caplog.set_level(logging.DEBUG)
    caplog.clear()
    # Three ways in: the API, the socket, the page's form.
    assert hall.cast("mai", vote, HILL).status_code == 201
    ack = phone.emit(
        "vote.cast",
        {"vote": vote["id"], "option": ids[RIVER], "client_id": "quang-socket-1"},
        callback=True,
    )
    assert ack["ok"] and ack["vote"]["mine"] == {
        "voted": True,
        "option": None,
        "may_vote": False,
        "reason": None,
    }
    form = hall.client("hoa").post(
        f"/votes/{vote['id']}/ballot", data={"option": str(ids[HILL]), "client_id": "hoa-form-01"}
    )
    assert form.status_code == 302
    names = [hall.user(n).full_name for n in ("mai", "quang", "hoa")]
    for record in caplog.records:
        said = record.getMessage()
        assert HILL not in said and RIVER not in said and "option" not in said.lower(), said
        assert not any(name in said for name in names), said
        assert all(type(arg).__name__ != "VoteOption" for arg in record.args or ()), said

    # While it is open: no tally anywhere, and the list says only who voted.
    seen = _everything(hall, vote["id"])
    for path, response in seen["api"].items():
        if path.endswith("/result"):
            assert response.status_code == 409
        else:
            assert response.status_code == 200, (path, response.json)
            _no_tally(response.json)
    listed = seen["api"][f"/votes/{vote['id']}/voters"].json["voters"]
    assert sorted(v["name"] for v in listed) == sorted(names)
    assert {v["option"] for v in listed} == {None}
    for path, page in seen["pages"].items():
        assert "vote-tallies" not in page, path
    assert not any(label in _voters_section(seen["pages"][f"/votes/{vote['id']}"]) for label in ids)
    pushed = desk.get_received() + phone.get_received()
    assert {p["name"] for p in pushed} == {"vote.progress"}
    for message in pushed:
        assert set(message["args"][0]) == {"meeting", "vote", "cast", "eligible"}

    assert hall.act(vote["id"], "close").status_code == 200
    closed = [p for p in desk.get_received() if p["name"] == "vote.closed"]
    assert len(closed) == 1
    counted = {t["label"]: t["count"] for t in closed[0]["args"][0]["vote"]["result"]["tallies"]}
    assert counted == {HILL: 2, RIVER: 1, "Không biểu quyết": 0} == tallies(vote["id"])

    # Closed: the totals, and still nothing that says who chose what.
    seen = _everything(hall, vote["id"])
    listed = seen["api"][f"/votes/{vote['id']}/voters"].json["voters"]
    assert {v["option"] for v in listed} == {None}
    assert not any(label in _voters_section(seen["pages"][f"/votes/{vote['id']}"]) for label in ids)
    for name in ("mai", "quang", "hoa"):
        mine = hall.get(vote["id"], name)["mine"]
        assert mine == {"voted": True, "option": None, "may_vote": False, "reason": None}
        page = response_text(hall.client(name).get(f"/votes/{vote['id']}"))
        assert "Đã ghi nhận phiếu của đồng chí." in page  # never what they chose
    assert [v.option_id for v in voters(vote["id"])] == [None, None, None]
    entries = db.session.scalars(sa.select(AuditLog).where(AuditLog.target_type == "Vote")).all()
    assert not any(names[0] in str(e.details) for e in entries)
    assert {e.action for e in entries} == {"vote.created", "vote.opened", "vote.closed"}


def test_the_voters_table_holds_no_time_and_no_order(hall: Hall) -> None:
    """Only (vote, member, client id, choice or none): nothing that says when, or in what order
    (on SQLite the table has no rowid, its rows lie in the key's order)."""
    columns = {c["name"] for c in sa.inspect(db.session.get_bind()).get_columns("voters")}
    assert columns == {"vote_id", "user_id", "client_id", "option_id"}
    assert Voter.__table__.primary_key.columns.keys() == ["vote_id", "user_id"]
    if db.session.get_bind().dialect.name == "sqlite":
        with pytest.raises(sa.exc.OperationalError, match="rowid"):
            db.session.execute(sa.text("SELECT rowid FROM voters"))
        db.session.rollback()
        hall.open_check_in()
        hall.check_in("secretary", "mai", "quang", "hoa")
        vote = hall.opened(secret=True)
        for name in ("hoa", "secretary", "quang", "mai"):  # not in the users' order
            hall.cast(name, vote, "yes")
        stored_order = list(db.session.scalars(sa.text("SELECT user_id FROM voters")))
        assert stored_order == sorted(stored_order)


def test_no_tally_before_closing_in_an_open_ballot_either(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai", "quang")
    vote = hall.opened(secret=False)
    hall.cast("mai", vote, "no")
    hall.cast("quang", vote, "no")
    for who in ("secretary", "mai", "quang"):
        answer = hall.get(vote["id"], who)
        _no_tally(answer)
    # The member sees their own choice (an open ballot), nobody else's before the end.
    no = next(o["id"] for o in vote["options"] if o["choice"] == "no")
    assert hall.get(vote["id"], "mai")["mine"]["option"] == no
    assert hall.get(vote["id"], "secretary")["mine"]["option"] is None
    voters_now = hall.secretary.get(f"/api/v1/votes/{vote['id']}/voters").json["voters"]
    assert {v["option"] for v in voters_now} == {None}
    page = response_text(hall.client("mai").get(f"/votes/{vote['id']}"))
    assert (
        "vote-tallies" not in page
        and "Đã ghi nhận phiếu của đồng chí: <strong>Không tán thành" in page
    )
