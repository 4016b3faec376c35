"""Abbreviations: the editable table, acronyms defined inside a document, and letter spelling.

The table is a UTF-8 text file, one entry a line: ``KEY<TAB>spoken form`` (``KEY = spoken form``
also works, for people whose editor hides tabs). ``#`` starts a comment; blank lines are ignored.
Keys are case-sensitive and hold no spaces; they may contain ``- / & .`` (``KT-XH``, ``Đ/c``,
``TP.HCM``, ``v.v.``). A later entry replaces an earlier one, so an organisation's file can
override the built-in table.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, MutableMapping
from importlib import resources
from pathlib import Path
from types import MappingProxyType

#: Letter names used to spell an unknown acronym: "DTI" → "đê tê i", "VNPT" → "vê en pê tê".
LETTER_NAMES = {
    "A": "a", "Ă": "á", "Â": "ớ", "B": "bê", "C": "xê", "D": "đê", "Đ": "đê", "E": "e",
    "Ê": "ê", "F": "ép", "G": "giê", "H": "hát", "I": "i", "J": "giây", "K": "ca", "L": "e lờ",
    "M": "em", "N": "en", "O": "o", "Ô": "ô", "Ơ": "ơ", "P": "pê", "Q": "quy", "R": "e rờ",
    "S": "ét", "T": "tê", "U": "u", "Ư": "ư", "V": "vê", "W": "vê kép", "X": "ích",
    "Y": "i dài", "Z": "dét",
}  # fmt: skip

_TONES = dict.fromkeys(map(ord, "\u0300\u0301\u0303\u0309\u0323"))
_SYLLABLE_RE = re.compile(
    r"(ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdđghklmnprstvx])?"
    r"(uyê|uya|uyu|oai|oay|oeo|uôi|ươi|ươu|iêu|yêu|uây|oă|oa|oe|uâ|uê|uô|uơ|uy|ươ|iê|yê|ia|ưa"
    r"|ua|ai|ao|au|ay|âu|ây|eo|êu|iu|oi|ôi|ơi|ui|ưi|ưu|[aăâeêioôơuưy])"
    r"(ch|ng|nh|[cmnpt])?"
)
_DEFINITION_RE = re.compile(
    r"\s*\(\s*(?:(?:sau\s+đây\s+)?(?:gọi|viết)\s+tắt(?:\s+là)?\s*:?\s*)?"
    r"([A-ZĐ][A-ZĐa-zđ]*(?:[-&][A-ZĐ][A-ZĐa-zđ]*)*)\s*\)"
)
_WORD_RE = re.compile(r"[^\W\d_]+")
_FILLERS = frozenset({"và", "của", "các", "với"})


class AbbreviationFileError(ValueError):
    """A line of an abbreviation file that cannot be read; the message names file and line."""


def parse_abbreviations(text: str, source: str = "<text>") -> dict[str, str]:
    """Parse the text of an abbreviation file into a mapping."""
    table: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFC", raw).strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        key, sep, spoken = line.partition("\t")
        if not sep:
            key, sep, spoken = line.partition("=")
        key, spoken = key.strip(), " ".join(spoken.split("#", 1)[0].split())
        if not sep or not key or not spoken or " " in key:
            raise AbbreviationFileError(
                f"{source}:{number}: expected 'ABBREVIATION<TAB>spoken form', got {raw!r}"
            )
        table[key] = spoken
    return table


@functools.cache
def _builtin() -> dict[str, str]:
    data = resources.files("tts").joinpath("data", "abbreviations.tsv")
    return parse_abbreviations(data.read_text(encoding="utf-8"), "tts/data/abbreviations.tsv")


@functools.cache
def builtin_abbreviations() -> Mapping[str, str]:
    """The built-in table, read once, read-only."""
    return MappingProxyType(_builtin())


def load_abbreviations(extra: Path | None = None) -> dict[str, str]:
    """The built-in table, overridden and extended by ``extra`` (an organisation's file)."""
    table = dict(_builtin())
    if extra is not None:
        text = extra.read_text(encoding="utf-8-sig")
        table.update(parse_abbreviations(text, str(extra)))
    return table


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower case without tone marks (vowel quality kept): "Ủy" → "uy", "KHÓA" → "khoa"."""
    return unicodedata.normalize(
        "NFC", unicodedata.normalize("NFD", text).translate(_TONES)
    ).lower()


@functools.lru_cache(maxsize=8192)
def is_syllable(word: str) -> bool:
    """Whether ``word`` can be one Vietnamese syllable (so "MỤC" is a word, "DTI" is not)."""
    return _SYLLABLE_RE.fullmatch(fold(word)) is not None


def spell(word: str) -> str:
    """Spell an acronym with Vietnamese letter names."""
    return " ".join(LETTER_NAMES.get(ch, ch.lower()) for ch in word.upper())


def _initial(word: str) -> str:
    return fold(word)[:1].replace("đ", "d")


def _long_form(before: str, acronym: str) -> str | None:
    """The words just before ``(ACRONYM)`` whose initials spell it, or None."""
    units = [ch for ch in acronym if ch.isalpha() or ch == "&"]
    if len(units) < 2 or not all(ch == "&" or ch.isupper() for ch in units):
        return None
    words = _WORD_RE.findall(before)
    i = len(words) - 1
    for unit in reversed(units):
        while (
            i > 0
            and unit != "&"
            and words[i].lower() in _FILLERS
            and _initial(words[i]) != (_initial(unit))
        ):
            i -= 1  # "Khoa học và Công nghệ (KHCN)": "và" may be skipped
        if i < 0:
            return None
        if unit == "&":
            if words[i].lower() != "và":
                return None
        elif _initial(words[i]) != _initial(unit):
            return None
        i -= 1
    found = words[i + 1 :]
    return " ".join([found[0][:1].lower() + found[0][1:], *found[1:]])


def learn_definitions(line: str, learned: MutableMapping[str, str]) -> str:
    """Learn "chuyển đổi số (CĐS)" style definitions into ``learned``; drop their parentheses."""

    def replace(match: re.Match[str]) -> str:
        acronym = match.group(1)
        long_form = _long_form(line[: match.start()], acronym)
        if long_form is None:
            return match.group(0)
        learned[acronym] = long_form
        return " "  # the caller collapses spaces; "số (CĐS)là" must not become "sốlà"

    return _DEFINITION_RE.sub(replace, line)
