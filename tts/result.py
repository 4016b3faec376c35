"""What the pipeline takes and gives: sections in; the timing map, chapters and report out."""

from __future__ import annotations

import errno
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["AudioResult", "Chapter", "EarlyAudio", "PipelineError", "Section", "Timing"]


class PipelineError(Exception):
    """The document could not be turned into audio; ``str(error)`` is one Vietnamese sentence
    to show the user. No output file is left behind."""


@dataclass(frozen=True, slots=True)
class Section:
    """One chapter of the audio (a page or an agenda item): ``paragraphs`` are
    ``(n, raw text)`` pairs, ``n`` being the app's paragraph number (its ``#p-n`` anchor)."""

    title: str
    paragraphs: list[tuple[int, str]]


@dataclass(frozen=True, slots=True)
class Timing:
    """Where one sentence is heard. ``text`` is the original sentence, found at ``offset`` in
    paragraph ``paragraph``'s raw text, for read-along highlighting; times are in seconds."""

    paragraph: int
    index: int
    start: float
    end: float
    text: str
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Chapter:
    """A section's title and the time its first sentence starts."""

    title: str
    start: float


@dataclass(slots=True)
class AudioResult:
    """The written MP3's report. ``engine``/``voice`` are those that read the end of the
    document (the fallback's when ``fell_back``); ``engines`` counts sentences per engine."""

    duration: float
    engine: str
    voice: str
    fell_back: bool
    sentences: list[Timing]
    paragraphs: dict[int, float]
    chapters: list[Chapter]
    size: int
    warnings: list[str] = field(default_factory=list)
    engines: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: times rounded to milliseconds, paragraph numbers as string keys."""
        data = asdict(self)
        data.update(timing_map(self.duration, self.sentences, self.paragraphs, self.chapters))
        return data


def timing_map(
    duration: float,
    sentences: list[Timing],
    paragraphs: dict[int, float],
    chapters: list[Chapter],
) -> dict[str, Any]:
    """Where each sentence, paragraph and chapter is heard, JSON-ready: times rounded to
    milliseconds, paragraph numbers as string keys."""
    timings = [asdict(t) for t in sentences]
    for timing in timings:
        timing["start"], timing["end"] = round(timing["start"], 3), round(timing["end"], 3)
    return {
        "duration": round(duration, 3),
        "sentences": timings,
        "paragraphs": {str(n): round(t, 3) for n, t in paragraphs.items()},
        "chapters": [{"title": c.title, "start": round(c.start, 3)} for c in chapters],
    }


@dataclass(frozen=True, slots=True)
class EarlyAudio:
    """The first ``size`` bytes of the MP3 being written, playable before the document is done.

    The document is one MP3 stream from one encoder, so every early part is a prefix of the
    final file's audio: the same times hold in both, and a player can switch to the longer
    file at the position it has reached. ``timings`` has the shape of ``AudioResult.to_dict()``
    limited to the sentences inside the prefix."""

    path: Path
    size: int
    duration: float
    timings: dict[str, Any]
    done: int
    total: int


# What the user is told (PipelineError messages and warnings).
EMPTY = "Văn bản trống, không có gì để đọc."
NOTHING_TO_SAY = "Văn bản không có chữ nào đọc được (chỉ có ký hiệu hoặc biểu tượng)."
LEGACY = (
    "Văn bản dùng bảng mã cũ (TCVN3/VNI) nên không đọc được; hãy chuyển sang Unicode "
    "(ví dụ bằng công cụ chuyển mã của Unikey) rồi tải lên lại."
)
TOO_LONG = (
    "Văn bản quá dài để đọc thành một tệp âm thanh ({size} ký tự, tối đa {limit}); "
    "hãy chia thành nhiều tài liệu."
)
BAD_SPEED = "Tốc độ đọc phải từ {low} đến {high}."
NOTHING_SPOKEN = "Bộ đọc không tạo được âm thanh cho câu nào của văn bản này."
NO_ENGINE = "{reason} Chưa tạo được bản đọc, hãy thử lại sau."
DISK_FULL = "Không đủ dung lượng ổ đĩa để lưu tệp âm thanh; chưa có tệp nào được ghi."
WRITE_FAILED = "Không ghi được tệp âm thanh ({reason}); chưa có tệp nào được ghi."
SKIPPED_LEGACY = "Bỏ qua đoạn {paragraph}: văn bản dùng bảng mã cũ (TCVN3/VNI)."
SKIPPED_SENTENCE = "Bỏ qua một câu ở đoạn {paragraph}: «{text}» ({reason})"
FELL_BACK = "Không dùng được {primary} ({reason}); phần còn lại được đọc bằng {fallback}."


def vietnamese_number(value: float) -> str:
    """1234567 → "1.234.567", 0.5 → "0,5": how numbers are written for the user."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


_OS_REASONS = {
    errno.ENOENT: "không tìm thấy tệp hoặc thư mục",
    errno.EACCES: "không có quyền truy cập",
    errno.EPERM: "không có quyền truy cập",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.EISDIR: "đó là một thư mục",
    errno.ENOTDIR: "đường dẫn không phải thư mục",
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EDQUOT: "vượt hạn mức dung lượng",
}


def os_reason(exc: OSError) -> str:
    """An OS error in Vietnamese for the user ("không có quyền truy cập"), else its errno name."""
    if exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    return f"lỗi hệ thống {errno.errorcode.get(exc.errno or 0, exc.errno)}"
