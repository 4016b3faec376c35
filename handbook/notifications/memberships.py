"""Telling of a transfer (``orgs.transfer.transferred``): the member, where they now belong,
and the secretaries of the branch joined, who has arrived. Stored in the transfer's
transaction, pushed after its commit (``operations``), never to the officer who did it."""

from __future__ import annotations

from typing import Any

from handbook.notifications.operations import notify, push_after_commit
from handbook.orgs.transfer import Transferred, secretaries_of, transferred

#: The notices' kinds (``messages.message`` words their pushes).
MOVED = "membership.transferred"
ARRIVED = "membership.arrived"


@transferred.connect
def _tell(done: Transferred, **_: Any) -> None:
    plan = done.plan
    user, source, destination = plan.user, plan.source, plan.destination
    day = f"{plan.on:%d/%m/%Y}"
    key = f"transfer:{done.ended.id}"
    told = {
        "title": f"Đồng chí đã được chuyển sinh hoạt đến {destination.name}",
        "organization": destination.name,
        "source": source.name,
        "when": f"Từ ngày {day}",
        "url": f"/org/{destination.id}",
    }
    if user.id != done.actor.id:
        users = notify([user.id], kind=MOVED, payload=told, dedupe_key=f"{key}:member")
        push_after_commit(users, kind=MOVED, payload=told)
    arrived = {
        "title": f"Đảng viên chuyển đến: {user.full_name}",
        "organization": destination.name,
        "source": source.name,
        "when": f"Từ {source.name}, ngày {day}",
        "url": f"/org/{destination.id}/members#m{user.id}",
    }
    secretaries = secretaries_of(destination, besides=(done.actor.id, user.id))
    users = notify(secretaries, kind=ARRIVED, payload=arrived, dedupe_key=f"{key}:secretary")
    push_after_commit(users, kind=ARRIVED, payload=arrived)
