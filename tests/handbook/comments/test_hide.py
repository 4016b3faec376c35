"""Hiding a comment with a reason, and "Hiện lại" (issue #14 item 1): one service function for
the socket, the API and the record page's forms; both audited, both told to readers live, and
a reader who was away gets both on resync."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from handbook.audit.models import AuditLog
from handbook.comments.models import Comment
from handbook.comments.moderation import HIDE_REASON_MAX, REASON_MISSING
from handbook.core import db
from tests.conftest import login, socket_for
from tests.helpers import published_document, response_text


@pytest.fixture
def document(client, tree):
    """A published document of branch b1, with the secretary signed in on ``client``."""
    login(client, tree.secretary_b1)
    return published_document(client, tree.b1)


def _post(app, user, document, client_id: str, body: str = "Ý kiến lạc đề") -> dict:
    ack = socket_for(app, user).emit(
        "comment.post",
        {"document": document.id, "client_id": client_id, "body": body},
        callback=True,
    )
    assert ack["ok"], ack
    return ack["comment"]


def _events(live, name: str) -> list[dict]:
    return [m["args"][0] for m in live.get_received() if m["name"] == name]


def _audits(comment_id: int) -> list[tuple[str, dict]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(AuditLog)
        .where(AuditLog.target_type == "Comment", AuditLog.target_id == comment_id)
        .order_by(AuditLog.id)
    )
    return [(row.action, row.details) for row in rows]


def _stored(comment_id: int) -> Comment:
    db.session.expire_all()
    found = db.session.get(Comment, comment_id)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        (None, REASON_MISSING),
        ("", REASON_MISSING),
        ("   \n\t ", REASON_MISSING),
        ("\u200b\u202e", REASON_MISSING),  # invisible characters only
        (42, REASON_MISSING),
        (["Lạc đề"], REASON_MISSING),
        ("x" * (HIDE_REASON_MAX + 1), f"Lý do ẩn dài quá {HIDE_REASON_MAX} ký tự (đang có 501)."),
    ],
)
def test_hiding_needs_a_reason_of_bounded_length(app, tree, document, reason, message) -> None:
    comment = _post(app, tree.member_b1, document, "hide-reason-01")
    reader = socket_for(app, tree.member_b1)
    reader.emit("comments.join", {"document": document.id}, callback=True)
    reader.get_received()
    data = (
        {"comment": comment["id"]}
        if reason is None
        else {"comment": comment["id"], "reason": reason}
    )
    ack = socket_for(app, tree.secretary_b1).emit("comment.hide", data, callback=True)
    assert ack["ok"] is False and ack["status"] == 400
    assert ack["error"].startswith(message)
    assert _stored(comment["id"]).hidden_at is None and _audits(comment["id"]) == []
    assert _events(reader, "comment.changed") == []  # nothing told for what did not happen


def test_a_reason_is_kept_on_one_line_up_to_its_limit(app, tree, document) -> None:
    comment = _post(app, tree.member_b1, document, "hide-reason-02")
    reason = "  Trùng   ý\nvới góp ý trên " + "ạ" * (HIDE_REASON_MAX - 40)
    ack = socket_for(app, tree.secretary_b1).emit(
        "comment.hide", {"comment": comment["id"], "reason": reason}, callback=True
    )
    assert ack["ok"], ack
    stored = _stored(comment["id"])
    assert stored.hidden_reason == " ".join(reason.split())
    assert len(stored.hidden_reason) <= HIDE_REASON_MAX


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_hidden_then_shown_again_live_audited_and_on_resync(app, tree, document) -> None:
    comment = _post(app, tree.member_b1, document, "hide-undo-01", body="Đề nghị bổ sung.")
    author = socket_for(app, tree.member_b1)
    lan = socket_for(app, tree.secretary_b1)  # the moderator
    reader = socket_for(app, tree.member_b1)  # another tab, kept open
    away = socket_for(app, tree.member_b1)  # a phone that drops off in between
    for live in (author, lan, reader, away):
        live.emit("comments.join", {"document": document.id}, callback=True)
        live.get_received()
    joined = away.emit("comments.join", {"document": document.id}, callback=True)
    away.disconnect()

    hidden = lan.emit(
        "comment.hide", {"comment": comment["id"], "reason": "Trùng ý"}, callback=True
    )
    assert hidden["ok"] and hidden["comment"]["hidden"] and hidden["comment"]["version"] == 2
    told = _events(reader, "comment.changed")
    assert [(c["id"], c["hidden"], c["body"]) for c in told] == [(comment["id"], True, None)]

    shown = lan.emit("comment.unhide", {"comment": comment["id"]}, callback=True)
    assert shown["ok"] and shown["comment"]["hidden"] is False
    assert shown["comment"]["body"] == "Đề nghị bổ sung." and shown["comment"]["version"] == 3
    told = _events(reader, "comment.changed")
    assert [(c["id"], c["hidden"], c["body"]) for c in told] == [
        (comment["id"], False, "Đề nghị bổ sung.")
    ]
    stored = _stored(comment["id"])
    assert stored.hidden_at is None and stored.hidden_reason == "" and stored.hidden_by_id is None
    assert stored.unhidden_at is not None

    assert _audits(comment["id"]) == [
        ("comment.hidden", {"reason": "Trùng ý"}),
        ("comment.unhidden", {"reason": "Trùng ý"}),
    ]
    entries = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action.in_(["comment.hidden", "comment.unhidden"]))
    ).all()
    assert {(e.actor_id, e.organization_id) for e in entries} == {
        (tree.secretary_b1.id, tree.b1.id)
    }

    # The phone that was away asks what changed since it last heard: the comment, shown.
    back = socket_for(app, tree.member_b1)
    resync = back.emit(
        "comments.join",
        {"document": document.id, "after": comment["id"], "since": joined["now"]},
        callback=True,
    )
    changed = [c for c in resync["changed"] if c["id"] == comment["id"]]
    assert changed and changed[0]["hidden"] is False and changed[0]["body"] == "Đề nghị bổ sung."
    assert changed[0]["version"] == 3


def test_the_author_sees_the_reason_others_do_not(app, tree, document, make_user) -> None:
    from handbook.orgs.models import Role

    other = make_user(tree.b1, Role.MEMBER, full_name="Lò Văn Khác")
    comment = _post(app, tree.member_b1, document, "hide-view-01", body="Ý riêng")
    socket_for(app, tree.secretary_b1).emit(
        "comment.hide", {"comment": comment["id"], "reason": "Không đúng nội dung"}, callback=True
    )
    mine = socket_for(app, tree.member_b1).emit(
        "comments.join", {"document": document.id}, callback=True
    )["comments"][0]
    theirs = socket_for(app, other).emit("comments.join", {"document": document.id}, callback=True)[
        "comments"
    ][0]
    assert (mine["body"], mine["hidden_reason"]) == ("Ý riêng", "Không đúng nội dung")
    assert (theirs["body"], theirs["hidden_reason"]) == (None, None)


def test_hiding_twice_changes_nothing(app, tree, document) -> None:
    comment = _post(app, tree.member_b1, document, "hide-twice-01")
    lan = socket_for(app, tree.secretary_b1)
    first = lan.emit("comment.hide", {"comment": comment["id"], "reason": "Lạc đề"}, callback=True)
    again = lan.emit("comment.hide", {"comment": comment["id"], "reason": "Khác"}, callback=True)
    assert first["ok"] and again["ok"]
    assert again["comment"]["version"] == first["comment"]["version"] == 2
    assert _stored(comment["id"]).hidden_reason == "Lạc đề"
    assert [action for action, _ in _audits(comment["id"])] == ["comment.hidden"]
    # Showing one that is not hidden changes nothing either.
    lan.emit("comment.unhide", {"comment": comment["id"]}, callback=True)
    shown = lan.emit("comment.unhide", {"comment": comment["id"]}, callback=True)
    assert shown["ok"] and shown["comment"]["version"] == 3
    assert [a for a, _ in _audits(comment["id"])] == ["comment.hidden", "comment.unhidden"]


def test_a_deleted_comment_is_not_hidden(app, tree, document) -> None:
    comment = _post(app, tree.member_b1, document, "hide-gone-01")
    socket_for(app, tree.member_b1).emit(
        "comment.delete", {"comment": comment["id"]}, callback=True
    )
    ack = socket_for(app, tree.secretary_b1).emit(
        "comment.hide", {"comment": comment["id"], "reason": "Lạc đề"}, callback=True
    )
    assert ack["status"] == 409 and ack["error"] == "Góp ý này đã được tác giả xóa."


@pytest.mark.parametrize(("who", "status"), [("member_b1", 403), ("member_b3", 404)])
def test_only_the_meetings_managers_moderate(app, tree, document, who, status) -> None:
    comment = _post(app, tree.member_b1, document, "hide-who-00001")
    lan = socket_for(app, tree.secretary_b1)
    lan.emit("comment.hide", {"comment": comment["id"], "reason": "Lạc đề"}, callback=True)
    someone = socket_for(app, getattr(tree, who))
    for event, data in (
        ("comment.unhide", {"comment": comment["id"]}),
        ("comment.hide", {"comment": comment["id"], "reason": "Tự ẩn"}),
    ):
        ack = someone.emit(event, data, callback=True)
        assert ack["ok"] is False and ack["status"] == status, (event, ack)
    assert _stored(comment["id"]).hidden_at is not None
    assert [a for a, _ in _audits(comment["id"])] == ["comment.hidden"]


# --- the API ------------------------------------------------------------------------------


def test_the_api_hides_with_a_reason_and_shows_again(app, client, tree, document) -> None:
    comment = _post(app, tree.member_b1, document, "hide-api-0001", body="Cần thêm thời hạn")
    url = f"/api/v1/comments/{comment['id']}"
    for body, message in (({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "   "}, "lý do")):
        refused = client.post(f"{url}/hide", json=body)
        assert refused.status_code == 400, body
        assert message in refused.json["error"]["message"].lower()
    too_long = client.post(f"{url}/hide", json={"reason": "y" * (HIDE_REASON_MAX + 1)})
    assert too_long.status_code == 400
    assert _stored(comment["id"]).hidden_at is None

    hidden = client.post(f"{url}/hide", json={"reason": "Lạc đề"})
    assert hidden.status_code == 200 and hidden.json["comment"]["hidden"] is True
    member = app.test_client()
    login(member, tree.member_b1)
    listed = member.get(f"/api/v1/documents/{document.id}/comments").json["comments"]
    assert listed[0]["hidden_reason"] == "Lạc đề"  # the author is told why
    shown = client.post(f"{url}/unhide")
    assert shown.status_code == 200 and shown.json["comment"]["body"] == "Cần thêm thời hạn"
    assert member.post(f"{url}/unhide").status_code == 403


# --- the record page's forms (no JavaScript) ----------------------------------------------


def _record(client, meeting_id: int) -> str:
    return response_text(client.get(f"/meetings/{meeting_id}/comments"))


def test_the_record_page_hides_and_shows_again_live(app, client, tree, document) -> None:
    comment = _post(app, tree.member_b1, document, "hide-page-0001", body="Ý kiến cần ẩn")
    meeting_id = document.meeting_id
    reader = socket_for(app, tree.member_b1)
    reader.emit("comments.join", {"document": document.id}, callback=True)
    reader.get_received()

    page = _record(client, meeting_id)
    form = f'action="/meetings/{meeting_id}/comments/{comment["id"]}/hide"'
    assert form in page and f'id="reason-{comment["id"]}"' in page
    assert re.search(rf'id="reason-{comment["id"]}"[^>]*maxlength="{HIDE_REASON_MAX}"', page)

    hide = f"/meetings/{meeting_id}/comments/{comment['id']}/hide"
    answer = client.post(hide, data={"reason": "Lạc đề"}, follow_redirects=True)
    assert "Đã ẩn góp ý." in response_text(answer)
    told = _events(reader, "comment.changed")
    assert [(c["id"], c["hidden"], c["body"]) for c in told] == [(comment["id"], True, None)]
    page = _record(client, meeting_id)
    assert "Đã ẩn: Lạc đề" in page
    assert f'action="/meetings/{meeting_id}/comments/{comment["id"]}/unhide"' in page

    unhide = f"/meetings/{meeting_id}/comments/{comment['id']}/unhide"
    answer = client.post(unhide, follow_redirects=True)
    assert "Đã hiện lại góp ý cho mọi người." in response_text(answer)
    told = _events(reader, "comment.changed")
    assert [(c["id"], c["hidden"], c["body"]) for c in told] == [
        (comment["id"], False, "Ý kiến cần ẩn")
    ]
    assert [a for a, _ in _audits(comment["id"])] == ["comment.hidden", "comment.unhidden"]


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", REASON_MISSING),
        ("   ", REASON_MISSING),
        ("z" * 600, f"Lý do ẩn dài quá {HIDE_REASON_MAX} ký tự (đang có 600)."),
    ],
)
def test_a_refused_reason_comes_back_with_the_form(app, client, tree, document, reason, message):
    comment = _post(app, tree.member_b1, document, "hide-page-0002")
    meeting_id = document.meeting_id
    hide = f"/meetings/{meeting_id}/comments/{comment['id']}/hide"
    answer = client.post(hide, data={"reason": reason})
    assert answer.status_code == 400
    page = response_text(answer)
    error = re.search(rf'id="reason-{comment["id"]}-error"[^>]*>([^<]+)<', page)
    assert error and error.group(1).startswith(message)
    assert '<details class="moderate" open>' in page
    assert re.search(rf'id="reason-{comment["id"]}"[^>]*aria-invalid="true"', page)
    if reason.strip():
        assert reason in page  # what was typed, to be shortened rather than typed again
    assert _stored(comment["id"]).hidden_at is None


def test_the_record_page_hides_an_agenda_items_comment_live(app, client, tree, document) -> None:
    item = document.meeting.agenda[0]
    mai = socket_for(app, tree.member_b1)
    posted = mai.emit(
        "comment.post",
        {"agenda_item": item.id, "client_id": "hide-item-0001", "body": "Ý kiến chung"},
        callback=True,
    )["comment"]
    reader = socket_for(app, tree.member_b1)
    reader.emit("comments.join", {"agenda_item": item.id}, callback=True)
    reader.get_received()
    hide = f"/meetings/{document.meeting_id}/comments/{posted['id']}/hide"
    assert client.post(hide, data={"reason": "Trùng"}).status_code == 302
    told = _events(reader, "comment.changed")
    assert [(c["id"], c["hidden"]) for c in told] == [(posted["id"], True)]
    page = response_text(client.get(f"/meetings/{document.meeting_id}"))
    assert "Góp ý đã ẩn." in page  # on the meeting's page too, once drawn again
    member = app.test_client()
    login(member, tree.member_b2)  # another branch cannot reach it at all
    assert member.post(hide.replace("/hide", "/unhide")).status_code == 404


def test_a_comment_of_another_meeting_is_not_found_through_this_one(
    app, client, tree, document
) -> None:
    comment = _post(app, tree.member_b1, document, "hide-other-001")
    other = published_document(client, tree.b1, name="khac.txt")
    wrong = f"/meetings/{other.meeting_id}/comments/{comment['id']}"
    assert client.post(f"{wrong}/hide", data={"reason": "Lạc đề"}).status_code == 404
    assert client.post(f"{wrong}/unhide").status_code == 404
    assert client.post(f"/meetings/{other.meeting_id}/comments/999999/hide").status_code == 404
    assert _stored(comment["id"]).hidden_at is None
