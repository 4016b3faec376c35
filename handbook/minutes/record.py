"""The minutes as one record: the Party header, place and date, the title, the sections and the
signers, in the order every copy shows them; and its canonical text and hash.

The page, the DOCX, the PDF, the voice and the hash all read a ``Record``, whether it is the
draft (built from the rows now, ``operations.record_of``) or a version approved earlier (kept as
JSON in ``MinutesVersion.record``), so no copy can say something another does not.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from handbook.core.timeutil import to_local
from handbook.meetings.models import Meeting, MeetingKind
from handbook.minutes.models import Signer
from handbook.orgs.models import Organization, OrgKind

NATION = "ĐẢNG CỘNG SẢN VIỆT NAM"
TITLE = "BIÊN BẢN"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII")
#: A section's text, as the page bounds it (a long meeting's item is a few thousand).
MAX_BODY = 20_000
#: Control characters (all but the line break and tab) that no text of ours holds.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


@dataclass(frozen=True)
class Part:
    title: str
    body: str


@dataclass(frozen=True)
class Record:
    number: int
    #: Left of the header: "ĐẢNG BỘ XÃ TÂN TIẾN", "CHI BỘ THÔN MỘT".
    header: tuple[str, ...]
    #: Right, under the nation's line: "Tân Tiến, ngày 05 tháng 12 năm 2026".
    place_date: str
    #: Under "BIÊN BẢN": "Sinh hoạt chi bộ thường kỳ tháng 12 năm 2026".
    subtitle: str
    meeting_title: str
    parts: tuple[Part, ...]
    chair: str
    taker: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        return cls(
            number=int(data["number"]),
            header=tuple(data["header"]),
            place_date=str(data["place_date"]),
            subtitle=str(data["subtitle"]),
            meeting_title=str(data["meeting_title"]),
            parts=tuple(Part(str(p["title"]), str(p["body"])) for p in data["parts"]),
            chair=str(data["chair"]),
            taker=str(data["taker"]),
        )


def clean(text: str) -> str:
    """A person's or the system's text as stored: NFC, ``\\n`` line breaks, no control
    characters, no spaces at line ends, no blank lines around it."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def numbered(index: int, title: str) -> str:
    """Sections are numbered as a branch's minutes number them: "II. Thành phần tham dự"."""
    number = ROMAN[index] if index < len(ROMAN) else str(index + 1)
    return f"{number}. {title}"


def canonical(record: Record) -> str:
    """The text the hash is of: every word the minutes say, in order, one way only."""
    lines = [
        *record.header,
        NATION,
        record.place_date,
        TITLE,
        record.subtitle,
        record.meeting_title,
        f"Phiên bản {record.number}",
    ]
    for index, part in enumerate(record.parts):
        lines += ["", numbered(index, part.title), part.body]
    lines += ["", f"CHỦ TRÌ: {record.chair or '…'}", f"THƯ KÝ: {record.taker or '…'}"]
    return clean("\n".join(lines)) + "\n"


def sha256(record: Record) -> str:
    return hashlib.sha256(canonical(record).encode("utf-8")).hexdigest()


def spoken(record: Record) -> list[list[Any]]:
    """What the voice reads: the title in words (capitals would be spelt out), then each
    section's title and its lines: ``[[title, [line, …]], …]``."""
    heading = f"Biên bản {record.subtitle[:1].lower()}{record.subtitle[1:]}."
    opening = (
        [heading]
        if record.meeting_title in record.subtitle
        else [
            heading,
            record.meeting_title,
        ]
    )
    out: list[list[Any]] = [["Biên bản", opening]]
    for index, part in enumerate(record.parts):
        lines = [line.lstrip("-• ").strip() for line in part.body.split("\n")]
        out.append([numbered(index, part.title), [line for line in lines if line]])
    return [section for section in out if section[1]]


def spoken_sha256(sections: list[list[Any]]) -> str:
    data = json.dumps(sections, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# --- the header, from the organisation tree --------------------------------------------------


def _level_name(org: Organization) -> str:
    """A branch is a chi bộ ("CHI BỘ THÔN MỘT"), a level above a đảng bộ ("ĐẢNG BỘ XÃ …")."""
    prefix = "CHI BỘ" if org.kind is OrgKind.BRANCH else "ĐẢNG BỘ"
    name = org.name.upper()
    return name if name.startswith(prefix) else f"{prefix} {name}"


def header(org: Organization) -> tuple[str, ...]:
    """The Party header's left side: the level above (if any), then the organisation."""
    if org.parent is None:
        return (_level_name(org),)
    return (_level_name(org.parent), _level_name(org))


def subtitle(meeting: Meeting, moment: datetime) -> str:
    """The line under the title: "Sinh hoạt chi bộ thường kỳ tháng 12 năm 2026" (a
    committee's: "Hội nghị …")."""
    local = to_local(moment)
    when = f"tháng {local.month} năm {local.year}"
    if meeting.organization.kind is not OrgKind.BRANCH:
        return f"Hội nghị {meeting.organization.name} {when}"
    kind = "thường kỳ" if meeting.kind is MeetingKind.REGULAR else "chuyên đề"
    return f"Sinh hoạt chi bộ {kind} {when}"


@dataclass(frozen=True)
class Copy:
    """What an export draws: the record, its hash once approved, and the approvals."""

    record: Record
    #: ``None`` for a draft.
    sha256: str | None
    #: "Đã duyệt trên ứng dụng lúc …" by signer.
    signed: dict[Signer, str] = field(default_factory=dict)
