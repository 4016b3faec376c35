"""Importing members from CSV: every bad row reported by line, and then nothing imported."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.accounts.passwords import verify_password
from handbook.core import db
from handbook.orgs.member_import import import_members
from handbook.orgs.models import Membership, Role

HEADER = "Số điện thoại,Họ và tên,Vai trò\n"


def _users() -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def _run(raw: bytes, org, max_rows: int = 10_000):
    result = import_members(raw, org, actor=None, max_rows=max_rows)
    if result.ok:
        db.session.commit()
    else:
        db.session.rollback()
    return result


def test_a_good_file_creates_accounts_with_one_time_passwords(tree) -> None:
    raw = (
        HEADER + "0987 654 321,Nguyễn Thị Hồng,đảng viên\n"
        "+84987654322,  Phạm   Văn Bình ,Bí thư\n"
        "\n"
        "0987654323,Lê Văn Cường,\n"
    ).encode()
    result = _run(raw, tree.b2)
    assert result.ok
    assert [new.line for new in result.created] == [2, 3, 5]
    binh = db.session.scalar(sa.select(User).where(User.phone == "0987654322"))
    assert binh.full_name == "Phạm Văn Bình"
    assert binh.must_change_password
    created = {new.user.phone: new for new in result.created}
    assert verify_password(binh.password_hash, created["0987654322"].one_time_password)
    roles = dict(
        db.session.execute(
            sa.select(User.phone, Membership.role)
            .join(Membership)
            .where(Membership.organization_id == tree.b2.id)
        ).all()
    )
    assert roles["0987654322"] is Role.SECRETARY
    assert roles["0987654323"] is Role.MEMBER


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("\ufeffSố điện thoại;Họ và tên\n0987000001;Trần Thị Nga\n", "utf-8"),  # Excel CSV UTF-8
        ("Số điện thoại\tHọ và tên\n0987000001\tTrần Thị Nga\n", "utf-16"),  # Excel Unicode text
        ("so_dien_thoai,ho_ten\r\n0987000001,Trần Thị Nga\r\n", "utf-8"),
    ],
)
def test_what_excel_writes_is_understood(tree, raw: str, encoding: str) -> None:
    result = _run(raw.encode(encoding), tree.b2)
    assert result.ok, result.errors
    assert result.created[0].user.full_name == "Trần Thị Nga"


@pytest.mark.parametrize(
    ("raw", "line", "message"),
    [
        (b"", 1, "Tệp trống"),
        (b"Ho va ten\nNguyen Van A\n", 1, "Thiếu cột “Số điện thoại”"),
        (b"Phone,Role\n0987000001,member\n", 1, "Thiếu cột “Họ và tên”"),
        (HEADER.encode(), 2, "không có dòng dữ liệu"),
        # Windows-1258, as Excel saves "CSV" on a Vietnamese Windows: the name is the first
        # non-ASCII text, on line 2.
        ("phone,name\n0987000001,Lê Văn Tư\n".encode("cp1258"), 2, "không phải mã UTF-8"),
        (
            (HEADER + "0987000001,Lê Văn A\n0987000002,Lê Văn B\nx").encode()[:-1] + b"\xc3",
            4,
            "không phải mã UTF-8",
        ),
        (b"\x00\x01\x02PK\x03\x04", 0, "không hợp lệ"),
    ],
)
def test_files_that_cannot_be_read_import_nothing(tree, raw, line, message) -> None:
    before = _users()
    result = _run(raw, tree.b2)
    assert not result.ok
    assert result.errors[0].line == line
    assert message in result.errors[0].message
    assert _users() == before


def test_every_bad_row_is_reported_and_nothing_is_imported(tree) -> None:
    raw = (
        HEADER
        + "0987000001,Nguyễn Văn Một,đảng viên\n"  # 2: fine on its own
        + ",Thiếu Số,\n"  # 3
        + "12345,Số Ngắn,\n"  # 4
        + "0987000005,,\n"  # 5
        + "0987000006,Người Lạ,chủ tịch\n"  # 6
        + "0987000001,Trùng Số,\n"  # 7: same phone as line 2
        + "0912000002,Đã Có,\n"  # 8: already an account
        + "0987000009,Cấp Ủy,cấp ủy\n"  # 9: not a role for a branch
        + "0987000010,"
        + "A" * 121
        + ",\n"  # 10
    ).encode()
    before = _users()
    result = _run(raw, tree.b2)
    reported = {e.line: e.message for e in result.errors}
    assert sorted(reported) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "Thiếu số điện thoại" in reported[3]
    assert "“12345” không hợp lệ" in reported[4]
    assert "Thiếu họ và tên" in reported[5]
    assert "Vai trò “chủ tịch” không hợp lệ" in reported[6]
    assert "trùng với dòng 2" in reported[7]
    assert "đã có tài khoản" in reported[8]
    assert "Không thể giao vai trò “Cấp ủy”" in reported[9]
    assert "quá dài" in reported[10]
    assert _users() == before


def test_over_the_row_limit_the_file_is_refused_whole(tree) -> None:
    rows = "".join(f"09870{i:05d},Đảng viên số {i}\n" for i in range(11))
    result = _run((HEADER + rows).encode(), tree.b2, max_rows=10)
    assert not result.ok
    assert "hơn 10 dòng" in result.errors[0].message
    assert result.created == []


def test_ten_thousand_and_one_rows_are_refused_by_the_real_limit(app, tree) -> None:
    rows = "".join(f"098{i:07d},Đảng viên số {i}\n" for i in range(10_001))
    raw = (HEADER + rows).encode()
    result = _run(raw, tree.b2, max_rows=app.config["IMPORT_MAX_ROWS"])
    assert not result.ok
    assert "hơn 10.000 dòng" in result.errors[0].message
    assert result.errors[0].line == 10_002


# --- through the web page ------------------------------------------------------------------


def _upload(client, org_id: int, raw: bytes, name: str = "danh-sach.csv"):
    return client.post(
        f"/org/{org_id}/members/import",
        data={"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def test_the_secretary_imports_through_the_page(client, auth, tree) -> None:
    """The page queues the import (run inline here) and shows it done; the passwords are in
    its sheet (tests/handbook/orgs/test_import_job.py)."""
    auth.login("0912000001")
    response = _upload(client, tree.b1.id, (HEADER + "0987111222,Đỗ Thị Yến,\n").encode())
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã nhập 1 đảng viên vào Chi bộ thôn Một." in page
    assert "Tải bảng mật khẩu (PDF)" in page
    assert db.session.scalar(sa.select(User.full_name).where(User.phone == "0987111222")) == (
        "Đỗ Thị Yến"
    )


def test_a_bad_file_shows_every_error_with_its_line(client, auth, tree) -> None:
    auth.login("0912000001")
    before = _users()
    response = _upload(client, tree.b1.id, (HEADER + "0987111222,A,\nabc,B,\n").encode())
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "chưa nhập đảng viên nào" in page
    assert "Dòng 3: Số điện thoại “abc” không hợp lệ." in page
    assert _users() == before


def test_an_upload_over_the_size_limit_is_refused_clearly(make_app, tree) -> None:
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    client.post("/login", data={"login": "0912000001", "password": "mat-khau-thu-nghiem"})
    response = _upload(client, tree.b1.id, b"x" * 4096)
    assert response.status_code == 413
    assert "Tệp tải lên quá lớn (tối đa 1 KB)." in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["0912000002", "secretary_b2"])
def test_only_the_branch_secretary_may_import(client, auth, tree, who) -> None:
    login = who if who.startswith("09") else getattr(tree, who).phone
    auth.login(login)
    response = _upload(client, tree.b1.id, (HEADER + "0987111222,Đỗ Thị Yến,\n").encode())
    assert response.status_code == (403 if who == "0912000002" else 404)
    assert _users() == 8
