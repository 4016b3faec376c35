"""Member import as a background job: the upload is stored and queued, a job checks, makes the
passwords and stores every account at once or none, its progress is live, and the one-time
passwords leave as a PDF sheet that is kept sealed, for a while, for the branch's managers."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from handbook.accounts.models import User
from handbook.accounts.passwords import verify_password
from handbook.audit.models import AuditLog
from handbook.core import claims, db, jobs
from handbook.core.timeutil import utcnow
from handbook.orgs import import_jobs, import_sheet
from handbook.orgs.import_models import ImportStatus, MemberImport
from handbook.orgs.models import Membership, Role
from tests.conftest import Tree, login, socket_for

#: Bulk inserts, the partial unique index, the transaction: the same on both databases.
BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

HEADER = "Số điện thoại,Họ và tên,Vai trò\n"
GOOD = (
    HEADER + "0987 654 321,Nguyễn Thị Hồng,đảng viên\n"
    "+84987654322,  Phạm   Văn Bình ,Bí thư\n"
    "\n"
    "0987654323,Lê Văn Cường,\n"
).encode()
#: Who the good file makes: sign-in name and name, in the file's order.
MADE = [
    ("0987654321", "Nguyễn Thị Hồng"),
    ("0987654322", "Phạm Văn Bình"),
    ("0987654323", "Lê Văn Cường"),
]


def _users() -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def _upload(client: FlaskClient, org_id: int, raw: bytes, name: str = "danh-sach.csv") -> Any:
    return client.post(
        f"/org/{org_id}/members/import",
        data={"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def _secretary(app: Flask, tree: Tree) -> FlaskClient:
    browser = app.test_client()
    login(browser, tree.secretary_b1)
    return browser


def _the_import() -> MemberImport:
    db.session.expire_all()
    return db.session.scalars(sa.select(MemberImport).order_by(MemberImport.id.desc())).first()


def _passwords(pdf: bytes) -> dict[str, tuple[int, str]]:
    """Each slip's sign-in name -> (its page, its password), read back from the PDF's text."""
    found: dict[str, tuple[int, str]] = {}
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        for login_name, password in re.findall(
            r"^ ?(0\d{9})\n([2-9a-z]{12})$", page.extract_text(), re.MULTILINE
        ):
            assert login_name not in found, f"{login_name} printed twice"
            found[login_name] = (number, password)
    return found


# --- the good path ---------------------------------------------------------------------------


@BOTH
def test_an_upload_is_imported_and_its_page_offers_the_password_sheet(app, tree) -> None:
    secretary = _secretary(app, tree)
    before = _users()
    response = _upload(secretary, tree.b1.id, GOOD)
    assert response.status_code == 303
    found = _the_import()
    assert response.headers["Location"].endswith(f"/org/{tree.b1.id}/members/imports/{found.id}")
    assert found.status is ImportStatus.DONE
    assert (found.row_count, found.checked, found.prepared, found.stored) == (3, 3, 3, 3)
    assert found.source is None  # the list itself is not kept
    assert _users() == before + 3
    binh = db.session.scalar(sa.select(User).where(User.phone == "0987654322"))
    assert binh.full_name == "Phạm Văn Bình" and binh.must_change_password
    role = db.session.scalar(sa.select(Membership.role).where(Membership.user_id == binh.id))
    assert role is Role.SECRETARY

    page = secretary.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã nhập 3 đảng viên vào Chi bộ thôn Một." in page
    assert f"/members/imports/{found.id}/sheet.pdf" in page
    assert "Đã in xong, xóa bảng mật khẩu" in page
    # No password on the page itself: only in the sheet.
    assert "must_change" not in page and binh.password_hash not in page


def test_the_sheet_has_a_slip_per_member_whose_password_signs_in_once(app, tree) -> None:
    secretary = _secretary(app, tree)
    _upload(secretary, tree.b1.id, GOOD)
    found = _the_import()
    response = secretary.get(f"/org/{tree.b1.id}/members/imports/{found.id}/sheet.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    pdf = response.get_data()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for _, name in MADE:
        assert name in text
    assert "http://localhost/" in text  # the address the secretary used
    passwords = _passwords(pdf)
    assert sorted(passwords) == sorted(phone for phone, _ in MADE)
    for phone, (_, password) in passwords.items():
        user = db.session.scalar(sa.select(User).where(User.phone == phone))
        assert verify_password(user.password_hash, password)

    # The member signs in with the slip's password and must choose their own at once.
    member = app.test_client()
    signed = member.post(
        "/login", data={"login": "0987654321", "password": passwords["0987654321"][1]}
    )
    assert signed.status_code == 302
    assert signed.headers["Location"].startswith("/account/password")
    assert member.get("/").headers["Location"].startswith("/account/password")

    db.session.expire_all()
    assert db.session.get(MemberImport, found.id).sheet_downloads == 1
    downloads = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "members.sheet_downloaded")
    ).all()
    assert [(d.actor_id, d.target_id) for d in downloads] == [(tree.secretary_b1.id, found.id)]


def test_slips_fill_pages_of_ten_and_none_is_split(app) -> None:
    """23 members: three A4 pages of 10, 10 and 3, every slip whole on one page, long names too."""
    slips = [
        import_sheet.Slip(
            ("Hoàng Thị Thu Hương Nguyễn Phạm Lê Trần Đỗ " if i % 4 == 0 else "Lò Văn ") + str(i),
            f"09870{i:05d}",
            f"{'abcdefghjkmn'[i % 12 :]}{'23456789pqrs'[: i % 12]}",
        )
        for i in range(23)
    ]
    pdf = import_sheet.render("Chi bộ thôn Một", "https://so-tay.example.vn/", slips, "20:00")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]  # A4
    printed = _passwords(pdf)
    assert {login: page for login, (page, _) in printed.items()} == {
        s.login: 1 + i // 10 for i, s in enumerate(slips)
    }
    assert {login: pw for login, (_, pw) in printed.items()} == {s.login: s.password for s in slips}
    last = reader.pages[2].extract_text()
    assert "Trang 3/3" in last and "Hoàng Thị Thu Hương" in last and "20" in last
    for slip in slips:  # a long name on two lines, each inside the slip
        lines = import_sheet._name_lines(slip.full_name, 240)
        assert 1 <= len(lines) <= 2 and " ".join(lines).replace("…", "") in slip.full_name


# --- passwords do not linger -----------------------------------------------------------------


@BOTH
def test_the_sheet_is_stored_sealed_and_erased_when_printed(app, tree) -> None:
    secretary = _secretary(app, tree)
    _upload(secretary, tree.b1.id, GOOD)
    found = _the_import()
    sheet_url = f"/org/{tree.b1.id}/members/imports/{found.id}/sheet.pdf"
    passwords = _passwords(secretary.get(sheet_url).get_data())
    stored = db.session.scalar(sa.select(MemberImport.sheet).where(MemberImport.id == found.id))
    assert stored is not None and b"%PDF" not in stored
    for _, password in passwords.values():
        assert password.encode() not in stored
    # Sealed for this import only: its key does not open it as another import's.
    assert import_sheet.unseal(stored, secret_key=app.secret_key, import_id=found.id + 1) is None
    assert import_sheet.unseal(stored, secret_key="another-secret", import_id=found.id) is None

    erased = secretary.post(f"/org/{tree.b1.id}/members/imports/{found.id}/erase")
    assert erased.status_code == 303
    db.session.expire_all()
    row = db.session.get(MemberImport, found.id)
    assert row.sheet is None and row.sheet_erased_at is not None
    gone = secretary.get(sheet_url)
    assert gone.status_code == 410
    assert "Bảng mật khẩu không còn nữa" in gone.get_data(as_text=True)
    page = secretary.get(f"/org/{tree.b1.id}/members/imports/{found.id}").get_data(as_text=True)
    assert "Bảng mật khẩu đã được xóa khỏi hệ thống" in page
    assert "Tải bảng mật khẩu" not in page
    actions = db.session.scalars(
        sa.select(AuditLog.action).where(AuditLog.target_type == "MemberImport")
    ).all()
    assert actions == ["members.import_started", "members.sheet_downloaded", "members.sheet_erased"]


def test_the_sheet_is_erased_when_its_time_is_up(app, tree) -> None:
    secretary = _secretary(app, tree)
    _upload(secretary, tree.b1.id, GOOD)
    _upload(secretary, tree.b1.id, GOOD.replace(b"098765", b"098766"))
    first, second = db.session.scalars(sa.select(MemberImport).order_by(MemberImport.id)).all()
    assert first.sheet_until - first.finished_at == import_jobs.SHEET_KEEP == timedelta(hours=24)
    first.sheet_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    # Past its time, it is not given even before the sweep comes, and is erased then and there.
    url = f"/org/{tree.b1.id}/members/imports/{first.id}"
    assert "Tải bảng mật khẩu" not in secretary.get(url).get_data(as_text=True)
    assert secretary.get(f"{url}/sheet.pdf").status_code == 410
    db.session.expire_all()
    assert db.session.get(MemberImport, first.id).sheet is None

    second.sheet_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert import_jobs.erase_expired_sheets() == 1  # the minute's sweep
    assert import_jobs.erase_expired_sheets() == 0
    db.session.expire_all()
    assert db.session.get(MemberImport, second.id).sheet is None
    assert db.session.scalar(sa.select(sa.func.count()).where(MemberImport.sheet.is_not(None))) == 0


# --- bad input: nothing stored ---------------------------------------------------------------


@BOTH
def test_ten_thousand_and_one_rows_are_refused_and_nothing_is_stored(app, tree) -> None:
    secretary = _secretary(app, tree)
    before = _users()
    rows = "".join(f"098{i:07d},Đảng viên số {i}\n" for i in range(10_001))
    response = _upload(secretary, tree.b1.id, (HEADER + rows).encode())
    assert response.status_code == 303
    found = _the_import()
    assert found.status is ImportStatus.FAILED
    assert found.errors == [[10_002, "Tệp có hơn 10.000 dòng dữ liệu; vui lòng chia nhỏ tệp."]]
    assert _users() == before and found.source is None and found.sheet is None
    page = secretary.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tệp có 1 lỗi, chưa nhập đảng viên nào" in page
    assert "Dòng 10.002: Tệp có hơn 10.000 dòng dữ liệu; vui lòng chia nhỏ tệp." in page
    assert "Tải lên tệp đã sửa" in page


@BOTH
def test_a_bad_row_on_line_9999_stores_nothing(app, tree) -> None:
    """10,000 rows, the full allowance, all good but line 9,999 (the header is line 1)."""
    secretary = _secretary(app, tree)
    before = _users()
    rows = [f"098{i:07d},Đảng viên số {i}\n" for i in range(10_000)]
    rows[9_997] = "0981234,Số Ngắn,\n"
    _upload(secretary, tree.b1.id, (HEADER + "".join(rows)).encode())
    found = _the_import()
    assert found.status is ImportStatus.FAILED
    assert found.errors == [[9_999, "Số điện thoại “0981234” không hợp lệ."]]
    assert _users() == before
    assert (found.prepared, found.stored, found.source, found.sheet) == (0, 0, None, None)
    page = secretary.get(f"/org/{tree.b1.id}/members/imports/{found.id}").get_data(as_text=True)
    assert "Dòng 9.999: Số điện thoại “0981234” không hợp lệ." in page


def test_a_file_too_big_for_the_row_limit_is_refused_at_upload(make_app, tree) -> None:
    app = make_app(IMPORT_MAX_ROWS=10)  # 10 rows: at most 5 KB
    with app.app_context():
        secretary = _secretary(app, tree)
        response = _upload(secretary, tree.b1.id, HEADER.encode() + b"x" * 6000)
        assert response.status_code == 400
        assert "Tệp quá lớn (5,9 KB): mỗi lần nhập tối đa 10 dòng" in response.get_data(
            as_text=True
        )
        assert db.session.scalar(sa.select(sa.func.count(MemberImport.id))) == 0


@BOTH
def test_an_error_while_storing_leaves_nothing_half_done(app, tree, monkeypatch) -> None:
    """All or nothing: the accounts are written, then the run fails before its commit."""

    def store_then_fail(*args: Any, **kwargs: Any) -> list[int]:
        stored = real_store(*args, **kwargs)
        assert len(stored) == 3
        raise RuntimeError("the disk is full")

    real_store = import_jobs.store
    monkeypatch.setattr(import_jobs, "store", store_then_fail)
    before = _users()
    _upload(_secretary(app, tree), tree.b1.id, GOOD)
    found = _the_import()
    assert found.status is ImportStatus.FAILED
    assert found.error_message.startswith("Không nhập được do lỗi hệ thống; chưa nhập")
    assert _users() == before
    assert found.sheet is None and found.sheet_until is None
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditLog.action == "members.imported"))
        == 0
    )


@BOTH
def test_a_phone_taken_while_the_passwords_are_made_stores_nothing(app, tree, monkeypatch) -> None:
    """Checked free, taken by someone else before the one transaction: refused by line."""

    def taken_meanwhile(count: int, progress: Any = None) -> Any:
        db.session.add(User(full_name="Người Khác", phone="0987654322", password_hash="-"))
        db.session.commit()
        return real(count, progress)

    real = import_jobs.make_passwords
    monkeypatch.setattr(import_jobs, "make_passwords", taken_meanwhile)
    before = _users()
    _upload(_secretary(app, tree), tree.b1.id, GOOD)
    found = _the_import()
    assert found.status is ImportStatus.FAILED
    assert found.errors == [[3, "Số điện thoại 0987654322 đã có tài khoản trong hệ thống."]]
    assert _users() == before + 1  # only the other one


# --- one at a time, and live ------------------------------------------------------------------


@pytest.fixture
def queued_app(make_app: Callable[..., Flask], tree: Tree) -> Any:
    """Jobs queued on the SQLite queue in the instance folder, run only when a test says (made
    after ``tree``, whose app runs jobs inline: the queue's mode is the process's)."""
    app = make_app(JOBS_IMMEDIATE=False)
    with app.app_context():
        yield app
        db.session.remove()
    app.extensions["handbook.engine"].dispose()


@BOTH
def test_a_second_upload_while_one_runs_is_refused_clearly(queued_app, tree) -> None:
    secretary = _secretary(queued_app, tree)
    first = _upload(secretary, tree.b1.id, GOOD)
    assert first.status_code == 303
    running = _the_import()
    assert running.status is ImportStatus.QUEUED
    assert jobs.waiting(import_jobs.run_import) == {(running.id,)}

    second = _upload(secretary, tree.b1.id, GOOD.replace(b"098765", b"098766"))
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Đang có một lượt nhập danh sách cho tổ chức này, chưa xong." in page
    assert f"/members/imports/{running.id}" in page
    assert db.session.scalar(sa.select(sa.func.count(MemberImport.id))) == 1
    # Even a race past that check meets the database's unique index.
    db.session.add(
        MemberImport(organization_id=tree.b1.id, file_name="x.csv", app_url="/", source=b"")
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()

    import_jobs.run_import.call_local(running.id)
    assert _upload(secretary, tree.b1.id, GOOD.replace(b"098765", b"098766")).status_code == 303


@BOTH
def test_progress_is_pushed_to_those_who_follow_the_import(queued_app, tree) -> None:
    _upload(_secretary(queued_app, tree), tree.b1.id, GOOD)
    found = _the_import()
    screen = socket_for(queued_app, tree.secretary_b1)
    ack = screen.emit("member_import.join", {"import": found.id}, callback=True)
    assert ack["ok"] and ack["status"] == "queued" and ack["import"] == found.id
    outsider = socket_for(queued_app, tree.secretary_b2)
    refused = outsider.emit("member_import.join", {"import": found.id}, callback=True)
    assert refused == {"ok": False, "status": 404, "error": "Không tìm thấy lượt nhập này."}
    member = socket_for(queued_app, tree.member_b1)
    assert member.emit("member_import.join", {"import": found.id}, callback=True)["status"] == 404
    assert member.emit("member_import.join", {"import": "1; DROP"}, callback=True)["status"] == 400

    page_url = f"/org/{tree.b1.id}/members/imports/{found.id}"
    secretary = _secretary(queued_app, tree)
    waiting = secretary.get(page_url).get_data(as_text=True)
    assert "Đang chờ xử lý…" in waiting and 'id="import-bar"' in waiting
    assert "socket.io" in waiting and "member_import" in waiting  # the live client, while it runs

    import_jobs.run_import.call_local(found.id)
    heard = [e["args"][0] for e in screen.get_received() if e["name"] == "member_import.status"]
    assert heard[0]["status"] == "processing"
    assert [h["progress"] for h in heard] == sorted(h["progress"] for h in heard)
    assert any(h["checked"] == 3 and h["prepared"] == 0 for h in heard)
    assert any(h["prepared"] == 3 and h["stored"] == 0 for h in heard)
    assert heard[-1] | {"label": ""} == {
        "import": found.id,
        "status": "done",
        "label": "",
        "progress": 100,
        "total": 3,
        "checked": 3,
        "prepared": 3,
        "stored": 3,
        "errors": 0,
        "error": None,
    }
    assert not [e for e in outsider.get_received() if e["name"] == "member_import.status"]
    status = secretary.get(f"{page_url}/status")
    assert status.json == heard[-1] and status.headers["Cache-Control"] == "no-store"
    done = secretary.get(page_url).get_data(as_text=True)
    assert "socket.io" not in done and "member_import" not in done


def test_an_import_left_by_a_dead_worker_is_done_by_the_sweep(queued_app, tree) -> None:
    _upload(_secretary(queued_app, tree), tree.b1.id, GOOD)
    found = _the_import()
    jobs.huey.storage.flush_queue()  # the queue lost it with the worker
    found.status, found.claimed_at = ImportStatus.PROCESSING, utcnow() - claims.STALE_AFTER
    found.claimed_by, found.checked = "elsewhere:1", 2
    db.session.commit()
    assert import_jobs.sweep() == 1
    assert import_jobs.sweep() == 0  # queued once
    (args,) = jobs.waiting(import_jobs.run_import)
    import_jobs.run_import.call_local(*args)
    found = _the_import()
    assert found.status is ImportStatus.DONE and found.stored == 3
    assert _users() == 8 + 3


def test_the_real_worker_imports_while_the_page_follows(queued_app, tree) -> None:
    """Huey's consumer on the SQLite queue (threads), as ``python -m handbook worker`` runs it."""
    secretary = _secretary(queued_app, tree)
    rows = "".join(f"0986{i:06d},Đảng viên số {i}\n" for i in range(600))
    _upload(secretary, tree.b1.id, (HEADER + rows).encode())
    found = _the_import()
    screen = socket_for(queued_app, tree.secretary_b1)
    assert screen.emit("member_import.join", {"import": found.id}, callback=True)["ok"]
    consumer = jobs.start_consumer(queued_app, workers=1, worker_type="thread")
    try:
        deadline = 600
        while _the_import().status.running and deadline:
            time.sleep(0.5)
            deadline -= 1
    finally:
        consumer.stop(graceful=True)
    found = _the_import()
    assert found.status is ImportStatus.DONE and found.stored == 600
    heard = [e["args"][0] for e in screen.get_received() if e["name"] == "member_import.status"]
    assert heard and heard[-1]["status"] == "done"
    assert (
        len(
            _passwords(
                secretary.get(f"/org/{tree.b1.id}/members/imports/{found.id}/sheet.pdf").get_data()
            )
        )
        == 600
    )


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member_b1", 404),
        ("secretary_b2", 404),
        ("committee_c", 404),
        ("admin_district", 200),
        ("platform_admin", 200),
    ],
)
def test_only_those_who_manage_the_members_see_the_import_and_its_sheet(
    app, tree, who: str, status: int
) -> None:
    _upload(_secretary(app, tree), tree.b1.id, GOOD)
    found = _the_import()
    browser = app.test_client()
    login(browser, getattr(tree, who))
    base = f"/org/{tree.b1.id}/members/imports/{found.id}"
    for path in (base, f"{base}/status", f"{base}/sheet.pdf"):
        assert browser.get(path).status_code == status, path
    assert browser.post(f"{base}/erase").status_code == (303 if status == 200 else status)
    # Under another organisation's address, nobody finds it.
    assert browser.get(f"/org/{tree.b2.id}/members/imports/{found.id}").status_code == 404
