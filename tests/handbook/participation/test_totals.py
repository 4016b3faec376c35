"""The committee's rates counted by the database (``participation.totals``) are exactly the
totals of every member's cells (``overview.grid``, the oracle): a commune whose traces touch
every rule — check-ins with each mark and none, exemptions and situations (on the member list
and on the check-in row), probationary members, documents not ready or not yet published,
one's own uploads, the publisher, deleted comments, inactive and ended members, outsiders'
traces, a member of two branches, cancelled and future meetings — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.attendance.models import Attendance, AttendanceSheet, Mark
from handbook.audio.models import ListenProgress
from handbook.comments.models import Comment
from handbook.core import db
from handbook.core.timeutil import utcnow
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
from handbook.participation.overview import MARKS, Quarter, Span, grid
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
    # Exempted on the list; only a check-in's "miễn" mark leaves a meeting's attendance rate.
    db.session.scalars(
        sa.select(Membership).where(Membership.user_id == exempt.id)
    ).one().situation = Situation.EXEMPT
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
        _meeting(b1, 3, sec1),
        _meeting(b1, 20, sec1),
        _meeting(b1, 40, None),  # no publisher recorded
        _meeting(b1, 60, sec1),  # no documents
        _meeting(b1, 50, sec1, cancelled_at=utcnow()),
        _meeting(b1, 55, sec1, publish_at=later),  # not yet published
        _meeting(b1, 100, sec1),  # the next quarter
        _meeting(b2, 10, sec2),
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
        if rng.random() < 0.8:
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
        *extra,
    ]
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
            if meeting.id in sheets and rng.random() < 0.85:
                mark = rng.choice([*Mark, None])
                if person is exempt and rng.random() < 0.7:
                    mark = Mark.EXEMPT
                # The situation kept on the row (elsewhere, suspended) counts for nothing here.
                situation = rng.choice([None, None, None, *Situation])
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
    assert result.meeting_count == 6  # not the cancelled, unpublished or next quarter's
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
    # Five members: member B1, the secretary, the reader, the uploader, the exempted.
    tally = totals([tree.b1.id], QUARTER).total
    assert (tally.done, tally.of) == (
        {"attended": 2, "read": 3, "listened": 1, "commented": 1},  # the secretary published
        {"attended": 4, "read": 5, "listened": 5, "commented": 5},
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
