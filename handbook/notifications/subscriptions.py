"""Members' push subscriptions (one per browser, filed under its signed-in device) and what
each member wants pushed.

A subscription is made only after the member taps "Bật thông báo trên máy này", on a signed-in
device; signing that device out (or every device) deletes it, through the accounts domain's
``revoked`` signal. A subscription is only ever found through its owner: deleting someone
else's endpoint deletes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from handbook.accounts.devices import revoked
from handbook.accounts.models import Device
from handbook.core import db
from handbook.core.realtime import live_users
from handbook.core.timeutil import utcnow
from handbook.notifications.messages import PREFERENCE
from handbook.notifications.models import PushPreference, PushSubscription
from handbook.notifications.webpush import check_endpoint, check_keys

logger = logging.getLogger(__name__)

#: The checkboxes of the settings page: the preference, and what the member reads.
CHOICES: tuple[tuple[str, str], ...] = (
    ("meetings", "Lịch sinh hoạt mới (và khi lịch đổi hoặc bị hủy)"),
    ("reminders", "Nhắc trước buổi sinh hoạt"),
    ("replies", "Có người trả lời góp ý của tôi"),
    ("mentions", "Có người nhắc đến tôi trong góp ý"),
)


def subscribe(user_id: int, device: Device, *, endpoint: str, p256dh: str, auth: str) -> bool:
    """File this browser's subscription under the member and the device; returns whether it
    is new. The same endpoint again (a renewed key, another member now signed in on this
    browser) replaces the old row: the endpoint names one browser. Raises ``EndpointRefused``
    for an endpoint or keys we will not use. The caller commits."""
    check_endpoint(endpoint)
    check_keys(p256dh, auth)
    existing = db.session.scalar(
        sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    if existing is None:
        db.session.add(
            PushSubscription(
                user_id=user_id, device_id=device.id, endpoint=endpoint, p256dh=p256dh, auth=auth
            )
        )
        logger.info("push subscription added for user %s on device %s", user_id, device.id)
        return True
    existing.user_id, existing.device_id = user_id, device.id
    existing.p256dh, existing.auth, existing.failures = p256dh, auth, 0
    return False


def unsubscribe(user_id: int, endpoint: str) -> int:
    """Delete the member's own subscription with this endpoint; returns how many (0 or 1)."""
    result = db.session.execute(
        sa.delete(PushSubscription).where(
            PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def for_device(user_id: int, device_id: int) -> list[PushSubscription]:
    return list(
        db.session.scalars(
            sa.select(PushSubscription).where(
                PushSubscription.user_id == user_id, PushSubscription.device_id == device_id
            )
        )
    )


@revoked.connect
def _device_revoked(_sender: Any, *, device_id: int) -> None:
    """A signed-out device gets no more pushes: its subscriptions go in the same transaction."""
    db.session.execute(sa.delete(PushSubscription).where(PushSubscription.device_id == device_id))


# --- preferences -------------------------------------------------------------------------------


def preferences(user_id: int) -> dict[str, bool]:
    """What the member wants pushed, by ``CHOICES`` name (all on without a stored choice)."""
    row = db.session.get(PushPreference, user_id)
    return {name: row is None or bool(getattr(row, name)) for name, _label in CHOICES}


def set_preferences(user_id: int, wanted: Iterable[str]) -> dict[str, bool]:
    """Store the member's choice (names not in ``wanted`` are off); the caller commits."""
    on = set(wanted)
    row = db.session.get(PushPreference, user_id)
    if row is None:
        row = PushPreference(user_id=user_id)
        db.session.add(row)
    for name, _label in CHOICES:
        setattr(row, name, name in on)
    row.updated_at = utcnow()
    return {name: name in on for name, _label in CHOICES}


def recipients(user_ids: Iterable[int], kind: str) -> list[int]:
    """Of these members, those who want this kind pushed and have no page open right now (an
    open page was told by its socket already)."""
    column = PREFERENCE.get(kind)
    ids = sorted(set(user_ids))
    if column is None or not ids:
        return []
    off: set[int] = set()
    for part in chunks(ids):
        off.update(
            db.session.scalars(
                sa.select(PushPreference.user_id).where(
                    PushPreference.user_id.in_(part), getattr(PushPreference, column).is_(False)
                )
            )
        )
    live = live_users(ids)
    if off or live:
        logger.info("%s: not pushed to %s (turned off) nor %s (app open)", kind, off, live)
    return [uid for uid in ids if uid not in off and uid not in live]


def reachable(user_ids: list[int]) -> list[PushSubscription]:
    """The subscriptions of these members on devices still signed in."""
    return [
        found for part in chunks(user_ids) for found in _live(PushSubscription.user_id.in_(part))
    ]


def reachable_by_id(subscription_ids: list[int]) -> list[PushSubscription]:
    """These subscriptions, those still there on devices still signed in."""
    return [
        found for part in chunks(subscription_ids) for found in _live(PushSubscription.id.in_(part))
    ]


#: Ids bound in one ``IN (…)``: PostgreSQL takes at most 65,535 parameters a statement, and a
#: province's publication is told to 50,000 members or more.
CHUNK = 5_000


def chunks(ids: list[int]) -> Iterator[list[int]]:
    """``ids`` sorted, ``CHUNK`` at a time."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _live(where: sa.ColumnElement[bool]) -> list[PushSubscription]:
    return list(
        db.session.scalars(
            sa.select(PushSubscription)
            .join(Device, PushSubscription.device_id == Device.id)
            .where(where, Device.revoked_at.is_(None), Device.expires_at > utcnow())
            .order_by(PushSubscription.id)
        )
    )
