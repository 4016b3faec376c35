"""The command line: demo (twice, no duplicates), create-admin, import-members."""

from __future__ import annotations

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.accounts.passwords import verify_password
from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.demo import DEMO_PASSWORD
from handbook.documents.models import Document, DocumentStatus
from handbook.meetings.models import AgendaItem, Meeting
from handbook.orgs.models import Membership, Organization, Reach


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Organization, User, Membership, Meeting, AgendaItem, Document)
    }


def test_demo_builds_the_tree_people_and_meetings_once(runner) -> None:
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "0912000001" in first.output
    assert DEMO_PASSWORD in first.output
    counts = _counts()
    assert counts == {
        "Organization": 5,
        "User": 9,
        "Membership": 8,
        "Meeting": 3,
        "AgendaItem": 10,
        "Document": 3,
    }
    documents = db.session.scalars(sa.select(Document).order_by(Document.id)).all()
    assert {d.kind for d in documents} == {"pdf", "docx"}
    assert all(d.status is DocumentStatus.READY for d in documents), [
        d.error_message for d in documents
    ]
    scanned = next(d for d in documents if d.filename.startswith("thong-bao"))
    assert scanned.reach is Reach.SUBTREE
    assert any(page.ocr for page in scanned.pages)
    assert "Hội trường Ủy ban nhân dân xã" in " ".join(p.text for p in scanned.pages)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == counts
    secretary = db.session.scalar(sa.select(User).where(User.phone == "0912000001"))
    assert verify_password(secretary.password_hash, DEMO_PASSWORD)
    assert not secretary.must_change_password
    branch = secretary.memberships[0].organization
    assert branch.name == "Chi bộ thôn Nà Phìa"
    assert [
        o.name
        for o in db.session.scalars(
            sa.select(Organization)
            .where(Organization.id.in_(branch.ancestor_ids))
            .order_by(Organization.depth)
        )
    ] == ["Tỉnh Sơn Lâm", "Huyện Bản Mây", "Xã Tân Tiến", "Chi bộ thôn Nà Phìa"]


def test_create_admin_then_reset_it(runner) -> None:
    result = runner.invoke(
        args=["create-admin", "--username", "quantri"],
        env={"HANDBOOK_ADMIN_PASSWORD": "mat-khau-quan-tri"},
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(sa.select(User).where(User.username == "quantri"))
    assert admin.is_admin and verify_password(admin.password_hash, "mat-khau-quan-tri")
    again = runner.invoke(
        args=["create-admin", "--username", "quantri"],
        env={"HANDBOOK_ADMIN_PASSWORD": "mat-khau-moi-hon"},
    )
    assert again.exit_code == 0
    assert "đã đặt lại mật khẩu" in again.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_create_admin_refuses_a_weak_password(runner) -> None:
    result = runner.invoke(args=["create-admin"], env={"HANDBOOK_ADMIN_PASSWORD": "123"})
    assert result.exit_code != 0
    assert "ít nhất 8 ký tự" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_import_members_prints_one_time_passwords(runner, tree, tmp_path) -> None:
    csv_file = tmp_path / "ds.csv"
    csv_file.write_text("Số điện thoại,Họ và tên\n0977000001,Hà Thị Vân\n", encoding="utf-8")
    result = runner.invoke(args=["import-members", "--org", str(tree.b2.id), str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập 1 đảng viên vào Chi bộ thôn Hai" in result.output
    line = next(line for line in result.output.splitlines() if "0977000001" in line)
    password = line.split("\t")[-1]
    user = db.session.scalar(sa.select(User).where(User.phone == "0977000001"))
    assert verify_password(user.password_hash, password)
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "members.imported"))
    assert audit.details == {"count": 1, "user_ids": [user.id]}


def test_import_members_reports_bad_rows_and_imports_nothing(runner, tree, tmp_path) -> None:
    csv_file = tmp_path / "ds.csv"
    csv_file.write_text(
        "Số điện thoại,Họ và tên\n0977000001,Hà Thị Vân\nabc,Sai\n", encoding="utf-8"
    )
    result = runner.invoke(args=["import-members", "--org", str(tree.b2.id), str(csv_file)])
    assert result.exit_code == 1
    assert "Dòng 3: Số điện thoại “abc” không hợp lệ." in result.output
    assert "chưa nhập đảng viên nào" in result.output
    assert db.session.scalar(sa.select(User).where(User.phone == "0977000001")) is None


def test_import_members_into_a_missing_organisation(runner, tmp_path) -> None:
    csv_file = tmp_path / "ds.csv"
    csv_file.write_text("phone,name\n", encoding="utf-8")
    result = runner.invoke(args=["import-members", "--org", "4242", str(csv_file)])
    assert result.exit_code == 1
    assert "Không có tổ chức nào mang số 4242" in result.output
