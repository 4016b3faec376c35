"""Participation across meetings and branches: per member and meeting, whether they came,
read, listened and commented, and the totals and rates a secretary or a committee compares.

Who was expected at a meeting is the attendance domain's decision, reused, not a rule of ours:
at a meeting with a check-in, the row it kept for the member (their situation on the day, and
their mark) read by ``attendance.rules.convened``, exactly as the attendance page counts it;
without a row, or without a check-in, the member list's situation on the meeting's Vietnamese
date (``Membership.situation_on``, what opening the check-in would have kept).

The four marks of a member at a meeting:
- attended: marked present, late or online at its check-in; ``None`` when the meeting had no
  check-in, the check-in never listed the member, or the member was not among those convened
  (working elsewhere, suspended, exempted or excused, unless an exempted one came): the
  meeting's rate is then the attendance page's present / convened;
- read: every published, readable document of the meeting was read, which means most of its
  text was on screen (``ReadingPosition.read_at``: 60 % of the paragraphs passed, or the end
  in sight); opening a document (a ``ReadReceipt``) is not reading it. Whoever uploaded a
  document counts as having read it, and whoever published the meeting as having read them
  all, so the secretary is never "chưa đọc" in their own meeting (the reminders already leave
  them out). ``None`` when the meeting has no such document;
- listened: every such document was played to 90 % (``ListenProgress.completed_at``); ``None``
  without documents, as for reading;
- commented: at least one comment of theirs on the meeting (its agenda or documents), deleted
  ones left out.

A member suspended on the meeting's day (suspended from Party activity, prosecuted or
detained) is expected to do nothing for it: all four marks are ``None``, and "Nhắc" and the
day-before reminder leave them out (``suspended_on``; ``participation.totals`` in SQL). One
working elsewhere is out of the attendance rate only: the documents reach their phone, so
reading, listening and commenting are still expected; so is one exempted from meetings.

A ``None`` mark is left out of its rate's denominator. Members are the active members of each
branch now (not as they were on each meeting's day), and the meetings are those a branch owns,
published and not cancelled, starting in the quarter (Vietnamese time). Everything comes from
seven grouped queries for the whole set of branches, however many members and meetings; the
branch page needs every cell, but a committee's side-by-side view needs only the totals, which
``participation.totals`` counts in the database by these same rules (the tests hold the two to
the same numbers): change a rule here, change it there.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.attendance.models import Attendance, Mark
from handbook.attendance.rules import convened
from handbook.audio.models import ListenProgress
from handbook.comments.models import Comment
from handbook.core import db
from handbook.core.timeutil import VIETNAM_TZ, to_local, utcnow
from handbook.documents.models import Document, DocumentStatus
from handbook.meetings.models import Meeting
from handbook.orgs.models import Membership, Organization, OrgKind, Situation
from handbook.participation.models import ReadingPosition

#: The four marks, in the order pages and exports show them, with their Vietnamese names.
MARKS: tuple[tuple[str, str], ...] = (
    ("attended", "Có mặt"),
    ("read", "Đã đọc"),
    ("listened", "Đã nghe"),
    ("commented", "Góp ý"),
)

_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter in Vietnamese time, written ``2026-Q4`` in links."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str | None, today: date | None = None) -> Quarter:
        """The quarter a link names; the current one when it names none or is malformed."""
        found = _QUARTER.fullmatch((text or "").strip())
        if found and 2000 <= int(found[1]) <= 2100:
            return cls(int(found[1]), int(found[2]))
        day = today or to_local(utcnow()).date()
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        return f"Quý {_ROMAN[self.number - 1]}/{self.year}"

    @property
    def starts(self) -> datetime:
        return datetime(self.year, 3 * self.number - 2, 1, tzinfo=VIETNAM_TZ)

    @property
    def ends(self) -> datetime:
        return self.next.starts

    @property
    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    @property
    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)


@dataclass(frozen=True)
class Span:
    """Any stretch of time (a year, for the bench's twelve meetings): ``starts`` to ``ends``."""

    starts: datetime
    ends: datetime


@dataclass(slots=True)
class Marks:
    """One member at one meeting (see the module's docstring for what each mark means)."""

    attended: bool | None = None
    read: bool | None = None
    listened: bool | None = None
    #: ``None`` only for a member suspended on the meeting's day.
    commented: bool | None = False

    @property
    def idle(self) -> bool:
        """Expected to prepare, yet neither read, nor listened, nor commented: whom "Nhắc"
        reminds."""
        return self.commented is False and not (self.read or self.listened)


@dataclass
class Tally:
    """How many marks were earned (``done``) out of how many counted (``of``), per mark."""

    done: dict[str, int] = field(default_factory=lambda: dict.fromkeys(dict(MARKS), 0))
    of: dict[str, int] = field(default_factory=lambda: dict.fromkeys(dict(MARKS), 0))

    def add(self, marks: Marks) -> None:
        done, of = self.done, self.of
        if marks.attended is not None:
            of["attended"] += 1
            done["attended"] += marks.attended
        if marks.read is not None:
            of["read"] += 1
            done["read"] += marks.read
        if marks.listened is not None:
            of["listened"] += 1
            done["listened"] += marks.listened
        if marks.commented is not None:
            of["commented"] += 1
            done["commented"] += marks.commented

    def merge(self, other: Tally) -> None:
        for name, _label in MARKS:
            self.done[name] += other.done[name]
            self.of[name] += other.of[name]

    def rate(self, name: str) -> float | None:
        """The share earned, 0..1; ``None`` when nothing was counted."""
        return self.done[name] / self.of[name] if self.of[name] else None

    def percent(self, name: str) -> str:
        rate = self.rate(name)
        return "–" if rate is None else f"{round(rate * 100)} %"


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    branch_id: int


@dataclass
class Grid:
    """Members × meetings of a set of branches, with the totals pages and exports show."""

    meetings: list[Meeting]
    members: list[Member]
    marks: dict[tuple[int, int], Marks]
    per_meeting: dict[int, Tally]
    per_member: dict[int, Tally]
    per_branch: dict[int, Tally]
    total: Tally

    def mark(self, member_id: int, meeting_id: int) -> Marks:
        return self.marks.get((member_id, meeting_id), Marks())

    def idle(self, meeting_id: int) -> list[int]:
        """The meeting's branch members who have done nothing for it."""
        meeting = next(m for m in self.meetings if m.id == meeting_id)
        return [
            member.id
            for member in self.members
            if member.branch_id == meeting.organization_id and self.mark(member.id, meeting_id).idle
        ]


def branches_below(org: Organization) -> list[Organization]:
    """The branches in ``org``'s subtree (itself, if it is one), by name: never another
    commune's, as the subtree is a path prefix."""
    return list(
        db.session.scalars(
            sa.select(Organization)
            .where(
                Organization.path.startswith(org.path, autoescape=True),
                Organization.kind == OrgKind.BRANCH,
            )
            .order_by(Organization.name, Organization.id)
        )
    )


def latest_quarter(branch_ids: list[int], now: datetime | None = None) -> Quarter:
    """The quarter of the branches' latest published meeting (one is published weeks ahead,
    often in the next quarter); the current quarter when they have none."""
    latest = db.session.scalar(
        sa.select(sa.func.max(Meeting.starts_at)).where(
            Meeting.organization_id.in_(branch_ids),
            Meeting.publish_at <= (now or utcnow()),
            Meeting.cancelled_at.is_(None),
        )
    )
    if latest is None:
        return Quarter.parse(None)
    if latest.tzinfo is None:  # SQLite's max() skips the column's type: a naive UTC time
        latest = latest.replace(tzinfo=UTC)
    return Quarter.parse(None, to_local(latest).date())


def grid(branch_ids: list[int], quarter: Quarter | Span, now: datetime | None = None) -> Grid:
    """The participation of the branches' members in their meetings of the quarter."""
    now = now or utcnow()
    chosen = sa.select(Meeting.id).where(
        Meeting.organization_id.in_(branch_ids),
        Meeting.publish_at <= now,
        Meeting.cancelled_at.is_(None),
        Meeting.starts_at >= quarter.starts,
        Meeting.starts_at < quarter.ends,
    )
    meetings = list(
        db.session.scalars(
            sa.select(Meeting).where(Meeting.id.in_(chosen)).order_by(Meeting.starts_at, Meeting.id)
        )
    )
    members = [
        Member(user_id, name, org_id)
        for user_id, name, org_id in db.session.execute(
            sa.select(User.id, User.full_name, Membership.organization_id)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id.in_(branch_ids), User.active.is_(True))
            .order_by(User.full_name, User.id)
        )
    ]
    # The traces name their meetings by the same subquery: no list of ids to send and parse.
    marks = (
        _marks(meetings, members, _traces(chosen, now), _suspended(branch_ids)) if meetings else {}
    )
    per_meeting = {m.id: Tally() for m in meetings}
    per_member = {member.id: Tally() for member in members}
    per_branch = {branch_id: Tally() for branch_id in branch_ids}
    for (user_id, meeting_id), cell in marks.items():
        per_meeting[meeting_id].add(cell)
        per_member[user_id].add(cell)
    total = Tally()
    for m in meetings:  # a branch's (and the whole's) tally is the sum of its meetings'
        per_branch[m.organization_id].merge(per_meeting[m.id])
        total.merge(per_meeting[m.id])
    return Grid(meetings, members, marks, per_meeting, per_member, per_branch, total)


@dataclass
class _Traces:
    documents: dict[int, int]  # meeting -> readable documents
    own: dict[tuple[int, int], int]  # (uploader, meeting) -> documents they uploaded
    read: dict[tuple[int, int], int]  # (user, meeting) -> others' documents read
    heard: dict[tuple[int, int], int]  # (user, meeting) -> documents heard
    commented: set[tuple[int, int]]
    #: (user, meeting) -> every check-in row's verdict: came (``True``), convened but did not
    #: come (``False``), not among those convened (``None``).
    attended: dict[tuple[int, int], bool | None]
    #: meeting -> user -> the situation their check-in row kept.
    kept: dict[int, dict[int, Situation | None]]


def _traces(meeting_ids: sa.Select[int] | list[int], now: datetime) -> _Traces:
    docs = sa.select(Document.id, Document.meeting_id, Document.created_by_id).where(
        Document.meeting_id.in_(meeting_ids),
        Document.status == DocumentStatus.READY,
        Document.publish_at <= now,
    )
    documents: dict[int, int] = defaultdict(int)
    own: dict[tuple[int, int], int] = defaultdict(int)
    for _doc_id, meeting_id, uploader in db.session.execute(docs):
        if meeting_id is None:  # never: the filter names meetings
            continue
        documents[meeting_id] += 1
        if uploader is not None:
            own[(uploader, meeting_id)] += 1
    shown = docs.subquery()
    # Counted without one's own uploads, which ``own`` adds back: a union, not a double count.
    read = {
        (user_id, meeting_id): n
        for user_id, meeting_id, n in db.session.execute(
            sa.select(ReadingPosition.user_id, shown.c.meeting_id, sa.func.count())
            .join(shown, shown.c.id == ReadingPosition.document_id)
            .where(
                ReadingPosition.read_at.is_not(None),
                sa.or_(
                    shown.c.created_by_id.is_(None),
                    shown.c.created_by_id != ReadingPosition.user_id,
                ),
            )
            .group_by(ReadingPosition.user_id, shown.c.meeting_id)
        )
    }
    heard = {
        (user_id, meeting_id): n
        for user_id, meeting_id, n in db.session.execute(
            sa.select(ListenProgress.user_id, shown.c.meeting_id, sa.func.count())
            .join(shown, shown.c.id == ListenProgress.document_id)
            .where(ListenProgress.completed_at.is_not(None))
            .group_by(ListenProgress.user_id, shown.c.meeting_id)
        )
    }
    commented = {
        (user_id, meeting_id)
        for user_id, meeting_id in db.session.execute(
            sa.select(Comment.author_id, Comment.meeting_id)
            .where(Comment.meeting_id.in_(meeting_ids), Comment.deleted_at.is_(None))
            .distinct()
        )
    }
    # Every row of the meetings' check-ins (a row needs its sheet: none, no check-in).
    attended: dict[tuple[int, int], bool | None] = {}
    kept: dict[int, dict[int, Situation | None]] = defaultdict(dict)
    for user_id, meeting_id, situation, mark in db.session.execute(
        sa.select(
            Attendance.user_id, Attendance.meeting_id, Attendance.situation, Attendance.mark
        ).where(Attendance.meeting_id.in_(meeting_ids))
    ):
        attended[(user_id, meeting_id)] = attended_by_row(situation, mark)
        kept[meeting_id][user_id] = situation
    return _Traces(dict(documents), dict(own), read, heard, commented, attended, dict(kept))


@functools.cache
def attended_by_row(situation: Situation | None, mark: Mark | None) -> bool | None:
    """A check-in row's attendance mark, as the attendance page counts the row (``Attendance.facts``
    read by ``rules.convened``): ``None`` when not convened, else whether they came. ``totals``
    enumerates it into SQL."""
    facts = Attendance(situation=situation, mark=mark).facts()
    return facts.attending if convened(facts) else None


def suspended_on(
    day: date, kept: Mapping[int, Situation | None], listed: Iterable[Membership]
) -> set[int]:
    """Who is suspended on a meeting's ``day`` (its Vietnamese date), and so expected to do
    nothing for it: by the row its check-in kept (``kept``: user -> the row's situation), else
    by the member list's dates (``listed``: memberships, ``Membership.situation_on``)."""
    away = {user_id for user_id, situation in kept.items() if situation is Situation.SUSPENDED}
    away.update(
        membership.user_id
        for membership in listed
        if membership.user_id not in kept and membership.situation_on(day) is Situation.SUSPENDED
    )
    return away


def suspended_at(meeting: Meeting, org_ids: Sequence[int] | None = None) -> set[int]:
    """Who is suspended on ``meeting``'s day (``suspended_on``), among the members of
    ``org_ids`` (its own branch unless told): those the grid gives no mark, and the day-before
    reminder leaves out (``participation.reminders``)."""
    orgs = [meeting.organization_id] if org_ids is None else list(org_ids)
    kept = {
        user_id: situation
        for user_id, situation in db.session.execute(
            sa.select(Attendance.user_id, Attendance.situation).where(
                Attendance.meeting_id == meeting.id
            )
        )
    }
    listed = [m for found in _suspended(orgs).values() for m in found]
    return suspended_on(to_local(meeting.starts_at).date(), kept, listed)


def _suspended(branch_ids: list[int]) -> dict[int, list[Membership]]:
    """Per branch, the memberships whose situation is "suspended" (on some days): the list a
    meeting without a check-in row for the member reads (``Membership.situation_on``)."""
    found: dict[int, list[Membership]] = defaultdict(list)
    for membership in db.session.scalars(
        sa.select(Membership).where(
            Membership.organization_id.in_(branch_ids),
            Membership.situation == Situation.SUSPENDED,
        )
    ):
        found[membership.organization_id].append(membership)
    return found


def _marks(
    meetings: list[Meeting],
    members: list[Member],
    traces: _Traces,
    listed: dict[int, list[Membership]],
) -> dict[tuple[int, int], Marks]:
    # The inner loop runs once per member and meeting (30,000 times for a commune's year):
    # everything it reads is a local name, nothing an ORM attribute.
    by_branch: dict[int, list[int]] = defaultdict(list)
    for member in members:
        by_branch[member.branch_id].append(member.id)
    commented = traces.commented
    attended_of, read_of, own_of, heard_of = (
        traces.attended.get,
        traces.read.get,
        traces.own.get,
        traces.heard.get,
    )
    result: dict[tuple[int, int], Marks] = {}
    for meeting in meetings:
        meeting_id, publisher = meeting.id, meeting.published_by_id
        wanted = traces.documents.get(meeting_id, 0)
        # Suspended on the day: by the check-in row, else by the member list's dates.
        away = suspended_on(
            to_local(meeting.starts_at).date(),
            traces.kept.get(meeting_id, {}),
            listed.get(meeting.organization_id, ()),
        )
        for user_id in by_branch.get(meeting.organization_id, ()):
            key = (user_id, meeting_id)
            if user_id in away:
                result[key] = Marks(None, None, None, None)
                continue
            attended = attended_of(key)  # no row (or no check-in): not convened
            if wanted:
                read = publisher == user_id or read_of(key, 0) + own_of(key, 0) >= wanted
                result[key] = Marks(attended, read, heard_of(key, 0) >= wanted, key in commented)
            else:
                result[key] = Marks(attended, None, None, key in commented)
    return result
