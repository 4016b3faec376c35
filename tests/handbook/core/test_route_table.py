"""Every route of the app, as a table: who reaches it. Four people ask each route about the
things of branch B1 (its published meeting, document, agenda item, a member's comment, the
member's own device): nobody signed in, a member of another commune's branch (B3), a member of
B1, and B1's secretary. A new route fails here until it has its row.

  L  must sign in first (a redirect to the sign-in page, or 401 from the API)
  D  refused: 404 for what they may not see, 403 for what they see but may not change
  A  reached (any answer that is neither of those, and never a server error)
  P  public: reached even without signing in

API writes check their input's shape before anything else (a 400 says nothing about the thing
asked for), so each gets a well-formed body here and its answer shows the policy's decision.
"""

from __future__ import annotations

import base64
import io
import os
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask

from handbook.accounts.models import Device
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.orgs.import_models import ImportStatus, MemberImport
from tests.conftest import Tree, login
from tests.handbook.comments.recordings import REAL_WEBM
from tests.helpers import TEXT, published_document

#: (method, rule): what (nobody, B3's member, B1's member, B1's secretary) get.
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/"): "LAAA",
    ("GET", "/account"): "LAAA",
    # Signing one's own device out ends in the sign-in page: "L" is what success looks like.
    ("POST", "/account/devices/<int:device_id>/sign-out"): "LDLD",
    ("POST", "/account/devices/sign-out-all"): "LLLL",
    ("GET", "/account/password"): "LAAA",
    ("POST", "/account/password"): "LAAA",
    ("POST", "/account/text-size"): "LAAA",
    ("GET", "/admin/tree"): "LDDD",
    ("POST", "/admin/tree"): "LDDD",
    # Renaming and moving an organisation (issue #14 item 8): B1 here, nobody of it may.
    ("GET", "/admin/tree/<int:org_id>"): "LDDD",
    ("POST", "/admin/tree/<int:org_id>/rename"): "LDDD",
    ("POST", "/admin/tree/<int:org_id>/move"): "LDDD",
    # Announcements (issue #14 item 8): B1's secretary sent one to B1; sending and
    # withdrawing are the secretary's (withdrawing with no reason is refused with one: "A").
    ("GET", "/announcements"): "LAAA",
    ("GET", "/announcements/<int:announcement_id>"): "LDAA",
    ("POST", "/announcements/<int:announcement_id>/withdraw"): "LDDA",
    ("GET", "/org/<int:org_id>/announcements/new"): "LDDA",
    ("POST", "/org/<int:org_id>/announcements/new"): "LDDA",
    ("GET", "/admin/voices"): "LDDD",
    # The audit log (issue #14 item 8): the whole log is the platform administrators'; a
    # branch's is its secretary's (and the committees' and admins' above).
    ("GET", "/admin/audit"): "LDDD",
    ("GET", "/admin/audit.csv"): "LDDD",
    ("GET", "/org/<int:org_id>/audit"): "LDDA",
    ("GET", "/org/<int:org_id>/audit.csv"): "LDDA",
    # A member's role and the end of their membership: those who manage B1's members (the
    # table's empty form is refused with its reason: "A").
    ("POST", "/org/<int:org_id>/members/<int:user_id>/role"): "LDDA",
    ("POST", "/org/<int:org_id>/members/<int:user_id>/end"): "LDDA",
    # Moving a member to another branch: asked of both branches; B1's secretary reaches the
    # form (which offers no branch: they manage no other) and an empty form is refused ("A").
    ("GET", "/org/<int:org_id>/members/<int:user_id>/transfer"): "LDDA",
    ("POST", "/org/<int:org_id>/members/<int:user_id>/transfer"): "LDDA",
    ("GET", "/api/v1/<path:_rest>"): "DDDD",
    ("POST", "/api/v1/<path:_rest>"): "LDDD",
    ("PUT", "/api/v1/<path:_rest>"): "LDDD",
    ("PATCH", "/api/v1/<path:_rest>"): "LDDD",
    ("DELETE", "/api/v1/<path:_rest>"): "LDDD",
    ("GET", "/api/v1/agenda-items/<int:item_id>/comments"): "LDAA",
    ("POST", "/api/v1/agenda-items/<int:item_id>/comments"): "LDAA",
    ("PATCH", "/api/v1/comments/<int:comment_id>"): "LDAD",
    ("DELETE", "/api/v1/comments/<int:comment_id>"): "LDAD",
    ("POST", "/api/v1/comments/<int:comment_id>/disposition"): "LDDA",
    ("POST", "/api/v1/comments/<int:comment_id>/hide"): "LDDA",
    ("POST", "/api/v1/comments/<int:comment_id>/unhide"): "LDDA",
    ("GET", "/api/v1/documents/<int:document_id>"): "LDAA",
    ("GET", "/api/v1/documents/<int:document_id>/comments"): "LDAA",
    ("POST", "/api/v1/documents/<int:document_id>/comments"): "LDAA",
    ("GET", "/api/v1/documents/<int:document_id>/pages"): "LDAA",
    ("POST", "/api/v1/documents/<int:document_id>/publish"): "LDDA",
    ("GET", "/api/v1/me"): "LAAA",
    ("GET", "/api/v1/meetings/<int:meeting_id>"): "LDAA",
    ("POST", "/api/v1/meetings/<int:meeting_id>/documents"): "LDDA",
    ("POST", "/api/v1/meetings/<int:meeting_id>/publish"): "LDDA",
    ("GET", "/api/v1/notifications"): "LAAA",
    ("POST", "/api/v1/notifications/read"): "LAAA",
    ("GET", "/api/v1/openapi.json"): "PAAA",
    ("GET", "/api/v1/organizations/<int:org_id>/meetings"): "LDAA",
    ("POST", "/api/v1/organizations/<int:org_id>/meetings"): "LDDA",
    ("GET", "/api/v1/push/key"): "LAAA",
    ("POST", "/api/v1/push/subscriptions"): "LAAA",
    ("DELETE", "/api/v1/push/subscriptions"): "LAAA",
    ("GET", "/documents/<int:document_id>"): "LDAA",
    ("POST", "/documents/<int:document_id>/audio"): "LDDA",
    ("GET", "/documents/<int:document_id>/audio.json"): "LDAA",
    ("GET", "/documents/<int:document_id>/audio.mp3"): "LDAA",
    ("POST", "/documents/<int:document_id>/comments"): "LDAA",
    # A recording posted by each (B1's member and secretary may; B3's member sees nothing).
    ("POST", "/documents/<int:document_id>/comments/voice"): "LDAA",
    # The table's comment is written, not spoken: nobody's recording to hear (its access rules
    # are tested in tests/handbook/comments/test_voice_comments.py).
    ("GET", "/comments/<int:comment_id>/voice"): "LDDD",
    ("GET", "/documents/<int:document_id>/file"): "LDAA",
    ("POST", "/documents/<int:document_id>/reading"): "LDAA",
    ("POST", "/documents/<int:document_id>/listen"): "LDAA",
    ("GET", "/documents/<int:document_id>/status"): "LDAA",
    ("POST", "/documents/<int:document_id>/title"): "LDDA",
    ("GET", "/documents/<int:document_id>/paragraphs/<int:paragraph>"): "LDDA",
    ("POST", "/documents/<int:document_id>/paragraphs/<int:paragraph>"): "LDDA",
    # The library (issue #14 item 6): saving and private notes, by whoever reads the document
    # (a note without its paragraph is refused with a message: "A").
    ("POST", "/documents/<int:document_id>/bookmark"): "LDAA",
    ("POST", "/documents/<int:document_id>/notes"): "LDAA",
    ("GET", "/library/mine"): "LAAA",
    ("GET", "/org/<int:org_id>/library"): "LDAA",
    ("GET", "/favicon.ico"): "PAAA",
    ("GET", "/login"): "PAAA",
    ("POST", "/login"): "PAAA",
    ("POST", "/logout"): "LLLL",
    ("GET", "/manifest.webmanifest"): "PAAA",
    ("GET", "/meetings/<int:meeting_id>"): "LDAA",
    # Check-in and attendance (issue #13): the secretary manages; B1's members check in (here
    # check-in is not open, or the code is missing: refused with a reason, "A").
    ("GET", "/meetings/<int:meeting_id>/attendance"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/attendance/screen"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/attendance/code"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/attendance/open"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/attendance/close"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/attendance/<int:user_id>"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/check-in"): "LDAA",
    ("POST", "/meetings/<int:meeting_id>/check-in"): "LDAA",
    ("GET", "/api/v1/meetings/<int:meeting_id>/attendance"): "LDDA",
    ("POST", "/api/v1/meetings/<int:meeting_id>/attendance/open"): "LDDA",
    ("POST", "/api/v1/meetings/<int:meeting_id>/attendance/close"): "LDDA",
    ("PATCH", "/api/v1/meetings/<int:meeting_id>/attendance/<int:user_id>"): "LDDA",
    ("POST", "/api/v1/meetings/<int:meeting_id>/check-in"): "LDAA",
    # Votes (issue #13 item 3): the secretary's desk and changes; B1's members see an open
    # vote and cast (the member and the secretary are checked in; "A" includes a refusal
    # with its reason, such as 409 for an edit once the vote is open).
    ("GET", "/meetings/<int:meeting_id>/votes"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/votes"): "LDDA",
    ("GET", "/votes/<int:vote_id>"): "LDAA",
    ("POST", "/votes/<int:vote_id>/ballot"): "LDAA",
    ("POST", "/votes/<int:vote_id>/edit"): "LDDA",
    ("POST", "/votes/<int:vote_id>/open"): "LDDA",
    ("POST", "/votes/<int:vote_id>/counts"): "LDDA",
    ("POST", "/votes/<int:vote_id>/close"): "LDDA",
    ("GET", "/api/v1/meetings/<int:meeting_id>/votes"): "LDAA",
    ("POST", "/api/v1/meetings/<int:meeting_id>/votes"): "LDDA",
    ("GET", "/api/v1/votes/<int:vote_id>"): "LDAA",
    ("PATCH", "/api/v1/votes/<int:vote_id>"): "LDDA",
    ("POST", "/api/v1/votes/<int:vote_id>/open"): "LDDA",
    ("PUT", "/api/v1/votes/<int:vote_id>/counts"): "LDDA",
    ("POST", "/api/v1/votes/<int:vote_id>/close"): "LDDA",
    ("POST", "/api/v1/votes/<int:vote_id>/cast"): "LDAA",
    ("GET", "/api/v1/votes/<int:vote_id>/result"): "LDAA",
    ("GET", "/api/v1/votes/<int:vote_id>/voters"): "LDDA",
    # The minutes (issue #13 item 4), drafted by the secretary (their chair) with no
    # minute-taker yet: a draft is its managers' and signers' only, so B1's member is refused.
    # No version is approved here: /versions/1 is "not found" to all (tests/handbook/minutes
    # reads approved versions as members).
    ("GET", "/meetings/<int:meeting_id>/minutes"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/minutes/draft"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/minutes/facts"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/minutes/sections/<int:section_id>"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/minutes/approve"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/minutes/new-version"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/minutes/versions/<int:number>"): "LDDD",
    ("GET", "/meetings/<int:meeting_id>/minutes.docx"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/minutes.pdf"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/minutes/audio"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/minutes/audio.json"): "LDDA",
    ("GET", "/minutes/audio/<int:audio_id>.mp3"): "LDDA",
    ("GET", "/api/v1/meetings/<int:meeting_id>/minutes"): "LDDA",
    ("POST", "/api/v1/meetings/<int:meeting_id>/minutes"): "LDDA",
    ("PATCH", "/api/v1/meetings/<int:meeting_id>/minutes"): "LDDA",
    ("PATCH", "/api/v1/meetings/<int:meeting_id>/minutes/sections/<int:section_id>"): "LDDA",
    ("POST", "/api/v1/meetings/<int:meeting_id>/minutes/approve"): "LDDA",
    ("POST", "/api/v1/meetings/<int:meeting_id>/minutes/new-version"): "LDDA",
    ("GET", "/api/v1/meetings/<int:meeting_id>/minutes/versions/<int:number>"): "LDDD",
    ("POST", "/org/<int:org_id>/members/<int:user_id>/standing"): "LDDA",
    ("POST", "/org/<int:org_id>/quorum"): "LDDA",
    ("POST", "/org/<int:org_id>/rhythm"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/agenda/<int:item_id>/comments"): "LDAA",
    ("GET", "/meetings/<int:meeting_id>/calendar.ics"): "LDAA",
    ("POST", "/meetings/<int:meeting_id>/cancel"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/comments"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/comments.docx"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/comments.pdf"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/comments/<int:comment_id>/disposition"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/comments/<int:comment_id>/hide"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/comments/<int:comment_id>/unhide"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/documents"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/edit"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/edit"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/pack"): "LDAA",
    ("GET", "/meetings/<int:meeting_id>/participation"): "LDDA",
    ("GET", "/org/<int:org_id>/participation"): "LDDA",
    ("GET", "/org/<int:org_id>/participation.xlsx"): "LDDA",
    ("GET", "/org/<int:org_id>/participation.csv"): "LDDA",
    ("GET", "/org/<int:org_id>/participation/branches"): "LDDA",
    ("GET", "/org/<int:org_id>/participation/branches.xlsx"): "LDDA",
    ("GET", "/org/<int:org_id>/participation/branches.csv"): "LDDA",
    ("POST", "/org/<int:org_id>/participation/remind"): "LDDA",
    ("GET", "/meetings/<int:meeting_id>/playlist.json"): "LDAA",
    ("GET", "/meetings/<int:meeting_id>/publish"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/publish"): "LDDA",
    ("POST", "/meetings/<int:meeting_id>/remind"): "LDDA",
    ("GET", "/notifications"): "LAAA",
    ("POST", "/notifications/read"): "LAAA",
    ("GET", "/notifications/settings"): "LAAA",
    ("POST", "/notifications/settings"): "LAAA",
    ("GET", "/offline"): "PAAA",
    ("GET", "/org/<int:org_id>"): "LDAA",
    ("GET", "/org/<int:org_id>/meetings"): "LDAA",
    ("GET", "/org/<int:org_id>/meetings/new"): "LDDA",
    ("POST", "/org/<int:org_id>/meetings/new"): "LDDA",
    ("GET", "/org/<int:org_id>/members"): "LDDA",
    ("POST", "/org/<int:org_id>/members"): "LDDA",
    ("GET", "/org/<int:org_id>/members/import"): "LDDA",
    ("POST", "/org/<int:org_id>/members/import"): "LDDA",
    # A member import's page, progress, password sheet (410 here: none kept) and its erasure.
    ("GET", "/org/<int:org_id>/members/imports/<int:import_id>"): "LDDA",
    ("GET", "/org/<int:org_id>/members/imports/<int:import_id>/status"): "LDDA",
    ("GET", "/org/<int:org_id>/members/imports/<int:import_id>/sheet.pdf"): "LDDA",
    ("POST", "/org/<int:org_id>/members/imports/<int:import_id>/erase"): "LDDA",
    ("GET", "/search"): "LAAA",
    ("GET", "/static/<path:filename>"): "PPPP",
    ("GET", "/sw.js"): "PAAA",
    ("POST", "/users/<int:user_id>/active"): "LDDA",
    ("POST", "/users/<int:user_id>/reset-password"): "LDDA",
}

WHO = ("nobody", "member_b3", "member_b1", "secretary_b1")


def _subscription(who: str) -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/route-table-{who}",
        "keys": {"p256dh": _b64(point), "auth": _b64(os.urandom(16))},
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _comment(who: str) -> dict[str, Any]:
    return {"json": {"body": "Tôi nhất trí với nội dung này.", "client_id": f"table-{who}-01"}}


#: Well-formed input for the API's writes, by who asks.
BODIES: dict[tuple[str, str], Callable[[str], dict[str, Any]]] = {
    ("POST", "/api/v1/agenda-items/<int:item_id>/comments"): _comment,
    ("POST", "/api/v1/documents/<int:document_id>/comments"): _comment,
    ("POST", "/documents/<int:document_id>/comments/voice"): lambda who: {
        "data": {
            "client_id": f"table-voice-{who}",
            "audio": (io.BytesIO(REAL_WEBM), "gop-y.webm", "audio/webm"),
        },
        "content_type": "multipart/form-data",
    },
    ("PATCH", "/api/v1/comments/<int:comment_id>"): lambda who: {
        "json": {"body": "Tôi xin sửa lại ý kiến."}
    },
    ("POST", "/api/v1/comments/<int:comment_id>/disposition"): lambda who: {
        "json": {"value": "accepted"}
    },
    ("POST", "/api/v1/comments/<int:comment_id>/hide"): lambda who: {"json": {"reason": "Lạc đề"}},
    ("POST", "/meetings/<int:meeting_id>/comments/<int:comment_id>/hide"): lambda who: {
        "data": {"reason": "Lạc đề"}
    },
    ("POST", "/api/v1/organizations/<int:org_id>/meetings"): lambda who: {
        "json": {
            "title": "Họp chi bộ thử quyền",
            "starts_at": (utcnow() + timedelta(days=9)).isoformat(),
        }
    },
    ("POST", "/api/v1/meetings/<int:meeting_id>/publish"): lambda who: {"json": {}},
    ("POST", "/api/v1/meetings/<int:meeting_id>/attendance/open"): lambda who: {"json": {}},
    ("POST", "/api/v1/meetings/<int:meeting_id>/attendance/close"): lambda who: {"json": {}},
    ("PATCH", "/api/v1/meetings/<int:meeting_id>/attendance/<int:user_id>"): lambda who: {
        "json": {"mark": "present", "version": 1}
    },
    ("POST", "/api/v1/meetings/<int:meeting_id>/check-in"): lambda who: {"json": {}},
    ("POST", "/api/v1/meetings/<int:meeting_id>/votes"): lambda who: {
        "json": {"title": "Biểu quyết thử quyền"}
    },
    ("PATCH", "/api/v1/votes/<int:vote_id>"): lambda who: {
        "json": {"title": "Sửa thử quyền", "version": 3}
    },
    ("POST", "/api/v1/votes/<int:vote_id>/open"): lambda who: {"json": {"version": 3}},
    ("POST", "/api/v1/votes/<int:vote_id>/close"): lambda who: {"json": {"version": 2}},
    ("PUT", "/api/v1/votes/<int:vote_id>/counts"): lambda who: {
        "json": {"version": 2, "counts": []}
    },
    ("POST", "/api/v1/votes/<int:vote_id>/cast"): lambda who: {
        "json": {"option": 1, "client_id": f"table-{who}-ballot"}
    },
    ("POST", "/api/v1/meetings/<int:meeting_id>/minutes"): lambda who: {"json": {}},
    ("PATCH", "/api/v1/meetings/<int:meeting_id>/minutes"): lambda who: {
        "json": {"place": "Nhà văn hóa thôn", "revision": 1}
    },
    ("PATCH", "/api/v1/meetings/<int:meeting_id>/minutes/sections/<int:section_id>"): lambda who: {
        "json": {"body": "Chi bộ thống nhất.", "version": 1}
    },
    ("POST", "/api/v1/meetings/<int:meeting_id>/minutes/approve"): lambda who: {
        "json": {"revision": 1}
    },
    ("POST", "/api/v1/documents/<int:document_id>/publish"): lambda who: {"json": {}},
    ("POST", "/api/v1/meetings/<int:meeting_id>/documents"): lambda who: {
        "data": {"file": (io.BytesIO(TEXT.encode()), "bo-sung.txt")},
        "content_type": "multipart/form-data",
    },
    ("POST", "/api/v1/push/subscriptions"): lambda who: {"json": _subscription(who)},
    ("DELETE", "/api/v1/push/subscriptions"): lambda who: {
        "query_string": {"endpoint": f"https://fcm.googleapis.com/fcm/send/route-table-{who}"}
    },
}


def _rules(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_its_row(app: Flask) -> None:
    rules = _rules(app)
    assert rules - ROUTES.keys() == set(), "routes without a row in the access table"
    assert ROUTES.keys() - rules == set(), "rows for routes that no longer exist"


def _path(rule: str, ids: dict[str, int]) -> str:
    path = re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), rule)
    path = path.replace("<path:_rest>", "nothing-here")
    return path.replace("<path:filename>", "css/app.css")


def _outcome(response: Any) -> str:
    status = response.status_code
    assert status < 500, (status, response.get_data(as_text=True)[:300])
    location = response.headers.get("Location", "")
    if status == 401 or (status in (301, 302, 303) and "/login" in location):
        return "L"
    if status in (403, 404):
        return "D"
    return "A"


#: Asking changes nothing another row depends on: all of these are asked in one world. (A
#: GET marks a document read, which no row looks at.)
READS = sorted(key for key in ROUTES if key[0] == "GET")
#: Each of these may change the world (sign out, cancel, delete): a world of its own each.
WRITES = sorted(key for key in ROUTES if key[0] != "GET")


def test_who_reaches_each_reading_route(app: Flask, tree: Tree) -> None:
    world = _World(app, tree, audio=True, votes=True)
    wrong = {
        f"{method} {rule}": (got, expected)
        for method, rule in READS
        if (got := world.ask(method, rule)) != (expected := _expected(method, rule))
    }
    assert wrong == {}


@pytest.mark.parametrize(("method", "rule"), WRITES, ids=lambda v: str(v))
def test_who_reaches_the_writing_route(app: Flask, tree: Tree, method: str, rule: str) -> None:
    world = _World(app, tree, audio="audio" in rule or "listen" in rule, votes="vote" in rule)
    assert world.ask(method, rule) == _expected(method, rule)


def _expected(method: str, rule: str) -> dict[str, str]:
    codes = dict(zip(WHO, ROUTES[(method, rule)], strict=True))
    return {who: "A" if code == "P" else code for who, code in codes.items()}


def _open_vote(secretary: Any, member: Any, meeting_id: int) -> int:
    """An open vote of the meeting (version 2), the secretary and the member checked in."""
    opened = secretary.post(
        f"/api/v1/meetings/{meeting_id}/attendance/open", json={"self_check_in": True}
    )
    assert opened.status_code == 200, opened.get_data(as_text=True)
    for browser in (secretary, member):
        assert browser.post(f"/api/v1/meetings/{meeting_id}/check-in", json={}).status_code == 200
    vote = secretary.post(f"/api/v1/meetings/{meeting_id}/votes", json={"title": "Thông qua"})
    assert vote.status_code == 201, vote.get_data(as_text=True)
    started = secretary.post(f"/api/v1/votes/{vote.json['id']}/open", json={"version": 1})
    assert started.status_code == 200, started.get_data(as_text=True)
    return int(vote.json["id"])


class _World:
    """Branch B1's published meeting with a document, a member's comment on it and the
    member's device; the four people signed in, each in a browser of their own."""

    def __init__(self, app: Flask, tree: Tree, *, audio: bool, votes: bool = False) -> None:
        secretary = app.test_client()
        login(secretary, tree.secretary_b1)
        document = published_document(secretary, tree.b1)
        meeting = document.meeting
        assert meeting is not None
        member = app.test_client()
        login(member, tree.member_b1)
        posted = member.post(
            f"/api/v1/documents/{document.id}/comments",
            json={"body": "Tôi đồng ý với dự thảo.", "client_id": "route-table-1"},
        )
        assert posted.status_code == 201, posted.get_data(as_text=True)
        if audio:  # a recording to reach (espeak-ng, inline)
            assert secretary.post(f"/documents/{document.id}/audio").status_code == 202
        # The secretary opens the minutes (drafted then), and has them read aloud.
        drafted = secretary.get(f"/api/v1/meetings/{meeting.id}/minutes")
        assert drafted.status_code == 200, drafted.get_data(as_text=True)
        minutes_audio = secretary.post(f"/meetings/{meeting.id}/minutes/audio") if audio else None
        assert minutes_audio is None or minutes_audio.status_code == 202
        vote_id = _open_vote(secretary, member, meeting.id) if votes else 1
        device = db.session.scalars(
            sa.select(Device).where(Device.user_id == tree.member_b1.id).order_by(Device.id.desc())
        ).first()
        assert device is not None
        sent = secretary.post(
            f"/org/{tree.b1.id}/announcements/new",
            data={"title": "Lịch trực", "body": "Chi bộ trực Tết.", "reach": "self", "when": "now"},
        )
        assert sent.status_code == 302, sent.get_data(as_text=True)
        imported = MemberImport(
            organization_id=tree.b1.id, file_name="ds.csv", app_url="/", status=ImportStatus.DONE
        )
        db.session.add(imported)
        db.session.commit()
        self.ids = {
            "meeting_id": meeting.id,
            "document_id": document.id,
            "item_id": meeting.agenda[0].id,
            "comment_id": posted.json["comment"]["id"],
            "org_id": tree.b1.id,
            "user_id": tree.member_b1.id,
            "device_id": device.id,
            "import_id": imported.id,
            "vote_id": vote_id,
            "paragraph": 1,
            "section_id": drafted.json["drafting"]["sections"][0]["id"],
            "number": 1,
            "audio_id": minutes_audio.json["id"] if minutes_audio else 1,
            "announcement_id": int(sent.headers["Location"].rsplit("/", 1)[1]),
        }
        outsider = app.test_client()
        login(outsider, tree.member_b3)
        self.clients = {
            "nobody": app.test_client(),
            "member_b3": outsider,
            "member_b1": member,
            "secretary_b1": secretary,
        }

    def ask(self, method: str, rule: str) -> dict[str, str]:
        """What each gets, those refused first: they change nothing the others need."""
        path = _path(rule, self.ids)
        got = {}
        for who in WHO:
            extra = BODIES[(method, rule)](who) if (method, rule) in BODIES else {}
            response = self.clients[who].open(path, method=method, **extra)
            got[who] = _outcome(response)
            response.close()
        return got
