"""Every Socket.IO event, as a table: who reaches it, as ``test_route_table`` does for routes.
The same world (branch B1's published meeting, its document, a member's comment); nobody
signed in cannot open a socket at all, and three people each send each event about B1's
things: a member of another commune's branch (B3), a member of B1, B1's secretary. A new
event fails here until it has its row.

  D  refused: 404 for what they may not see, 403 for what they see but may not do
  A  reached: the event answered ``ok`` (or refused for the thing's state, 409: the policy
     let them through)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from handbook.core import db
from handbook.core.extensions import socketio
from handbook.voting.models import Vote
from tests.conftest import FreshContextSocket, Tree, socket_for
from tests.handbook.core.test_route_table import _World

#: event: (payload from the world's ids and who sends it, what (B3's member, B1's member,
#: B1's secretary) get).
EVENTS: dict[str, tuple[Callable[[dict[str, int], str], Any], str]] = {
    "document.join": (lambda ids, who: {"document": ids["document_id"]}, "DAA"),
    "comments.join": (lambda ids, who: {"document": ids["document_id"]}, "DAA"),
    "comment.post": (
        lambda ids, who: {
            "document": ids["document_id"],
            "body": "Tôi nhất trí với dự thảo.",
            "client_id": f"socket-table-{who}",
        },
        "DAA",
    ),
    # Another member's comment: only its author edits or deletes it, only the secretary
    # moderates it.
    "comment.edit": (lambda ids, who: {"comment": ids["comment_id"], "body": "Sửa lại."}, "DAD"),
    "comment.delete": (lambda ids, who: {"comment": ids["comment_id"]}, "DAD"),
    "comment.hide": (lambda ids, who: {"comment": ids["comment_id"], "reason": "Lạc đề"}, "DDA"),
    "comment.disposition": (
        lambda ids, who: {"comment": ids["comment_id"], "value": "accepted"},
        "DDA",
    ),
    "comment.unhide": (lambda ids, who: {"comment": ids["comment_id"]}, "DDA"),
    "attendance.join": (lambda ids, who: {"meeting": ids["meeting_id"]}, "DDA"),
    # Check-in is not open: B1's people are let through to be told so (409).
    "attendance.check_in": (lambda ids, who: {"meeting": ids["meeting_id"]}, "DAA"),
    "vote.join": (lambda ids, who: {"meeting": ids["meeting_id"]}, "DAA"),
    # An open secret vote; B1's member and secretary are checked in (the secretary is told
    # "already voted" or casts: either way the policy let them through).
    "vote.cast": (
        lambda ids, who: {
            "vote": ids["vote_id"],
            "option": ids["option_id"],
            "client_id": f"socket-table-{who}",
        },
        "DAA",
    ),
    # The progress of a member import: only those who manage the branch's members.
    "member_import.join": (lambda ids, who: {"import": ids["import_id"]}, "DDA"),
}

WHO = ("member_b3", "member_b1", "secretary_b1")


def _events() -> set[str]:
    return {name for name in socketio.server.handlers["/"] if name not in ("connect", "disconnect")}


def test_every_event_has_its_row(app: Flask) -> None:
    events = _events()
    assert events - EVENTS.keys() == set(), "socket events without a row in the access table"
    assert EVENTS.keys() - events == set(), "rows for events that no longer exist"


def test_nobody_signed_in_opens_no_socket(app: Flask) -> None:
    assert not FreshContextSocket(app, app.test_client()).is_connected()


def _outcome(ack: Any) -> str:
    assert isinstance(ack, dict), ack
    if ack.get("ok"):
        return "A"
    status = ack.get("status")
    assert status not in (400, 401, 500), ack  # the table's payloads are well formed
    return "D" if status in (403, 404) else "A"


#: Events that change what another row's event would meet: a world of their own each.
ALONE = ("comment.delete",)


def _ask(app: Flask, tree: Tree, world: _World, event: str) -> str:
    payload, _ = EVENTS[event]
    got = ""
    for who in WHO:
        live = socket_for(app, getattr(tree, who))
        got += _outcome(live.emit(event, payload(world.ids, who), callback=True))
        live.disconnect()
    return got


def test_who_reaches_each_event(app: Flask, tree: Tree) -> None:
    """In one world: none of these changes what the others are judged on (an edit, a hide or
    a disposition is the last thing each asks, and only one of the three gets through)."""
    world = _World(app, tree, audio=False, votes=True)
    world.ids["option_id"] = _first_option(world.ids["vote_id"])
    wrong = {
        event: (got, expected)
        for event, (_, expected) in sorted(EVENTS.items())
        if event not in ALONE and (got := _ask(app, tree, world, event)) != expected
    }
    assert wrong == {}


def _first_option(vote_id: int) -> int:
    vote = db.session.get(Vote, vote_id)
    assert vote is not None and vote.is_open
    return vote.options[0].id


@pytest.mark.parametrize("event", ALONE)
def test_who_reaches_the_event_alone(app: Flask, tree: Tree, event: str) -> None:
    assert _ask(app, tree, _World(app, tree, audio=False), event) == EVENTS[event][1]
