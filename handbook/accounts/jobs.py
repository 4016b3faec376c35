"""The accounts domain's housekeeping: sign-in failure counts after a quiet spell, and devices
long expired or signed out, are forgotten every hour."""

from __future__ import annotations

from handbook.accounts import devices, throttle
from handbook.core import db
from handbook.core.jobs import periodic
from handbook.core.timeutil import utcnow


def forget_old_sign_ins() -> int:
    now = utcnow()
    removed = throttle.prune(now) + devices.prune(now)
    db.session.commit()
    return removed


@periodic(minute="23")
def _hourly() -> None:
    forget_old_sign_ins()
