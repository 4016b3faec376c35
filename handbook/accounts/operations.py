"""Account state changes: sign-in checks with lockout, password changes, account creation."""

from __future__ import annotations

import enum
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from handbook import db
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
from handbook.timeutil import utcnow

logger = logging.getLogger(__name__)


class LoginFailure(enum.Enum):
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    failure: LoginFailure | None = None
    #: Whole minutes until a locked account may try again.
    retry_minutes: int = 0


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


def authenticate(login: str, password: str, *, now: datetime | None = None) -> LoginResult:
    """Check a sign-in attempt and update the lockout counters; the caller commits."""
    now = now or utcnow()
    user = find_by_login(login)
    if user is None:
        verify_password(None, password)  # same cost as a real check: no account probing by time
        record("auth.login_failed", login=login[:64], reason="unknown")
        return LoginResult(None, LoginFailure.BAD_CREDENTIALS)
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(None, LoginFailure.LOCKED, _minutes_until(user.locked_until, now))
    if not verify_password(user.password_hash, password):
        return _count_failure(user, now)
    if not user.active:
        return LoginResult(None, LoginFailure.DISABLED)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record("auth.login", actor_id=user.id, target=user)
    return LoginResult(user)


def _count_failure(user: User, now: datetime) -> LoginResult:
    # Increment in SQL so parallel attempts from several processes all count.
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
    )
    db.session.refresh(user, ["failed_logins"])
    record("auth.login_failed", target=user, reason="password", count=user.failed_logins)
    if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + current_app.config["LOGIN_LOCKOUT"]
        user.failed_logins = 0
        record("auth.locked", target=user, until=user.locked_until.isoformat())
        logger.warning("account %s locked after repeated failed sign-ins", user.id)
        return LoginResult(None, LoginFailure.LOCKED, _minutes_until(user.locked_until, now))
    return LoginResult(None, LoginFailure.BAD_CREDENTIALS)


def _minutes_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now) / timedelta(minutes=1)))


def change_password(user: User, current: str, new: str) -> str | None:
    """Change the user's own password; returns the Vietnamese reason on refusal."""
    if not verify_password(user.password_hash, current):
        return "Mật khẩu hiện tại không đúng."
    if current == new:
        return "Mật khẩu mới phải khác mật khẩu hiện tại."
    problem = password_problem(new, login_names=(user.phone, user.username))
    if problem:
        return problem
    set_password(user, new, must_change=False)
    record("auth.password_changed", actor_id=user.id, target=user)
    return None


def set_password(user: User, password: str, *, must_change: bool) -> None:
    """Store a new password and end every other session of this user.

    A password someone else will have to change (``must_change``) is a random one-time one.
    """
    user.password_hash = (
        hash_one_time_password(password) if must_change else hash_password(password)
    )
    user.must_change_password = must_change
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None


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
