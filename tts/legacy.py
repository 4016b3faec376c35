"""Text typed in a pre-Unicode Vietnamese font encoding (TCVN3/ABC ".VnTime", VNI-Windows).

Such text, read as Unicode, is Latin letters mixed with symbols ("Chi bé th«n", "Chi boä
thoân"); an engine would read it as nonsense. We detect it so the user is told to convert the
file (Unikey's converter does it) instead of getting gibberish audio.
"""

from __future__ import annotations

import re

__all__ = ["looks_legacy"]

#: Latin-1 characters that the legacy encodings use for Vietnamese letters and that Vietnamese
#: written in Unicode never needs ("« © ® ¸ µ æ ø ö ä ï ñ" …).
_MARKERS = re.compile("[¡¢£¤¥¦§¨©ª«¬®¯±²³´µ¶·¸¹º»¼½¾¿ÄÅÆÇËÎÏÑÖ×ØÛÜÞßäåæçëîïñö÷øûüþÿ]")
#: Letters only Unicode Vietnamese has: ă đ ĩ ũ ơ ư and the precomposed Ạ…ỹ block.
_UNICODE_VIETNAMESE = re.compile("[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9]")
_LETTER = re.compile(r"[^\W\d_]")


def looks_legacy(text: str) -> bool:
    """Whether ``text`` looks like TCVN3 or VNI text mis-read as Unicode."""
    markers = len(_MARKERS.findall(text))
    if markers < 2:
        return False
    letters = len(_LETTER.findall(text))
    vietnamese = len(_UNICODE_VIETNAMESE.findall(text))
    return letters >= 8 and markers > 0.04 * letters and markers > 3 * vietnamese
