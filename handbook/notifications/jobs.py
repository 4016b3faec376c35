"""Web Push in the background: after a notice is committed, to the phones of the members who
want it and have no page open.

``push_notice`` runs once per notice (queued by ``operations.push_after_commit``); a push the
service could not take now (429, 5xx, no connection) is tried again later by ``retry_push``
for those subscriptions only, so nobody gets it twice, until ``PUSH_MAX_ATTEMPTS``. A push is
a courtesy on top of the stored notification, which the member finds in the app whatever
happens here: there is no sweep, and a push the queue never took is not sent later.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from handbook.core import db
from handbook.core.jobs import job
from handbook.core.timeutil import utcnow
from handbook.notifications import messages, subscriptions, webpush
from handbook.notifications.messages import Message
from handbook.notifications.models import PushSubscription
from handbook.notifications.webpush import Outcome

logger = logging.getLogger(__name__)


@job()
def push_notice(user_ids: list[int], kind: str, payload: dict[str, Any]) -> int:
    """Push a committed notice to every subscription of those who want it now; returns how
    many pushes the services took."""
    message = messages.message(kind, payload)
    if message is None:
        return 0
    wanted = subscriptions.recipients(user_ids, kind)
    ids = [s.id for s in subscriptions.reachable(wanted)]
    if not ids:
        return 0
    return _deliver(ids, message, attempt=1)


@job()
def retry_push(
    subscription_ids: list[int], data: dict[str, Any], urgency: str, attempt: int
) -> int:
    """Try again the pushes a service could not take earlier (only those)."""
    return _deliver(subscription_ids, Message(data=data, urgency=urgency), attempt=attempt)


def _deliver(subscription_ids: list[int], message: Message, *, attempt: int) -> int:
    # Read what is needed, then end the read: no transaction stays open across the network.
    targets = [
        (s.id, s.endpoint, s.p256dh, s.auth)
        for s in subscriptions.reachable_by_id(subscription_ids)
    ]
    db.session.commit()
    if not targets:
        return 0
    key = webpush.vapid()
    outcomes = {
        sid: webpush.send(endpoint, p256dh, auth, message, key)
        for sid, endpoint, p256dh, auth in targets
    }
    _record(outcomes)
    again = [sid for sid, outcome in outcomes.items() if outcome is Outcome.RETRY]
    if again:
        _retry_later(again, message, attempt)
    return sum(outcome is Outcome.SENT for outcome in outcomes.values())


def _record(outcomes: dict[int, Outcome]) -> None:
    sent = [sid for sid, outcome in outcomes.items() if outcome is Outcome.SENT]
    gone = [sid for sid, outcome in outcomes.items() if outcome is Outcome.GONE]
    failed = [
        sid for sid, outcome in outcomes.items() if outcome in (Outcome.RETRY, Outcome.FAILED)
    ]
    if sent:
        db.session.execute(
            sa.update(PushSubscription)
            .where(PushSubscription.id.in_(sent))
            .values(last_sent_at=utcnow(), failures=0)
        )
    if failed:
        db.session.execute(
            sa.update(PushSubscription)
            .where(PushSubscription.id.in_(failed))
            .values(failures=PushSubscription.failures + 1)
        )
    if gone:
        db.session.execute(sa.delete(PushSubscription).where(PushSubscription.id.in_(gone)))
        logger.info("push subscriptions %s gone at their service: deleted", gone)
    db.session.commit()


def _retry_later(subscription_ids: list[int], message: Message, attempt: int) -> None:
    config = current_app.config
    if attempt >= int(config["PUSH_MAX_ATTEMPTS"]):
        logger.warning(
            "gave up pushing %s to subscriptions %s after %s tries",
            message.data.get("tag"),
            subscription_ids,
            attempt,
        )
        return
    delay = timedelta(seconds=float(config["PUSH_RETRY_DELAY_S"]) * 2 ** (attempt - 1))
    retry_push.schedule(
        args=(subscription_ids, message.data, message.urgency, attempt + 1), delay=delay
    )
