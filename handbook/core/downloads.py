"""Download names: a file named after what it holds, in Vietnamese (what a phone's Downloads
list shows), with a plain-letters twin for clients without RFC 6266."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

#: What file systems refuse in a name (and control characters).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def content_disposition(
    title: str, suffix: str, *, fallback: str, attachment: bool = True, limit: int = 120
) -> str:
    """``Content-Disposition`` for ``title.suffix`` (``fallback`` when the title is blank)."""
    name = " ".join(_UNSAFE.sub(" ", title).split()).strip(". ")[:limit].rstrip() or fallback
    plain = name.replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
    how = "attachment" if attachment else "inline"
    return (
        f'{how}; filename="{plain or "tai-lieu"}.{suffix}"; '
        f"filename*=UTF-8''{quote(f'{name}.{suffix}', safe='')}"
    )
