"""Words written with letters: acronyms, the abbreviation table, Roman numerals, rates."""

from __future__ import annotations

import re
from collections.abc import Mapping

from tts import numbers as n
from tts.abbreviations import fold, is_syllable, spell
from tts.units import DENOMINATORS, UNITS

_TOKEN = re.compile(r"[^\W\d_]+(?:[-/&.][^\W\d_]+)*")
#: Words after which a Roman numeral is a number: "Đại hội XIII", "khóa XIII", "Chương II".
_ROMAN_CONTEXT = frozenset(
    fold(w)
    for w in "hội nghị khóa chương phần mục quý cấp thứ kỷ lục đoạn loại hạng nhóm vùng tập bài "
    "đợt kỳ lần tiết ương khu đoàn".split()
)


class Lexicon:
    """Reads letter tokens: learned acronyms, the table, Roman numerals, spelled acronyms."""

    def __init__(self, table: Mapping[str, str], learned: Mapping[str, str], line: str) -> None:
        self.table, self.learned, self.line = table, learned, line
        words = re.findall(r"[^\W\d_]{2,}", line)
        capitals = sum(w.isupper() for w in words)
        self.heading = len(words) >= 2 and capitals >= 0.7 * len(words)

    def lookup(self, key: str, before: str = "", after: str = "") -> str | None:
        if key in self.learned:
            return self.learned[key]
        candidates = [f"{key}-"] if after == "-" else []
        candidates += [f"-{key}"] if before == "-" else []
        for candidate in [*candidates, key, f"{key}."]:
            if candidate in self.table:
                return self.table[candidate]
        return None

    def _known(self, key: str) -> bool:
        return key in self.learned or key in self.table or f"{key}." in self.table

    def letters(self, part: str, before: str = "", after: str = "") -> str:
        """Letters inside a code or next to digits: "NQ" → "nghị quyết", "G" → "giê"."""
        spoken = self.lookup(part, before, after)
        if spoken is not None:
            return spoken
        if part.isupper():
            return spell(part)
        return part

    def word(self, part: str, start: int, end: int, before: str, after: str) -> str | None:
        """The spoken form of one letter token, or None to keep it as written."""
        prev = re.search(r"([^\W\d_]+)\W*$", self.line[max(0, start - 30) : start])
        value = n.roman_value(part) if part.isupper() else None
        in_context = prev is not None and fold(prev.group(1)) in _ROMAN_CONTEXT
        if value and in_context and (len(part) > 1 or part in "IVX") and len(part) <= 6:
            assert prev is not None
            return n.ordinal(value) if fold(prev.group(1)) == "thư" else n.cardinal(value)
        if len(part) > 1 and is_syllable(part) and part.isupper() and part not in self.learned:
            if self.heading or self._caps_neighbour(start, end):
                return None  # "TU DƯỠNG", "ĐA DẠNG": words of a capitalised heading
        spoken = self.lookup(part, before, after)
        if spoken is not None:
            return spoken
        if value and len(part) > 1 and set(part) <= set("IVX"):
            return n.cardinal(value)
        if len(part) > 1 and part.isalpha() and part.isupper() and not is_syllable(part):
            return spell(part)
        return None

    def _caps_neighbour(self, start: int, end: int) -> bool:
        left = re.search(r"([^\W\d_]+)\W*$", self.line[max(0, start - 30) : start])
        right = re.match(r"\W*([^\W\d_]+)", self.line[end : end + 30])
        return any(
            m and len(m.group(1)) > 1 and m.group(1).isupper() and is_syllable(m.group(1))
            for m in (left, right)
        )

    def expand(self, line: str) -> str:
        """Read every letter token of ``line`` (numbers are already words)."""
        self.line = line
        line = _TOKEN.sub(self.token, line)
        return re.sub(r"\x03\s*\.", "", line).replace("\x03", "")

    def token(self, m: re.Match[str]) -> str:
        text, start, end = m.group(0), m.start(), m.end()
        if text.isalpha() and not text.isupper() and not self._known(text):
            return text  # an ordinary word: the fast path for nine tokens in ten
        if end < len(self.line) and self.line[end] == "." and f"{text}." in self.table:
            if re.match(r"\.\s*[^\W\d_]", self.line[end:]):
                return self.table[f"{text}."] + " \x03"  # the dot belongs to the abbreviation
        spoken = self.word(text, start, end, "", "")
        if spoken is not None:
            return spoken
        pieces = re.split(r"([-/&.])", text)
        return text if len(pieces) == 1 else self._compound(pieces, start) or text

    def _compound(self, pieces: list[str], start: int) -> str | None:
        """ "QĐ-UBND", "Tp.Hà", "ha/năm": read part by part; None when no part changes."""
        out: list[str] = []
        changed = rated = False
        offset = start
        for i in range(0, len(pieces), 2):
            part = pieces[i]
            before = pieces[i - 1] if i else ""
            after = pieces[i + 1] if i + 1 < len(pieces) else ""
            if before == "/" and (rated or pieces[i - 2] in UNITS) and part in DENOMINATORS:
                if not rated:
                    out[-1] = UNITS[pieces[i - 2]]
                out.append(f"trên {DENOMINATORS[part]}")
                changed = rated = True
                continue
            rated = False
            spoken = self.word(part, offset, offset + len(part), before, after)
            offset += len(part) + len(after)
            changed |= spoken is not None
            if before == "&":
                out.append("và")
            out.append(part if spoken is None else spoken)
        return " ".join(out) if changed else None
