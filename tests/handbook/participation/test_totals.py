"""The committee's rates counted by the database (``participation.totals``) are exactly the
totals of every member's cells (``overview.grid``, the oracle): a commune whose traces touch
every rule — check-ins with each mark and none, exemptions and situations (on the member list,
dated around the meetings, and on the check-in row), probationary members, documents not ready
or not yet published, one's own uploads, the publisher, deleted comments, inactive and ended
members, outsiders' traces, a member of two branches, cancelled and future meetings, a meeting
whose Vietnamese date is the day after its UTC one — on SQLite and PostgreSQL. A meeting's
attendance rate is what its check-in counts (``attendance/rules.py``)."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.attendance.models import Attendance, AttendanceSheet, Mark
from handbook.attendance.operations import entries, summary
from handbook.audio.models import ListenProgress
from handbook.comments.models import Comment
from handbook.core import db
from handbook.core.timeutil import to_local, utcnow
from handbook.documents.models import Document, DocumentStatus
from handbook.meetings.models import AgendaItem, Meeting
from handbook.orgs.models import (
    EndedMembership,
    EndReason,
    Membership,
    Organization,
    Role,
    Situation,
    Standing,
)
from handbook.participation.models import ReadingPosition
from handbook.participation.overview import MARKS, Marks, Quarter, Span, grid
from handbook.participation.totals import totals
from tests.conftest import Tree, login
from tests.helpers import response_text

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

#: A past quarter, so that every meeting in it may be published already.
QUARTER = Quarter(2025, 2)


def _meeting(org: Organization, day: int, publisher: User | None, **kw: object) -> Meeting:
    starts = datetime(2025, 4, 1, 1, 30, tzinfo=UTC) + timedelta(days=day)
    meeting = Meeting(
        organization_id=org.id,
        title=f"Sinh hoạt ngày {day}",
        starts_at=starts,
        publish_at=starts - timedelta(days=5),
        published_by_id=publisher.id if publisher else None,
    )
    for key, value in kw.items():
        setattr(meeting, key, value)
    db.session.add(meeting)
    db.session.flush()
    db.session.add(AgendaItem(meeting_id=meeting.id, position=1, title="Nội dung"))
    return meeting


def _document(meeting: Meeting, uploader: User | None, **kw: object) -> Document:
    document = Document(
        organization_id=meeting.organization_id,
        meeting_id=meeting.id,
        title="Tài liệu",
        filename="t.txt",
        kind="txt",
        blob_sha256="0" * 64,
        size=1,
        status=DocumentStatus.READY,
        publish_at=meeting.publish_at,
        created_by_id=uploader.id if uploader else None,
    )
    for key, value in kw.items():
        setattr(document, key, value)
    db.session.add(document)
    db.session.flush()
    return document


def _situation(
    user: User, situation: Situation, since: date | None = None, until: date | None = None
) -> None:
    """The member's (only) membership says ``situation`` from ``since`` to ``until``."""
    membership = db.session.scalars(
        sa.select(Membership).where(Membership.user_id == user.id)
    ).one()
    membership.situation, membership.situation_from, membership.situation_until = (
        situation,
        since,
        until,
    )
    db.session.flush()


def _commune(tree: Tree, make_user, seed: int) -> None:
    """Two branches of commune C (and B3 of another commune), their meetings of the quarter and
    around it, and random traces over everyone, outsiders included."""
    b1, b2, b3 = tree.b1, tree.b2, tree.b3
    both = make_user(b1, Role.MEMBER, full_name="Hai Chi Bộ")
    db.session.add(Membership(user_id=both.id, organization_id=b2.id, role=Role.MEMBER))
    asleep = make_user(b1, Role.MEMBER, full_name="Không Hoạt Động")
    asleep.active = False
    exempt = make_user(b1, Role.MEMBER, full_name="Miễn Sinh Hoạt")
    db.session.add(
        Membership(
            user_id=make_user(full_name="Dự Bị").id,
            organization_id=b2.id,
            role=Role.MEMBER,
            standing=Standing.PROBATIONARY,
        )
    )
    # Exempted on the list: what the check-in row kept decides its meetings.
    _situation(exempt, Situation.EXEMPT)
    # B1 meets on 4 Apr, 21 Apr, 11 May and 31 May (local dates); B2 on 11 Apr, 2 May (its
    # local date; 1 May in UTC) and 10 Jun.
    away = make_user(b1, Role.MEMBER, full_name="Công Tác Xa")
    _situation(away, Situation.ELSEWHERE, date(2025, 4, 15), date(2025, 5, 15))
    paused = make_user(b1, Role.MEMBER, full_name="Đình Chỉ")
    _situation(paused, Situation.SUSPENDED, date(2025, 5, 11))  # from a meeting's own day
    detained = make_user(b2, Role.MEMBER, full_name="Tạm Giam")
    _situation(detained, Situation.SUSPENDED, None, date(2025, 5, 1))  # to the UTC date only
    left = make_user(full_name="Đã Chuyển Đi")
    db.session.add(
        EndedMembership(
            user_id=left.id,
            organization_id=b1.id,
            role=Role.MEMBER,
            standing=Standing.OFFICIAL,
            began_at=utcnow() - timedelta(days=400),
            ended_on=datetime(2025, 5, 1).date(),
            reason=EndReason.MOVED,
        )
    )
    extra = [
        make_user(b1 if i % 2 else b2, Role.MEMBER, full_name=f"Đảng viên {i}") for i in range(6)
    ]
    db.session.flush()
    sec1, sec2 = tree.secretary_b1, tree.secretary_b2
    later = utcnow() + timedelta(days=30)
    meetings = [
        first := _meeting(b1, 3, sec1),
        _meeting(b1, 20, sec1),
        _meeting(b1, 40, None),  # no publisher recorded
        _meeting(b1, 60, sec1),  # no documents
        _meeting(b1, 50, sec1, cancelled_at=utcnow()),
        _meeting(b1, 55, sec1, publish_at=later),  # not yet published
        _meeting(b1, 100, sec1),  # the next quarter
        _meeting(b2, 10, sec2),
        late := _meeting(b2, 30, sec2, starts_at=datetime(2025, 5, 1, 18, 0, tzinfo=UTC)),
        _meeting(b2, 70, tree.committee_c),  # published by the committee, not a member
        _meeting(b3, 12, None),  # another commune
    ]
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    uploaders = [sec1, sec2, tree.member_b1, both, None, tree.committee_c]
    documents: list[Document] = []
    for meeting in meetings:
        if meeting.title.endswith("ngày 60"):
            continue
        for _ in range(rng.choice((1, 2, 3))):
            documents.append(_document(meeting, rng.choice(uploaders)))
        if rng.random() < 0.5:
            documents.append(_document(meeting, sec1, status=DocumentStatus.PROCESSING))
        if rng.random() < 0.5:
            documents.append(_document(meeting, sec1, publish_at=later))
    for meeting in meetings[:-1]:
        # The late meeting has none: its members' situations are read from the list.
        if (rng.random() < 0.8 or meeting is first) and meeting is not late:
            db.session.add(AttendanceSheet(meeting_id=meeting.id, closed_at=meeting.starts_at))
    db.session.flush()
    people = [
        tree.member_b1,
        sec1,
        tree.member_b2,
        sec2,
        tree.committee_c,
        tree.member_b3,
        both,
        asleep,
        exempt,
        left,
        away,
        paused,
        detained,
        *extra,
    ]
    listed = {(m.user_id, m.organization_id): m for m in db.session.scalars(sa.select(Membership))}
    sheets = set(db.session.scalars(sa.select(AttendanceSheet.meeting_id)))
    agenda = dict(db.session.execute(sa.select(AgendaItem.meeting_id, AgendaItem.id)).all())
    for person in people:
        for document in documents:
            roll = rng.random()
            if roll < 0.6:
                db.session.add(
                    ReadingPosition(
                        user_id=person.id,
                        document_id=document.id,
                        paragraph=3,
                        text_version="v1",
                        seen_at=utcnow(),
                        read_at=utcnow() if roll < 0.45 else None,
                    )
                )
            if rng.random() < 0.35:
                db.session.add(
                    ListenProgress(
                        user_id=person.id,
                        document_id=document.id,
                        heard=60.0,
                        completed_at=utcnow() if rng.random() < 0.7 else None,
                    )
                )
        for meeting in meetings:
            for _ in range(rng.choice((0, 0, 1, 2))):
                db.session.add(
                    Comment(
                        meeting_id=meeting.id,
                        agenda_item_id=agenda[meeting.id],
                        author_id=person.id,
                        client_id=f"t-{rng.random()}",
                        body="Đồng ý.",
                        deleted_at=utcnow() if rng.random() < 0.3 else None,
                    )
                )
            # B1's secretary, who published the first meeting, was suspended on its day.
            publisher_paused = person is sec1 and meeting is first
            if meeting.id in sheets and (rng.random() < 0.85 or publisher_paused):
                mark = rng.choice([*Mark, None])
                if person is exempt and rng.random() < 0.7:
                    mark = Mark.EXEMPT
                # Mostly what opening the check-in keeps (the list's situation on the day),
                # sometimes another (the list's dates were changed after the meeting).
                on_list = listed.get((person.id, meeting.organization_id))
                situation = rng.choice([None, None, None, *Situation])
                if on_list is not None and rng.random() < 0.6:
                    situation = on_list.situation_on(to_local(meeting.starts_at).date())
                if publisher_paused:
                    situation = Situation.SUSPENDED
                db.session.add(
                    Attendance(
                        meeting_id=meeting.id, user_id=person.id, mark=mark, situation=situation
                    )
                )
    db.session.commit()


def _assert_same(branch_ids: list[int], span: Quarter | Span) -> None:
    cells, counted = grid(branch_ids, span), totals(branch_ids, span)
    assert counted.per_branch == cells.per_branch
    assert counted.total == cells.total
    # Plain integers, as the cells' (a Decimal would not mix with the rates' floats).
    assert {type(n) for n in (*counted.total.done.values(), *counted.total.of.values())} == {int}
    for branch_id in branch_ids:
        assert counted.members[branch_id] == sum(
            1 for m in cells.members if m.branch_id == branch_id
        )
        assert counted.meetings[branch_id] == sum(
            1 for m in cells.meetings if m.organization_id == branch_id
        )
    assert counted.member_count == len(cells.members)
    assert counted.meeting_count == len(cells.meetings)


@BOTH
@pytest.mark.parametrize("seed", [1, 2])
def test_the_databases_totals_are_the_cells_totals(tree, make_user, seed) -> None:
    _commune(tree, make_user, seed)
    b1, b2, b3 = tree.b1.id, tree.b2.id, tree.b3.id
    year = Span(Quarter(2025, 1).starts, Quarter(2026, 1).starts)
    for branch_ids in ([b1], [b2], [b1, b2], [b1, b2, b3]):
        for span in (QUARTER, QUARTER.next, year, QUARTER.previous):
            _assert_same(branch_ids, span)
    # The commune was built to count something under every rule.
    result = totals([b1, b2], QUARTER)
    assert result.meeting_count == 7  # not the cancelled, unpublished or next quarter's
    for name in ("attended", "read", "listened", "commented"):
        assert 0 < result.total.done[name] < result.total.of[name]


@BOTH
def test_the_rules_counted_by_hand(tree, make_user) -> None:
    """A meeting small enough to count by hand, so the two ways cannot agree on a mistake."""
    reader = make_user(tree.b1, Role.MEMBER, full_name="Người Đọc")
    uploader = make_user(tree.b1, Role.MEMBER, full_name="Người Tải Lên")
    exempt = make_user(tree.b1, Role.MEMBER, full_name="Người Được Miễn")
    meeting = _meeting(tree.b1, 5, tree.secretary_b1)
    theirs = _document(meeting, uploader)
    other = _document(meeting, tree.secretary_b1)
    _document(meeting, tree.secretary_b1, status=DocumentStatus.FAILED)  # not readable
    db.session.add(AttendanceSheet(meeting_id=meeting.id, closed_at=meeting.starts_at))
    db.session.flush()
    for document in (theirs, other):
        db.session.add(
            ReadingPosition(
                user_id=reader.id,
                document_id=document.id,
                paragraph=9,
                text_version="v1",
                seen_at=utcnow(),
                read_at=utcnow(),
            )
        )
    # The uploader read the other one too: both read. Member B1 only opened one: not read.
    db.session.add_all(
        [
            ReadingPosition(
                user_id=uploader.id,
                document_id=other.id,
                paragraph=9,
                text_version="v1",
                seen_at=utcnow(),
                read_at=utcnow(),
            ),
            ReadingPosition(
                user_id=tree.member_b1.id,
                document_id=other.id,
                paragraph=1,
                text_version="v1",
                seen_at=utcnow(),
            ),
            ListenProgress(user_id=reader.id, document_id=theirs.id, completed_at=utcnow()),
            ListenProgress(user_id=reader.id, document_id=other.id, completed_at=utcnow()),
            ListenProgress(user_id=exempt.id, document_id=other.id, completed_at=utcnow()),
            Comment(
                meeting_id=meeting.id,
                document_id=other.id,
                author_id=reader.id,
                client_id="a",
                body="Một.",
            ),
            Comment(
                meeting_id=meeting.id,
                document_id=other.id,
                author_id=reader.id,
                client_id="b",
                body="Hai.",
            ),
            Comment(
                meeting_id=meeting.id,
                document_id=other.id,
                author_id=uploader.id,
                client_id="c",
                body="Đã xóa.",
                deleted_at=utcnow(),
            ),
            Comment(
                meeting_id=meeting.id,
                document_id=other.id,
                author_id=tree.committee_c.id,
                client_id="d",
                body=".",
            ),
            Attendance(meeting_id=meeting.id, user_id=reader.id, mark=Mark.PRESENT),
            Attendance(meeting_id=meeting.id, user_id=uploader.id, mark=Mark.ONLINE),
            Attendance(meeting_id=meeting.id, user_id=tree.member_b1.id, mark=Mark.EXCUSED),
            Attendance(meeting_id=meeting.id, user_id=exempt.id, mark=Mark.EXEMPT),
            Attendance(meeting_id=meeting.id, user_id=tree.committee_c.id, mark=Mark.PRESENT),
        ]
    )
    db.session.commit()
    # Five members: member B1, the secretary, the reader, the uploader, the exempted. Convened
    # (attendance/rules.py): the reader and the uploader; not member B1 (absent with a reason),
    # the exempted, nor the secretary (not on the check-in's list).
    tally = totals([tree.b1.id], QUARTER).total
    assert (tally.done, tally.of) == (
        {"attended": 2, "read": 3, "listened": 1, "commented": 1},  # the secretary published
        {"attended": 2, "read": 5, "listened": 5, "commented": 5},
    )
    _assert_same([tree.b1.id], QUARTER)


@BOTH
def test_the_committee_page_and_export_show_the_cells_totals(client, tree, make_user) -> None:
    _commune(tree, make_user, 3)
    cells = grid([tree.b1.id, tree.b2.id], QUARTER)
    b1 = cells.per_branch[tree.b1.id]
    members = sum(1 for m in cells.members if m.branch_id == tree.b1.id)
    meetings = sum(1 for m in cells.meetings if m.organization_id == tree.b1.id)
    login(client, tree.committee_c)
    page = response_text(
        client.get(f"/org/{tree.commune.id}/participation/branches?quarter={QUARTER}")
    )
    row = page.split(f">{tree.b1.name}</a></th>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>(.*?)</td>", row) == [
        str(members),
        str(meetings),
        *(b1.percent(name) for name, _ in MARKS),
    ]
    everyone = page.split('<th scope="row">Tất cả</th>', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>(.*?)</td>", everyone) == [
        str(len(cells.members)),
        str(len(cells.meetings)),
        *(cells.total.percent(name) for name, _ in MARKS),
    ]
    raw = client.get(f"/org/{tree.commune.id}/participation/branches.csv?quarter={QUARTER}").data
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[2] == [
        tree.b1.name,
        str(members),
        str(meetings),
        *("" if b1.rate(name) is None else b1.percent(name) for name, _ in MARKS),
    ]
    assert table[3][:3] == ["Tất cả", str(len(cells.members)), str(len(cells.meetings))]


@BOTH
def test_each_meetings_attendance_is_what_its_check_in_counts(tree, make_user) -> None:
    """Over the generated commune: a meeting's attendance rate is its check-in's present over
    convened (``attendance.operations.summary``, what the attendance page shows) among today's
    members, and whoever was suspended on its day, by the check-in row it kept or else by the
    member list's dates, is expected to do nothing for it."""
    _commune(tree, make_user, 4)
    branch_ids = [tree.b1.id, tree.b2.id]
    cells = grid(branch_ids, QUARTER)
    members = {(m.id, m.branch_id) for m in cells.members}
    listed = {
        (m.user_id, m.organization_id): m
        for m in db.session.scalars(
            sa.select(Membership).where(Membership.organization_id.in_(branch_ids))
        )
    }
    counted = paused = 0
    for meeting in cells.meetings:
        branch, tally = meeting.organization_id, cells.per_meeting[meeting.id]
        sheet = db.session.get(AttendanceSheet, meeting.id)
        rows = [] if sheet is None else entries(sheet)
        if sheet is not None:
            mine = [r for r in rows if (r.user_id, branch) in members]
            counts = summary(sheet, mine).counts
            assert (tally.done["attended"], tally.of["attended"]) == (
                counts.present,
                counts.convened,
            )
            counted += 1
        else:
            assert tally.of["attended"] == 0
        kept = {r.user_id: r.situation for r in rows}
        day = to_local(meeting.starts_at).date()
        away = {
            user_id
            for user_id, org_id in members
            if org_id == branch
            and (kept[user_id] if user_id in kept else listed[user_id, org_id].situation_on(day))
            is Situation.SUSPENDED
        }
        paused += len(away)
        assert tally.of["commented"] == sum(1 for _, org_id in members if org_id == branch) - len(
            away
        )
        for user_id in away:
            assert cells.mark(user_id, meeting.id) == Marks(None, None, None, None)
    assert counted >= 3 and paused >= 2  # the commune exercised both


@BOTH
def test_suspended_members_are_expected_nothing_and_members_elsewhere_still_read(
    tree, make_user
) -> None:
    """Counted by hand: a member suspended on the meeting's day (by the check-in row, or by the
    member list's dates on the meeting's Vietnamese date) is left out of every rate and not
    reminded; a member working elsewhere is out of the attendance rate only."""
    sec, member = tree.secretary_b1, tree.member_b1
    paused = make_user(tree.b1, Role.MEMBER, full_name="Đình Chỉ")
    away = make_user(tree.b1, Role.MEMBER, full_name="Công Tác Xa")
    # The list's dates, as they read now: suspended 10–21 April; elsewhere, open-ended.
    _situation(paused, Situation.SUSPENDED, date(2025, 4, 10), date(2025, 4, 21))
    _situation(away, Situation.ELSEWHERE)
    a = _meeting(tree.b1, 5, sec)  # 6 April: the row it kept says suspended (dates changed)
    b = _meeting(tree.b1, 20, sec)  # 21 April, no check-in: suspended by the list
    c = _meeting(tree.b1, 20, sec, starts_at=datetime(2025, 4, 21, 18, 0, tzinfo=UTC))
    # ``c`` is on 22 April in Vietnam (21 April in UTC): no longer suspended.
    docs = {m.id: _document(m, sec) for m in (a, b, c)}
    db.session.add(AttendanceSheet(meeting_id=a.id, closed_at=a.starts_at))
    db.session.flush()
    db.session.add_all(
        [
            Attendance(meeting_id=a.id, user_id=sec.id, mark=Mark.PRESENT),
            Attendance(meeting_id=a.id, user_id=member.id, mark=Mark.ABSENT),
            Attendance(meeting_id=a.id, user_id=paused.id, situation=Situation.SUSPENDED),
            # Working elsewhere and came online anyway: not among those convened.
            Attendance(
                meeting_id=a.id, user_id=away.id, situation=Situation.ELSEWHERE, mark=Mark.ONLINE
            ),
        ]
    )
    for user, meeting in ((paused, a), (away, a), (away, b), (away, c)):
        db.session.add(
            ReadingPosition(
                user_id=user.id,
                document_id=docs[meeting.id].id,
                paragraph=9,
                text_version="v1",
                seen_at=utcnow(),
                read_at=utcnow(),
            )
        )
    for n, (user, meeting) in enumerate(((paused, a), (away, b))):
        db.session.add(
            Comment(
                meeting_id=meeting.id,
                document_id=docs[meeting.id].id,
                author_id=user.id,
                client_id=f"s{n}",
                body="Ý kiến.",
            )
        )
    db.session.commit()
    cells = grid([tree.b1.id], QUARTER)
    nothing = Marks(None, None, None, None)
    assert cells.mark(paused.id, a.id) == nothing  # read and commented, but suspended
    assert cells.mark(paused.id, b.id) == nothing
    assert cells.mark(paused.id, c.id) == Marks(None, False, False, False)
    assert cells.mark(away.id, a.id) == Marks(None, True, False, False)
    assert cells.mark(away.id, b.id) == Marks(None, True, False, True)
    # (done, of) per meeting: the secretary published, so has read.
    per = {m.id: cells.per_meeting[m.id] for m in (a, b, c)}
    assert (per[a.id].done, per[a.id].of) == (
        {"attended": 1, "read": 2, "listened": 0, "commented": 0},
        {"attended": 2, "read": 3, "listened": 3, "commented": 3},
    )
    assert (per[b.id].done, per[b.id].of) == (
        {"attended": 0, "read": 2, "listened": 0, "commented": 1},
        {"attended": 0, "read": 3, "listened": 3, "commented": 3},
    )
    assert (per[c.id].done, per[c.id].of) == (
        {"attended": 0, "read": 2, "listened": 0, "commented": 0},
        {"attended": 0, "read": 4, "listened": 4, "commented": 4},
    )
    assert sorted(cells.idle(b.id)) == [member.id]  # the suspended member is not reminded
    assert sorted(cells.idle(c.id)) == sorted([member.id, paused.id])
    tally = totals([tree.b1.id], QUARTER).total
    assert (tally.done, tally.of) == (
        {"attended": 1, "read": 6, "listened": 0, "commented": 1},
        {"attended": 2, "read": 10, "listened": 10, "commented": 10},
    )
    _assert_same([tree.b1.id], QUARTER)
