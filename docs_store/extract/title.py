"""A document's own title, found in its text: what the app offers instead of the file name.

Vietnamese official documents (Hướng dẫn 36-HD/VPTW for the Party's, Nghị định 30/2020 for the
State's) open with a header: the issuing body ("ĐẢNG BỘ XÃ TÂN TIẾN"), "ĐẢNG CỘNG SẢN VIỆT NAM"
or the national motto, the number, the place and date. Then comes the kind of document in
capitals ("NGHỊ QUYẾT") with its subject on the next line ("Về ..."), or a letter's "V/v ...".
The title is that heading with its subject, the header skipped; lacking a heading, the first
short line that reads like a title. Only the opening of the document is searched: a section
heading far into the text ("I. MỤC TIÊU") names a part, not the document.

Capitals are turned to sentence case ("Nghị quyết về ..."), keeping as the body writes them the
words it writes with a capital ("Nà Phìa", "Đảng") and its abbreviations ("UBND").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from .layout import tidy
from .model import Block, ExtractedDocument

#: A title longer than this is cut at a word (it is shown in lists and notifications).
MAX_TITLE_CHARS = 150
#: Blocks looked at from the start of the document.
OPENING_BLOCKS = 25
#: A paragraph longer than this is body text: the opening is over.
MAX_LINE_CHARS = 120

# Lines of the administrative header, compared in capitals (both spellings of "ỦY"/"UỶ").
_HEADER_STARTS = tuple(
    prefix.replace("ỦY", spelling)
    for prefix in (
        "ĐẢNG CỘNG SẢN",
        "CỘNG HÒA XÃ HỘI",
        "CỘNG HOÀ XÃ HỘI",
        "ĐỘC LẬP",
        "ĐẢNG BỘ",
        "CHI BỘ",
        "ĐẢNG ỦY",
        "BAN CHẤP HÀNH",
        "BAN THƯỜNG VỤ",
        "BCH ",
        "TỈNH ỦY",
        "HUYỆN ỦY",
        "THÀNH ỦY",
        "QUẬN ỦY",
        "THỊ ỦY",
        "ỦY BAN",
        "UBND",
        "HĐND",
        "HỘI ĐỒNG NHÂN DÂN",
        "MẶT TRẬN",
        "VĂN PHÒNG",
        "TRUNG ƯƠNG",
    )
    for spelling in ("ỦY", "UỶ")
)
#: Header lines in any case: the Party's name, the State's name and motto.
_ALWAYS_HEADER = ("ĐẢNG CỘNG SẢN VIỆT NAM", "CỘNG HÒA XÃ HỘI", "CỘNG HOÀ XÃ HỘI", "ĐỘC LẬP - TỰ DO")
_NUMBER = re.compile(r"^(?:Số|SỐ|số)\s*[:.]?\s*\d")
_PLACE_DATE = re.compile(r"ngày\s+\S{1,3}\s+tháng\s+\S{1,3}\s+năm\s+\d{4}", re.IGNORECASE)
_SUBJECT = re.compile(r"^(?:V/v|v/v|V/V)\s*[:.]?\s*|^(?:Về|VỀ|về)\s+")
_NUMBERING = re.compile(
    r"^(?:(?:PHẦN|Phần|CHƯƠNG|Chương|MỤC|Mục|ĐIỀU|Điều)\s+(?:[IVXLC]+|\d{1,3})\b\s*[.:\-–]?\s*"
    r"|[IVXLC]{1,6}[.)]\s+|\(?\d{1,3}(?:\.\d{1,3})*[.)]\s+|\(?[a-zđ]\)\s+|[-–—•·*+]\s*)"
)
#: Ends that are never part of a title: punctuation, OCR's stray marks.
_EDGE = " \t.,;:-–—_|~*•·=\"'“”‘’«»"
_WORD = re.compile(r"\w+(?:[-/.]\w+)*", re.UNICODE)
_ROMAN = re.compile(r"^(?=[IVXLC])M{0,3}(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})$")
#: Kinds of document: lower case inside a title, even where the body names one with capitals
#: ("Nghị quyết Đại hội XIII"), since the title's kind is not that name ("Dự thảo nghị quyết").
_KINDS = frozenset(
    tuple(kind.split())
    for kind in (
        "nghị quyết", "kế hoạch", "báo cáo", "thông báo", "thông tri", "chỉ thị", "quyết định",
        "quy định", "quy chế", "hướng dẫn", "tờ trình", "biên bản", "chương trình", "kết luận",
        "công văn", "đề án", "đề cương", "dự thảo",
    )
)  # fmt: skip
#: Names every document writes with capitals, for a title whose body does not show them.
_NAMES = {"việt nam": "Việt Nam", "hồ chí minh": "Hồ Chí Minh"}


def title_from(document: ExtractedDocument, max_chars: int = MAX_TITLE_CHARS) -> str | None:
    """The title the document gives itself, cleaned; None when its opening has none."""
    blocks = [b for page in document.pages for b in page.blocks][:OPENING_BLOCKS]
    found = _find(blocks)
    if found is None:
        return None
    head, subject = found
    casing = _Casing(b.text for page in document.pages for b in page.blocks)
    parts = [casing.sentence(_strip_numbering(head), first=True)] if head else []
    if subject:
        lead, *rest = subject
        parts += [lead] + [casing.sentence(part, first=False) for part in rest]
    title = _trim(" ".join(parts))
    return _cap(title[:1].upper() + title[1:], max_chars) or None


def _find(blocks: list[Block]) -> tuple[str, list[str]] | None:
    """The title's line and its subject ("về", then its words), from the opening blocks."""
    skipped = 0
    for index, block in enumerate(blocks):
        text = tidy(block.text)
        if is_header_line(text):
            continue
        if _SUBJECT.match(text):  # a letter's "V/v ..." stands for its title
            return "", _subject(blocks, index)
        if block.kind == "heading" or _reads_like_title(_trim(_strip_numbering(text))):
            if _fold(text) == "du thao" and index + 1 < len(blocks):  # "DỰ THẢO" / "NGHỊ QUYẾT"
                following = tidy(blocks[index + 1].text)
                if blocks[index + 1].kind == "heading" and not is_header_line(following):
                    text = f"{text} {following}"
                    index += 1
            subject: list[str] = []
            if index + 1 < len(blocks) and _SUBJECT.match(tidy(blocks[index + 1].text)):
                subject = _subject(blocks, index + 1)
            return text, subject
        skipped += 1
        if len(text) > MAX_LINE_CHARS or skipped > 3:
            return None  # body text before any title: the document has none of its own
    return None


def _subject(blocks: list[Block], index: int) -> list[str]:
    """ "về" (or "về việc" for "V/v") and the subject's lines, with the short lowercase lines
    that continue it (a centred subject comes one visual line at a time)."""
    text = tidy(blocks[index].text)
    match = _SUBJECT.match(text)
    assert match is not None
    lead = "về việc" if match.group(0).lower().startswith("v/v") else "về"
    parts = [lead, text[match.end() :]]
    for block in blocks[index + 1 : index + 3]:
        more = tidy(block.text)
        if not more or not more[0].islower() or len(more) > 80 or is_header_line(more):
            break
        parts.append(more)
    return [p for p in parts if p]


def is_header_line(text: str) -> bool:
    """A line of the administrative header: issuing body, national motto, number, date."""
    if not any(c.isalpha() for c in text):
        return True  # "*", "-----"
    upper = text.upper()
    if upper.startswith(_ALWAYS_HEADER) or (text == upper and upper.startswith(_HEADER_STARTS)):
        return True
    if _NUMBER.match(text):
        return True
    return len(text) <= 90 and _PLACE_DATE.search(text) is not None


def _reads_like_title(text: str) -> bool:
    """A short line, starting with a capital, ending in no sentence mark, mostly letters."""
    words = text.split()
    if not 2 <= len(words) <= 16 or len(text) > 100 or not text[0].isupper() or ":" in text:
        return False
    if text.endswith((".", ",", ";", "!", "?", "…")):
        return False
    letters = sum(c.isalpha() for c in text)
    return letters >= 0.6 * len(text.replace(" ", ""))


def _strip_numbering(text: str) -> str:
    return _NUMBERING.sub("", text, count=1)


def _trim(text: str) -> str:
    return " ".join(text.split()).strip(_EDGE)


def _cap(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(_EDGE) + "…"


def _fold(text: str) -> str:
    """Lower case without diacritics (``đ`` → ``d``), for comparing wordings."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


class _Casing:
    """How the body writes each word in mid-sentence: ``Nà``, ``Đảng``, ``UBND`` or lower.

    Lines in capitals tell nothing and are skipped; a word's first use in a sentence neither.
    The form after the same next word wins ("Đảng" but "đảng viên"), else the word's usual one.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self.pairs: dict[tuple[str, str], Counter[str]] = {}
        self.words: dict[str, Counter[str]] = {}
        for line in lines:
            if _is_upper(line):
                continue
            for sentence in re.split(r"(?<=[.!?:;…])\s+|\s+[-–—]\s+|[(\"“]", line):
                tokens = _WORD.findall(sentence)
                for position, word in enumerate(tokens[1:], start=1):
                    if any(c.isdigit() for c in word):
                        continue
                    after = tokens[position + 1].lower() if position + 1 < len(tokens) else ""
                    lower = word.lower()
                    self.pairs.setdefault((lower, after), Counter())[word] += 1
                    self.words.setdefault(lower, Counter())[word] += 1

    def form(self, word: str, after: str) -> str | None:
        """The body's form of ``word`` followed by ``after``, or None when the body lacks it."""
        for counts in (self.pairs.get((word.lower(), after.lower())), self.words.get(word.lower())):
            if counts:
                return counts.most_common(1)[0][0]
        return None

    def sentence(self, text: str, *, first: bool) -> str:
        """``text`` in sentence case when it is all capitals; otherwise as it is."""
        if not _is_upper(text):
            return text
        tokens = _WORD.findall(text)
        out: list[str] = []
        position = 0
        for index, match in enumerate(_WORD.finditer(text)):
            out.append(text[position : match.start()])
            position = match.end()
            word = match.group(0)
            before = tokens[index - 1] if index else ""
            after = tokens[index + 1] if index + 1 < len(tokens) else ""
            out.append(self._word(word, before, after, initial=first and index == 0))
        out.append(text[position:])
        cased = "".join(out)
        lowered = cased.lower()
        for name, written in _NAMES.items():
            at = lowered.find(name)
            while at >= 0:
                cased = cased[:at] + written + cased[at + len(name) :]
                at = lowered.find(name, at + len(name))
        return cased

    def _word(self, word: str, before: str, after: str, *, initial: bool) -> str:
        if any(c.isdigit() for c in word) or _ROMAN.match(word):
            return word  # "11/2026", "05-NQ/CB", "XIII"
        lower = word.lower()
        kind = {(before.lower(), lower), (lower, after.lower())} & _KINDS
        known = None if kind else self.form(word, after)
        if known is not None and (known[0].isupper() or not initial):
            return known
        return lower[:1].upper() + lower[1:] if initial else lower
