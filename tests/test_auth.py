"""Signing in and out: phone or username, lockout, throttling, CSRF, sessions that end."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from handbook import db
from handbook.accounts.models import User
from handbook.accounts.passwords import hash_password, verify_password
from handbook.audit.models import AuditLog
from handbook.timeutil import utcnow
from tests.conftest import PASSWORD

WRONG = "Số điện thoại, tên đăng nhập hoặc mật khẩu không đúng."


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "login", ["0912000002", "+84 912 000 002", "84912000002", "0912.000.002", " 0912-000-002 "]
)
def test_members_sign_in_with_their_phone_in_any_spelling(client, auth, tree, login) -> None:
    response = auth.login(login)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert "Xin chào, Lò Thị Mai" in _text(home)
    assert tree.b1.name in _text(home)


def test_officers_sign_in_with_a_username_in_any_case(client, auth, tree) -> None:
    assert auth.login("ADMIN").status_code == 302
    assert "Xin chào, Quản trị" in _text(client.get("/"))


@pytest.mark.parametrize(
    ("login", "password"),
    [("0912000002", "sai-mat-khau"), ("0999999999", PASSWORD), ("khongco", PASSWORD)],
)
def test_wrong_password_and_unknown_user_get_the_same_answer(auth, tree, login, password) -> None:
    response = auth.login(login, password)
    assert response.status_code == 401
    assert WRONG in _text(response)


def test_empty_form_is_answered_field_by_field(client, tree) -> None:
    response = client.post("/login", data={"login": "", "password": ""})
    assert response.status_code == 400
    assert "Vui lòng nhập số điện thoại hoặc tên đăng nhập." in _text(response)
    assert "Vui lòng nhập mật khẩu." in _text(response)


def test_repeated_failures_lock_the_account_for_a_while(app, client, auth, tree) -> None:
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        assert auth.login("0912000002", "sai-mat-khau").status_code == 401
    locked = auth.login("0912000002", "sai-mat-khau")
    assert locked.status_code == 429
    assert "Tài khoản tạm thời bị khóa" in _text(locked)
    assert "15 phút" in _text(locked)
    # Even the right password is refused while locked.
    still = auth.login("0912000002")
    assert still.status_code == 429
    assert client.get("/").status_code == 302
    # Other accounts are not affected.
    assert auth.login("0912000001").status_code == 302
    actions = db.session.scalars(sa.select(AuditLog.action)).all()
    assert "auth.locked" in actions


def test_the_lock_lifts_by_itself(client, auth, tree) -> None:
    user = db.session.get(User, tree.member_b1.id)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert auth.login("0912000002").status_code == 302


def test_a_disabled_account_cannot_sign_in(auth, tree) -> None:
    user = db.session.get(User, tree.member_b1.id)
    user.active = False
    db.session.commit()
    response = auth.login("0912000002")
    assert response.status_code == 401
    assert "vô hiệu hóa" in _text(response)


def test_sign_in_attempts_are_throttled_per_address(make_app, tree) -> None:
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        client.post("/login", data={"login": "0999999999", "password": "x" * 8})
    response = client.post("/login", data={"login": "0999999999", "password": "x" * 8})
    assert response.status_code == 429
    assert "Bạn thao tác quá nhanh" in _text(response)


def _csrf_token(client, path: str = "/login") -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', _text(client.get(path)))
    assert match, "form has no CSRF token"
    return match.group(1)


def test_a_form_without_its_csrf_token_is_refused(make_app, tree) -> None:
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    client.get("/login")
    response = client.post("/login", data={"login": "0912000002", "password": PASSWORD})
    assert response.status_code == 400
    assert "Phiên làm việc của biểu mẫu đã hết hạn" in _text(response)


def test_an_expired_csrf_token_is_refused_with_a_clear_message(make_app, tree, monkeypatch) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 5 * 3600)
    token = _csrf_token(client)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    response = client.post(
        "/login", data={"login": "0912000002", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400
    assert "Phiên làm việc của biểu mẫu đã hết hạn" in _text(response)
    fresh = _csrf_token(client)
    response = client.post(
        "/login", data={"login": "0912000002", "password": PASSWORD, "csrf_token": fresh}
    )
    assert response.status_code == 302


def test_sign_out_needs_a_post_and_ends_the_session(client, auth, tree) -> None:
    auth.login("0912000002")
    assert client.get("/logout").status_code == 405
    assert auth.logout().status_code == 302
    assert client.get("/").headers["Location"] == "/login"


def test_remember_me_keeps_the_member_signed_in_after_the_browser_closes(app, auth, tree) -> None:
    client = app.test_client()
    client.post("/login", data={"login": "0912000002", "password": PASSWORD, "remember": "y"})
    remember = client.get_cookie("remember_token")
    assert remember is not None
    fresh = app.test_client()  # a new browser session: no session cookie, only the remember one
    fresh.set_cookie("remember_token", remember.value)
    assert "Xin chào, Lò Thị Mai" in _text(fresh.get("/"))


def test_changing_the_password_signs_out_every_other_session(app, client, auth, tree) -> None:
    other = app.test_client()
    other.post("/login", data={"login": "0912000002", "password": PASSWORD, "remember": "y"})
    assert other.get("/").status_code == 200
    auth.login("0912000002")
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "mot-mat-khau-moi", "confirm": "mot-mat-khau-moi"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser stays signed in
    assert other.get("/").headers["Location"].startswith("/login")  # the other one does not
    db.session.expire_all()
    stored = db.session.get(User, tree.member_b1.id).password_hash
    assert verify_password(stored, "mot-mat-khau-moi")


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("sai", "mot-mat-khau-moi", "mot-mat-khau-moi", "Mật khẩu hiện tại không đúng."),
        (PASSWORD, "ngan", "ngan", "ít nhất 8 ký tự"),
        (PASSWORD, "12345678", "12345678", "quá dễ đoán"),
        (PASSWORD, "0912000002", "0912000002", "không được trùng"),
        (PASSWORD, "mot-mat-khau-moi", "khac-han", "không khớp"),
        (PASSWORD, PASSWORD, PASSWORD, "phải khác mật khẩu hiện tại"),
    ],
)
def test_password_change_refusals(client, auth, tree, current, new, confirm, message) -> None:
    auth.login("0912000002")
    response = client.post(
        "/account/password", data={"current": current, "new": new, "confirm": confirm}
    )
    assert response.status_code == 400
    assert message in _text(response)


def test_a_one_time_password_must_be_changed_before_anything_else(client, auth, make_user, tree):
    user = make_user(tree.b1, phone="0912555666", password="mot-lan-dung", must_change=True)
    response = auth.login("0912555666", "mot-lan-dung")
    assert response.headers["Location"] == "/account/password"
    for path in ("/", "/account", f"/org/{tree.b1.id}"):
        assert client.get(path).headers["Location"] == "/account/password"
    client.post(
        "/account/password",
        data={"current": "mot-lan-dung", "new": "cua-rieng-toi", "confirm": "cua-rieng-toi"},
    )
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, user.id).must_change_password


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_sign_in_never_redirects_off_site(client, tree, target) -> None:
    response = client.post(
        f"/login?next={target}", data={"login": "0912000002", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_sign_in_returns_to_the_page_asked_for(client, tree) -> None:
    response = client.post(
        f"/login?next=/org/{tree.b1.id}", data={"login": "0912000002", "password": PASSWORD}
    )
    assert response.headers["Location"] == f"/org/{tree.b1.id}"


def test_old_hashes_are_upgraded_at_sign_in(auth, tree) -> None:
    from argon2 import PasswordHasher

    user = db.session.get(User, tree.member_b1.id)
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.session.commit()
    auth.login("0912000002")
    db.session.expire_all()
    stored = db.session.get(User, tree.member_b1.id).password_hash
    assert stored != weak
    assert "m=19456,t=2,p=1" in stored
    assert hash_password("x").startswith("$argon2id$")


def test_pages_carry_security_headers(client, tree) -> None:
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]  # no inline escape
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    signed_in = client.post(
        "/login", data={"login": "0912000002", "password": PASSWORD, "remember": "y"}
    )
    cookies = signed_in.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} == {"session", "remember_token"}
    for cookie in cookies:
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
