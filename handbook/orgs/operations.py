"""Changes to the organisation tree and to who belongs where."""

from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from blinker import Namespace

from handbook.accounts.models import User
from handbook.audit.operations import record
from handbook.core import db
from handbook.orgs.models import Membership, Organization, OrgKind, Role, Situation, Standing

logger = logging.getLogger(__name__)

#: Sent when a member's standing or situation changes, in its transaction (sender: the
#: membership): the attendance of a meeting whose check-in is open follows it.
standing_changed = Namespace().signal("orgs.standing_changed")


class TreeError(ValueError):
    """A change that would break the shape of the tree; the message is for the user."""


def create_organization(
    name: str, kind: OrgKind, parent: Organization | None, *, actor: User | None = None
) -> Organization:
    """Add a node under ``parent`` (or a new root), keeping levels in order and names unique."""
    name = " ".join(name.split())
    if not name:
        raise TreeError("Tên tổ chức không được để trống.")
    if parent is not None and kind.rank <= parent.kind.rank:
        raise TreeError(f"{kind.label} không thể nằm dưới {parent.kind.label}.")
    if parent is None and kind is OrgKind.BRANCH:
        raise TreeError("Chi bộ phải thuộc một tổ chức cấp trên.")
    duplicate = db.session.scalar(
        sa.select(Organization.id).where(
            Organization.name == name,
            Organization.parent_id == parent.id if parent else Organization.parent_id.is_(None),
        )
    )
    if duplicate is not None:
        raise TreeError(f"Đã có tổ chức “{name}” ở cấp này.")
    org = Organization(name=name, kind=kind, parent=parent, path="", depth=0)
    db.session.add(org)
    db.session.flush()  # the id is part of the path
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    org.depth = parent.depth + 1 if parent else 0
    record(
        "org.created",
        actor_id=actor.id if actor else None,
        target=org,
        organization_id=org.id,
        name=name,
    )
    logger.info("organization %s created by %s", org, actor)
    return org


#: PostgreSQL's advisory lock key for changes to the tree's shape: moves one at a time.
_TREE_LOCK = 0x5452_4545  # "TREE"
#: ``organizations.path``'s length.
_PATH_MAX = 255


def _unique_among_siblings(name: str, parent_id: int | None, *, but: int | None = None) -> None:
    same = sa.select(Organization.id).where(
        Organization.name == name,
        Organization.parent_id == parent_id
        if parent_id is not None
        else Organization.parent_id.is_(None),
    )
    if but is not None:
        same = same.where(Organization.id != but)
    if db.session.scalar(same) is not None:
        raise TreeError(f"Đã có tổ chức “{name}” ở cấp này.")


def rename_organization(org: Organization, name: str, *, actor: User | None = None) -> bool:
    """A new name, unique among its siblings; audited with the old one. Says whether it
    changed (the same name again changes nothing)."""
    name = " ".join(name.split())
    if not name:
        raise TreeError("Tên tổ chức không được để trống.")
    if len(name) > 200:
        raise TreeError("Tên tổ chức dài tối đa 200 ký tự.")
    if name == org.name:
        return False
    _unique_among_siblings(name, org.parent_id, but=org.id)
    old, org.name = org.name, name
    try:
        with db.session.begin_nested():  # a sibling named so a moment ago: the constraint says
            db.session.flush()
    except sa.exc.IntegrityError:
        org.name = old
        raise TreeError(f"Đã có tổ chức “{name}” ở cấp này.") from None
    record(
        "org.renamed",
        actor_id=actor.id if actor else None,
        target=org,
        organization_id=org.id,
        old=old,
        new=name,
    )
    logger.info("organization %s renamed from %r by %s", org.id, old, actor)
    return True


def _hold_the_tree(org: Organization) -> None:
    """Moves one at a time, each reading the tree as it is: PostgreSQL's advisory lock until
    the commit; on SQLite a first write takes the database's write lock before anything is
    read (a transaction that read first could not write after another's commit)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _TREE_LOCK})
    else:
        db.session.execute(
            sa.update(Organization)
            .where(Organization.id == org.id)
            .values(path=Organization.path)
            .execution_options(synchronize_session=False)
        )


def move_organization(
    org: Organization, parent: Organization | None, *, actor: User | None = None
) -> Organization:
    """Put ``org`` with its whole subtree under ``parent`` (a new top level when ``None``).

    Every path and depth below follows in one UPDATE, in the caller's transaction. Meetings,
    documents and memberships keep their organisation's id, so its history moves with it;
    what a member may see follows from the new path (the policy reads ``path``)."""
    _hold_the_tree(org)
    fresh = [org] + ([parent] if parent is not None else [])
    for node in fresh:
        db.session.refresh(node)
    if parent is None:
        if org.kind is OrgKind.BRANCH:
            raise TreeError("Chi bộ phải thuộc một tổ chức cấp trên.")
    else:
        if parent.is_within(org):
            raise TreeError(
                f"Không thể chuyển “{org.name}” vào chính nó hoặc một tổ chức trực thuộc nó."
            )
        if org.kind.rank <= parent.kind.rank:
            raise TreeError(f"{org.kind.label} không thể nằm dưới {parent.kind.label}.")
    new_parent_id = parent.id if parent is not None else None
    if new_parent_id == org.parent_id:
        where = f"“{parent.name}”" if parent is not None else "cấp cao nhất"
        raise TreeError(f"“{org.name}” đã ở {where} rồi.")
    _unique_among_siblings(org.name, new_parent_id)
    old_path, old_depth = org.path, org.depth
    new_path = f"{parent.path if parent is not None else '/'}{org.id}/"
    below = Organization.path.startswith(old_path, autoescape=True)
    longest = db.session.scalar(
        sa.select(sa.func.max(sa.func.length(Organization.path))).where(below)
    )
    if (longest or 0) - len(old_path) + len(new_path) > _PATH_MAX:
        raise TreeError("Cây tổ chức sẽ quá sâu nếu chuyển tới đó.")
    delta = (parent.depth + 1 if parent is not None else 0) - old_depth
    old_parent = org.parent
    db.session.execute(
        sa.update(Organization)
        .where(below)
        .values(
            path=sa.literal(new_path) + sa.func.substr(Organization.path, len(old_path) + 1),
            depth=Organization.depth + delta,
        )
        .execution_options(synchronize_session="fetch")
    )
    org.parent_id = new_parent_id
    db.session.flush()
    db.session.expire(org, ["parent"])
    record(
        "org.moved",
        actor_id=actor.id if actor else None,
        target=org,
        organization_id=org.id,
        old_parent_id=old_parent.id if old_parent is not None else None,
        old_parent=old_parent.name if old_parent is not None else None,
        new_parent_id=new_parent_id,
        new_parent=parent.name if parent is not None else None,
        old_path=old_path,
        new_path=new_path,
    )
    logger.info("organization %s moved from %s to %s by %s", org.id, old_path, new_path, actor)
    return org


def move_targets(org: Organization, where: sa.ColumnElement[bool]) -> list[Organization]:
    """Where ``org`` could go among the nodes ``where`` selects: a level above its own, not
    inside its subtree, not its present parent; in tree order."""
    return [
        node
        for node in subtree(None, where)
        if node.kind.rank < org.kind.rank and not node.is_within(org) and node.id != org.parent_id
    ]


def add_membership(
    user: User, org: Organization, role: Role, *, actor: User | None = None
) -> Membership:
    membership = Membership(user=user, organization=org, role=role)
    db.session.add(membership)
    record(
        "membership.added",
        actor_id=actor.id if actor else None,
        target=user,
        organization_id=org.id,
        role=role.value,
    )
    return membership


def members_of(org: Organization) -> list[Membership]:
    """Memberships of one organisation, by name; the accounts come loaded with them."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(Membership.user)
            .where(Membership.organization_id == org.id)
            .order_by(User.full_name, User.id)
            .options(so.contains_eager(Membership.user))
        )
    )


def children_of(org: Organization | None, where: sa.ColumnElement[bool]) -> list[Organization]:
    parent_clause = Organization.parent_id == org.id if org else Organization.parent_id.is_(None)
    return list(
        db.session.scalars(
            sa.select(Organization).where(parent_clause, where).order_by(Organization.name)
        )
    )


def subtree(org: Organization | None, where: sa.ColumnElement[bool]) -> list[Organization]:
    """Every visible node at or below ``org`` (or the whole tree), in tree order."""
    query = sa.select(Organization).where(where)
    if org is not None:
        query = query.where(Organization.path.startswith(org.path, autoescape=True))
    nodes = list(db.session.scalars(query))
    by_parent: dict[int | None, list[Organization]] = {}
    for node in nodes:
        by_parent.setdefault(node.parent_id, []).append(node)
    visible = {node.id for node in nodes}
    roots = [node for node in nodes if node.parent_id not in visible]
    ordered: list[Organization] = []

    def walk(node: Organization) -> None:
        ordered.append(node)
        for child in sorted(by_parent.get(node.id, []), key=lambda n: n.name):
            walk(child)

    for root in sorted(roots, key=lambda n: (n.depth, n.name)):
        walk(root)
    return ordered


class StandingError(ValueError):
    """A standing the secretary cannot record as given; the message is for the user."""


def set_standing(
    membership: Membership,
    standing: Standing,
    situation: Situation | None,
    situation_from: date | None,
    situation_until: date | None,
    *,
    actor: User | None = None,
) -> Membership:
    """Record a member's standing and situation (with its dates), audited; meetings whose
    check-in is open follow it (``standing_changed``)."""
    if situation is None:
        situation_from = situation_until = None
    if situation_from and situation_until and situation_until < situation_from:
        raise StandingError("Ngày kết thúc phải sau hoặc trùng ngày bắt đầu.")
    membership.standing = standing
    membership.situation = situation
    membership.situation_from = situation_from
    membership.situation_until = situation_until
    record(
        "membership.standing",
        actor_id=actor.id if actor else None,
        target=membership.user,
        organization_id=membership.organization_id,
        standing=standing.value,
        situation=situation.value if situation else None,
        situation_from=situation_from.isoformat() if situation_from else None,
        situation_until=situation_until.isoformat() if situation_until else None,
    )
    db.session.flush()
    standing_changed.send(membership)
    logger.info("standing of %s set by %s", membership, actor)
    return membership


def set_quorum(org: Organization, percent: int | None, *, actor: User | None = None) -> None:
    """The branch's own quorum (percent of those convened), or none."""
    if percent is not None and not 1 <= percent <= 100:
        raise StandingError("Tỷ lệ có mặt tối thiểu phải từ 1 đến 100 phần trăm.")
    org.quorum_percent = percent
    record(
        "org.quorum",
        actor_id=actor.id if actor else None,
        target=org,
        organization_id=org.id,
        percent=percent,
    )
