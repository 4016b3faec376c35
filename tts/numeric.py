"""Everything written with digits, read in context: dates, times, ratios, ranges, phone numbers,
document codes ("57-NQ/TW"), decimals, percentages, currencies and units."""

from __future__ import annotations

import re
from collections.abc import Callable

from tts import numbers as n
from tts.units import UNIT_PATTERN, read_unit

#: Reads the letter part of a code or of "H5N1": (part, separator before, separator after).
LetterReader = Callable[[str, str, str], str]

_L = r"[^\W\d_]"  # a letter
_START = r"(?<![\w.,/])"
_PATTERN = re.compile(
    rf"""
    (?P<phone>(?:(?<![\w+])\+84[\s.]?|{_START}0)\d{{2,3}}(?:[\s.-]?\d{{3,4}}){{2}})(?![\w.,/]?\d)
    |{_START}(?P<code>\d+(?:/\d+)*[/-][A-ZĐ]{_L}*(?:[-/&][A-ZĐ]{_L}*)*)
    |{_START}(?P<date>(?P<d>\d{{1,2}})(?P<sep>[/.-])(?P<m>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}))(?![\d/])
    |{_START}(?P<time>(?P<hh>[01]?\d|2[0-4])(?:h(?P<mm>[0-5]\d)?|g(?P<mg>[0-5]\d)|:(?P<mc>[0-5]\d)))
        (?:(?<=\d)(?:ph|p|['’]))?(?![\w:])
    |(?<![\w.,/])(?P<rom>(?P<rv>[IVXLC]+)/(?P<ry>\d{{4}}))(?![\d/])
    |{_START}(?P<slash>(?P<a>\d{{1,3}}(?:\.\d{{3}})+|\d+)/(?P<b>\d{{1,3}}(?:\.\d{{3}})+|\d+))(?![\d/])
    |\$\s?(?P<usd>\d{{1,3}}(?:[.,]\d{{3}})+|\d+)
    |(?P<num>\d{{1,3}}(?:,\d{{3}}){{2,}}(?![,.]\d)|\d{{1,3}}(?:\.\d{{3}})+(?:,\d+)?(?![.,]\d)
        |\d+,\d+(?![.,]\d)|\d+(?:\.\d+)+|\d+){UNIT_PATTERN}(?![^\W_]|/[^\W\d_])
    |(?<!\w)(?P<alnum>(?=[^\W_]*\d)(?=[^\W_]*[^\W\d_])[^\W_]+)
    """,
    re.VERBOSE,
)
_PREV_WORD = re.compile(r"([^\W\d_]+)[\s,(]*$")
_NEXT_WORD = re.compile(r"[\s,)]*([^\W\d_]+)")
#: Words after which "29/3" is a date, not a ratio (weekdays: "thứ Hai, 29/3").
_DATE_CUES = frozenset(
    "ngày sáng chiều tối trưa đêm khuya rạng hôm nay mai qua từ đến tới trước sau hết vào "
    "hai ba tư sáu bảy nhật".split()
)
#: Words after which a number with a leading zero is an identifier: "Đề án 06", "số 01".
_ID_CUES = frozenset("án số hiệu mã định quyết thị luận hoạch cáo dẫn văn trình chế tư".split())
#: Document kinds: "Quy định số 24-QĐ/TW" reads the code's "QĐ" as the kind already named.
_KIND_WORDS = (
    "quy định|quyết định|nghị quyết|nghị định|chỉ thị|kết luận|kế hoạch|báo cáo|thông báo"
    "|hướng dẫn|công văn|tờ trình|chương trình|quy chế|đề án|thông tư"
)
_KIND_SET = frozenset(_KIND_WORDS.split("|"))
_KIND_BEFORE = re.compile(rf"({_KIND_WORDS})(?:\s+số)?\s*:?\s*$", re.IGNORECASE)
_JOINS = re.compile(r"\x02\s*(?:(?P<range>[-–—])|(?P<plus>\+)|(?P<eq>=)|(?P<mul>[×x]))\s*\x01")
_JOIN_WORDS = {"range": "đến", "plus": "cộng", "eq": "bằng", "mul": "nhân"}
_PREFIX = re.compile(r"(?:(?P<about>[~≈])|(?P<gt>>)|(?P<lt><)|(?P<ge>≥)|(?P<le>≤))\s*\x01")
_PREFIX_WORDS = {"about": "khoảng", "gt": "trên", "lt": "dưới", "ge": "từ", "le": "không quá"}


def _prev(text: str, pos: int) -> str:
    m = _PREV_WORD.search(text, max(0, pos - 40), pos)
    return m.group(1).lower() if m else ""


def _next(text: str, pos: int) -> str:
    m = _NEXT_WORD.match(text, pos)
    return m.group(1).lower() if m else ""


def _year(text: str) -> str:
    return n.cardinal(int(text))


def _date(day: int, month: int, year: str | None, prev: str) -> str:
    words = [] if prev == "ngày" else ["ngày"]
    words += [n.cardinal(day), "tháng", n.month(month)]
    if year:
        words += ["năm", _year(year)]
    return " ".join(words)


def _number(text: str, prev: str, next_word: str = "") -> str:
    """A written number, its reading depending on the words around it."""
    if "," in text and text.count(",") > 1:  # 1,000,000: English thousands separators
        return n.cardinal(int(text.replace(",", "")))
    whole, _, frac = text.partition(",")
    if frac:
        return n.decimal(whole, frac)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return n.integer(text)
    if "." in text:  # 1.2, 4.0, 2.5.1: sections and versions
        return " chấm ".join(n.integer(part) for part in text.split("."))
    if prev == "thứ" and text[0] != "0":
        return n.ordinal(int(text))
    if prev == "tháng" and text[0] != "0" and int(text) == 4:
        return n.month(4)
    if prev == "giờ" and len(text) == 2:  # "8 giờ 00", "8 giờ 05"
        return n.cardinal(int(text)) if int(text) else ""
    if text[0] == "0" and len(text) <= 3 and next_word.islower() and prev not in _ID_CUES:
        return n.cardinal(int(text))  # "01 chi bộ", "05 đảng viên": a count written with a zero
    return n.integer(text)


def _phone(text: str) -> str | None:
    plus = text.startswith("+84")
    groups = re.findall(r"\d+", text[3:] if plus else text)
    count = sum(map(len, groups))
    if count not in ((9, 10) if plus else (10, 11)):
        return None
    if len(groups) == 1:
        raw = groups[0]
        cuts = (3, 6) if plus else (4, 7) if count == 10 else (3, 7)
        groups = [raw[: cuts[0]], raw[cuts[0] : cuts[1]], raw[cuts[1] :]]
    spoken = ", ".join(n.digits(g) for g in groups)
    return f"cộng tám tư, {spoken}" if plus else spoken


def _code(text: str, read_letters: LetterReader, kind: str | None) -> str:
    """57-NQ/TW → "năm mươi bảy nghị quyết trung ương"; 13/2023/NĐ-CP: the year after "năm".

    ``kind`` is the document kind named just before ("Quy định số"): the code's first letters
    (QĐ is both "quyết định" and "quy định") are read as that kind."""
    parts = re.split(r"([-/&])", text)
    words: list[str] = []
    first = True
    for i in range(0, len(parts), 2):
        part = parts[i]
        before = parts[i - 1] if i else ""
        after = parts[i + 1] if i + 1 < len(parts) else ""
        if part.isdecimal():
            if words and len(part) == 4 and 1900 <= int(part) <= 2100:
                words += ["năm", _year(part)]
            else:
                words.append(n.integer(part))
        elif part:
            spoken = read_letters(part, before, after)
            if first and kind and spoken in _KIND_SET:
                spoken = kind
            first = False
            words.append(spoken)
    return " ".join(words)


def _alnum(text: str, read_letters: LetterReader) -> str:
    """4G → "bốn giê", H5N1 → "hát năm en một", F0 → "ép không"."""
    runs = re.findall(r"\d+|[^\W\d_]+", text)
    return " ".join(n.integer(r) if r.isdecimal() else read_letters(r, "", "") for r in runs)


def _read(m: re.Match[str], read_letters: LetterReader) -> str:
    text = m.string
    prev = _prev(text, m.start())
    if m.group("phone") and (spoken := _phone(m.group("phone"))):
        return spoken
    if m.group("phone"):
        return " ".join(n.integer(g) for g in re.findall(r"\d+", m.group(0)))
    if m.group("code"):
        kind = _KIND_BEFORE.search(text, max(0, m.start() - 30), m.start())
        return _code(m.group("code"), read_letters, kind.group(1).lower() if kind else None)
    if m.group("date"):
        day, month = int(m.group("d")), int(m.group("m"))
        if 1 <= day <= 31 and 1 <= month <= 12:
            return _date(day, month, m.group("y"), prev)
        return " trên ".join(n.integer(p) for p in re.findall(r"\d+", m.group(0)))
    if m.group("time"):
        hours = n.cardinal(int(m.group("hh"))) + " giờ"
        minutes = int(m.group("mm") or m.group("mg") or m.group("mc") or 0)
        return f"{hours} {n.cardinal(minutes)} phút" if minutes else hours
    if m.group("rom"):
        value = n.roman_value(m.group("rv"))
        spoken = n.cardinal(value) if value else read_letters(m.group("rv"), "", "/")
        return f"{spoken} năm {_year(m.group('ry'))}"
    if m.group("slash"):
        return _slash(m, prev)
    if m.group("usd"):
        return _number(m.group("usd").replace(",", "."), "") + " đô la Mỹ"
    if m.group("num"):
        spoken = _number(m.group("num"), prev, _next(text, m.end()))
        unit = m.group("unit") or m.group("unit2") or m.group("unit3")
        if unit and re.fullmatch(r"\d+\.\d{1,2}", m.group("num")):  # 3.5%: a decimal point
            spoken = spoken.replace(" chấm ", " phẩy ")
        return f"{spoken} {read_unit(unit, m.group('per'))}".rstrip()
    return _alnum(m.group("alnum"), read_letters)


def _slash(m: re.Match[str], prev: str) -> str:
    """29/3 (a date), 12/2023 (month and year), or 27/63 (a ratio, "trên")."""
    a, b = m.group("a"), m.group("b")
    x, y = int(a.replace(".", "")), int(b.replace(".", ""))
    if len(b) == 4 and 1 <= x <= 12 and 1900 <= y <= 2100 and "." not in a:
        head = "" if prev == "tháng" else "tháng "
        if prev in {"quý", "quí"}:
            return f"{n.cardinal(x)} năm {_year(b)}"
        return f"{head}{n.month(x)} năm {_year(b)}"
    is_date = 1 <= x <= 31 and 1 <= y <= 12 and len(a) <= 2 and len(b) <= 2
    end = m.end("slash")
    if is_date and (
        prev in _DATE_CUES
        or _next(m.string, end) in {"năm", "vừa"}
        or (m.string[m.start() - 1 : m.start()] == "(" and m.string[end : end + 1] == ")")
    ):
        return _date(x, y, None, prev)
    first = n.ordinal(x) if prev == "thứ" and a[0] != "0" else n.integer(a)
    return f"{first} trên {n.integer(b)}"


def expand_numbers(line: str, read_letters: LetterReader) -> str:
    """Replace every run of digits in ``line`` by words, using the words around it."""
    marked = _PATTERN.sub(lambda m: f"\x01{_read(m, read_letters)}\x02", line)
    marked = _JOINS.sub(lambda m: f"\x02 {_JOIN_WORDS[m.lastgroup or 'range']} \x01", marked)
    marked = _PREFIX.sub(lambda m: f"{_PREFIX_WORDS[m.lastgroup or 'about']} \x01", marked)
    marked = re.sub(r"\d+", lambda m: f"\x01{n.integer(m.group())}\x02", marked)  # leftovers
    marked = re.sub(r"(?<=\w)\x01|\x02(?=[\w\x01])", " ", marked)  # "QH14", "số5": keep words apart
    return marked.replace("\x01", "").replace("\x02", "")
