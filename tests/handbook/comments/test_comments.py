"""Comments: over Socket.IO and HTTP, stored once per client_id, resynced after a drop."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from handbook.comments.models import Comment
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document
from handbook.notifications.models import Notification
from tests.conftest import PASSWORD, FreshContextSocket, login, socket_for
from tests.helpers import create_meeting, published_document, upload_document


@pytest.fixture
def document(client, tree):
    """A published document of branch b1, with the secretary signed in on ``client``."""
    login(client, tree.secretary_b1)
    return published_document(client, tree.b1)


def _events(live, name: str) -> list[dict]:
    return [m["args"][0] for m in live.get_received() if m["name"] == name]


def test_a_comment_reaches_every_reader_at_once(app, tree, document) -> None:
    mai = socket_for(app, tree.member_b1)
    thang = socket_for(app, tree.secretary_b1)
    for live in (mai, thang):
        ack = live.emit("comments.join", {"document": document.id}, callback=True)
        assert ack["ok"] and ack["comments"] == []
    ack = mai.emit(
        "comment.post",
        {
            "document": document.id,
            "client_id": "mai-0001-abcd",
            "body": "Tôi đồng ý.\nCần thêm thời hạn.",
            "paragraph": 2,
        },
        callback=True,
    )
    assert ack["ok"] and ack["created"]
    stored = ack["comment"]
    assert stored["body"] == "Tôi đồng ý.\nCần thêm thời hạn."
    assert stored["paragraph"] == 2 and stored["client_id"] == "mai-0001-abcd"
    heard = _events(thang, "comment.new")
    assert [c["id"] for c in heard] == [stored["id"]]
    assert heard[0]["author"]["name"] == "Lò Thị Mai"
    assert heard[0]["client_id"] is None  # broadcasts carry nobody's device ids


def test_a_resend_stores_nothing_twice(app, tree, document) -> None:
    mai = socket_for(app, tree.member_b1)
    payload = {"document": document.id, "client_id": "mai-resend-0001", "body": "Gửi lại"}
    first = mai.emit("comment.post", payload, callback=True)
    again = mai.emit("comment.post", payload, callback=True)  # the ack was lost; the outbox resends
    assert first["created"] and not again["created"]
    assert again["comment"]["id"] == first["comment"]["id"]
    over_http = app.test_client()
    login(over_http, tree.member_b1)
    response = over_http.post(f"/api/v1/documents/{document.id}/comments", json=payload)
    assert response.status_code == 200 and response.json["comment"]["id"] == first["comment"]["id"]
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1


def test_a_reconnecting_reader_gets_what_it_missed(app, tree, document) -> None:
    mai = socket_for(app, tree.member_b1)
    joined = mai.emit("comments.join", {"document": document.id}, callback=True)
    first = mai.emit(
        "comment.post",
        {"document": document.id, "client_id": "c-00000001", "body": "Một"},
        callback=True,
    )["comment"]
    mai.disconnect()
    thang = socket_for(app, tree.secretary_b1)
    thang.emit("comments.join", {"document": document.id}, callback=True)
    second = thang.emit(
        "comment.post",
        {"document": document.id, "client_id": "c-00000002", "body": "Hai"},
        callback=True,
    )["comment"]
    thang.emit("comment.hide", {"comment": first["id"], "reason": "Trùng ý"}, callback=True)

    back = socket_for(app, tree.member_b1)
    resync = back.emit(
        "comments.join",
        {"document": document.id, "after": first["id"], "since": joined["now"]},
        callback=True,
    )
    assert [c["id"] for c in resync["comments"]] == [second["id"]]
    hidden = [c for c in resync["changed"] if c["id"] == first["id"]]
    assert hidden and hidden[0]["hidden"] and hidden[0]["hidden_reason"] == "Trùng ý"
    assert hidden[0]["body"] == "Một"  # the author still sees their own words


def test_the_http_fallback_does_the_same(app, client, tree, document) -> None:
    member = app.test_client()
    login(member, tree.member_b1)
    url = f"/api/v1/documents/{document.id}/comments"
    created = member.post(
        url, json={"client_id": "http-00000001", "body": "<script>alert(1)</script>"}
    )
    assert created.status_code == 201
    comment = created.json["comment"]
    assert comment["body"] == "<script>alert(1)</script>"  # stored as text, shown escaped
    listed = member.get(url).json
    assert [c["id"] for c in listed["comments"]] == [comment["id"]]
    assert member.get(f"{url}?after={comment['id']}").json["comments"] == []
    edited = member.patch(f"/api/v1/comments/{comment['id']}", json={"body": "Sửa lại"})
    assert edited.json["comment"]["edited"] and edited.json["comment"]["body"] == "Sửa lại"
    marked = client.post(
        f"/api/v1/comments/{comment['id']}/disposition", json={"value": "accepted"}
    )
    assert marked.json["comment"]["disposition"] == "accepted"
    deleted = member.delete(f"/api/v1/comments/{comment['id']}")
    assert deleted.json["comment"]["deleted"] and deleted.json["comment"]["body"] is None


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"client_id": "bad-ids-0001", "body": ""}, 400, "để trống"),
        ({"client_id": "bad-ids-0002", "body": "   \n\t "}, 400, "để trống"),
        ({"client_id": "bad-ids-0003", "body": "x" * 5001}, 400, "dài quá 5.000"),
        ({"client_id": "bad-ids-0004", "body": 42}, 400, "phải là văn bản"),
        ({"client_id": "ngắn", "body": "Được"}, 400, "Mã góp ý"),
        ({"body": "Thiếu mã"}, 400, "Mã góp ý"),
        ({"client_id": "bad-ids-0005", "body": "Trả lời", "parent": 999999}, 404, "Không tìm thấy"),
        ({"client_id": "bad-ids-0006", "body": "Đoạn lạ", "paragraph": "hai"}, 400, "Đoạn văn"),
        (
            {"client_id": "bad-ids-0007", "body": "Lồng", "parent": {"a": [[[[1]]]]}},
            400,
            "không hợp lệ",
        ),
    ],
)
def test_bad_comments_are_refused_clearly(app, tree, document, payload, status, message) -> None:
    mai = socket_for(app, tree.member_b1)
    ack = mai.emit("comment.post", {"document": document.id, **payload}, callback=True)
    assert ack["ok"] is False and ack["status"] == status and message in ack["error"]
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "chuỗi",
        [1, 2],
        {"document": "1"},
        {"document": True},
        {"document": -5},
        {"document": 10**12},
    ],
)
def test_malformed_events_never_break_thesocket_for(app, tree, document, payload) -> None:
    mai = socket_for(app, tree.member_b1)
    for event in ("comments.join", "comment.post", "comment.edit", "comment.hide"):
        ack = mai.emit(event, payload, callback=True)
        assert ack["ok"] is False and ack["error"]
    assert mai.is_connected()
    assert mai.emit("comments.join", {"document": document.id}, callback=True)["ok"]


def test_another_branch_can_neither_read_nor_write(app, tree, document) -> None:
    lan = socket_for(app, tree.member_b2)
    join = lan.emit("comments.join", {"document": document.id}, callback=True)
    assert join == {"ok": False, "status": 404, "error": "Không tìm thấy tài liệu."}
    post = lan.emit(
        "comment.post",
        {"document": document.id, "client_id": "lan-00000001", "body": "x"},
        callback=True,
    )
    assert post["status"] == 404
    mai = socket_for(app, tree.member_b1)
    mai.emit("comments.join", {"document": document.id}, callback=True)
    mai.emit(
        "comment.post",
        {"document": document.id, "client_id": "mai-00000009", "body": "Riêng"},
        callback=True,
    )
    assert _events(lan, "comment.new") == []


def test_edits_are_for_the_author_and_only_for_a_while(app, tree, document) -> None:
    mai = socket_for(app, tree.member_b1)
    comment = mai.emit(
        "comment.post",
        {"document": document.id, "client_id": "mai-edit-0001", "body": "Ý kiến"},
        callback=True,
    )["comment"]
    thang = socket_for(app, tree.secretary_b1)
    refused = thang.emit(
        "comment.edit", {"comment": comment["id"], "body": "Sửa hộ"}, callback=True
    )
    assert refused["status"] == 403
    db.session.execute(sa.update(Comment).values(created_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    late = mai.emit("comment.edit", {"comment": comment["id"], "body": "Muộn"}, callback=True)
    assert late["status"] == 403 and "15 phút" in late["error"]


def test_only_the_secretary_hides_and_others_see_it_hidden(app, tree, document) -> None:
    mai = socket_for(app, tree.member_b1)
    dung = socket_for(app, tree.secretary_b1)
    comment = mai.emit(
        "comment.post",
        {"document": document.id, "client_id": "mai-hide-0001", "body": "Lạc đề"},
        callback=True,
    )["comment"]
    assert mai.emit("comment.hide", {"comment": comment["id"]}, callback=True)["status"] == 403
    dung.emit("comments.join", {"document": document.id}, callback=True)
    dung.get_received()
    ack = dung.emit(
        "comment.hide", {"comment": comment["id"], "reason": "Không liên quan"}, callback=True
    )
    assert ack["ok"]
    broadcast = _events(dung, "comment.changed")[0]
    assert broadcast["hidden"] and broadcast["body"] is None and broadcast["hidden_reason"] is None


def test_a_flood_is_rate_limited_with_a_clear_message(make_app, tree) -> None:
    app = make_app(
        RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="3 per minute", LOGIN_RATE_LIMIT="100 per minute"
    )
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        document_id = published_document(client, tree.b1).id
        live = socket_for(app, tree.member_b1)
        acks = [
            live.emit(
                "comment.post",
                {"document": document_id, "client_id": f"flood-{i:06d}", "body": f"Ý {i}"},
                callback=True,
            )
            for i in range(5)
        ]
    assert [a["ok"] for a in acks] == [True, True, True, False, False]
    assert acks[3]["status"] == 429 and "quá nhanh" in acks[3]["error"]


def test_a_mention_notifies_the_member_named(app, tree, document) -> None:
    mai = socket_for(app, tree.member_b1)
    mai.emit(
        "comment.post",
        {
            "document": document.id,
            "client_id": "mention-0001",
            "body": "Đề nghị @Hoàng Văn Thắng giải thích thêm",
        },
        callback=True,
    )
    db.session.expire_all()
    told = db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == tree.secretary_b1.id, Notification.kind == "comment.mention"
        )
    ).all()
    assert len(told) == 1 and told[0].payload["title"] == "Lò Thị Mai nhắc tới bạn"


def test_the_form_without_javascript_stores_a_double_submit_once(app, tree, document) -> None:
    member = app.test_client()
    login(member, tree.member_b1)
    page = member.get(f"/documents/{document.id}").get_data(as_text=True)
    client_id = page.split('name="client_id" value="')[1].split('"')[0]
    form = {"client_id": client_id, "body": "Góp ý <b>đậm</b>", "paragraph": "2"}
    first = member.post(f"/documents/{document.id}/comments", data=form)
    second = member.post(f"/documents/{document.id}/comments", data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1
    shown = member.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Góp ý &lt;b&gt;đậm&lt;/b&gt;" in shown  # text, never markup
    assert '<a class="pc" href="#comments" data-n="2">1 góp ý</a>' in shown
    empty = member.post(
        f"/documents/{document.id}/comments",
        data={**form, "client_id": "khac-00000001", "body": " "},
        follow_redirects=True,
    )
    assert "Góp ý đang để trống." in empty.get_data(as_text=True)


@pytest.mark.parametrize("how", ["sign_out", "password", "disabled", "reset"])
def test_ending_a_session_closes_its_sockets_at_once(app, tree, document, how) -> None:
    browser = app.test_client()
    login(browser, tree.member_b1)
    browser.get("/")  # the page that opens the socket
    live = FreshContextSocket(app, browser)
    other_device = socket_for(app, tree.member_b1)
    bystander = socket_for(app, tree.member_b2)
    assert live.is_connected() and other_device.is_connected()
    if how == "sign_out":
        browser.post("/logout")
    elif how == "password":
        browser.post(
            "/account/password",
            data={"current": PASSWORD, "new": "mat-khau-moi-123", "confirm": "mat-khau-moi-123"},
        )
    else:
        secretary = app.test_client()
        login(secretary, tree.secretary_b1)
        if how == "disabled":
            secretary.post(f"/users/{tree.member_b1.id}/active", data={"active": "0"})
        else:
            secretary.post(f"/users/{tree.member_b1.id}/reset-password")
    assert not live.is_connected()
    # Signing out ends this browser only; the others end every device of the account.
    assert other_device.is_connected() is (how == "sign_out")
    assert bystander.is_connected()


def test_members_comment_on_an_agenda_item(app, client, tree, document) -> None:
    meeting = db.session.get(Document, document.id).meeting
    item = meeting.agenda[0]
    member = app.test_client()
    login(member, tree.member_b1)
    page = member.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    client_id = page.split('name="client_id" value="')[1].split('"')[0]
    response = member.post(
        f"/meetings/{meeting.id}/agenda/{item.id}/comments",
        data={"client_id": client_id, "body": "Đề nghị báo cáo thêm số liệu"},
    )
    assert response.status_code == 302
    again = member.post(
        f"/meetings/{meeting.id}/agenda/{item.id}/comments",
        data={"client_id": client_id, "body": "Đề nghị báo cáo thêm số liệu"},
    )
    assert again.headers["Location"] == response.headers["Location"]
    shown = member.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Đề nghị báo cáo thêm số liệu" in shown and "Góp ý chung về nội dung này (1)" in shown
    api = member.get(f"/api/v1/agenda-items/{item.id}/comments").json
    assert [c["body"] for c in api["comments"]] == ["Đề nghị báo cáo thêm số liệu"]
    outsider = app.test_client()
    login(outsider, tree.member_b2)
    refused = outsider.post(
        f"/api/v1/agenda-items/{item.id}/comments", json={"client_id": "ngoai-0000001", "body": "x"}
    )
    assert refused.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1


def test_a_cancelled_meeting_is_read_only_everywhere(app, client, tree, document) -> None:
    """One rule through the policy: documents and agenda items alike take no new comments,
    and authors can no longer edit theirs; the secretary may still hide one."""
    meeting = db.session.get(Document, document.id).meeting
    item = meeting.agenda[0]
    mai = socket_for(app, tree.member_b1)
    before = mai.emit(
        "comment.post",
        {"document": document.id, "client_id": "truoc-khi-huy", "body": "Trước khi hủy"},
        callback=True,
    )["comment"]
    assert client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "Hoãn"}).status_code == 302

    refused = [
        mai.emit(
            "comment.post",
            {"document": document.id, "client_id": "sau-khi-huy-1", "body": "Sau khi hủy"},
            callback=True,
        ),
        mai.emit(
            "comment.post",
            {"agenda_item": item.id, "client_id": "sau-khi-huy-2", "body": "Sau khi hủy"},
            callback=True,
        ),
        mai.emit(
            "comment.edit", {"comment": before["id"], "body": "Sửa sau khi hủy"}, callback=True
        ),
        mai.emit("comment.delete", {"comment": before["id"]}, callback=True),
    ]
    for ack in refused:
        assert ack == {
            "ok": False,
            "status": 403,
            "error": "Buổi sinh hoạt đã bị hủy nên không nhận thêm góp ý.",
        }
    member = app.test_client()
    login(member, tree.member_b1)
    over_http = member.post(
        f"/api/v1/documents/{document.id}/comments",
        json={"client_id": "sau-khi-huy-3", "body": "Sau khi hủy"},
    )
    assert over_http.status_code == 403
    assert (
        over_http.json["error"]["message"] == "Buổi sinh hoạt đã bị hủy nên không nhận thêm góp ý."
    )
    page = member.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'id="composer"' not in page and "không nhận thêm góp ý" in page

    hidden = socket_for(app, tree.secretary_b1).emit(
        "comment.hide", {"comment": before["id"], "reason": "Trùng"}, callback=True
    )
    assert hidden["ok"] and hidden["comment"]["hidden"]
    db.session.expire_all()
    assert db.session.scalars(sa.select(Comment.body)).all() == ["Trước khi hủy"]


def test_a_mention_on_a_draft_waits_until_the_member_may_see_it(app, client, tree) -> None:
    """The secretary discusses a draft and names a member: the member is told only once the
    draft is published, and a committee officer, outside the branch's audience, never is."""

    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    upload_document(client, meeting)
    draft = db.session.scalars(sa.select(Document).where(Document.meeting_id == meeting.id)).one()
    thang = socket_for(app, tree.secretary_b1)
    for target, client_id in (
        ({"document": draft.id}, "nhap-0000001"),
        ({"agenda_item": meeting.agenda[0].id}, "nhap-0000002"),
    ):
        ack = thang.emit(
            "comment.post",
            {
                **target,
                "client_id": client_id,
                "body": "Nhờ @Lò Thị Mai và @Đinh Thị Hạnh xem giúp",
            },
            callback=True,
        )
        assert ack["ok"], ack

    def mentions(user) -> list[Notification]:
        db.session.expire_all()
        return db.session.scalars(
            sa.select(Notification).where(
                Notification.user_id == user.id, Notification.kind == "comment.mention"
            )
        ).all()

    assert mentions(tree.member_b1) == []
    assert (
        len(mentions(tree.committee_c)) == 0
    )  # a committee sees a branch's meeting once published
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    told = mentions(tree.member_b1)
    assert len(told) == 2 and {n.payload["title"] for n in told} == {"Hoàng Văn Thắng nhắc tới bạn"}
    assert all("Nhờ @Lò Thị Mai" in n.payload["excerpt"] for n in told)
    assert mentions(tree.committee_c) == []
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})  # told once, not twice
    assert len(mentions(tree.member_b1)) == 2


def test_a_resend_racing_its_original_is_answered_with_it_not_too_fast(
    make_app, tree, monkeypatch
) -> None:
    """Two tabs send one comment at once: both find nothing stored yet; one stores it and the
    other meets the rate limit. That other one must answer with the stored copy, not "too
    fast" (it used to, so a burst of resends showed an error for a comment that was kept)."""
    from handbook.comments import operations as ops

    app = make_app(RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="1 per minute")
    with app.app_context():
        secretary = app.test_client()
        login(secretary, tree.secretary_b1)
        document = published_document(secretary, tree.b1)
        mai = socket_for(app, tree.member_b1)
        first = {"document": document.id, "client_id": "truoc-do-0001", "body": "Trước đó"}
        assert mai.emit("comment.post", first, callback=True)["ok"]  # the minute's budget
        same = {"document": document.id, "client_id": "hai-the-00001", "body": "Cùng lúc"}
        real_clean = ops.clean_body

        def the_other_tab_stores_it_now(raw):  # between the look-up and the rate check
            engine = app.extensions["handbook.engine"]
            with engine.begin() as conn:
                conn.execute(
                    sa.insert(Comment).values(
                        meeting_id=document.meeting_id,
                        document_id=document.id,
                        author_id=tree.member_b1.id,
                        client_id=same["client_id"],
                        body="Cùng lúc",
                        created_at=utcnow(),
                        hidden_reason="",
                        disposition="none",
                        version=1,
                    )
                )
            monkeypatch.setattr(ops, "clean_body", real_clean)
            return real_clean(raw)

        monkeypatch.setattr(ops, "clean_body", the_other_tab_stores_it_now)
        raced = mai.emit("comment.post", same, callback=True)
        assert raced["ok"] and not raced["created"] and raced["comment"]["body"] == "Cùng lúc"
        fresh = {"document": document.id, "client_id": "y-khac-000001", "body": "Ý khác"}
        refused = mai.emit("comment.post", fresh, callback=True)
        assert refused["status"] == 429  # a new comment still meets the limit
        db.session.expire_all()
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 2


def test_an_open_socket_follows_the_members_rights_at_every_event(app, tree, document) -> None:
    """A socket's member is asked again at each event: losing a membership, gaining a role
    or having the device signed out takes effect on the next event, not at reconnection."""
    from handbook.accounts.models import Device
    from handbook.orgs.models import Membership, Role

    mai = socket_for(app, tree.member_b1)
    post = {"document": document.id, "body": "Ý kiến"}
    assert mai.emit("comment.post", {**post, "client_id": "quyen-000001"}, callback=True)["ok"]
    comment = mai.emit("comment.post", {**post, "client_id": "quyen-000002"}, callback=True)
    hide = {"comment": comment["comment"]["id"], "reason": "Thử"}
    assert mai.emit("comment.hide", hide, callback=True)["status"] == 403
    with app.app_context():
        membership = db.session.scalar(
            sa.select(Membership).where(Membership.user_id == tree.member_b1.id)
        )
        membership.role = Role.SECRETARY
        db.session.commit()
    assert mai.emit("comment.hide", hide, callback=True)["ok"]  # the new role, at once
    with app.app_context():
        db.session.delete(db.session.get(Membership, membership.id))
        db.session.commit()
    gone = mai.emit("comment.post", {**post, "client_id": "quyen-000003"}, callback=True)
    assert gone["status"] == 404  # no longer a member of the branch
    with app.app_context():
        for device in db.session.scalars(
            sa.select(Device).where(Device.user_id == tree.member_b1.id)
        ):
            device.revoked_at = utcnow()
        db.session.commit()
    late = mai.emit("comment.post", {**post, "client_id": "quyen-000004"}, callback=True)
    assert late["status"] == 401
