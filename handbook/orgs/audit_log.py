"""Reading the audit log: which entries a reader may see, filtered, newest first, 50 a page.

It lives here, not in ``audit`` (the lowest domain, which knows no organisations): a reader's
entries are those of the organisations in the subtree they asked for where the policy grants
them ``AUDIT_VIEW`` (``organizations_where``), or the whole log, sign-ins included, for a
platform administrator (``/admin/audit``). Every filter narrows that set and nothing widens
it, so no filter value can bring in an entry from outside: an organisation outside the scope
is refused as unknown, a person filter only selects among the scope's entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.accounts.phone import normalize_phone
from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.core.inputs import MAX_ID
from handbook.core.policy import Action
from handbook.core.textfold import fold
from handbook.core.timeutil import VIETNAM_TZ
from handbook.orgs.models import EndedMembership, Membership, Organization
from handbook.orgs.policy import organizations_where

PAGE_SIZE = 50
#: The most entries one export holds (the newest that match); the page says when it is cut.
EXPORT_MAX = 50_000
#: The most people a name filter stands for (a name shared by more asks for more of it).
PEOPLE_MAX = 200
_ACTION = re.compile(r"[a-z_.]{1,64}")


class FilterError(ValueError):
    """A filter that cannot be used as typed; the message is for the user."""


@dataclass(frozen=True)
class Scope:
    """Where a reader reads: under ``root`` where the policy lets them, or (``root`` is
    ``None``) the whole log."""

    root: Organization | None
    orgs: sa.Select[int] | None

    @classmethod
    def of(cls, user: User, root: Organization | None) -> Scope:
        if root is None:
            return cls(None, None)
        readable = sa.select(Organization.id).where(
            Organization.path.startswith(root.path, autoescape=True),
            organizations_where(user, Action.AUDIT_VIEW),
        )
        return cls(root, readable)

    def organizations(self) -> sa.ColumnElement[bool]:
        """A filter on ``Organization`` for the scope's organisations."""
        return sa.true() if self.orgs is None else Organization.id.in_(self.orgs)


@dataclass(frozen=True)
class Filters:
    """What the reader asked for (``None`` or empty: not asked); ``before`` pages on."""

    action: str = ""
    actor_id: int | None = None
    person: str = ""
    since: date | None = None
    until: date | None = None
    org_id: int | None = None
    before: int | None = None

    def args(self, **change: object) -> dict[str, str]:
        """The query string of these filters (with ``change``), for links and the export."""
        values = replace(self, **change)  # type: ignore[arg-type]
        pairs = {
            "action": values.action,
            "actor": values.actor_id,
            "person": values.person,
            "since": values.since.isoformat() if values.since else None,
            "until": values.until.isoformat() if values.until else None,
            "org": values.org_id,
            "before": values.before,
        }
        return {key: str(value) for key, value in pairs.items() if value not in (None, "")}

    @property
    def narrowed(self) -> bool:
        return bool(self.action or self.actor_id or self.person or self.since or self.until) or (
            self.org_id is not None
        )


def _id(text: str, what: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise FilterError(f"{what} “{text[:30]}” không hợp lệ.")
    return int(text)


def _day(text: str, what: str) -> date | None:
    """A local date as ``2026-12-01`` (the date picker's) or ``01/12/2026`` (typed)."""
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if 2000 <= day.year <= 2999:
            return day
    raise FilterError(f"{what} “{text[:30]}” không hợp lệ (ngày/tháng/năm).")


def parse(args: Mapping[str, str]) -> Filters:
    """The filters from a query string; the first unusable one raises ``FilterError``."""
    action = args.get("action", "").strip().lower()
    if action and not _ACTION.fullmatch(action):
        raise FilterError(f"Loại hoạt động “{action[:30]}” không hợp lệ.")
    filters = Filters(
        action=action,
        actor_id=_id(args.get("actor", "").strip(), "Mã người thực hiện"),
        person=" ".join(args.get("person", "").split())[:120],
        since=_day(args.get("since", "").strip(), "Ngày bắt đầu"),
        until=_day(args.get("until", "").strip(), "Ngày kết thúc"),
        org_id=_id(args.get("org", "").strip(), "Mã tổ chức"),
        before=_id(args.get("before", "").strip(), "Trang"),
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise FilterError("Ngày bắt đầu phải trước hoặc trùng ngày kết thúc.")
    return filters


def organization_in(scope: Scope, org_id: int) -> Organization:
    """The scope's organisation with this id; any other (elsewhere, or none) is unknown."""
    found = db.session.scalar(
        sa.select(Organization).where(Organization.id == org_id, scope.organizations())
    )
    if found is None:
        raise FilterError("Không tìm thấy tổ chức này trong phạm vi nhật ký bạn được xem.")
    return found


def _people(scope: Scope) -> sa.Select[int, str, str | None]:
    """Who a name filter looks among: everyone for the whole log; else the scope's members,
    former members, those of the organisations above it, and platform administrators (the
    people who act on a subtree). Only a narrowing of the scope's entries: no leak either way."""
    query = sa.select(User.id, User.full_name, User.phone)
    if scope.root is None:
        return query
    below = Organization.path.startswith(scope.root.path, autoescape=True)
    current = sa.select(Membership.user_id).join(Membership.organization).where(below)
    former = (
        sa.select(EndedMembership.user_id)
        .join(Organization, Organization.id == EndedMembership.organization_id)
        .where(below)
    )
    above = sa.select(Membership.user_id).where(
        Membership.organization_id.in_(scope.root.ancestor_ids)
    )
    return query.where(
        sa.or_(
            User.id.in_(current),
            User.id.in_(former),
            User.id.in_(above),
            User.is_admin.is_(True),
        )
    )


def people_named(scope: Scope, text: str) -> list[int]:
    """Ids of the people a name (without diacritics too) or a phone number stands for."""
    phone = normalize_phone(text)
    if phone is not None:
        return list(db.session.scalars(sa.select(User.id).where(User.phone == phone)))
    wanted = fold(text)
    found: list[int] = []
    for user_id, name, _phone in db.session.execute(
        _people(scope).execution_options(yield_per=2000)
    ):
        if wanted in fold(name):
            found.append(user_id)
            if len(found) >= PEOPLE_MAX:
                break
    return found


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), VIETNAM_TZ)


def _where(scope: Scope, filters: Filters) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = []
    if scope.orgs is not None:
        clauses.append(AuditLog.organization_id.in_(scope.orgs))
    if filters.org_id is not None:
        org = organization_in(scope, filters.org_id)
        below = sa.select(Organization.id).where(
            Organization.path.startswith(org.path, autoescape=True), scope.organizations()
        )
        clauses.append(AuditLog.organization_id.in_(below))
    if filters.action:
        clauses.append(AuditLog.action.startswith(filters.action, autoescape=True))
    if filters.actor_id is not None:
        clauses.append(AuditLog.actor_id == filters.actor_id)
    if filters.person:
        ids = people_named(scope, filters.person)
        clauses.append(AuditLog.actor_id.in_(ids) if ids else sa.false())
    if filters.since:
        clauses.append(AuditLog.created_at >= _local_midnight(filters.since))
    if filters.until:
        clauses.append(AuditLog.created_at < _local_midnight(filters.until + timedelta(days=1)))
    return clauses


@dataclass(frozen=True)
class Page:
    entries: list[AuditLog]
    #: The ``before`` of the next (older) page, if there is one.
    next_before: int | None


def page(scope: Scope, filters: Filters) -> Page:
    """One page of the entries that match, newest (highest id) first, older than ``before``."""
    query = sa.select(AuditLog).where(*_where(scope, filters))
    if filters.before is not None:
        query = query.where(AuditLog.id < filters.before)
    entries = list(db.session.scalars(query.order_by(AuditLog.id.desc()).limit(PAGE_SIZE + 1)))
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    return Page(entries, entries[-1].id if more and entries else None)


def export(scope: Scope, filters: Filters, chunk: int = 1000) -> Iterator[list[AuditLog]]:
    """Every entry that matches (the newest ``EXPORT_MAX``), newest first, in chunks."""
    clauses = _where(scope, replace(filters, before=None))
    before, given = None, 0
    while given < EXPORT_MAX:
        query = sa.select(AuditLog).where(*clauses)
        if before is not None:
            query = query.where(AuditLog.id < before)
        size = min(chunk, EXPORT_MAX - given)
        batch = list(db.session.scalars(query.order_by(AuditLog.id.desc()).limit(size)))
        if not batch:
            return
        yield batch
        given += len(batch)
        before = batch[-1].id
        for entry in batch:  # a long export keeps one chunk in memory, not all
            db.session.expunge(entry)
