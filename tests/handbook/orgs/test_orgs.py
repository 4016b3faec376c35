"""Organisation pages and account care, through the one access policy."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.accounts.passwords import verify_password
from handbook.core import db
from handbook.orgs.models import Organization
from tests.conftest import PASSWORD, login


def _text(response) -> str:
    return response.get_data(as_text=True)


# Every organisation page × who asks: own branch, a sibling branch, a level above.
PAGES = ["/org/{id}", "/org/{id}/members", "/org/{id}/members/import"]
CASES = [
    # (actor, organisation, page index, expected status)
    ("member_b1", "b1", 0, 200),
    ("member_b1", "b1", 1, 403),
    ("member_b1", "b1", 2, 403),
    ("member_b1", "b2", 0, 404),
    ("member_b1", "b2", 1, 404),
    ("member_b1", "commune", 0, 200),
    ("member_b1", "commune", 1, 403),
    ("secretary_b1", "b1", 1, 200),
    ("secretary_b1", "b1", 2, 200),
    ("secretary_b1", "b2", 0, 404),
    ("secretary_b1", "b2", 1, 404),
    ("secretary_b1", "b2", 2, 404),
    ("committee_c", "b2", 1, 200),
    ("committee_c", "b2", 2, 403),
    ("committee_c", "b3", 0, 404),
    ("admin_district", "b3", 2, 200),
    ("platform_admin", "b3", 1, 200),
]


@pytest.mark.parametrize(("actor", "org", "page", "status"), CASES)
def test_organisation_pages_follow_the_policy(client, tree, actor, org, page, status) -> None:
    login(client, getattr(tree, actor))
    response = client.get(PAGES[page].format(id=getattr(tree, org).id))
    assert response.status_code == status
    if status == 404:
        assert "Không tìm thấy" in _text(response)
        assert getattr(tree, org).name not in _text(response)
    if status == 403:
        assert "Bạn không có quyền" in _text(response)


def test_an_organisation_that_does_not_exist_is_404(client, tree) -> None:
    login(client, tree.platform_admin)
    assert client.get("/org/999999").status_code == 404


@pytest.mark.parametrize("path", ["/", "/account", "/org/1", "/org/1/members", "/admin/tree"])
def test_pages_need_a_signed_in_user(client, tree, path) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_api_paths_answer_errors_as_json(client, tree) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json == {
        "error": {"status": 404, "message": "Không tìm thấy trang hoặc tài liệu bạn cần."}
    }


def test_the_secretary_sees_the_branch_members(client, tree) -> None:
    login(client, tree.secretary_b1)
    page = _text(client.get(f"/org/{tree.b1.id}/members"))
    assert "Lò Thị Mai" in page
    assert "Hoàng Văn Thắng" in page
    assert "Lục Thị Lan" not in page  # another branch


def test_the_secretary_adds_a_member_who_must_then_choose_a_password(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    response = client.post(
        f"/org/{tree.b1.id}/members",
        data={"full_name": "Nguyễn  Thị Thu", "phone": "0988 777 666", "role": "member"},
    )
    assert response.status_code == 200
    password = re.search(r'class="otp">([^<]+)<', _text(response)).group(1)
    newcomer = app.test_client()
    signed_in = newcomer.post("/login", data={"login": "0988777666", "password": password})
    assert signed_in.headers["Location"] == "/account/password"
    user = db.session.scalar(sa.select(User).where(User.phone == "0988777666"))
    assert user.full_name == "Nguyễn Thị Thu"


@pytest.mark.parametrize(
    ("phone", "message"),
    [("12", "Số điện thoại không hợp lệ."), ("0912000002", "đã có tài khoản")],
)
def test_adding_a_member_with_a_bad_phone_is_refused(client, tree, phone, message) -> None:
    login(client, tree.secretary_b1)
    response = client.post(
        f"/org/{tree.b1.id}/members", data={"full_name": "Ai Đó", "phone": phone, "role": "member"}
    )
    assert response.status_code == 400
    assert message in _text(response)


def test_a_secretary_cannot_add_members_to_another_branch(client, tree) -> None:
    login(client, tree.secretary_b1)
    response = client.post(
        f"/org/{tree.b2.id}/members",
        data={"full_name": "Kẻ Lạ", "phone": "0988000111", "role": "secretary"},
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(User).where(User.phone == "0988000111")) is None


def test_a_password_reset_gives_a_new_one_time_password(app, client, tree) -> None:
    member = app.test_client()
    login(member, tree.member_b1)
    login(client, tree.secretary_b1)
    response = client.post(f"/users/{tree.member_b1.id}/reset-password")
    assert response.status_code == 200
    password = re.search(r'class="otp">([^<]+)<', _text(response)).group(1)
    db.session.expire_all()
    user = db.session.get(User, tree.member_b1.id)
    assert verify_password(user.password_hash, password)
    assert user.must_change_password
    assert member.get("/").status_code == 302  # the member's open session has ended


def test_a_secretary_cannot_reset_another_branch_member(client, tree) -> None:
    login(client, tree.secretary_b1)
    assert client.post(f"/users/{tree.member_b2.id}/reset-password").status_code == 404
    assert client.post(f"/users/{tree.secretary_b1.id}/reset-password").status_code == 403


def test_disabling_an_account_ends_its_open_sessions(app, client, tree) -> None:
    member = app.test_client()
    login(member, tree.member_b1)
    login(client, tree.secretary_b1)
    response = client.post(f"/users/{tree.member_b1.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert member.get("/").status_code == 302
    again = member.post("/login", data={"login": "0912000002", "password": PASSWORD})
    assert "vô hiệu hóa" in _text(again)
    client.post(f"/users/{tree.member_b1.id}/active", data={"active": "1"})
    assert (
        member.post("/login", data={"login": "0912000002", "password": PASSWORD}).status_code == 302
    )


def test_the_admin_grows_the_tree(client, tree) -> None:
    login(client, tree.admin_district)
    page = _text(client.get("/admin/tree"))
    assert tree.b3.name in page
    assert tree.province.name not in page.split("<h2>Thêm tổ chức</h2>")[0]
    response = client.post(
        "/admin/tree",
        data={"parent_id": tree.commune2.id, "name": "Chi bộ thôn Bốn", "kind": "branch"},
    )
    assert response.status_code == 302
    added = db.session.scalar(sa.select(Organization).where(Organization.name == "Chi bộ thôn Bốn"))
    assert added.parent_id == tree.commune2.id
    assert added.path == f"{tree.commune2.path}{added.id}/"


@pytest.mark.parametrize(
    ("parent", "kind", "name", "status", "message"),
    [
        ("b1", "branch", "Chi bộ con", 400, "không thể nằm dưới"),
        ("commune", "branch", "Chi bộ thôn Một", 400, "Đã có"),
        ("commune", "branch", "   ", 400, "Vui lòng nhập tên tổ chức."),
        ("province", "district", "Huyện Khác", 403, None),
        (None, "province", "Tỉnh Khác", 403, None),
    ],
)
def test_bad_tree_changes_are_refused(client, tree, parent, kind, name, status, message) -> None:
    login(client, tree.admin_district)
    data = {"name": name, "kind": kind}
    if parent:
        data["parent_id"] = getattr(tree, parent).id
    response = client.post("/admin/tree", data=data)
    assert response.status_code == status
    if message:
        assert message in _text(response)


def test_the_tree_page_is_not_for_members(client, tree) -> None:
    login(client, tree.secretary_b1)
    assert client.get("/admin/tree").status_code == 403


def test_the_larger_text_switch_is_remembered_for_the_user(app, client, tree) -> None:
    login(client, tree.member_b1)
    assert 'class="text-large"' not in _text(client.get("/"))
    client.post("/account/text-size", data={"next": "/account"})
    other_device = app.test_client()
    login(other_device, tree.member_b1)
    assert 'class="text-large"' in _text(other_device.get("/"))


def test_home_shows_the_next_published_meeting_only(client, tree) -> None:
    from datetime import timedelta

    from handbook.core.timeutil import utcnow
    from handbook.meetings.models import Meeting

    now = utcnow()
    db.session.add_all(
        [
            Meeting(
                organization=tree.b1,
                title="Họp đã qua",
                starts_at=now - timedelta(days=3),
                publish_at=now - timedelta(days=9),
            ),
            Meeting(
                organization=tree.b1,
                title="Họp chưa công bố",
                starts_at=now + timedelta(days=1),
                publish_at=now + timedelta(hours=5),
            ),
            Meeting(
                organization=tree.b1,
                title="Họp tháng này",
                starts_at=now + timedelta(days=2),
                publish_at=now - timedelta(minutes=1),
            ),
            Meeting(
                organization=tree.b2,
                title="Họp chi bộ khác",
                starts_at=now + timedelta(hours=3),
                publish_at=now - timedelta(minutes=1),
            ),
        ]
    )
    db.session.commit()
    login(client, tree.member_b1)
    page = _text(client.get("/"))
    assert "Họp tháng này" in page
    for hidden in ("Họp đã qua", "Họp chưa công bố", "Họp chi bộ khác"):
        assert hidden not in page
