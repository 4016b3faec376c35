"""Ballots at the same instant, on SQLite and PostgreSQL: two tabs of one member count once
(the ``Voter`` key decides, its ``IntegrityError`` answered), and ballots racing the closing
are each either counted in the frozen result or told the vote closed, never half of each.

The assertions hold whichever request wins: none depends on timing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from handbook.voting import ballots
from tests.conftest import login
from tests.handbook.voting.conftest import Hall, tallies, voters

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; their answers in order."""
    start = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        start.wait()
        answers[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def test_two_tabs_at_the_same_instant_count_once(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai")
    vote = hall.opened(secret=True)
    tabs = [hall.app.test_client() for _ in range(4)]
    for tab in tabs:
        login(tab, hall.user("mai"))
    yes = vote["options"][0]["id"]
    answers = _at_once(
        [
            lambda t=tab, i=i: t.post(
                f"/api/v1/votes/{vote['id']}/cast",
                json={"option": yes, "client_id": f"tab-{i}-race"},
            )
            for i, tab in enumerate(tabs)
        ]
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409], [a.json for a in answers]
    refused = [a.json["error"]["message"] for a in answers if a.status_code == 409]
    assert set(refused) == {"Đồng chí đã biểu quyết."}
    assert tallies(vote["id"])["Tán thành"] == 1 and len(voters(vote["id"])) == 1


def test_the_key_refuses_a_second_ballot_the_check_missed(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race itself, made certain: the first look finds no ballot (as when another tab's
    is not yet committed), so the insert meets the key and its IntegrityError is answered."""
    hall.open_check_in()
    hall.check_in("secretary", "mai")
    vote = hall.opened(secret=True)
    assert hall.cast("mai", vote, "yes", client_id="first-tab-01").status_code == 201
    real = ballots.voter_of
    missed: list[bool] = []

    def first_look_misses(vote_id: int, user_id: int) -> Any:
        if not missed:
            missed.append(True)
            return None
        return real(vote_id, user_id)

    monkeypatch.setattr(ballots, "voter_of", first_look_misses)
    same = hall.cast("mai", vote, "no", client_id="first-tab-01")
    assert same.status_code == 200 and same.json["created"] is False
    missed.clear()
    other = hall.cast("mai", vote, "no", client_id="second-tab-2")
    assert other.status_code == 409 and other.json["error"]["message"] == "Đồng chí đã biểu quyết."
    assert tallies(vote["id"]) == {"Tán thành": 1, "Không tán thành": 0, "Không biểu quyết": 0}


def test_ballots_racing_the_closing_are_counted_or_told_never_half(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai", "quang", "hoa")
    vote = hall.opened(secret=True)
    version = hall.get(vote["id"])["version"]
    members = ["mai", "quang", "hoa"]
    calls: list[Callable[[], Any]] = [
        (lambda n=n: hall.cast(n, vote, "yes", client_id=f"race-{n}-close")) for n in members
    ]
    calls.append(
        lambda: hall.secretary.post(f"/api/v1/votes/{vote['id']}/close", json={"version": version})
    )
    *cast, closed = _at_once(calls)
    assert closed.status_code == 200, closed.json
    counted = [a for a in cast if a.status_code == 201]
    told = [a for a in cast if a.status_code != 201]
    assert all(
        a.status_code == 409
        and a.json["error"]["message"]
        == "Biểu quyết đã kết thúc trước khi phiếu của đồng chí được gửi."
        for a in told
    ), [a.json for a in told]
    result = hall.get(vote["id"])["result"]
    assert result["cast"] == len(counted) == len(voters(vote["id"]))
    assert sum(tallies(vote["id"]).values()) == len(counted)
    assert closed.json["result"] == result  # what the closing froze is what is shown
