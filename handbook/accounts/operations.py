"""Account state changes: sign-in checks with lockout, password changes, account creation."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from handbook.accounts import devices, throttle
from handbook.accounts.models import User
from handbook.accounts.passwords import (
    hash_one_time_password,
    hash_password,
    needs_rehash,
    one_time_password,
    password_problem,
    verify_password,
)
from handbook.accounts.phone import normalize_phone
from handbook.audit.operations import record
from handbook.core import db
from handbook.core.timeutil import utcnow

logger = logging.getLogger(__name__)


class LoginFailure(enum.Enum):
    BAD_CREDENTIALS = "bad_credentials"
    #: Too many failures for this name or from this address: wait before trying again.
    WAIT = "wait"
    DISABLED = "disabled"


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    failure: LoginFailure | None = None
    #: Seconds before this name may be tried again from this address (0: at once).
    retry_seconds: int = 0


def find_by_login(login: str) -> User | None:
    """Find an account by phone number (in any common spelling) or by username."""
    login = login.strip()
    if not login:
        return None
    phone = normalize_phone(login)
    if phone is not None:
        user = db.session.scalar(sa.select(User).where(User.phone == phone))
        if user is not None:
            return user
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == login.lower()))


def authenticate(
    login: str, password: str, *, address: str = "", now: datetime | None = None
) -> LoginResult:
    """Check a sign-in attempt against the growing delays; the caller commits.

    Every step is the same for a name with no account as for one with an account: the same
    delays, the same answer, and the same cost (a password check against a dummy hash).
    """
    now = now or utcnow()
    wait = throttle.wait_seconds(login, address, now)
    if wait:
        return LoginResult(None, LoginFailure.WAIT, wait)
    user = find_by_login(login)
    if user is None:
        verify_password(None, password)  # same cost as a real check: no account probing by time
        return _failure(login, address, now, None, reason="unknown")
    if not verify_password(user.password_hash, password):
        return _failure(login, address, now, user, reason="password")
    if not user.active:
        return LoginResult(None, LoginFailure.DISABLED)
    throttle.record_success(login)
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record("auth.login", actor_id=user.id, target=user)
    return LoginResult(user)


def _failure(
    login: str, address: str, now: datetime, user: User | None, *, reason: str
) -> LoginResult:
    wait = throttle.record_failure(login, address, now)
    record("auth.login_failed", target=user, login=login[:64], reason=reason)
    if wait:
        record("auth.login_delayed", target=user, login=login[:64], seconds=wait)
        logger.warning("sign-ins delayed %ss after repeated failures", wait)
    return LoginResult(None, LoginFailure.BAD_CREDENTIALS, wait)


def change_password(
    user: User, current: str, new: str, *, keep_device: int | None = None
) -> str | None:
    """Change the user's own password; returns the Vietnamese reason on refusal."""
    if not verify_password(user.password_hash, current):
        return "Mật khẩu hiện tại không đúng."
    if current == new:
        return "Mật khẩu mới phải khác mật khẩu hiện tại."
    problem = password_problem(new, login_names=(user.phone, user.username))
    if problem:
        return problem
    set_password(user, new, must_change=False, keep_device=keep_device)
    record("auth.password_changed", actor_id=user.id, target=user)
    return None


def set_password(
    user: User, password: str, *, must_change: bool, keep_device: int | None = None
) -> None:
    """Store a new password and end every session and device of this user but ``keep_device``
    (the browser that changed its own password, which the caller signs in again).

    A password someone else will have to change (``must_change``) is a random one-time one.
    """
    user.password_hash = (
        hash_one_time_password(password) if must_change else hash_password(password)
    )
    user.must_change_password = must_change
    user.session_version += 1
    devices.revoke_all(user.id, keep=keep_device)


def reset_password(actor: User, user: User) -> str:
    """Give the user a one-time password they must change at next sign-in; returns it."""
    password = one_time_password()
    set_password(user, password, must_change=True)
    record("auth.password_reset", actor_id=actor.id, target=user)
    return password


def set_active(actor: User, user: User, active: bool) -> None:
    """Disable or re-enable an account; disabling ends its sessions at once."""
    user.active = active
    if not active:
        user.session_version += 1
        devices.revoke_all(user.id)
    record("auth.enabled" if active else "auth.disabled", actor_id=actor.id, target=user)


def create_user(
    *,
    full_name: str,
    phone: str | None = None,
    username: str | None = None,
    password: str | None = None,
    is_admin: bool = False,
) -> tuple[User, str | None]:
    """Create an account. Without a password, a one-time one is made and returned."""
    one_time = None
    if password is None:
        password = one_time = one_time_password()
    user = User(
        full_name=full_name,
        phone=phone,
        username=username,
        password_hash=hash_one_time_password(password) if one_time else hash_password(password),
        must_change_password=one_time is not None,
        is_admin=is_admin,
    )
    db.session.add(user)
    db.session.flush()
    return user, one_time
