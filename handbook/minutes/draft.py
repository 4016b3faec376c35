"""What the system writes in each section of the minutes, from what it holds: the time, place
and signers; the attendance with names, reasons and the counts by the rules; each agenda item
with its documents, the members' comments grouped by disposition, and its closed votes with
their rule and verdict; a place for conclusions; the end.

Nothing here writes: ``operations.refresh`` compares these texts with the stored sections.
A secret ballot is read only through ``voting.results.result_of`` (its totals): who voted is
never read here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.attendance import operations as attendance
from handbook.attendance.models import Attendance
from handbook.comments.models import Disposition
from handbook.comments.report import Entry, Group, meeting_comments
from handbook.core import db
from handbook.core.templating import vn_datetime
from handbook.core.timeutil import to_local
from handbook.documents.models import Document
from handbook.meetings.models import Meeting
from handbook.minutes.models import Minutes, SectionKind
from handbook.voting.models import Method, Vote
from handbook.voting.results import result_of

Key = tuple[SectionKind, int | None]

GENERAL = "Tài liệu chung"
#: How the attendance groups members, in this order (the statuses of ``Attendance.status``).
_STATUS_ORDER = (
    "present",
    "online",
    "late",
    "excused",
    "absent",
    "exempt",
    "elsewhere",
    "suspended",
)
_DISPOSITIONS = (
    (Disposition.ACCEPTED, "Ý kiến đã tiếp thu"),
    (Disposition.EXPLAIN, "Ý kiến cần giải trình"),
    (Disposition.NONE, "Ý kiến chưa xử lý"),
)


@dataclass(frozen=True)
class Wanted:
    """A section as the system would write it now."""

    kind: SectionKind
    agenda_item_id: int | None
    title: str
    text: str

    @property
    def key(self) -> Key:
        return (self.kind, self.agenda_item_id)


def sections(minutes: Minutes) -> list[Wanted]:
    """Every section the minutes should have, in order, with the system's text for each."""
    meeting = minutes.meeting
    groups = {g.agenda_item.id if g.agenda_item else None: g for g in meeting_comments(meeting)}
    documents: dict[int | None, list[str]] = defaultdict(list)
    for document in db.session.scalars(
        sa.select(Document).where(Document.meeting_id == meeting.id).order_by(Document.id)
    ):
        documents[document.agenda_item_id].append(document.title)
    votes: dict[int | None, list[str]] = defaultdict(list)
    for vote in closed_votes(meeting):
        votes[vote.agenda_item_id].append(vote_line(vote))

    out = [
        Wanted(SectionKind.OPENING, None, "Thời gian, địa điểm, chủ trì, thư ký", opening(minutes)),
        Wanted(SectionKind.ATTENDANCE, None, "Thành phần tham dự", attendance_text(meeting)),
    ]
    for item in meeting.agenda:
        text = item_text(documents[item.id], groups.get(item.id), votes[item.id])
        out.append(
            Wanted(SectionKind.ITEM, item.id, f"Nội dung {item.position}: {item.title}", text)
        )
    if documents[None] or None in groups:
        text = item_text(documents[None], groups.get(None), [])
        out.append(Wanted(SectionKind.ITEM, None, GENERAL, text))
    out.append(Wanted(SectionKind.CONCLUSIONS, None, "Kết luận", "\n".join(votes[None])))
    out.append(Wanted(SectionKind.CLOSING, None, "Kết thúc", closing(minutes)))
    return out


def opening(minutes: Minutes) -> str:
    start = minutes.started_at or minutes.meeting.starts_at
    chair = f"đồng chí {minutes.chair.full_name}" if minutes.chair else "(chưa chọn)"
    taker = f"đồng chí {minutes.taker.full_name}" if minutes.taker else "(chưa chọn)"
    return "\n".join(
        [
            f"Thời gian: bắt đầu lúc {vn_datetime(start)}.",
            f"Địa điểm: {minutes.place or '…'}.",
            f"Chủ trì: {chair}.",
            f"Thư ký: {taker}.",
        ]
    )


def closing(minutes: Minutes) -> str:
    read_back = "Biên bản đã được đọc lại cho chi bộ nghe trước khi kết thúc buổi sinh hoạt."
    if minutes.ended_at is None:
        return f"Buổi sinh hoạt kết thúc lúc … giờ … phút cùng ngày.\n{read_back}"
    start = to_local(minutes.started_at or minutes.meeting.starts_at)
    end = to_local(minutes.ended_at)
    day = "cùng ngày" if end.date() == start.date() else f"ngày {end:%d/%m/%Y}"
    return f"Buổi sinh hoạt kết thúc lúc {end:%H} giờ {end:%M} phút {day}.\n{read_back}"


def _name(row: Attendance) -> str:
    name = row.user.full_name + ("" if row.official else " (dự bị)")
    return f"{name}: {row.reason}" if row.reason else name


def attendance_text(meeting: Meeting) -> str:
    """The counts by the rules (present / convened, who may vote), then each group by name."""
    sheet = attendance.sheet_of(meeting)
    if not attendance.started(sheet):
        members = attendance.summary(sheet).counts.members
        return f"Chi bộ có {members} đảng viên. Buổi sinh hoạt chưa điểm danh trên ứng dụng."
    rows = attendance.entries(sheet)
    found = attendance.summary(sheet, rows)
    c = found.counts
    lines = [
        f"Tổng số đảng viên của chi bộ: {c.members}. Số đảng viên được triệu tập: {c.convened}"
        f" (đảng viên chính thức: {c.official_convened}).",
        f"Có mặt: {c.present}/{c.convened} đảng viên được triệu tập;"
        f" đảng viên chính thức có mặt, được biểu quyết: {c.eligible}.",
    ]
    if found.quorum_percent is not None:
        met = "đạt" if found.quorum_met else "không đạt"
        lines.append(
            f"Chi bộ quy định số có mặt tối thiểu {found.quorum_percent}% số được triệu tập: {met}."
        )
    grouped: dict[str, tuple[str, list[str]]] = {}
    for row in rows:
        code, label = row.status(closed=True)  # the minutes record the outcome
        grouped.setdefault(code, (label, []))[1].append(_name(row))
    for code in _STATUS_ORDER:
        if code in grouped:
            label, names = grouped[code]
            lines.append(f"{label} ({len(names)}): {'; '.join(names)}.")
    return "\n".join(lines)


def _comment_line(entry: Entry, topic: str) -> str:
    where = topic + (f", đoạn {entry.paragraph}" if entry.paragraph else "")
    words = " ".join(entry.body.split())
    if entry.voice_url:
        words = f"{entry.voice_label}{': ' + words if words else ''}"
    return f"- Đồng chí {entry.author} ({where}): {words}"


def item_text(titles: list[str], group: Group | None, votes: list[str]) -> str:
    """An agenda item: its documents, the comments by disposition, its votes."""
    lines = [f"Tài liệu: {'; '.join(titles)}." if titles else "Không có tài liệu kèm theo."]
    by_disposition: dict[Disposition, list[str]] = defaultdict(list)
    for topic in group.topics if group else []:
        where = f"về “{topic.title}”" if topic.document is not None else "góp ý chung"
        for top in topic.entries:
            for entry in top.with_replies():
                if entry.deleted or entry.hidden:
                    continue  # hidden by the secretary: not in the branch's record
                by_disposition[entry.disposition].append(_comment_line(entry, where))
    if not by_disposition:
        lines.append("Không có ý kiến góp ý của đảng viên trên ứng dụng.")
    for disposition, heading in _DISPOSITIONS:
        found = by_disposition.get(disposition)
        if found:
            lines += [f"{heading} ({len(found)}):", *found]
    return "\n".join(lines + votes)


def closed_votes(meeting: Meeting) -> list[Vote]:
    return list(
        db.session.scalars(
            sa.select(Vote)
            .where(Vote.meeting_id == meeting.id, Vote.closed_at.is_not(None))
            .options(so.selectinload(Vote.options))
            .order_by(Vote.position, Vote.id)
        )
    )


def vote_line(vote: Vote) -> str:
    """A vote as one line: "Biểu quyết “…” (bỏ phiếu kín; rule): Tán thành: 9, …; 12 đảng
    viên được biểu quyết, 11 phiếu. Kết quả: Thông qua: 9/12 …". Totals only, for every
    kind of ballot."""
    result = result_of(vote)
    if vote.secret:
        how = "bỏ phiếu kín"
    elif vote.method is Method.HANDS:
        how = "biểu quyết giơ tay"
    else:
        how = "biểu quyết công khai"
    counts = ", ".join(f"{t.label}: {t.count}" for t in result.tallies)
    return (
        f"Biểu quyết “{vote.title}” ({how}; {vote.rule.label}): {counts};"
        f" {result.eligible} đảng viên được biểu quyết, {result.cast} phiếu."
        f" Kết quả: {result.verdict}"
    )
