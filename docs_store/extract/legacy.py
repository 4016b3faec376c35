"""Recognise text typed with the pre-Unicode Vietnamese encodings (TCVN3/ABC, VNI, VIQR).

A document typed with a .VnTime or VNI-Times font extracts as Latin-1 look-alikes
("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam"); VIQR
writes the marks as ASCII ("Co^.ng ho`a"). Publishing that would be unreadable, and reading it
aloud gibberish, so extraction refuses it and the speech pipeline skips it. Converting is not
reliable (TCVN3 puts capitals in separate fonts that share codes with small letters), so we
only detect. This is the one detector of the project: ``tts`` imports it from here.

Two signals, either of which is enough:

- words: many words mix ASCII letters with Latin-1 symbols Vietnamese never uses
  (µ ¸ · Ö ä ø ...), or are VIQR, while almost none have a letter only Unicode Vietnamese has
  (ă đ ơ ư ĩ ũ and the precomposed ạ..ỹ), which are everywhere in real Vietnamese. It needs a
  few such words, so it also names the encoding reliably on whole documents;
- density: such symbols make up a good share of the letters of a short text ("chøc n¨ng",
  a heading or one paragraph), too short for the word count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LegacyVerdict", "analyse", "detect", "looks_legacy", "message", "may_be_legacy"]

# Latin-1 letters that are part of the Vietnamese alphabet (à á â ã è é ê ì í ò ó ô õ ù ú ý).
_VN_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
# Latin-1 characters (U+00A1..U+00FF) that are not, plus the cp1252 extras.
_FOREIGN = {chr(c) for c in range(0xA1, 0x100)} - _VN_LATIN1 | set("ƒŠŒŽšœžŸ")
# Characters that show TCVN3 rather than VNI (the tone-marked vowels of the ABC table).
_TCVN3_HINTS = set("µ¸¶·¹§®¨©ª«¬\u00ad»¾¼½ÆÇÌÐÖ×ØÜÞßñÜ")
_VNI_HINTS = set("øûïäåöëÿÖÕØÛÏÄÅ")
_VN_SPECIFIC = re.compile(r"[ăĂđĐơƠưƯĩĨũŨ\u1ea0-\u1ef9]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_VIQR = re.compile(r"[aeiouyAEIOUY](?:[\^(+][`'?~.]?|[`~])|[aeiouyAEIOUY][\^(+]?['?.][a-z]")
#: The density signal's symbols: the foreign ones above less those that real text uses on its
#: own ("25°C", a soft hyphen, the Icelandic eth).
_MARKERS = re.compile("[" + re.escape("".join(sorted(_FOREIGN - set("°\u00adÐðƒŠŒŽšœžŸ")))) + "]")
_LETTER = re.compile(r"[^\W\d_]")

#: Fewer mojibake words than this is noise (a "25°C", a "Müller").
MIN_SUSPICIOUS = 3
#: Share of words that must look like mojibake.
MIN_SHARE = 0.05
#: Density signal: at least this many symbols, among at least this many letters, forming more
#: than this share of the letters and more than this many times the Unicode-only letters.
MIN_MARKERS, MIN_LETTERS, MARKER_SHARE, MARKER_RATIO = 2, 8, 0.04, 3


@dataclass(frozen=True)
class LegacyVerdict:
    """Counts behind the decision, kept for logs and tests: ``words``, ``suspicious`` and
    ``vietnamese`` for the word signal, ``letters`` and ``markers`` for the density one."""

    words: int
    suspicious: int
    vietnamese: int
    encoding: str | None
    letters: int = 0
    markers: int = 0


def analyse(text: str) -> LegacyVerdict:
    """Score ``text``; ``encoding`` is "TCVN3", "VNI" or "VIQR" when it looks legacy."""
    words = suspicious = vietnamese = tcvn3 = vni = viqr = 0
    for token in text.split():
        word = token.strip('"()[]{},;:!')
        if not word or not any(c.isalpha() for c in word):
            continue
        words += 1
        if _VN_SPECIFIC.search(word):
            vietnamese += 1
            continue
        if not _ASCII_LETTER.search(word):
            continue
        foreign = [c for c in word if c in _FOREIGN]
        if foreign:
            suspicious += 1
            tcvn3 += sum(c in _TCVN3_HINTS for c in foreign)
            vni += sum(c in _VNI_HINTS for c in foreign)
        elif _VIQR.search(word.rstrip(".?")):
            suspicious += 1
            viqr += 1
    by_words = (
        suspicious >= MIN_SUSPICIOUS
        and suspicious >= MIN_SHARE * words
        and suspicious > 2 * vietnamese
    )
    markers = _MARKERS.findall(text)
    letters = len(_LETTER.findall(text)) if len(markers) >= MIN_MARKERS else 0
    unicode_only = len(_VN_SPECIFIC.findall(text)) if letters else 0
    by_density = (
        letters >= MIN_LETTERS
        and len(markers) > MARKER_SHARE * letters
        and len(markers) > MARKER_RATIO * unicode_only
    )
    encoding = None
    if by_words:
        encoding = "VIQR" if viqr * 2 > suspicious else ("VNI" if vni > tcvn3 else "TCVN3")
    elif by_density:
        in_vni = sum(c in _VNI_HINTS for c in markers)
        encoding = "VNI" if in_vni > sum(c in _TCVN3_HINTS for c in markers) else "TCVN3"
    return LegacyVerdict(words, suspicious, vietnamese, encoding, letters, len(markers))


def may_be_legacy(text: str) -> bool:
    """A quick test: False means ``analyse`` would find no encoding (no Latin-1 symbol, no
    VIQR mark anywhere), so ordinary Unicode text skips the word-by-word count."""
    return not _FOREIGN.isdisjoint(text) or _VIQR.search(text) is not None


def detect(text: str) -> str | None:
    """The legacy encoding ``text`` appears to be typed in, or None for ordinary text."""
    return analyse(text).encoding


def looks_legacy(text: str) -> bool:
    """Whether ``text`` looks like TCVN3, VNI or VIQR text mis-read as Unicode."""
    return detect(text) is not None


def message(encoding: str) -> str:
    """The Vietnamese sentence shown to the secretary."""
    fonts = {"TCVN3": "TCVN3 (phông .VnTime)", "VNI": "VNI (phông VNI-Times)"}
    name = fonts.get(encoding, encoding)
    return (
        f"Văn bản được gõ bằng bảng mã cũ {name} nên chữ sẽ bị lỗi; hãy chuyển sang Unicode "
        "(ví dụ bằng công cụ chuyển mã của Unikey) rồi tải lên lại."
    )
