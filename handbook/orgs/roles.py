"""Changing a member's role and ending a membership, each with its audit entry.

The limits (``orgs/policy.py`` ``assignable_roles``): whoever manages an organisation's
members changes roles there, a secretary only between "Đảng viên" and "Bí thư chi bộ", an admin
at or above it any role; nobody changes or ends their own membership, so nobody escalates or
locks themselves out, and whoever acts keeps their own authority. An admin may demote or end
the branch's last secretary (a secretary dies or moves away; the branch really is without one
until the committee above appoints another): the member list says so instead of refusing.

An ended membership moves to ``ended_memberships`` (see ``EndedMembership``): it grants
nothing and no list counts it; the account stays for the record, and is disabled when no
membership is left (a former member signs in to nothing; a platform administrator's account is
never disabled).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.accounts import operations as accounts
from handbook.accounts.models import User
from handbook.audit.operations import record
from handbook.core import db
from handbook.core.timeutil import to_local, utcnow
from handbook.orgs.models import EndedMembership, EndReason, Membership, Organization, Role
from handbook.orgs.policy import assignable_roles

logger = logging.getLogger(__name__)


class RoleError(ValueError):
    """A change refused as asked; the message is for the user. ``status`` is the answer's."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _check_authority(actor: User, membership: Membership, role: Role | None = None) -> None:
    """Refuse a change of one's own membership, or one beyond the actor's authority."""
    if membership.user_id == actor.id:
        raise RoleError(
            "Bạn không thể tự thay đổi vai trò hoặc cho mình thôi sinh hoạt; "
            "hãy nhờ người quản lý cấp trên.",
            403,
        )
    allowed = assignable_roles(actor, membership.organization)
    if membership.role not in allowed:
        raise RoleError(
            f"Chỉ quản trị cấp trên mới thay đổi được người giữ vai trò “{membership.role.label}”.",
            403,
        )
    if role is not None and role not in allowed:
        raise RoleError(f"Bạn không có quyền giao vai trò “{role.label}”.", 403)


def change_role(actor: User, membership: Membership, role: Role) -> Membership:
    """Give the member ``role`` in their organisation, audited with the old and new role."""
    _check_authority(actor, membership, role)
    old = membership.role
    if old is role:
        raise RoleError(f"{membership.user.full_name} đã là {role.label}.")
    membership.role = role
    record(
        "membership.role_changed",
        actor_id=actor.id,
        target=membership.user,
        organization_id=membership.organization_id,
        old=old.value,
        new=role.value,
    )
    logger.info("role of %s changed from %s by %s", membership, old.value, actor)
    return membership


@dataclass(frozen=True)
class Ended:
    """What ending a membership did: the kept record, and whether the account was disabled."""

    record: EndedMembership
    account_disabled: bool


def end_membership(
    actor: User, membership: Membership, ended_on: date, reason: EndReason, note: str = ""
) -> Ended:
    """End the membership on the local date ``ended_on``, keep it for the record, audit it,
    and disable the account if nothing else holds it."""
    _check_authority(actor, membership)
    return close_membership(actor, membership, ended_on, reason, note)


def close_membership(
    actor: User, membership: Membership, ended_on: date, reason: EndReason, note: str = ""
) -> Ended:
    """``end_membership`` once the actor's authority is settled: for a caller that decides it
    by a rule of its own (a transfer, ``orgs/transfer.py``, asks the policy of both branches)."""
    note = " ".join(note.split())
    if len(note) > 500:
        raise RoleError("Ghi chú tối đa 500 ký tự.")
    if reason is EndReason.OTHER and not note:
        raise RoleError("Vui lòng ghi rõ lý do thôi sinh hoạt.")
    today = to_local(utcnow()).date()
    if ended_on > today:
        raise RoleError(
            f"Ngày thôi sinh hoạt không thể sau hôm nay ({today:%d/%m/%Y}): "
            "hãy ghi nhận khi việc đã xảy ra."
        )
    began = to_local(membership.created_at).date()
    if ended_on < began:
        raise RoleError(
            f"Ngày thôi sinh hoạt không thể trước ngày đảng viên được ghi nhận "
            f"sinh hoạt ở {membership.organization.name} ({began:%d/%m/%Y})."
        )
    user = membership.user
    kept = EndedMembership(
        user_id=user.id,
        organization_id=membership.organization_id,
        role=membership.role,
        standing=membership.standing,
        began_at=membership.created_at,
        ended_on=ended_on,
        reason=reason,
        note=note or None,
        ended_by_id=actor.id,
    )
    db.session.add(kept)
    user.memberships.remove(membership)  # delete-orphan: the row goes
    db.session.delete(membership)
    disable = not user.memberships and not user.is_admin and user.active
    if disable:
        accounts.set_active(actor, user, False)
    record(
        "membership.ended",
        actor_id=actor.id,
        target=user,
        organization_id=kept.organization_id,
        role=kept.role.value,
        reason=reason.value,
        ended_on=ended_on.isoformat(),
        note=note or None,
        account_disabled=disable,
    )
    logger.info("membership of %s in %s ended by %s", user, kept.organization_id, actor)
    return Ended(kept, disable)


def ended_of(org: Organization) -> list[EndedMembership]:
    """The organisation's ended memberships, latest first, with their accounts."""
    return list(
        db.session.scalars(
            sa.select(EndedMembership)
            .where(EndedMembership.organization_id == org.id)
            .order_by(EndedMembership.ended_on.desc(), EndedMembership.id.desc())
            .options(so.joinedload(EndedMembership.user))
        )
    )


def last_ended(org_id: int, user_id: int) -> EndedMembership | None:
    """The member's latest ended membership of the organisation, if any."""
    return db.session.scalars(
        sa.select(EndedMembership)
        .where(EndedMembership.organization_id == org_id, EndedMembership.user_id == user_id)
        .order_by(EndedMembership.id.desc())
        .limit(1)
    ).first()
