"""The policy's rules for organisations and accounts, and the role grants publications use.

Who holds which role where decides everything here; the rules are registered with the core's
policy (``handbook/core/policy.py`` explains them in one place).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.core.policy import Action, rule, signed_in
from handbook.orgs.models import Organization, Role

#: Role sets by where the role is held: ``here`` is the organisation itself, ``above`` any
#: ancestor of it.
Grants = dict[str, frozenset[Role]]

#: Publications (meetings, documents), keyed by the organisation that owns them.
SEE_PUBLISHED: Grants = {"here": frozenset(Role), "above": frozenset({Role.COMMITTEE, Role.ADMIN})}
MANAGE_PUBLICATIONS: Grants = {
    "here": frozenset({Role.SECRETARY, Role.COMMITTEE, Role.ADMIN}),
    "above": frozenset({Role.ADMIN}),
}

#: Which roles grant an action on an organisation.
_ORG_GRANTS: dict[Action, Grants] = {
    Action.ORG_VIEW: {
        "here": frozenset(Role),
        "above": frozenset({Role.COMMITTEE, Role.ADMIN}),
    },
    Action.ORG_VIEW_MEMBERS: {
        "here": frozenset({Role.SECRETARY, Role.COMMITTEE, Role.ADMIN}),
        "above": frozenset({Role.COMMITTEE, Role.ADMIN}),
    },
    Action.ORG_MANAGE_MEMBERS: {
        "here": frozenset({Role.SECRETARY, Role.ADMIN}),
        "above": frozenset({Role.ADMIN}),
    },
    Action.ORG_MANAGE_TREE: {
        "here": frozenset({Role.ADMIN}),
        "above": frozenset({Role.ADMIN}),
    },
    # A transfer is asked of the branch left and the branch joined (``orgs/transfer.py``):
    # a secretary holds it for their own branch only, so alone they move nobody; the
    # committee and admins above hold it for every branch of their subtree. (A committee
    # holds it "here" too, as ``organizations_where`` reads "above" as "at or below".)
    Action.ORG_TRANSFER_MEMBERS: {
        "here": frozenset({Role.SECRETARY, Role.COMMITTEE, Role.ADMIN}),
        "above": frozenset({Role.COMMITTEE, Role.ADMIN}),
    },
    # The log of what was done in an organisation (``orgs/audit_log.py``): its secretary for
    # their own organisation only (as they manage its members), committees and admins for
    # everything below them too; platform administrators read the whole log.
    Action.AUDIT_VIEW: {
        "here": frozenset({Role.SECRETARY, Role.COMMITTEE, Role.ADMIN}),
        "above": frozenset({Role.COMMITTEE, Role.ADMIN}),
    },
    Action.ORG_PUBLISH: MANAGE_PUBLICATIONS,
    Action.ORG_PARTICIPATION: {
        "here": frozenset({Role.SECRETARY, Role.COMMITTEE, Role.ADMIN}),
        "above": frozenset({Role.COMMITTEE, Role.ADMIN}),
    },
}


def holds(actor: User, org: Organization, grants: Grants) -> bool:
    """Whether ``actor`` has one of the granted roles at ``org`` or above it."""
    for membership in actor.memberships:
        held = membership.organization
        if held.id == org.id and membership.role in grants["here"]:
            return True
        if held.id != org.id and org.is_within(held) and membership.role in grants["above"]:
            return True
    return False


def belongs_below(actor: User, org: Organization) -> bool:
    """Whether ``actor`` is a member somewhere in ``org``'s subtree (itself included)."""
    return any(m.organization.is_within(org) for m in actor.memberships)


#: Who may give or take each role at an organisation, besides platform administrators: an
#: admin at or above it gives any role; its secretary gives only "Đảng viên" and "Bí thư chi
#: bộ", since "Cấp ủy" and "Quản trị" reach the subtree below and more than a secretary holds.
ROLE_GIVERS: Grants = {"here": frozenset({Role.ADMIN}), "above": frozenset({Role.ADMIN})}
SECRETARY_GIVES = frozenset({Role.MEMBER, Role.SECRETARY})


def assignable_roles(actor: User, org: Organization) -> frozenset[Role]:
    """The roles ``actor`` may give at ``org``, or take from someone there (none without
    ``ORG_MANAGE_MEMBERS``); nobody's own role is among what they may change."""
    if actor.is_admin or holds(actor, org, ROLE_GIVERS):
        return frozenset(Role)
    if _organization(actor, Action.ORG_MANAGE_MEMBERS, org):
        return SECRETARY_GIVES
    return frozenset()


class WholeAuditLog:
    """The whole audit log, every organisation's and none's (sign-ins): the one object the
    policy is asked about for ``/admin/audit``; no rule lets anyone in but the policy's
    platform-administrator clause."""


WHOLE_AUDIT_LOG = WholeAuditLog()


@rule(WholeAuditLog, view=Action.AUDIT_VIEW)
def _whole_log(_actor: User, _action: Action, _log: WholeAuditLog) -> bool:
    return False


@rule(Organization, view=Action.ORG_VIEW)
def _organization(actor: User, action: Action, org: Organization) -> bool:
    grants = _ORG_GRANTS.get(action)
    if grants is None:
        return False
    if holds(actor, org, grants):
        return True
    # Everyone may see the names of the organisations above their own.
    return action is Action.ORG_VIEW and belongs_below(actor, org)


@rule(User, view=Action.USER_VIEW)
def _account(actor: User, action: Action, target: User) -> bool:
    if action not in (Action.USER_VIEW, Action.USER_MANAGE):
        return False
    if actor.id == target.id:
        return action is Action.USER_VIEW
    if target.is_admin or not target.memberships:
        return False
    if action is Action.USER_VIEW:
        return any(
            _organization(actor, Action.ORG_VIEW_MEMBERS, m.organization)
            for m in target.memberships
        )
    # Managing an account (password reset, disabling) needs authority over every place it
    # belongs, so a branch secretary cannot take over a committee officer who sits in the branch.
    return all(
        _organization(actor, Action.ORG_MANAGE_MEMBERS, m.organization) for m in target.memberships
    )


def organizations_where(user: Any, action: Action) -> sa.ColumnElement[bool]:
    """A filter on ``Organization`` selecting the rows where ``can(user, action, row)`` holds.

    Used for listings, so they never show what a single ``can`` would refuse.
    """
    actor = signed_in(user)
    if actor is None:
        return sa.false()
    if actor.is_admin:
        return sa.true()
    grants = _ORG_GRANTS[action]
    clauses: list[sa.ColumnElement[bool]] = []
    for membership in actor.memberships:
        held = membership.organization
        if membership.role in grants["here"]:
            clauses.append(Organization.id == held.id)
        if membership.role in grants["above"]:
            clauses.append(Organization.path.startswith(held.path, autoescape=True))
        if action is Action.ORG_VIEW:
            clauses.append(Organization.id.in_(held.ancestor_ids))
    return sa.or_(*clauses) if clauses else sa.false()
