"""Vietnamese phone numbers in one form, so ``+84 912 345 678`` signs in as ``0912345678``."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-()]")
_NATIONAL = re.compile(r"0\d{9,10}")


def normalize_phone(raw: str) -> str | None:
    """The national form (``0`` + 9 or 10 digits), or ``None`` when it is not a phone number."""
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if _NATIONAL.fullmatch(digits) else None
