"""Signed-in devices: every sign-in is a record on the server that signing out revokes.

A browser's session cookie and its "remember me" cookie both name a device and carry its
secret; the server keeps only a hash of that secret. Each request and each socket connection
checks the record, so a cookie copied before sign-out (or kept by a stolen phone that was
signed out from another device) opens nothing. The record, not the browser's exact
User-Agent, is what binds a session: a member whose browser updates itself stays signed in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from blinker import Namespace

from handbook.accounts.models import Device, User
from handbook.core import db
from handbook.core.timeutil import utcnow

#: A remembered device stays signed in this long after it was last used (sliding).
REMEMBER_FOR = timedelta(days=30)
#: A device not remembered ends with the browser, or after this long without use.
SESSION_FOR = timedelta(days=1)
#: Last-seen times are written at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=5)

#: Sent in the transaction that signs a device out, with ``device_id``: features that keep
#: something per device (its push subscriptions) let it go.
revoked = Namespace().signal("device.revoked")


@dataclass(frozen=True)
class Credential:
    """What the browser keeps: ``<device id>.<secret>``, in the session and the remember cookie."""

    device_id: int
    secret: str

    def __str__(self) -> str:
        return f"{self.device_id}.{self.secret}"

    @classmethod
    def parse(cls, raw: object) -> Credential | None:
        if not isinstance(raw, str):
            return None
        device_id, _, secret = raw.partition(".")
        if not device_id.isdigit() or len(device_id) > 18 or not 20 <= len(secret) <= 100:
            return None
        return cls(int(device_id), secret)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def readable_name(user_agent: str) -> str:
    """ "Chrome Mobile trên Samsung SM-A105F", "Safari trên iPhone", "Cốc Cốc trên Windows"."""
    # Imported here: ua-parser and its rules load at the first sign-in, not at start (cold start).
    from ua_parser import parse

    parsed = parse(user_agent[:512]) if user_agent else None
    if parsed is None:
        return "Thiết bị không rõ"
    browser = parsed.user_agent.family if parsed.user_agent else None
    browser = {"Coc Coc": "Cốc Cốc", "Other": None}.get(browser or "", browser)
    where = None
    if parsed.device and parsed.device.family not in ("Other", "Generic Smartphone"):
        where = " ".join(p for p in (parsed.device.brand, parsed.device.model) if p)
        where = where or parsed.device.family
    if not where and parsed.os and parsed.os.family != "Other":
        where = parsed.os.family
    if browser and where:
        return f"{browser} trên {where}"[:120]
    return (browser or where or "Thiết bị không rõ")[:120]


def start(user: User, *, remember: bool, user_agent: str, address: str) -> Credential:
    """Record a new sign-in; the caller commits and hands the credential to the browser."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    device = Device(
        user_id=user.id,
        secret_hash=_hash(secret),
        name=readable_name(user_agent),
        user_agent=user_agent[:300],
        address=address[:64],
        remember=remember,
        created_at=now,
        last_seen_at=now,
        expires_at=now + (REMEMBER_FOR if remember else SESSION_FOR),
    )
    db.session.add(device)
    db.session.flush()
    return Credential(device.id, secret)


@dataclass(frozen=True)
class Checked:
    device: Device
    #: Its expiry moved on just now (sliding): a remember cookie should be sent again.
    slid: bool


def check(credential: Credential | None, user_id: int) -> Checked | None:
    """The live device this credential names for this user, its last use recorded; else None."""
    device = find(credential)
    if device is None or device.user_id != user_id:
        return None
    now = utcnow()
    if not device.is_live(now):
        return None
    return Checked(device, slid=touch(device.id, device.remember, device.last_seen_at, now))


def touch(device_id: int, remember: bool, last_seen_at: datetime, now: datetime) -> bool:
    """Record a live device's use, at most every ``TOUCH_EVERY``; whether its expiry slid.

    In its own short statement and commit: this runs when a request (or a socket connection)
    first asks who is signed in, before it has written anything of its own."""
    if now - last_seen_at < TOUCH_EVERY:
        return False
    expires = now + (REMEMBER_FOR if remember else SESSION_FOR)
    db.session.execute(
        sa.update(Device).where(Device.id == device_id).values(last_seen_at=now, expires_at=expires)
    )
    db.session.commit()
    return True


def find(credential: Credential | None) -> Device | None:
    """The device a credential names, live or not, if the secret matches."""
    if credential is None:
        return None
    device = db.session.get(Device, credential.device_id)
    if device is None or not holds_secret(device.secret_hash, credential):
        return None
    return device


def holds_secret(secret_hash: str, credential: Credential) -> bool:
    """Whether the credential carries the secret whose hash the device record keeps."""
    return hmac.compare_digest(secret_hash, _hash(credential.secret))


def live_devices(user: User) -> list[Device]:
    now = utcnow()
    return list(
        db.session.scalars(
            sa.select(Device)
            .where(Device.user_id == user.id, Device.revoked_at.is_(None), Device.expires_at > now)
            .order_by(Device.last_seen_at.desc())
        )
    )


def revoke(device: Device) -> None:
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        revoked.send(None, device_id=device.id)


def revoke_all(user_id: int, *, keep: int | None = None) -> list[Device]:
    """Revoke every live device of the user (but ``keep``); returns those revoked."""
    query = sa.select(Device).where(Device.user_id == user_id, Device.revoked_at.is_(None))
    if keep is not None:
        query = query.where(Device.id != keep)
    revoked = list(db.session.scalars(query))
    for device in revoked:
        revoke(device)
    return revoked


#: Signed-out and expired devices are kept this long for the account page's history, then go.
KEEP_ENDED = timedelta(days=90)


def prune(now: datetime) -> int:
    result = db.session.execute(
        sa.delete(Device).where(
            sa.or_(Device.revoked_at < now - KEEP_ENDED, Device.expires_at < now - KEEP_ENDED)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
