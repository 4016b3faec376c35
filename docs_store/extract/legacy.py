"""Recognise text typed with the pre-Unicode Vietnamese encodings (TCVN3/ABC, VNI, VIQR).

A document typed with a .VnTime or VNI-Times font extracts as Latin-1 look-alikes
("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam"); VIQR
writes the marks as ASCII ("Co^.ng ho`a"). Publishing that would be unreadable and unreadable
aloud, so we refuse it. Converting is not reliable (TCVN3 puts capitals in separate fonts that
share codes with small letters), so we only detect.

Signal: such text is full of words that mix ASCII letters with Latin-1 symbols Vietnamese never
uses (µ ¸ · Ö ä ø ...), and has almost no letters that only Unicode Vietnamese has
(ă đ ơ ư ĩ ũ and the precomposed ạ..ỹ), which are everywhere in real Vietnamese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

#: Fewer mojibake words than this is noise (a "25°C", a "Müller").
MIN_SUSPICIOUS = 3
#: Share of words that must look like mojibake.
MIN_SHARE = 0.05


@dataclass(frozen=True)
class LegacyVerdict:
    """Counts behind the decision, kept for logs and tests."""

    words: int
    suspicious: int
    vietnamese: int
    encoding: str | None


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
    legacy = (
        suspicious >= MIN_SUSPICIOUS
        and suspicious >= MIN_SHARE * words
        and suspicious > 2 * vietnamese
    )
    encoding = None
    if legacy:
        encoding = "VIQR" if viqr * 2 > suspicious else ("VNI" if vni > tcvn3 else "TCVN3")
    return LegacyVerdict(words, suspicious, vietnamese, encoding)


def detect(text: str) -> str | None:
    """The legacy encoding ``text`` appears to be typed in, or None for ordinary text."""
    return analyse(text).encoding


def message(encoding: str) -> str:
    """The Vietnamese sentence shown to the secretary."""
    fonts = {"TCVN3": "TCVN3 (phông .VnTime)", "VNI": "VNI (phông VNI-Times)"}
    name = fonts.get(encoding, encoding)
    return (
        f"Văn bản được gõ bằng bảng mã cũ {name} nên chữ sẽ bị lỗi; hãy chuyển sang Unicode "
        "(ví dụ bằng công cụ chuyển mã của Unikey) rồi tải lên lại."
    )
