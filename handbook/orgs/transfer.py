"""Moving a member's Party activity from one branch to another (chuyển sinh hoạt đảng).

Who: whoever the policy grants ``ORG_TRANSFER_MEMBERS`` over both branches, the one left and
the one joined: a committee officer or admin whose subtree holds both, a platform
administrator, or someone who is secretary of both. A branch secretary alone moves nobody (the
branch joined is not theirs); nobody moves themselves; a holder of "Cấp ủy" or "Quản trị" in
the branch left is moved only by an admin, as only an admin takes those roles (``roles.py``).

What, in the caller's transaction: the membership in the branch left ends exactly as "Thôi
sinh hoạt" ends one (``roles.close_membership``: the row moves to ``ended_memberships``,
reason "moved", the note "Chuyển sinh hoạt đến …"); a membership in the branch joined begins
on the transfer's date as a plain member ("Đảng viên": a secretary of one branch is not the
other's), with the standing (official, probationary) carried over, and the situation too
unless the transfer ends it (``carried_situation``); both branches' logs get
``membership.transferred``; ``transferred`` is sent so the notifications tell the member and
the secretaries of the branch joined. The account stays as it was, and with it the member's
history (reading, comments, check-ins, ballots stay on the old branch's meetings): the policy
reads memberships, so the old branch's material closes to them at once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so
from blinker import signal

from handbook.accounts.models import User
from handbook.audit.operations import record
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.core.timeutil import VIETNAM_TZ, to_local, utcnow
from handbook.orgs import roles
from handbook.orgs.models import (
    EndedMembership,
    EndReason,
    Membership,
    Organization,
    OrgKind,
    Role,
    Situation,
    Standing,
)
from handbook.orgs.policy import SECRETARY_GIVES, assignable_roles, organizations_where

logger = logging.getLogger(__name__)

#: Sent with the ``Transferred`` in its transaction (the notifications tell who should know).
transferred = signal("orgs.transfer.transferred")

#: The officer's note; with "Chuyển sinh hoạt đến <name>" it fits the ended record's 500.
NOTE_MAX = 250

#: A situation that belongs to the branch left: "temporarily working elsewhere" is said of a
#: member away from that branch, and a transfer is what ends it. An exemption and a
#: suspension are decided about the person and follow them while their dates last.
ENDS_WITH_TRANSFER = frozenset({Situation.ELSEWHERE})


class TransferError(ValueError):
    """A transfer refused as asked; the message is for the user, ``status`` the answer's."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Plan:
    """What a transfer will do, checked: the confirmation page shows it, ``transfer`` does it."""

    user: User
    source: Organization
    destination: Organization
    on: date
    note: str
    #: What the member holds in the branch left: the role ends, the standing is carried.
    role: Role
    standing: Standing
    #: The situation carried to the branch joined, and one the transfer ends.
    situation: Situation | None
    dropped: Situation | None


@dataclass(frozen=True)
class Transferred:
    """A transfer done: the membership begun, the one ended (kept), and who did it."""

    plan: Plan
    joined: Membership
    ended: EndedMembership
    actor: User


def carried_situation(
    membership: Membership, on: date
) -> tuple[Situation | None, Situation | None]:
    """(the situation the branch joined takes over, the one the transfer ends): one that is
    over by ``on`` goes with neither; "working elsewhere" ends with the transfer."""
    situation = membership.situation
    if situation is None:
        return None, None
    if membership.situation_until is not None and membership.situation_until < on:
        return None, None
    if situation in ENDS_WITH_TRANSFER:
        return None, situation
    return situation, None


def destinations(actor: User, membership: Membership) -> list[tuple[str, list[Organization]]]:
    """The branches ``actor`` may move the member into, by the organisation they belong to
    (the branch's own commune first, then by name): not the branch left, nor one the member
    is already in."""
    source = membership.organization
    theirs = sa.select(Membership.organization_id).where(Membership.user_id == membership.user_id)
    parent = so.aliased(Organization)
    rows = db.session.execute(
        sa.select(Organization, parent.name)
        .outerjoin(parent, Organization.parent_id == parent.id)
        .where(
            Organization.kind == OrgKind.BRANCH,
            Organization.id.not_in(theirs),
            organizations_where(actor, Action.ORG_TRANSFER_MEMBERS),
        )
        .order_by(Organization.parent_id != source.parent_id, parent.name, Organization.name)
    ).all()
    groups: dict[str, list[Organization]] = {}
    for branch, parent_name in rows:
        groups.setdefault(parent_name or "", []).append(branch)
    return list(groups.items())


def may_start(actor: User, org: Organization) -> bool:
    """Whether the member list offers "Chuyển sinh hoạt" (a branch, and somewhere else the
    actor may move its members to)."""
    if org.kind is not OrgKind.BRANCH or not can(actor, Action.ORG_TRANSFER_MEMBERS, org):
        return False
    elsewhere = sa.select(Organization.id).where(
        Organization.kind == OrgKind.BRANCH,
        Organization.id != org.id,
        organizations_where(actor, Action.ORG_TRANSFER_MEMBERS),
    )
    return db.session.scalar(elsewhere.limit(1)) is not None


def movable_roles(actor: User, org: Organization) -> frozenset[Role]:
    """The roles held at ``org`` whose holders ``actor`` may move (with the policy's grant):
    members and secretaries, and any role for an admin, who alone takes "Cấp ủy" and "Quản
    trị"."""
    return assignable_roles(actor, org) | SECRETARY_GIVES


def check_destination(source: Organization, destination: Organization) -> None:
    """Refuse a destination that is no other branch (before the policy is asked of it)."""
    if destination.id == source.id:
        raise TransferError(f"Đảng viên đang sinh hoạt ở {source.name}; hãy chọn chi bộ khác.")
    if destination.kind is not OrgKind.BRANCH:
        raise TransferError(
            f"Chỉ chuyển sinh hoạt đến một chi bộ; “{destination.name}” là "
            f"{destination.kind.label.lower()}."
        )


def plan(
    actor: User, membership: Membership, destination: Organization, on: date, note: str = ""
) -> Plan:
    """Check a transfer as asked and say what it will do, changing nothing."""
    source, user = membership.organization, membership.user
    if membership.user_id == actor.id:
        raise TransferError(
            "Đồng chí không thể tự chuyển sinh hoạt của mình; hãy đề nghị cấp ủy cấp trên.", 403
        )
    if source.kind is not OrgKind.BRANCH:
        raise TransferError("Chỉ chuyển sinh hoạt được đảng viên của một chi bộ.")
    check_destination(source, destination)
    if not all(can(actor, Action.ORG_TRANSFER_MEMBERS, org) for org in (source, destination)):
        raise TransferError("Đồng chí chỉ chuyển sinh hoạt được giữa các chi bộ mình quản lý.", 403)
    if membership.role not in movable_roles(actor, source):
        raise TransferError(
            f"Chỉ quản trị cấp trên mới chuyển sinh hoạt được người giữ vai trò "
            f"“{membership.role.label}”.",
            403,
        )
    note = " ".join(note.split())
    if len(note) > NOTE_MAX:
        raise TransferError(f"Ghi chú tối đa {NOTE_MAX} ký tự.")
    today = to_local(utcnow()).date()
    if on > today:
        raise TransferError(
            f"Ngày chuyển sinh hoạt không thể sau hôm nay ({today:%d/%m/%Y}): "
            "hãy ghi nhận khi đã có quyết định."
        )
    began = to_local(membership.created_at).date()
    if on < began:
        raise TransferError(
            f"Ngày chuyển sinh hoạt không thể trước ngày {user.full_name} được ghi nhận "
            f"sinh hoạt ở {source.name} ({began:%d/%m/%Y})."
        )
    if _member_of(user.id, destination.id):
        raise TransferError(f"{user.full_name} đã sinh hoạt ở {destination.name}.", 409)
    situation, dropped = carried_situation(membership, on)
    return Plan(
        user=user,
        source=source,
        destination=destination,
        on=on,
        note=note,
        role=membership.role,
        standing=membership.standing,
        situation=situation,
        dropped=dropped,
    )


def transfer(
    actor: User, membership: Membership, destination: Organization, on: date, note: str = ""
) -> Transferred:
    """Move the member's Party activity to ``destination`` from the local date ``on``, in the
    caller's transaction (see the module's docstring)."""
    _hold(membership)
    planned = plan(actor, membership, destination, on, note)
    source, user = planned.source, planned.user
    carried = planned.situation is not None
    joined = Membership(
        user=user,
        organization=destination,
        role=Role.MEMBER,
        standing=membership.standing,
        situation=planned.situation,
        situation_from=membership.situation_from if carried else None,
        situation_until=membership.situation_until if carried else None,
        # The activity there begins on the transfer's date (never before it began here).
        created_at=max(datetime.combine(on, time(), VIETNAM_TZ), membership.created_at),
    )
    db.session.add(joined)
    db.session.flush()  # a member already there (a transfer at the same moment) fails here
    left = f"Chuyển sinh hoạt đến {destination.name}"
    ended = roles.close_membership(
        actor, membership, on, EndReason.MOVED, f"{left}. {planned.note}" if planned.note else left
    )
    for org in (source, destination):
        record(
            "membership.transferred",
            actor_id=actor.id,
            target=user,
            organization_id=org.id,
            from_org=source.name,
            to_org=destination.name,
            transferred_on=on.isoformat(),
            role=ended.record.role.value,
            standing=joined.standing.value,
            situation=planned.situation.value if planned.situation else None,
            dropped_situation=planned.dropped.value if planned.dropped else None,
            note=planned.note or None,
        )
    db.session.flush()
    done = Transferred(planned, joined, ended.record, actor)
    transferred.send(done)
    logger.info("%s transferred from %s to %s by %s", user, source.id, destination.id, actor)
    return done


class StaleTransfer(TransferError):
    """The member's membership is not the one the form was drawn for (someone else acted)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 409)


def _hold(membership: Membership) -> None:
    """One transfer of a membership at a time, reading it as it is: a first write takes the
    row (PostgreSQL: until the commit; SQLite: the write lock). A second officer's transfer
    waits, then finds the row gone and is told (409)."""
    held = db.session.execute(
        sa.update(Membership)
        .where(Membership.id == membership.id)
        .values(role=Membership.role)
        .execution_options(synchronize_session=False)
    )
    if held.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleTransfer(gone_message(membership.organization, membership.user_id))
    db.session.refresh(membership)


def gone_message(org: Organization, user_id: int) -> str:
    """What a second officer is told once the member's membership here has ended."""
    last = roles.last_ended(org.id, user_id)
    if last is None:
        return f"Đảng viên này không còn sinh hoạt ở {org.name}."
    where = f" ({last.note})" if last.note else ""
    return (
        f"{last.user.full_name} đã thôi sinh hoạt ở {org.name} "
        f"từ ngày {last.ended_on:%d/%m/%Y}{where}."
    )


def _member_of(user_id: int, org_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == user_id, Membership.organization_id == org_id
            )
        )
        is not None
    )


def secretaries_of(org: Organization, *, besides: Sequence[int] = ()) -> list[int]:
    """The active secretaries of ``org``, but those in ``besides``."""
    return list(
        db.session.scalars(
            sa.select(Membership.user_id)
            .join(User, Membership.user_id == User.id)
            .where(
                Membership.organization_id == org.id,
                Membership.role == Role.SECRETARY,
                User.active.is_(True),
                Membership.user_id.not_in(list(besides)),
            )
            .order_by(Membership.user_id)
        )
    )
