"""Folding Vietnamese for search: no diacritics, lower case, ``đ`` → ``d``, one char for one.

Each character folds to exactly one character, so a match found in the folded text is at the
same offsets in the original: the snippet shown is the original text, diacritics and all.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0]
    if unicodedata.combining(base) or not base.isprintable():
        return " "
    return base.lower() if len(base.lower()) == 1 else base


def fold(text: str) -> str:
    """``Chuyển đổi số`` → ``chuyen doi so``, with ``len(fold(t)) == len(t)``."""
    return "".join(_fold_char(c) for c in unicodedata.normalize("NFC", text))
