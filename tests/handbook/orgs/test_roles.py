"""Changing a member's role and ending a membership from the member list: who may, the limits,
the audit entries, and what an ended membership still counts for (nothing) and keeps (the
member's history)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.attendance.operations import roster
from handbook.audit.models import AuditLog
from handbook.comments.models import Comment
from handbook.core import db
from handbook.core.timeutil import to_local, utcnow
from handbook.meetings.publishing import audience
from handbook.orgs.models import EndedMembership, Membership, Reach, Role
from handbook.orgs.operations import add_membership
from handbook.participation.overview import Quarter, grid
from tests.conftest import PASSWORD, login, socket_for
from tests.helpers import published_document, response_text

#: The tests whose queries differ by database run on both; the refusals on SQLite alone.
BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _entries(action: str) -> list[AuditLog]:
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action)))


def _role(user: User, org) -> Role | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Membership.role).where(
            Membership.user_id == user.id, Membership.organization_id == org.id
        )
    )


def _browser(app, user):
    browser = app.test_client()
    login(browser, user)
    return browser


def _set_role(browser, org, user, role: str):
    return browser.post(f"/org/{org.id}/members/{user.id}/role", data={f"r{user.id}-role": role})


def _today() -> str:
    return to_local(utcnow()).date().isoformat()


def _end(browser, org, user, *, reason="moved", day: str | None = None, note=""):
    return browser.post(
        f"/org/{org.id}/members/{user.id}/end",
        data={
            f"e{user.id}-reason": reason,
            f"e{user.id}-ended_on": _today() if day is None else day,
            f"e{user.id}-note": note,
        },
    )


@BOTH
def test_the_secretary_changes_a_role_from_the_member_list(app, tree) -> None:
    secretary = _browser(app, tree.secretary_b1)
    page = response_text(secretary.get(f"/org/{tree.b1.id}/members"))
    # The member's role form offers what a secretary may give, and the secretary has none.
    member_form = page.split(f'action="/org/{tree.b1.id}/members/{tree.member_b1.id}/role"')[1]
    member_form = member_form.split("</form>")[0]
    assert "Bí thư chi bộ" in member_form and "Đảng viên" in member_form
    assert "Quản trị" not in member_form and "Cấp ủy" not in member_form
    assert f"/members/{tree.secretary_b1.id}/role" not in page
    assert f"/members/{tree.secretary_b1.id}/end" not in page
    assert "Thôi sinh hoạt" in page and "Nhật ký hoạt động" in page

    response = _set_role(secretary, tree.b1, tree.member_b1, "secretary")
    assert response.status_code == 302
    assert _role(tree.member_b1, tree.b1) is Role.SECRETARY
    (entry,) = _entries("membership.role_changed")
    assert (entry.actor_id, entry.organization_id, entry.target_id) == (
        tree.secretary_b1.id,
        tree.b1.id,
        tree.member_b1.id,
    )
    assert entry.details == {"old": "member", "new": "secretary"}
    shown = response_text(secretary.get(response.headers["Location"]))
    assert "Đã đổi vai trò của Lò Thị Mai: Đảng viên → Bí thư chi bộ." in shown
    # The new secretary manages the branch's members at once.
    assert _browser(app, tree.member_b1).get(f"/org/{tree.b1.id}/members/import").status_code == 200


@pytest.mark.parametrize(
    ("who", "org", "status"),
    [
        ("member_b1", "b1", 403),  # sees the branch, may not change it
        ("committee_c", "b1", 403),  # sees the members, does not manage them
        ("member_b3", "b1", 404),  # another commune's branch: not there
        ("secretary_b2", "b1", 404),  # a sibling branch: not there
    ],
)
def test_those_who_do_not_manage_the_members_change_nothing(app, tree, who, org, status) -> None:
    browser = _browser(app, getattr(tree, who))
    branch = getattr(tree, org)
    assert _set_role(browser, branch, tree.member_b1, "secretary").status_code == status
    assert _end(browser, branch, tree.member_b1).status_code == status
    assert _role(tree.member_b1, tree.b1) is Role.MEMBER
    assert _entries("membership.role_changed") == [] and _entries("membership.ended") == []


def test_a_secretary_cannot_make_anyone_an_admin_or_committee(app, tree) -> None:
    secretary = _browser(app, tree.secretary_b1)
    for role, label in (("admin", "Quản trị"), ("committee", "Cấp ủy")):
        response = _set_role(secretary, tree.b1, tree.member_b1, role)
        assert response.status_code == 403
        assert f"Bạn không có quyền giao vai trò “{label}”." in response_text(response)
    assert _role(tree.member_b1, tree.b1) is Role.MEMBER
    assert _entries("membership.role_changed") == []


def test_a_secretary_cannot_touch_an_officer_above_them(app, tree, make_user) -> None:
    officer = make_user(tree.b1, Role.COMMITTEE, full_name="Sầm Văn Cán")
    secretary = _browser(app, tree.secretary_b1)
    response = _set_role(secretary, tree.b1, officer, "member")
    assert response.status_code == 403
    assert "Chỉ quản trị cấp trên mới thay đổi được người giữ vai trò “Cấp ủy”." in (
        response_text(response)
    )
    assert _end(secretary, tree.b1, officer).status_code == 403
    assert _role(officer, tree.b1) is Role.COMMITTEE


def test_nobody_changes_or_ends_their_own_membership(app, tree) -> None:
    for user, org in ((tree.secretary_b1, tree.b1), (tree.admin_district, tree.district)):
        browser = _browser(app, user)
        response = _set_role(browser, org, user, "member")
        assert response.status_code == 403
        assert "Bạn không thể tự thay đổi vai trò" in response_text(response)
        assert _end(browser, org, user).status_code == 403
    assert _role(tree.secretary_b1, tree.b1) is Role.SECRETARY
    assert _role(tree.admin_district, tree.district) is Role.ADMIN
    assert _entries("membership.role_changed") == [] and _entries("membership.ended") == []


def test_bad_role_values_are_refused(app, tree) -> None:
    secretary = _browser(app, tree.secretary_b1)
    unknown = _set_role(secretary, tree.b1, tree.member_b1, "chairman")
    assert unknown.status_code == 400 and "Vai trò không hợp lệ." in response_text(unknown)
    same = _set_role(secretary, tree.b1, tree.member_b1, "member")
    assert same.status_code == 400 and "Lò Thị Mai đã là Đảng viên." in response_text(same)
    assert _entries("membership.role_changed") == []


def test_an_admin_above_gives_any_role_and_may_leave_a_branch_without_secretary(app, tree) -> None:
    admin = _browser(app, tree.admin_district)
    notice = "Chi bộ thôn Một hiện không có bí thư; cấp trên cần chỉ định bí thư mới."
    assert notice not in response_text(admin.get(f"/org/{tree.b1.id}/members"))
    assert _set_role(admin, tree.b1, tree.member_b1, "committee").status_code == 302
    # The committee role is honoured at once: the member now sees the branch's member list.
    assert _browser(app, tree.member_b1).get(f"/org/{tree.b1.id}/members").status_code == 200
    demoted = _set_role(admin, tree.b1, tree.secretary_b1, "member")
    assert demoted.status_code == 302
    page = response_text(admin.get(demoted.headers["Location"]))
    assert notice in page
    assert _role(tree.secretary_b1, tree.b1) is Role.MEMBER
    assert len(_entries("membership.role_changed")) == 2


@BOTH
def test_an_ended_membership_keeps_history_counts_for_nothing_and_locks_the_account(
    app, tree
) -> None:
    secretary = _browser(app, tree.secretary_b1)
    document = published_document(secretary, tree.b1)
    member = _browser(app, tree.member_b1)
    posted = member.post(
        f"/api/v1/documents/{document.id}/comments",
        json={"body": "Tôi nhất trí với dự thảo.", "client_id": "ended-member-1"},
    )
    assert posted.status_code == 201
    live = socket_for(app, tree.member_b1)

    response = _end(secretary, tree.b1, tree.member_b1, reason="deceased")
    assert response.status_code == 302
    assert not live.is_connected()
    db.session.expire_all()
    user = db.session.get(User, tree.member_b1.id)
    assert user.active is False and user.memberships == []
    kept = db.session.scalars(sa.select(EndedMembership)).one()
    assert (kept.user_id, kept.organization_id, kept.role, kept.reason.value) == (
        user.id,
        tree.b1.id,
        Role.MEMBER,
        "deceased",
    )
    (entry,) = _entries("membership.ended")
    assert entry.actor_id == tree.secretary_b1.id and entry.organization_id == tree.b1.id
    assert entry.details["reason"] == "deceased" and entry.details["account_disabled"] is True
    assert entry.details["ended_on"] == _today()
    assert len(_entries("auth.disabled")) == 1
    # History stays: the comment and its author.
    assert db.session.scalar(sa.select(Comment.author_id).where(Comment.author_id == user.id))
    # Nothing counts the former member any more: the audience, the participation overview,
    # the meeting's check-in roster; the member list shows them apart.
    assert user.id not in audience(tree.b1, Reach.SELF)
    assert user.id not in {m.id for m in grid([tree.b1.id], Quarter.parse(None)).members}
    assert user.id not in {row.user_id for row in roster(document.meeting)}
    page = response_text(secretary.get(response.headers["Location"]))
    assert "Lò Thị Mai đã thôi sinh hoạt ở Chi bộ thôn Một" in page
    assert "Tài khoản đã được khóa vì không còn sinh hoạt ở tổ chức nào." in page
    ended_part = page.split('id="ended-title"')[1]
    assert "Lò Thị Mai" in ended_part and "Từ trần" in ended_part
    assert "Lò Thị Mai" not in page.split('id="ended-title"')[0].split("<ul")[1]
    # The former member cannot sign in.
    again = app.test_client().post(
        "/login", data={"login": tree.member_b1.login_name, "password": PASSWORD}
    )
    assert "Tài khoản đã bị vô hiệu hóa." in response_text(again)


@BOTH
def test_a_member_of_two_organisations_keeps_the_account(app, tree, make_user) -> None:
    both = make_user(tree.b1, Role.MEMBER, full_name="Hà Văn Hai Nơi")
    add_membership(both, tree.b2, Role.MEMBER)
    db.session.commit()
    browser = _browser(app, both)
    assert browser.get(f"/org/{tree.b1.id}/library").status_code == 200
    admin = _browser(app, tree.admin_district)
    response = _end(admin, tree.b1, both, reason="moved", note="Chuyển về Chi bộ thôn Hai")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, both.id).active is True
    (entry,) = _entries("membership.ended")
    assert entry.details["account_disabled"] is False
    assert entry.details["note"] == "Chuyển về Chi bộ thôn Hai"
    # The ended membership grants nothing; the other one still does.
    assert browser.get(f"/org/{tree.b1.id}/library").status_code == 404
    assert browser.get(f"/org/{tree.b2.id}/library").status_code == 200


@BOTH
def test_ending_twice_says_so_and_stores_nothing_more(app, tree) -> None:
    secretary = _browser(app, tree.secretary_b1)
    assert _end(secretary, tree.b1, tree.member_b1).status_code == 302
    again = _end(secretary, tree.b1, tree.member_b1)
    assert again.status_code == 409
    day = to_local(utcnow()).strftime("%d/%m/%Y")
    assert f"Lò Thị Mai đã thôi sinh hoạt ở Chi bộ thôn Một từ ngày {day}." in (
        response_text(again)
    )
    assert _set_role(secretary, tree.b1, tree.member_b1, "secretary").status_code == 409
    assert len(_entries("membership.ended")) == 1
    assert db.session.scalar(sa.select(sa.func.count(EndedMembership.id))) == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"day": "tomorrow"}, "Ngày thôi sinh hoạt không thể sau hôm nay"),
        ({"day": "yesterday"}, "Ngày thôi sinh hoạt không thể trước ngày đảng viên được ghi nhận"),
        ({"day": "2026-13-45"}, "Ngày thôi sinh hoạt không hợp lệ (ngày/tháng/năm)."),
        ({"day": ""}, "Vui lòng nhập ngày thôi sinh hoạt."),
        ({"reason": ""}, "Vui lòng chọn lý do thôi sinh hoạt."),
        ({"reason": "vanished"}, "Lý do thôi sinh hoạt không hợp lệ."),
        ({"reason": "other"}, "Vui lòng ghi rõ lý do thôi sinh hoạt."),
        ({"note": "x" * 501}, "Ghi chú tối đa 500 ký tự."),
    ],
)
def test_a_bad_ending_is_refused_and_stores_nothing(app, tree, form, message) -> None:
    today = to_local(utcnow()).date()
    days = {"tomorrow": today + timedelta(days=1), "yesterday": today - timedelta(days=1)}
    if "day" in form and form["day"] in days:
        form = {**form, "day": days[form["day"]].isoformat()}
    secretary = _browser(app, tree.secretary_b1)
    response = _end(secretary, tree.b1, tree.member_b1, **form)
    assert response.status_code == 400
    assert message in response_text(response)
    db.session.expire_all()
    assert _role(tree.member_b1, tree.b1) is Role.MEMBER
    assert db.session.get(User, tree.member_b1.id).active is True
    assert _entries("membership.ended") == [] and _entries("auth.disabled") == []
    assert db.session.scalar(sa.select(sa.func.count(EndedMembership.id))) == 0
