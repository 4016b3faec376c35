"""A committee's participation rates, counted by the database: two queries, one row per branch.

The committee compares branches, not members, so it needs each branch's tally and never a
member's cell. ``overview.grid`` builds every member's four marks in Python and then adds them
up (30,000 cells for a commune's year, most of the view's time); here each mark is one grouped
subquery that counts, per meeting, the branch's active members who earned it, and the meetings
are summed per branch in the same statement, so Python reads one row per branch. The base of
each rate is the branch's member count, times its meetings that had a check-in, documents, or
any (less the exempted, for attendance).

The rules are ``overview``'s (its docstring), written a second time as SQL; the tests hold the
two to the same numbers on SQLite and PostgreSQL, and the bench checks them on its commune.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.attendance.models import Attendance, AttendanceSheet, Mark
from handbook.audio.models import ListenProgress
from handbook.comments.models import Comment
from handbook.core import db
from handbook.core.timeutil import UTCDateTime, utcnow
from handbook.documents.models import Document, DocumentStatus
from handbook.meetings.models import Meeting
from handbook.orgs.models import Membership
from handbook.participation.models import ReadingPosition
from handbook.participation.overview import Quarter, Span, Tally


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
            attended=n * row.checked - int(row.exempt),
            read=n * row.documented,
            listened=n * row.documented,
            commented=n * row.meetings,
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
        sa.select(Meeting.id, Meeting.organization_id, Meeting.published_by_id)
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
    checked = per_meeting.c.checked.is_not(None)
    documented = per_meeting.c.documents.is_not(None)

    def total_if(condition: sa.ColumnElement[bool], value: Any, name: str) -> sa.Label[Any]:
        return sa.func.sum(sa.case((condition, value), else_=0)).label(name)

    by_branch = sa.select(
        per_meeting.c.organization_id,
        sa.func.count().label("meetings"),
        sa.func.count(per_meeting.c.checked).label("checked"),
        sa.func.count(per_meeting.c.documents).label("documented"),
        total_if(checked, per_meeting.c.attended, "attended"),
        total_if(checked, per_meeting.c.exempt, "exempt"),
        # The publisher has read every document of the meeting (``overview``).
        total_if(
            documented,
            per_meeting.c.read + sa.case((per_meeting.c.publisher.is_not(None), 1), else_=0),
            "read",
        ),
        total_if(documented, per_meeting.c.listened, "listened"),
        sa.func.sum(per_meeting.c.commented).label("commented"),
    ).group_by(per_meeting.c.organization_id)
    return members, by_branch


def _per_meeting(chosen: sa.CTE, member: sa.CTE, now: sa.BindParameter[Any]) -> sa.Subquery:
    """One row per chosen meeting: whether it had a check-in (``checked``) and how many
    readable documents (``documents``), whether its publisher is a member (``publisher``), and
    how many of its branch's members earned each mark (``read`` leaves the publisher out)."""
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
        query = sa.select(facts.c.meeting_id, sa.func.count().label("n")).join(
            member,
            sa.and_(member.c.user_id == user, member.c.organization_id == facts.c.organization_id),
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
    came = [m for m in Mark if m.attending]
    present = (
        sa.select(
            Attendance.meeting_id,
            sa.func.count().filter(Attendance.mark.in_(came)).label("came"),
            sa.func.count().filter(Attendance.mark == Mark.EXEMPT).label("exempt"),
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
    publisher = member.alias("publisher")
    zero = sa.literal(0)
    return (
        sa.select(
            chosen.c.id,
            chosen.c.organization_id,
            AttendanceSheet.meeting_id.label("checked"),
            wanted.c.n.label("documents"),
            publisher.c.user_id.label("publisher"),
            sa.func.coalesce(present.c.came, zero).label("attended"),
            sa.func.coalesce(present.c.exempt, zero).label("exempt"),
            sa.func.coalesce(read.c.n, zero).label("read"),
            sa.func.coalesce(listened.c.n, zero).label("listened"),
            sa.func.coalesce(commented.c.n, zero).label("commented"),
        )
        .select_from(chosen)
        .outerjoin(AttendanceSheet, AttendanceSheet.meeting_id == chosen.c.id)
        .outerjoin(wanted, wanted.c.meeting_id == chosen.c.id)
        .outerjoin(
            publisher,
            sa.and_(
                publisher.c.user_id == chosen.c.published_by_id,
                publisher.c.organization_id == chosen.c.organization_id,
            ),
        )
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
