"""A committee's participation rates, counted by the database: two queries, one row per branch.

The committee compares branches, not members, so it needs each branch's tally and never a
member's cell. ``overview.grid`` builds every member's four marks in Python and then adds them
up (30,000 cells for a commune's year, most of the view's time); here each mark is one grouped
subquery that counts, per meeting, the branch's active members who earned it, and the meetings
are summed per branch in the same statement, so Python reads one row per branch. The base of
attendance is the check-in rows counted as convened; that of the other rates the branch's member
count times its meetings that had documents, or any, less those suspended on each meeting's day.

The rules are ``overview``'s (its docstring), written a second time as SQL; the tests hold the
two to the same numbers on SQLite and PostgreSQL, and the bench checks them on its commune.
Who was convened is not rewritten: the attendance rules' verdict for every (situation, mark) of
a check-in row (``overview.attended_by_row``) is enumerated into the SQL.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from handbook.accounts.models import User
from handbook.attendance.models import Attendance, Mark
from handbook.audio.models import ListenProgress
from handbook.comments.models import Comment
from handbook.core import db
from handbook.core.timeutil import VIETNAM_TZ, UTCDateTime, utcnow
from handbook.documents.models import Document, DocumentStatus
from handbook.meetings.models import Meeting
from handbook.orgs.models import Membership, Situation
from handbook.participation.models import ReadingPosition
from handbook.participation.overview import Quarter, Span, Tally, attended_by_row


@dataclass
class Totals:
    """The branches' tallies without the cells: what the side-by-side page and export show."""

    #: Active members per branch (every branch asked for; 0 when none).
    members: dict[int, int]
    #: Published, not cancelled meetings of the quarter per branch.
    meetings: dict[int, int]
    per_branch: dict[int, Tally]
    total: Tally

    @property
    def member_count(self) -> int:
        return sum(self.members.values())

    @property
    def meeting_count(self) -> int:
        return sum(self.meetings.values())


def totals(branch_ids: list[int], quarter: Quarter | Span, now: datetime | None = None) -> Totals:
    """The branches' participation in their meetings of the quarter, as ``overview.grid``
    would total it."""
    members_query, branches_query = _statements()
    params = {
        "branch_ids": branch_ids,
        "now": now or utcnow(),
        "starts": quarter.starts,
        "ends": quarter.ends,
    }
    members = dict.fromkeys(branch_ids, 0)
    members.update(db.session.execute(members_query, params).all())
    meetings = dict.fromkeys(branch_ids, 0)
    per_branch = {branch_id: Tally() for branch_id in branch_ids}
    total = Tally()
    for row in db.session.execute(branches_query, params):
        n, tally = members[row.organization_id], per_branch[row.organization_id]
        meetings[row.organization_id] = row.meetings
        # int(): PostgreSQL's sum() of a count is a NUMERIC, a Decimal here.
        tally.done.update(
            attended=int(row.attended),
            read=int(row.read),
            listened=int(row.listened),
            commented=int(row.commented),
        )
        tally.of.update(
            attended=int(row.convened),
            read=n * row.documented - int(row.paused_documented),
            listened=n * row.documented - int(row.paused_documented),
            commented=n * row.meetings - int(row.paused),
        )
        total.merge(tally)
    return Totals(members, meetings, per_branch, total)


@functools.cache
def _statements() -> tuple[sa.Select[Any], sa.Select[Any]]:
    """The two statements, built once (building the second takes longer than PostgreSQL takes
    to plan it), their values (``branch_ids``, ``now``, ``starts``, ``ends``) written into the
    SQL at each execution: the driver prepares a statement run five times, and PostgreSQL's
    generic plan for this one, made without the values, took 2 s instead of 70 ms."""
    branch_ids: sa.BindParameter[list[int]] = sa.bindparam(
        "branch_ids", expanding=True, literal_execute=True
    )
    now = sa.bindparam("now", type_=UTCDateTime(), literal_execute=True)
    # The branches' active members: whom each mark may count (ended memberships are gone).
    member = (
        sa.select(Membership.user_id, Membership.organization_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organization_id.in_(branch_ids), User.active.is_(True))
    )
    listed = member.subquery()
    members = sa.select(listed.c.organization_id, sa.func.count()).group_by(
        listed.c.organization_id
    )
    chosen = (
        sa.select(Meeting.id, Meeting.organization_id, Meeting.published_by_id, Meeting.starts_at)
        .where(
            Meeting.organization_id.in_(branch_ids),
            Meeting.publish_at <= now,
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at >= sa.bindparam("starts", type_=UTCDateTime(), literal_execute=True),
            Meeting.starts_at < sa.bindparam("ends", type_=UTCDateTime(), literal_execute=True),
        )
        .cte("chosen")
    )
    per_meeting = _per_meeting(chosen, member.cte("member"), now)
    documented = per_meeting.c.documents.is_not(None)

    def total_if(condition: sa.ColumnElement[bool], value: Any, name: str) -> sa.Label[Any]:
        return sa.func.sum(sa.case((condition, value), else_=0)).label(name)

    by_branch = sa.select(
        per_meeting.c.organization_id,
        sa.func.count().label("meetings"),
        sa.func.count(per_meeting.c.documents).label("documented"),
        sa.func.sum(per_meeting.c.attended).label("attended"),
        sa.func.sum(per_meeting.c.convened).label("convened"),
        # The publisher has read every document of the meeting (``overview``), unless suspended.
        total_if(
            documented,
            per_meeting.c.read + sa.case((per_meeting.c.publisher.is_not(None), 1), else_=0),
            "read",
        ),
        total_if(documented, per_meeting.c.listened, "listened"),
        sa.func.sum(per_meeting.c.commented).label("commented"),
        sa.func.sum(per_meeting.c.paused).label("paused"),
        total_if(documented, per_meeting.c.paused, "paused_documented"),
    ).group_by(per_meeting.c.organization_id)
    return members, by_branch


def _per_meeting(chosen: sa.CTE, member: sa.CTE, now: sa.BindParameter[Any]) -> sa.Subquery:
    """One row per chosen meeting: how many readable documents (``documents``), whether its
    publisher is a member not suspended that day (``publisher``), how many of its branch's
    members were suspended that day (``paused``), were convened (``convened``), and earned each
    mark (``read`` leaves the publisher out; the suspended earn none)."""
    paused = _paused(chosen, member)
    # The meeting's readable documents, each with its meeting's branch.
    docs = (
        sa.select(
            Document.id, Document.meeting_id, Document.created_by_id, chosen.c.organization_id
        )
        .join(chosen, chosen.c.id == Document.meeting_id)
        .where(Document.status == DocumentStatus.READY, Document.publish_at <= now)
        .cte("docs")
    )
    wanted = (
        sa.select(docs.c.meeting_id, sa.func.count().label("n"))
        .group_by(docs.c.meeting_id)
        .cte("wanted")
    )

    def members_among(
        facts: sa.Subquery, user: sa.ColumnElement[int], *where: sa.ColumnElement[bool]
    ) -> sa.Subquery:
        """Per meeting, how many of ``facts``' (user, meeting, branch) rows are the branch's
        members (and meet ``where``, which may name ``wanted`` and ``chosen``)."""
        query = (
            sa.select(facts.c.meeting_id, sa.func.count().label("n"))
            .join(
                member,
                sa.and_(
                    member.c.user_id == user, member.c.organization_id == facts.c.organization_id
                ),
            )
            .outerjoin(
                paused,
                sa.and_(paused.c.user_id == user, paused.c.meeting_id == facts.c.meeting_id),
            )
            .where(paused.c.user_id.is_(None))
        )
        if where:
            query = query.join(wanted, wanted.c.meeting_id == facts.c.meeting_id).join(
                chosen, chosen.c.id == facts.c.meeting_id
            )
        return query.where(*where).group_by(facts.c.meeting_id).subquery()

    # Documents read, one's own uploads counted as read: a union of the two, never a double.
    known_rows = sa.union_all(
        sa.select(ReadingPosition.user_id, docs.c.meeting_id, docs.c.organization_id)
        .join(docs, docs.c.id == ReadingPosition.document_id)
        .where(
            ReadingPosition.read_at.is_not(None),
            sa.or_(docs.c.created_by_id.is_(None), docs.c.created_by_id != ReadingPosition.user_id),
        ),
        sa.select(docs.c.created_by_id, docs.c.meeting_id, docs.c.organization_id).where(
            docs.c.created_by_id.is_not(None)
        ),
    ).subquery()
    known = _per_member(known_rows, known_rows.c.user_id)
    read = members_among(
        known,
        known.c.user_id,
        known.c.n >= wanted.c.n,
        known.c.user_id.is_distinct_from(chosen.c.published_by_id),
    )
    heard_rows = (
        sa.select(ListenProgress.user_id, docs.c.meeting_id, docs.c.organization_id)
        .join(docs, docs.c.id == ListenProgress.document_id)
        .where(ListenProgress.completed_at.is_not(None))
        .subquery()
    )
    heard = _per_member(heard_rows, heard_rows.c.user_id)
    listened = members_among(heard, heard.c.user_id, heard.c.n >= wanted.c.n)
    said = (
        sa.select(Comment.author_id, Comment.meeting_id, chosen.c.organization_id)
        .join(chosen, chosen.c.id == Comment.meeting_id)
        .where(Comment.deleted_at.is_(None))
        .distinct()
        .subquery()
    )
    commented = members_among(said, said.c.author_id)
    present = (
        sa.select(
            Attendance.meeting_id,
            sa.func.count().filter(_rows_where(lambda came: came is True)).label("came"),
            sa.func.count().filter(_rows_where(lambda came: came is not None)).label("convened"),
        )
        .join(chosen, chosen.c.id == Attendance.meeting_id)
        .join(
            member,
            sa.and_(
                member.c.user_id == Attendance.user_id,
                member.c.organization_id == chosen.c.organization_id,
            ),
        )
        .group_by(Attendance.meeting_id)
        .subquery()
    )
    away = (
        sa.select(paused.c.meeting_id, sa.func.count().label("n"))
        .group_by(paused.c.meeting_id)
        .subquery()
    )
    publisher = member.alias("publisher")
    publisher_paused = paused.alias("publisher_paused")
    zero = sa.literal(0)
    return (
        sa.select(
            chosen.c.id,
            chosen.c.organization_id,
            wanted.c.n.label("documents"),
            publisher.c.user_id.label("publisher"),
            sa.func.coalesce(away.c.n, zero).label("paused"),
            sa.func.coalesce(present.c.came, zero).label("attended"),
            sa.func.coalesce(present.c.convened, zero).label("convened"),
            sa.func.coalesce(read.c.n, zero).label("read"),
            sa.func.coalesce(listened.c.n, zero).label("listened"),
            sa.func.coalesce(commented.c.n, zero).label("commented"),
        )
        .select_from(chosen)
        .outerjoin(wanted, wanted.c.meeting_id == chosen.c.id)
        .outerjoin(
            publisher_paused,
            sa.and_(
                publisher_paused.c.user_id == chosen.c.published_by_id,
                publisher_paused.c.meeting_id == chosen.c.id,
            ),
        )
        .outerjoin(
            publisher,
            sa.and_(
                publisher.c.user_id == chosen.c.published_by_id,
                publisher.c.organization_id == chosen.c.organization_id,
                publisher_paused.c.user_id.is_(None),
            ),
        )
        .outerjoin(away, away.c.meeting_id == chosen.c.id)
        .outerjoin(present, present.c.meeting_id == chosen.c.id)
        .outerjoin(read, read.c.meeting_id == chosen.c.id)
        .outerjoin(listened, listened.c.meeting_id == chosen.c.id)
        .outerjoin(commented, commented.c.meeting_id == chosen.c.id)
        .subquery("per_meeting")
    )


def _per_member(rows: sa.Subquery, user: sa.ColumnElement[int]) -> sa.Subquery:
    """``rows`` of (user, meeting, branch) counted per user and meeting, as ``n``."""
    return (
        sa.select(
            user.label("user_id"),
            rows.c.meeting_id,
            rows.c.organization_id,
            sa.func.count().label("n"),
        )
        .group_by(user, rows.c.meeting_id, rows.c.organization_id)
        .subquery()
    )


def _paused(chosen: sa.CTE, member: sa.CTE) -> sa.CTE:
    """(user, meeting): the branch's members suspended on a chosen meeting's day, by the row
    its check-in kept, or, with no row, by the member list's dates on its Vietnamese date
    (``Membership.situation_on``): ``overview.suspended_on`` in SQL, which the grid and the
    day-before reminder use."""
    kept = (
        sa.select(Attendance.user_id, Attendance.meeting_id)
        .join(chosen, chosen.c.id == Attendance.meeting_id)
        .join(
            member,
            sa.and_(
                member.c.user_id == Attendance.user_id,
                member.c.organization_id == chosen.c.organization_id,
            ),
        )
        .where(Attendance.situation == Situation.SUSPENDED)
    )
    day = _LocalDay(chosen.c.starts_at)
    listed = (
        sa.select(Membership.user_id, chosen.c.id.label("meeting_id"))
        .join(chosen, chosen.c.organization_id == Membership.organization_id)
        .join(User, User.id == Membership.user_id)
        .where(
            User.active.is_(True),
            Membership.situation == Situation.SUSPENDED,
            sa.or_(Membership.situation_from.is_(None), Membership.situation_from <= day),
            sa.or_(Membership.situation_until.is_(None), Membership.situation_until >= day),
            ~sa.exists().where(
                Attendance.meeting_id == chosen.c.id, Attendance.user_id == Membership.user_id
            ),
        )
    )
    return sa.union_all(kept, listed).cte("paused")


def _rows_where(accept: Callable[[bool | None], bool]) -> sa.ColumnElement[bool]:
    """Check-in rows whose attendance (``attended_by_row``, the attendance rules' verdict on
    their situation and mark) ``accept`` takes, as SQL: each situation with its marks."""
    marks: tuple[Mark | None, ...] = (None, *Mark)
    either = []
    for situation in (None, *Situation):
        taken = [m for m in marks if accept(attended_by_row(situation, m))]
        if not taken:
            continue
        held = (
            Attendance.situation.is_(None)
            if situation is None
            else Attendance.situation == situation
        )
        if len(taken) == len(marks):
            either.append(held)
            continue
        named = [m for m in taken if m is not None]
        mark = Attendance.mark.in_(named)
        either.append(
            sa.and_(held, sa.or_(Attendance.mark.is_(None), mark) if None in taken else mark)
        )
    return sa.or_(*either)


class _LocalDay(sa.sql.functions.FunctionElement[date]):
    """The Vietnamese date of a stored UTC moment (``to_local(moment).date()``), in SQL."""

    type = sa.Date()
    inherit_cache = True


#: Vietnam's offset from UTC in whole hours (no DST, ``timeutil``).
_HOURS = int(VIETNAM_TZ.utcoffset(None).total_seconds()) // 3600


@compiles(_LocalDay, "sqlite")
def _local_day_sqlite(element: _LocalDay, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as naive UTC text: shifted, then cut to its date ('YYYY-MM-DD', as a Date is).
    return f"date({compiler.process(element.clauses, **kw)}, '{_HOURS:+d} hours')"


@compiles(_LocalDay, "postgresql")
def _local_day_postgresql(element: _LocalDay, compiler: SQLCompiler, **kw: Any) -> str:
    moment = compiler.process(element.clauses, **kw)
    return f"CAST(({moment} AT TIME ZONE INTERVAL '{_HOURS:+03d}:00') AS DATE)"
