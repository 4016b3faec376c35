"""Members' standing (official or probationary) and situation (exempted, elsewhere,
suspended) with dates: the CSV import, the member list, the secretary's changes."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.core import db
from handbook.orgs.member_import import import_members
from handbook.orgs.models import Membership, Situation, Standing
from tests.conftest import login
from tests.helpers import response_text

HEADER = "Số điện thoại;Họ và tên;Loại đảng viên;Miễn sinh hoạt từ ngày;Miễn sinh hoạt đến ngày\n"


def _membership(phone: str) -> Membership:
    return db.session.scalars(
        sa.select(Membership).join(Membership.user).where(User.phone == phone)
    ).one()


def test_the_import_carries_standing_and_exemption(tree) -> None:
    raw = (
        HEADER + "0987000001;Nguyễn Văn Một;chính thức;;\n"
        "0987000002;Nguyễn Văn Hai;Dự bị;;\n"
        "0987000003;Nguyễn Văn Ba;;01/12/2026;\n"
        "0987000004;Nguyễn Văn Bốn;;2026-12-01;31/05/2027\n"
    ).encode()
    result = import_members(raw, tree.b2, actor=None, max_rows=100)
    assert result.ok, result.errors
    db.session.commit()
    assert _membership("0987000001").standing is Standing.OFFICIAL
    assert _membership("0987000002").standing is Standing.PROBATIONARY
    open_ended = _membership("0987000003")
    assert (open_ended.situation, open_ended.situation_from, open_ended.situation_until) == (
        Situation.EXEMPT,
        date(2026, 12, 1),
        None,
    )
    dated = _membership("0987000004")
    assert dated.situation_until == date(2027, 5, 31)
    assert dated.situation_on(date(2027, 5, 31)) is Situation.EXEMPT
    assert dated.situation_on(date(2027, 6, 1)) is None
    assert dated.situation_on(date(2026, 11, 30)) is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("0987000011;Lê Văn A;tạm thời;;", "Loại đảng viên “tạm thời” không hợp lệ"),
        ("0987000012;Lê Văn B;;32/12/2026;", "Ngày “32/12/2026” ở cột “Miễn sinh hoạt từ ngày”"),
        ("0987000013;Lê Văn C;;;01/01/2027", "thiếu ngày bắt đầu miễn sinh hoạt"),
        ("0987000014;Lê Văn D;;05/01/2027;01/01/2027", "phải sau ngày bắt đầu"),
    ],
)
def test_bad_standing_cells_import_nothing(tree, row: str, message: str) -> None:
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    raw = (HEADER + "0987000010;Lê Văn Đúng;dự bị;;\n" + row + "\n").encode()
    result = import_members(raw, tree.b2, actor=None, max_rows=100)
    db.session.rollback()
    assert not result.ok
    assert [e.line for e in result.errors] == [3]
    assert message in result.errors[0].message
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before


def test_existing_memberships_are_official(tree) -> None:
    """The migration's default: nobody recorded otherwise before standing existed."""
    assert _membership(tree.member_b1.phone).standing is Standing.OFFICIAL
    assert _membership(tree.member_b1.phone).situation is None


def test_the_secretary_records_standing_on_the_member_list(app, tree) -> None:
    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    uid = tree.member_b1.id
    response = secretary.post(
        f"/org/{tree.b1.id}/members/{uid}/standing",
        data={
            f"m{uid}-standing": "probationary",
            f"m{uid}-situation": "elsewhere",
            f"m{uid}-situation_from": "2026-12-01",
            f"m{uid}-situation_until": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    membership = _membership(tree.member_b1.phone)
    assert (membership.standing, membership.situation) == (
        Standing.PROBATIONARY,
        Situation.ELSEWHERE,
    )
    page = response_text(secretary.get(f"/org/{tree.b1.id}/members"))
    assert "Đảng viên dự bị · Tạm thời công tác nơi khác từ 01/12/2026" in page
    assert "1 chính thức · 1 dự bị" in page

    bad = secretary.post(
        f"/org/{tree.b1.id}/members/{uid}/standing",
        data={
            f"m{uid}-standing": "official",
            f"m{uid}-situation": "exempt",
            f"m{uid}-situation_from": "2027-01-05",
            f"m{uid}-situation_until": "2027-01-01",
        },
    )
    assert bad.status_code == 400
    assert "Ngày kết thúc phải sau hoặc trùng ngày bắt đầu." in response_text(bad)
    db.session.expire_all()
    assert _membership(tree.member_b1.phone).standing is Standing.PROBATIONARY  # unchanged


def test_a_member_cannot_change_standing_and_another_branch_sees_nothing(app, tree) -> None:
    member = app.test_client()
    login(member, tree.member_b1)
    uid = tree.member_b1.id
    data = {f"m{uid}-standing": "official"}
    # A member sees the branch but may not change it: 403.
    assert member.post(f"/org/{tree.b1.id}/members/{uid}/standing", data=data).status_code == 403
    secretary_b2 = app.test_client()
    login(secretary_b2, tree.secretary_b2)
    # B2's secretary names a B1 member under B2: no such member there.
    assert (
        secretary_b2.post(f"/org/{tree.b2.id}/members/{uid}/standing", data=data).status_code == 404
    )


def test_the_quorum_is_optional_and_bounded(app, tree) -> None:
    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    bad = secretary.post(f"/org/{tree.b1.id}/quorum", data={"percent": "150"})
    assert bad.status_code == 400
    assert "từ 1 đến 100 phần trăm" in response_text(bad)
    assert secretary.post(f"/org/{tree.b1.id}/quorum", data={"percent": "60"}).status_code == 302
    db.session.expire_all()
    assert tree.b1.quorum_percent == 60
    assert secretary.post(f"/org/{tree.b1.id}/quorum", data={"percent": ""}).status_code == 302
    db.session.expire_all()
    assert tree.b1.quorum_percent is None
