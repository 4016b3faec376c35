"""Signing in and out: phone or username, lockout, throttling, CSRF, sessions that end."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from handbook.accounts.models import User
from handbook.accounts.passwords import hash_password, verify_password
from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.core.timeutil import utcnow
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


class Clock:
    """The sign-in clock, moved by hand: delays are asserted by behaviour, never by sleeping."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    from handbook.accounts import operations

    frozen = Clock()
    monkeypatch.setattr(operations, "utcnow", frozen)
    return frozen


def _attempts(auth, login: str, count: int, password: str = "sai-mat-khau") -> list[tuple]:  # noqa: S107
    answers = []
    for _ in range(count):
        response = auth.login(login, password)
        answers.append((response.status_code, re.sub(r"\d+", "N", _error(response))))
    return answers


def _error(response) -> str:
    match = re.search(r'class="flash flash-error"[^>]*>([^<]+)<', _text(response))
    return match.group(1).strip() if match else ""


def test_known_and_unknown_numbers_are_delayed_alike_and_never_locked(
    app, client, auth, tree, clock
) -> None:
    """No lock that anyone can set on any member, and nothing that tells which numbers have
    accounts: the same answers, the same growing waits, whether the number is known or not."""
    free = app.config["LOGIN_FREE_FAILURES"]
    known = _attempts(auth, "0912000002", free + 2)
    # While the wait lasts even the right password waits; then it signs in at once.
    assert auth.login("0912000002").status_code == 429
    clock.advance(1)
    assert auth.login("0912000002").headers["Location"] == "/"
    auth.logout()
    clock.advance(3600)
    unknown = _attempts(auth, "0999999999", free + 2)
    assert known == unknown
    assert [status for status, _ in known] == [401] * (free + 1) + [429]
    assert known[free - 1][1] == WRONG
    assert known[free][1] == f"{WRONG} Vui lòng chờ N giây trước khi thử lại."
    assert known[free + 1][1] == "Đăng nhập sai nhiều lần. Vui lòng chờ N giây rồi thử lại."
    actions = db.session.scalars(sa.select(AuditLog.action)).all()
    assert actions.count("auth.login_delayed") == 2  # one per name
    assert actions.count("auth.login_failed") == 2 * (free + 1)


def test_the_wait_doubles_up_to_its_cap(app, auth, tree, clock) -> None:
    free, cap = app.config["LOGIN_FREE_FAILURES"], app.config["LOGIN_MAX_DELAY_S"]
    waits = []
    for _ in range(free + 12):
        response = auth.login("0912000002", "sai-mat-khau")
        numbers = re.findall(r"chờ (\d+) (giây|phút)", _text(response))
        waits.append(int(numbers[0][0]) * (60 if numbers[0][1] == "phút" else 1) if numbers else 0)
        clock.advance(waits[-1])
    assert waits[:free] == [0] * free
    assert waits[free : free + 5] == [1, 2, 4, 8, 16]
    assert max(waits) == cap and waits[-1] == cap
    clock.advance(cap)
    assert auth.login("0912000002").status_code == 302  # the member is never shut out for good


def test_one_address_guessing_many_names_is_slowed_too(make_app, tree, clock) -> None:
    app = make_app(LOGIN_FREE_FAILURES_PER_ADDRESS=4)
    guesser, member = app.test_client(), app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    member.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    statuses = [
        guesser.post(
            "/login", data={"login": f"09120000{i:02d}", "password": "sai-mat-khau"}
        ).status_code
        for i in range(10, 16)
    ]
    assert statuses == [401, 401, 401, 401, 401, 429]
    # The member, from their own address, is not slowed by someone else's guessing.
    signed_in = member.post("/login", data={"login": "0912000002", "password": PASSWORD})
    assert signed_in.status_code == 302


def test_a_correct_password_clears_the_count(app, auth, tree, clock) -> None:
    free = app.config["LOGIN_FREE_FAILURES"]
    _attempts(auth, "0912000002", free - 1)
    assert auth.login("0912000002").status_code == 302
    auth.logout()
    assert [s for s, _ in _attempts(auth, "0912000002", free)] == [401] * free


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
    remember = client.get_cookie("remember_device")
    assert remember is not None and remember.max_age == 30 * 24 * 3600
    fresh = app.test_client()  # a new browser session: no session cookie, only the remember one
    fresh.set_cookie("remember_device", remember.value)
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
    assert client.get("/").headers["Location"] == "/account/password"
    for path in ("/account", f"/org/{tree.b1.id}"):  # where they were going comes back after
        assert client.get(path).headers["Location"] == f"/account/password?next={quote(path)}"
    client.post(
        "/account/password",
        data={"current": "mot-lan-dung", "new": "cua-rieng-toi", "confirm": "cua-rieng-toi"},
    )
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, user.id).must_change_password


def test_after_the_forced_change_the_page_asked_for_comes_back(client, make_user, tree):
    make_user(tree.b1, phone="0912555667", password="mot-lan-dung", must_change=True)
    signed = client.post(
        f"/login?next=/org/{tree.b1.id}", data={"login": "0912555667", "password": "mot-lan-dung"}
    )
    assert signed.headers["Location"] == f"/account/password?next=/org/{tree.b1.id}"
    changed = client.post(
        signed.headers["Location"],
        data={"current": "mot-lan-dung", "new": "cua-rieng-toi", "confirm": "cua-rieng-toi"},
    )
    assert changed.headers["Location"] == f"/org/{tree.b1.id}"
    off_site = client.post(
        "/account/password?next=//evil.example/",
        data={"current": "cua-rieng-toi", "new": "mat-khau-moi", "confirm": "mat-khau-moi"},
    )
    assert off_site.headers["Location"] == "/"


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
    assert {c.split("=")[0] for c in cookies} == {"session", "remember_device"}
    for cookie in cookies:
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
