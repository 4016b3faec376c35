"""Vietnamese as a pre-Unicode font shows it once its font mapping is lost.

Used to make test files the way old documents look after extraction: TCVN3 (ABC, .VnTime
fonts) maps each letter to one Latin-1 code; VNI writes a base letter followed by mark codes.
"""

from __future__ import annotations

import unicodedata

_TCVN3_LOWER = dict(
    zip(
        "àảãáạăằẳẵắặâầẩẫấậèẻẽéẹêềểễếệìỉĩíịòỏõóọôồổỗốộơờởỡớợùủũúụưừửữứựỳỷỹýỵđ",
        "µ¶·¸¹¨»¼½¾Æ©ÇÈÉÊËÌÎÏÐÑªÒÓÔÕÖ×ØÜÝÞßáâãä«åæçèé¬êëìíîïñòóô\xadõö÷øùúûüýþ®",
        strict=True,
    )
)
# ABC has codes for these capitals; other capitals (.VnTimeH fonts) reuse the small codes.
_TCVN3_UPPER = dict(zip("ĂÂÊÔƠƯĐ", "¡¢£¤¥¦§", strict=True))


def tcvn3(text: str) -> str:
    """``text`` as it extracts from a .VnTime document."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char in _TCVN3_UPPER:
            out.append(_TCVN3_UPPER[char])
        elif char.lower() in _TCVN3_LOWER:
            out.append(_TCVN3_LOWER[char.lower()])
        else:
            out.append(char)
    return "".join(out)


_TONES = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_CIRCUMFLEX = {None: "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_BREVE = {None: "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_I = {"\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def vni(text: str) -> str:
    """``text`` as it extracts from a VNI-Times document."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char in "đĐ":
            out.append("ñ" if char == "đ" else "Ñ")
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        tone = next((m for m in marks if m in _TONES), None)
        upper = base.isupper()
        if "\u0302" in marks:
            piece = base + _CIRCUMFLEX[tone]
        elif "\u0306" in marks:
            piece = base + _BREVE[tone]
        elif "\u031b" in marks:
            piece = {"o": "ô", "u": "ö", "O": "Ô", "U": "Ö"}[base] + _TONES.get(tone or "", "")
        elif base in "iI" and tone:
            piece = _I[tone]
        else:
            piece = base + _TONES.get(tone or "", "")
        out.append(piece.upper() if upper else piece)
    return "".join(out)
