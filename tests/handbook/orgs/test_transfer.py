"""Moving a member's Party activity to another branch (chuyển sinh hoạt đảng): who may (the
policy asked of both branches), what it does in one transaction (the old membership ended as
"Thôi sinh hoạt" ends one, a plain membership in the new branch with the standing carried,
both logs, the member and the new branch's secretaries told), what stays (the account, the
history) and what closes (the old branch's material), and every refusal with its words."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.audit.models import AuditLog
from handbook.comments.models import Comment
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.core.timeutil import to_local, utcnow
from handbook.documents.models import ReadReceipt
from handbook.meetings.publishing import audience
from handbook.notifications.messages import message
from handbook.notifications.models import Notification
from handbook.orgs import transfer
from handbook.orgs.models import (
    EndedMembership,
    Membership,
    Organization,
    Reach,
    Role,
    Situation,
    Standing,
)
from handbook.orgs.operations import add_membership, set_standing
from handbook.orgs.policy import organizations_where
from tests.conftest import Tree, login, socket_for
from tests.helpers import published_document, response_text, seen_waiting_for_a_lock

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _browser(app, user):
    browser = app.test_client()
    login(browser, user)
    return browser


def _today() -> date:
    return to_local(utcnow()).date()


def _membership(user: User, org: Organization) -> Membership | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.user_id == user.id, Membership.organization_id == org.id
        )
    )


def _entries(action: str) -> list[AuditLog]:
    return list(
        db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action).order_by("id"))
    )


def _post(
    browser,
    source: Organization,
    user: User,
    destination: Organization | None,
    *,
    day: str | None = None,
    note: str = "",
    membership_id: int | None = None,
    confirm: bool = True,
):
    if membership_id is None:
        found = _membership(user, source)
        membership_id = found.id if found else 0
    data = {
        "destination": str(destination.id) if destination is not None else "",
        "transferred_on": _today().isoformat() if day is None else day,
        "note": note,
        "membership": str(membership_id),
    }
    if confirm:
        data["confirm"] = "1"
    return browser.post(f"/org/{source.id}/members/{user.id}/transfer", data=data)


def _nothing_moved(tree: Tree, user: User | None = None) -> None:
    user = user or tree.member_b1
    assert _membership(user, tree.b1) is not None
    assert db.session.scalar(sa.select(sa.func.count(EndedMembership.id))) == 0
    assert _entries("membership.transferred") == [] and _entries("membership.ended") == []
    told = sa.select(sa.func.count(Notification.id)).where(
        Notification.kind.startswith("membership.")
    )
    assert db.session.scalar(told) == 0


def test_the_policy_grants_a_transfer_over_both_branches_only_to_those_above_them(tree) -> None:
    """Asked of each branch: the commune's committee holds it for its branches (not another
    commune's), an admin for the subtree, a secretary for their own branch alone."""
    orgs = [tree.province, tree.district, tree.commune, tree.b1, tree.b2, tree.commune2, tree.b3]
    expected = {
        "member_b1": set(),
        "secretary_b1": {tree.b1.id},
        "committee_c": {tree.commune.id, tree.b1.id, tree.b2.id},
        "admin_district": {o.id for o in orgs if o is not tree.province},
        "platform_admin": {o.id for o in orgs},
    }
    for who, allowed in expected.items():
        user = getattr(tree, who)
        granted = {o.id for o in orgs if can(user, Action.ORG_TRANSFER_MEMBERS, o)}
        listed = set(
            db.session.scalars(
                sa.select(Organization.id).where(
                    organizations_where(user, Action.ORG_TRANSFER_MEMBERS)
                )
            )
        )
        assert granted == allowed, who
        assert listed == allowed, who  # the rule's SQL twin agrees


@BOTH
def test_a_committee_officer_moves_a_member_who_keeps_standing_account_and_history(
    app, tree
) -> None:
    secretary = _browser(app, tree.secretary_b1)
    document = published_document(secretary, tree.b1)
    old_meeting = document.meeting
    member = _browser(app, tree.member_b1)
    assert member.get(f"/documents/{document.id}").status_code == 200  # read: a receipt
    posted = member.post(
        f"/api/v1/documents/{document.id}/comments",
        json={"body": "Tôi nhất trí với dự thảo nghị quyết.", "client_id": "transfer-1"},
    )
    assert posted.status_code == 201
    new_document = published_document(_browser(app, tree.secretary_b2), tree.b2)
    membership = _membership(tree.member_b1, tree.b1)
    until = _today() + timedelta(days=90)
    set_standing(
        membership, Standing.PROBATIONARY, Situation.EXEMPT, None, until, actor=tree.secretary_b1
    )
    db.session.commit()
    live = socket_for(app, tree.member_b1)
    officer = _browser(app, tree.committee_c)

    # The member list offers the action; the form offers the commune's other branch only.
    listing = response_text(officer.get(f"/org/{tree.b1.id}/members"))
    assert f"/org/{tree.b1.id}/members/{tree.member_b1.id}/transfer" in listing
    form = response_text(officer.get(f"/org/{tree.b1.id}/members/{tree.member_b1.id}/transfer"))
    select = form.split('id="destination"')[1].split("</select>")[0]
    assert '<optgroup label="Xã Tân Tiến">' in select
    assert f'value="{tree.b2.id}"' in select
    assert f'value="{tree.b1.id}"' not in select and f'value="{tree.b3.id}"' not in select

    # The first step only says what will happen.
    asked = _post(officer, tree.b1, tree.member_b1, tree.b2, note=" QĐ số 12-QĐ/ĐU ", confirm=False)
    assert asked.status_code == 200
    shown = response_text(asked)
    assert "Xác nhận chuyển sinh hoạt" in shown
    assert "Vẫn là đảng viên dự bị. Vẫn miễn sinh hoạt" in shown
    # "Sửa lại" goes back to the form with what was chosen.
    again = shown.split('class="button wide" href="')[1].split('"')[0].replace("&amp;", "&")
    refilled = response_text(officer.get(again))
    assert f'<option selected value="{tree.b2.id}">' in refilled
    assert "QĐ số 12-QĐ/ĐU</textarea>" in refilled
    _nothing_moved(tree)

    done = _post(officer, tree.b1, tree.member_b1, tree.b2, note=" QĐ số 12-QĐ/ĐU ")
    assert done.status_code == 302
    page = response_text(officer.get(done.headers["Location"]))
    day = _today().strftime("%d/%m/%Y")
    assert (
        f"Đã chuyển đồng chí Lò Thị Mai từ Chi bộ thôn Một sang Chi bộ thôn Hai từ ngày {day}."
        in page
    )
    assert not live.is_connected()  # reconnects with what the member may now see

    # The membership in B2: a plain member, the standing and the exemption carried.
    assert _membership(tree.member_b1, tree.b1) is None
    joined = _membership(tree.member_b1, tree.b2)
    assert joined is not None
    assert (joined.role, joined.standing, joined.situation, joined.situation_until) == (
        Role.MEMBER,
        Standing.PROBATIONARY,
        Situation.EXEMPT,
        until,
    )
    user = db.session.get(User, tree.member_b1.id)
    assert user.active is True
    # B1's membership ended exactly as "Thôi sinh hoạt" ends one.
    kept = db.session.scalars(sa.select(EndedMembership)).one()
    assert (kept.organization_id, kept.reason.value, kept.ended_on, kept.note) == (
        tree.b1.id,
        "moved",
        _today(),
        "Chuyển sinh hoạt đến Chi bộ thôn Hai. QĐ số 12-QĐ/ĐU",
    )
    assert kept.ended_by_id == tree.committee_c.id and kept.standing is Standing.PROBATIONARY
    (ended,) = _entries("membership.ended")
    assert ended.organization_id == tree.b1.id and ended.details["account_disabled"] is False
    # Both logs.
    logged = _entries("membership.transferred")
    assert [e.organization_id for e in logged] == [tree.b1.id, tree.b2.id]
    assert all(e.actor_id == tree.committee_c.id and e.target_id == user.id for e in logged)
    assert logged[1].details == {
        "from_org": "Chi bộ thôn Một",
        "to_org": "Chi bộ thôn Hai",
        "transferred_on": _today().isoformat(),
        "role": "member",
        "standing": "probationary",
        "situation": "exempt",
        "dropped_situation": None,
        "note": "QĐ số 12-QĐ/ĐU",
    }
    # Told: the member and B2's secretary, not the officer who did it.
    told = {
        (n.user_id, n.kind): n.payload
        for n in db.session.scalars(
            sa.select(Notification).where(Notification.kind.startswith("membership."))
        )
    }
    assert set(told) == {
        (user.id, "membership.transferred"),
        (tree.secretary_b2.id, "membership.arrived"),
    }
    assert told[(user.id, "membership.transferred")]["title"] == (
        "Đồng chí đã được chuyển sinh hoạt đến Chi bộ thôn Hai"
    )
    assert told[(tree.secretary_b2.id, "membership.arrived")]["title"] == (
        "Đảng viên chuyển đến: Lò Thị Mai"
    )
    notices = response_text(member.get("/notifications"))
    assert "Đồng chí đã được chuyển sinh hoạt đến Chi bộ thôn Hai" in notices

    # What the member did in B1 stays, and B1's secretary still sees it in B1's record.
    assert db.session.scalar(sa.select(Comment.id).where(Comment.author_id == user.id))
    assert db.session.scalar(sa.select(ReadReceipt.id).where(ReadReceipt.user_id == user.id))
    record = response_text(secretary.get(f"/meetings/{old_meeting.id}/comments"))
    assert "Tôi nhất trí với dự thảo nghị quyết." in record and "Lò Thị Mai" in record
    # B1's material is closed to the member from now on, B2's is open; B1's next meeting,
    # published after the transfer, does not reach them.
    assert member.get(f"/meetings/{old_meeting.id}").status_code == 404
    assert member.get(f"/documents/{document.id}").status_code == 404
    assert member.get(f"/org/{tree.b1.id}/library").status_code == 404
    assert member.get(f"/meetings/{new_document.meeting_id}").status_code == 200
    assert member.get(f"/documents/{new_document.id}").status_code == 200
    later = published_document(secretary, tree.b1, name="ke-hoach.txt")
    assert member.get(f"/meetings/{later.meeting_id}").status_code == 404
    assert user.id not in audience(tree.b1, Reach.SELF)
    assert user.id in audience(tree.b2, Reach.SELF)
    home = response_text(member.get("/"))
    assert new_document.meeting.title in home
    # B1's member list shows the transfer below; B2's, the new member.
    b1_page = response_text(officer.get(f"/org/{tree.b1.id}/members"))
    assert "Chuyển sinh hoạt đến Chi bộ thôn Hai" in b1_page.split('id="ended-title"')[1]
    b2_page = response_text(_browser(app, tree.secretary_b2).get(f"/org/{tree.b2.id}/members"))
    assert f'id="m{user.id}"' in b2_page
    # The audit log in words, in both branches'.
    log = response_text(officer.get(f"/org/{tree.b2.id}/audit"))
    assert "Chuyển sinh hoạt đảng" in log and "Chi bộ thôn Một" in log


def test_a_secretary_moved_is_a_plain_member_and_working_elsewhere_ends(app, tree) -> None:
    membership = _membership(tree.secretary_b1, tree.b1)
    set_standing(membership, Standing.OFFICIAL, Situation.ELSEWHERE, None, None)
    db.session.commit()
    admin = _browser(app, tree.admin_district)
    asked = _post(admin, tree.b1, tree.secretary_b1, tree.b2, confirm=False)
    shown = response_text(asked)
    assert "với vai trò Đảng viên (không giữ vai trò Bí thư chi bộ ở chi bộ mới)" in shown
    assert "Tình trạng “Tạm thời công tác nơi khác” kết thúc khi chuyển." in shown
    assert _post(admin, tree.b1, tree.secretary_b1, tree.b2).status_code == 302
    joined = _membership(tree.secretary_b1, tree.b2)
    assert joined is not None
    assert (joined.role, joined.situation, joined.situation_from) == (Role.MEMBER, None, None)
    (entry, _) = _entries("membership.transferred")
    assert (
        entry.details["dropped_situation"] == "elsewhere" and entry.details["role"] == "secretary"
    )
    page = response_text(admin.get(f"/org/{tree.b1.id}/members"))
    assert "Chi bộ thôn Một hiện không có bí thư" in page


def test_a_situation_over_by_the_transfer_is_not_carried(tree) -> None:
    membership = _membership(tree.member_b1, tree.b1)
    day = _today()
    for situation, until, expected in (
        (Situation.SUSPENDED, None, (Situation.SUSPENDED, None)),
        (Situation.SUSPENDED, day, (Situation.SUSPENDED, None)),
        (Situation.EXEMPT, day - timedelta(days=1), (None, None)),
        (Situation.ELSEWHERE, day + timedelta(days=30), (None, Situation.ELSEWHERE)),
        (None, None, (None, None)),
    ):
        membership.situation, membership.situation_until = situation, until
        assert transfer.carried_situation(membership, day) == expected, situation


def _refused(response, status: int, words: str | None) -> None:
    assert response.status_code == status
    if words is not None:
        assert words in response_text(response)


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("same", 400, "Đảng viên đang sinh hoạt ở Chi bộ thôn Một; hãy chọn chi bộ khác."),
        ("commune", 400, "Chỉ chuyển sinh hoạt đến một chi bộ; “Xã Tân Tiến” là xã / phường."),
        ("none", 400, "Vui lòng chọn chi bộ chuyển đến."),
        ("already", 409, "Lò Thị Mai đã sinh hoạt ở Chi bộ thôn Hai."),
        ("tomorrow", 400, "Ngày chuyển sinh hoạt không thể sau hôm nay"),
        ("yesterday", 400, "Ngày chuyển sinh hoạt không thể trước ngày Lò Thị Mai được ghi nhận"),
        ("bad-day", 400, "Ngày chuyển sinh hoạt không hợp lệ (ngày/tháng/năm)."),
        ("no-day", 400, "Vui lòng nhập ngày chuyển sinh hoạt."),
        ("long-note", 400, "Ghi chú tối đa 250 ký tự."),
        ("unknown", 404, None),
    ],
)
def test_a_bad_transfer_is_refused_with_its_reason_and_changes_nothing(
    app, tree, case, status, words
) -> None:
    admin = _browser(app, tree.admin_district)
    destination: Organization | None = tree.b2
    extra: dict[str, Any] = {}
    if case == "same":
        destination = tree.b1
    elif case == "commune":
        destination = tree.commune
    elif case == "none":
        destination = None
    elif case == "already":
        add_membership(tree.member_b1, tree.b2, Role.MEMBER)
        db.session.commit()
    elif case in ("tomorrow", "yesterday"):
        delta = timedelta(days=1 if case == "tomorrow" else -1)
        extra["day"] = (_today() + delta).isoformat()
    elif case == "bad-day":
        extra["day"] = "2026-13-45"
    elif case == "no-day":
        extra["day"] = ""
    elif case == "long-note":
        extra["note"] = "x" * 251
    elif case == "unknown":
        destination = SimpleNamespace(id=999_999)  # type: ignore[assignment]
    for confirm in (False, True):
        _refused(
            _post(admin, tree.b1, tree.member_b1, destination, confirm=confirm, **extra),
            status,
            words,
        )
    if case == "already":
        assert _membership(tree.member_b1, tree.b2).role is Role.MEMBER
        assert db.session.scalar(sa.select(sa.func.count(EndedMembership.id))) == 0
        return
    _nothing_moved(tree)


def test_who_may_not_transfer_is_refused_on_either_side(app, tree, make_user) -> None:
    """The usual 403 (seen, not allowed) or 404 (not seen) for each side; the role and self
    limits with their words."""
    # Not allowed over the branch left: B1's member sees B1; B3's member does not.
    member = _browser(app, tree.member_b1)
    path = f"/org/{tree.b1.id}/members/{tree.secretary_b1.id}/transfer"
    assert member.get(path).status_code == 403
    assert _post(member, tree.b1, tree.secretary_b1, tree.b2).status_code == 403
    outsider = _browser(app, tree.member_b3)
    assert _post(outsider, tree.b1, tree.member_b1, tree.b2).status_code == 404
    # B1's secretary: theirs is B1 only; B2 they do not see, B3 neither.
    secretary = _browser(app, tree.secretary_b1)
    assert _post(secretary, tree.b1, tree.member_b1, tree.b2).status_code == 404
    alone = response_text(secretary.get(f"/org/{tree.b1.id}/members/{tree.member_b1.id}/transfer"))
    assert "Đồng chí không quản lý chi bộ nào khác" in alone
    listing = response_text(secretary.get(f"/org/{tree.b1.id}/members"))
    assert "/transfer" not in listing and "đề nghị cấp ủy cấp trên “Chuyển sinh hoạt”" in listing
    # A secretary of B1 who is a plain member of B2: sees B2, may not move anyone into it.
    both = make_user(tree.b1, Role.SECRETARY, full_name="Hà Văn Hai Nơi")
    add_membership(both, tree.b2, Role.MEMBER)
    db.session.commit()
    assert _post(_browser(app, both), tree.b1, tree.member_b1, tree.b2).status_code == 403
    # The commune's committee does not reach another commune's branch.
    officer = _browser(app, tree.committee_c)
    assert _post(officer, tree.b1, tree.member_b1, tree.b3).status_code == 404
    # Nor moves someone holding "Cấp ủy" in the branch (an admin's role to take).
    chief = make_user(tree.b1, Role.COMMITTEE, full_name="Sầm Văn Cán")
    _refused(
        _post(officer, tree.b1, chief, tree.b2),
        403,
        "Chỉ quản trị cấp trên mới chuyển sinh hoạt được người giữ vai trò “Cấp ủy”.",
    )
    assert f"/members/{chief.id}/transfer" not in response_text(
        officer.get(f"/org/{tree.b1.id}/members")
    )
    # Someone who was never in B1 (the admin above, B2's member): not there.
    admin = _browser(app, tree.admin_district)
    _refused(_post(admin, tree.b1, tree.admin_district, tree.b2), 404, None)
    _refused(_post(officer, tree.b1, tree.member_b2, tree.b2), 404, None)
    assert officer.get(f"/org/{tree.b1.id}/members/{tree.member_b2.id}/transfer").status_code == 404
    _nothing_moved(tree)


def test_a_secretary_of_both_branches_moves_a_member_but_not_themselves(
    app, tree, make_user
) -> None:
    two = make_user(tree.b1, Role.SECRETARY, full_name="Lý Văn Hai")
    add_membership(two, tree.b2, Role.SECRETARY)
    db.session.commit()
    browser = _browser(app, two)
    _refused(
        _post(browser, tree.b1, two, tree.b2),
        403,
        "Đồng chí không thể tự chuyển sinh hoạt của mình; hãy đề nghị cấp ủy cấp trên.",
    )
    assert _post(browser, tree.b1, tree.member_b1, tree.b2).status_code == 302
    assert _membership(tree.member_b1, tree.b2) is not None
    # The acting secretary of B2 is not told what they did; B2's other secretary is.
    told = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(Notification.kind == "membership.arrived")
        )
    )
    assert told == {tree.secretary_b2.id}


@BOTH
def test_a_second_officer_with_the_same_form_is_told_it_was_done(app, tree) -> None:
    officer = _browser(app, tree.committee_c)
    admin = _browser(app, tree.admin_district)
    seen = _membership(tree.member_b1, tree.b1).id
    assert _post(officer, tree.b1, tree.member_b1, tree.b2, membership_id=seen).status_code == 302
    late = _post(admin, tree.b1, tree.member_b1, tree.b2, membership_id=seen)
    day = _today().strftime("%d/%m/%Y")
    _refused(
        late,
        409,
        f"Lò Thị Mai đã thôi sinh hoạt ở Chi bộ thôn Một từ ngày {day} "
        "(Chuyển sinh hoạt đến Chi bộ thôn Hai).",
    )
    # Moved back meanwhile: the membership in B1 is another one, and the old form says so.
    assert _post(admin, tree.b2, tree.member_b1, tree.b1).status_code == 302
    stale = _post(officer, tree.b1, tree.member_b1, tree.b2, membership_id=seen)
    _refused(stale, 409, "Sinh hoạt của Lò Thị Mai ở Chi bộ thôn Một đã thay đổi")
    assert _membership(tree.member_b1, tree.b1) is not None
    assert len(_entries("membership.transferred")) == 4  # two transfers, two logs each


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_transfers_at_the_same_moment_one_waits_and_is_refused(app, tree, backend) -> None:
    """The first holds the membership's row until its commit; the second waits for it, then
    finds the row gone (409): the member ends up in one branch, ended once."""
    held = _membership(tree.member_b1, tree.b1)
    membership_id = held.id
    transfer.transfer(tree.committee_c, held, tree.b2, _today())
    outcome: dict[str, object] = {}

    def second() -> None:
        with app.app_context():
            actor = db.session.get(User, tree.admin_district.id)
            membership = db.session.get(Membership, membership_id)
            other = db.session.get(Organization, tree.b3.id)
            try:
                transfer.transfer(actor, membership, other, _today())
                db.session.commit()
                outcome["done"] = True
            except transfer.TransferError as refused:
                db.session.rollback()
                outcome["status"] = refused.status
                outcome["message"] = str(refused)
            except Exception as error:  # noqa: BLE001 - shown by the assertion below
                outcome["error"] = repr(error)
                raise
            finally:
                db.session.remove()

    thread = threading.Thread(target=second)
    thread.start()
    waiting = seen_waiting_for_a_lock(app.extensions["handbook.engine"], thread)
    assert waiting, outcome
    db.session.commit()
    thread.join()
    assert outcome["status"] == 409, outcome
    assert "đã thôi sinh hoạt ở Chi bộ thôn Một" in str(outcome["message"])
    assert _membership(tree.member_b1, tree.b3) is None
    assert _membership(tree.member_b1, tree.b2) is not None
    assert db.session.scalar(sa.select(sa.func.count(EndedMembership.id))) == 1


def test_the_notices_read_in_vietnamese_on_the_phone() -> None:
    moved = message(
        "membership.transferred",
        {
            "title": "Đồng chí đã được chuyển sinh hoạt đến Chi bộ thôn Hai",
            "when": "Từ ngày 05/12/2026",
            "url": "/org/5",
        },
    )
    assert moved is not None
    assert moved.data["title"] == "Đồng chí đã được chuyển sinh hoạt đến Chi bộ thôn Hai"
    assert moved.data["body"] == "Từ ngày 05/12/2026" and moved.data["url"] == "/org/5"
    arrived = message("membership.arrived", {"title": "Đảng viên chuyển đến: A", "url": "/x"})
    assert arrived is not None and arrived.topic != moved.topic


def test_a_meeting_of_the_new_branch_created_after_reaches_the_member(app, tree) -> None:
    """From the next publication on, the member is in the new branch's audience."""
    admin = _browser(app, tree.admin_district)
    assert _post(admin, tree.b1, tree.member_b1, tree.b2).status_code == 302
    published_document(_browser(app, tree.secretary_b2), tree.b2)
    told = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(Notification.kind == "meeting.published")
        )
    )
    assert tree.member_b1.id in told
