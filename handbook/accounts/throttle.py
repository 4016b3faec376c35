"""Growing delays after failed sign-ins, per sign-in name and per address.

A hard lock let anyone lock any member out and told which numbers have accounts (a known
number locked, an unknown one never did). Instead, failures are counted against a hash of
the name as typed and against the address; after a few free tries each further failure
doubles the wait before the next try, up to a cap. A name with no account is counted and
delayed exactly like one with an account, and a correct password never waits longer than
the cap. Failures are forgotten after a quiet spell.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from handbook.accounts.models import LoginThrottle
from handbook.accounts.phone import normalize_phone
from handbook.core import db


@dataclass(frozen=True)
class Rule:
    prefix: str
    #: Failures allowed before any wait.
    free: int


def _rules() -> tuple[Rule, Rule]:
    config = current_app.config
    return Rule("name", config["LOGIN_FREE_FAILURES"]), Rule(
        "addr", config["LOGIN_FREE_FAILURES_PER_ADDRESS"]
    )


def name_key(login: str) -> str:
    """One key for every spelling of a name: ``0912 000 002`` and ``+84912000002`` agree."""
    login = login.strip()
    canonical = normalize_phone(login) or login.lower()
    return hashlib.sha256(canonical.encode()).hexdigest()[:40]


def _keys(login: str, address: str) -> list[tuple[str, Rule]]:
    by_name, by_address = _rules()
    address_hash = hashlib.sha256(address.encode()).hexdigest()[:40]
    return [(f"name:{name_key(login)}", by_name), (f"addr:{address_hash}", by_address)]


def wait_seconds(login: str, address: str, now: datetime) -> int:
    """Whole seconds until this name may be tried again from this address (0: now)."""
    keys = [key for key, _rule in _keys(login, address)]
    # `blocked_until > now` is never true of NULL; the None check says so to the type checker.
    until = [
        blocked
        for blocked in db.session.scalars(
            sa.select(LoginThrottle.blocked_until).where(
                LoginThrottle.key.in_(keys), LoginThrottle.blocked_until > now
            )
        )
        if blocked is not None
    ]
    if not until:
        return 0
    return max(1, math.ceil((max(until) - now).total_seconds()))


def delay_after(failures: int, free: int, cap: timedelta) -> timedelta:
    """1 s after the first failure past the free ones, then doubling: 2 s, 4 s, … up to ``cap``."""
    if failures <= free:
        return timedelta(0)
    return min(cap, timedelta(seconds=2 ** min(failures - free - 1, 30)))


def record_failure(login: str, address: str, now: datetime) -> int:
    """Count a failure against the name and the address; returns the new wait in seconds."""
    cap = timedelta(seconds=current_app.config["LOGIN_MAX_DELAY_S"])
    forget = timedelta(seconds=current_app.config["LOGIN_FORGET_AFTER_S"])
    for key, rule in _keys(login, address):
        row = db.session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            db.session.add(row)
        elif now - row.last_failure_at > forget:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        delay = delay_after(row.failures, rule.free, cap)
        row.blocked_until = now + delay if delay else None
    db.session.flush()
    return wait_seconds(login, address, now)


def record_success(login: str) -> None:
    """A correct password clears the name's count (not the address's: one good account must
    not let an address go on guessing others)."""
    db.session.execute(
        sa.delete(LoginThrottle).where(LoginThrottle.key == f"name:{name_key(login)}")
    )


def prune(now: datetime) -> int:
    """Forget counts idle for longer than the quiet spell (run hourly by ``accounts/jobs.py``)."""
    forget = timedelta(seconds=current_app.config["LOGIN_FORGET_AFTER_S"])
    result = db.session.execute(
        sa.delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - forget)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
