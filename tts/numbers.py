"""Vietnamese number words: cardinals, digit strings, decimals, ordinals and Roman numerals.

Northern usage throughout: "nghìn" (not "ngàn"), "linh" (not "lẻ"), "tỷ"; "mốt", "tư" and "lăm"
after a tens word (21 hai mươi mốt, 24 hai mươi tư, 25 hai mươi lăm) but "một", "bốn", "năm"
elsewhere (11 mười một, 14 mười bốn, 105 một trăm linh năm).
"""

from __future__ import annotations

import re

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_SCALES = ("", "nghìn", "triệu")
#: Integers written without separators and longer than this are identifiers (citizen ids, bank
#: accounts), read digit by digit; nobody writes a ten-digit amount without dots.
MAX_PLAIN_DIGITS = 9

_ROMAN_RE = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _below_hundred(n: int) -> list[str]:
    """0 < n < 100."""
    tens, unit = divmod(n, 10)
    if tens == 0:
        return [DIGITS[unit]]
    words = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if unit == 1 and tens > 1:
        words.append("mốt")
    elif unit == 4 and tens > 1:
        words.append("tư")
    elif unit == 5:
        words.append("lăm")
    elif unit:
        words.append(DIGITS[unit])
    return words


def _below_thousand(n: int, *, full: bool) -> list[str]:
    """0 < n < 1000; ``full`` reads a zero hundreds digit ("không trăm linh năm")."""
    hundreds, rest = divmod(n, 100)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
        if 0 < rest < 10:
            words.append("linh")
    if rest:
        words += _below_hundred(rest)
    return words


def _below_billion(n: int, *, full: bool) -> list[str]:
    """0 < n < 10**9: groups of three digits with nghìn / triệu; empty groups are skipped."""
    groups: list[int] = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if not group:
            continue
        words += _below_thousand(group, full=full or bool(words))
        if _SCALES[index]:
            words.append(_SCALES[index])
    return words


def cardinal(n: int) -> str:
    """Read a non-negative integer: 1005 → "một nghìn không trăm linh năm"."""
    if n < 0:
        return "âm " + cardinal(-n)
    if n == 0:
        return DIGITS[0]
    words: list[str] = []
    parts: list[int] = []
    while n:
        n, part = divmod(n, 10**9)
        parts.append(part)
    # 1.000.000.000.000 is "một nghìn tỷ": the part above a tỷ is read as a number, then "tỷ".
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        if not part:
            continue
        words += _below_billion(part, full=bool(words))
        words += ["tỷ"] * index
    return " ".join(words)


def digits(text: str) -> str:
    """Read each digit: "0912" → "không chín một hai"."""
    return " ".join(DIGITS[int(ch)] for ch in text if ch.isdecimal())


def integer(text: str) -> str:
    """Read a written integer: digit by digit when it has a leading zero or is an id."""
    plain = text.replace(".", "")
    if (len(plain) > 1 and plain[0] == "0") or (plain == text and len(plain) > MAX_PLAIN_DIGITS):
        return digits(plain)
    return cardinal(int(plain))


def fraction_digits(text: str) -> str:
    """The part after the decimal comma: "71" → "bảy mươi mốt", "05" and "125" digit by digit."""
    if len(text) <= 2 and text[0] != "0":
        return cardinal(int(text))
    return digits(text)


def decimal(whole: str, frac: str) -> str:
    """92,71 → "chín mươi hai phẩy bảy mươi mốt"."""
    return f"{integer(whole)} phẩy {fraction_digits(frac)}"


def ordinal(n: int) -> str:
    """The word after "thứ": 1 → nhất, 4 → tư, otherwise the cardinal."""
    return {1: "nhất", 4: "tư"}.get(n, cardinal(n))


def month(n: int) -> str:
    """The word after "tháng": 4 → tư (tháng tư), else the cardinal (tháng một, tháng mười hai)."""
    return "tư" if n == 4 else cardinal(n)


def roman_value(text: str) -> int | None:
    """The value of a well-formed upper-case Roman numeral, else None."""
    if not text or not _ROMAN_RE.fullmatch(text):
        return None
    total = 0
    for ch, nxt in zip(text, text[1:] + " ", strict=True):
        value = _ROMAN_VALUES[ch]
        total += -value if nxt != " " and _ROMAN_VALUES[nxt] > value else value
    return total
