"""The check-in code: a signed token naming the meeting and a 15-second window, shown as a QR
code that changes with the window.

A token made in window ``w`` (seconds ``15w`` to ``15w + 15``) is shown for those 15 seconds
and accepted for 30 from its window's start, so a scan made just before the code changed still
lands. It is signed with the app's secret (itsdangerous, its own salt), so it cannot be forged
or moved to another meeting; it is not single-use as a code (everyone in the room scans the
same one), but a member is checked in once: scanning again says "already checked in". Nothing
about tokens is stored.
"""

from __future__ import annotations

import enum

import segno
from itsdangerous import BadSignature, URLSafeSerializer

#: The code on the screen changes this often.
WINDOW_S = 15
#: A code is accepted this long after its window starts.
LIFETIME_S = 30
_SALT = "attendance.check-in"


class Refusal(enum.StrEnum):
    """Why a token was refused, each with what the member is told."""

    FORGED = "Mã điểm danh không hợp lệ. Vui lòng quét lại mã đang hiển thị trên màn hình."
    EXPIRED = (
        "Mã điểm danh đã hết hạn (mỗi mã chỉ dùng được 30 giây). "
        "Vui lòng quét lại mã đang hiển thị."
    )
    OTHER_MEETING = "Mã này dùng để điểm danh buổi sinh hoạt khác, không phải buổi này."


class TokenRefused(ValueError):
    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal
        super().__init__(refusal.value)


def window(now: float) -> int:
    """The 15-second window ``now`` (seconds since the epoch) falls in."""
    return int(now // WINDOW_S)


def make(secret: str | bytes, meeting_id: int, now: float) -> str:
    """The token shown at ``now`` for this meeting."""
    return str(URLSafeSerializer(secret, salt=_SALT).dumps([meeting_id, window(now)]))


def check(secret: str | bytes, token: str, meeting_id: int, now: float) -> None:
    """Accept a token for this meeting at ``now``, or raise ``TokenRefused``."""
    try:
        payload = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        raise TokenRefused(Refusal.FORGED) from None
    if not (
        isinstance(payload, list)
        and len(payload) == 2
        and all(type(part) is int for part in payload)
    ):
        raise TokenRefused(Refusal.FORGED)
    named, made = payload
    if named != meeting_id:
        raise TokenRefused(Refusal.OTHER_MEETING)
    if made * WINDOW_S > now:  # from the future: no server of ours made it
        raise TokenRefused(Refusal.FORGED)
    if now >= made * WINDOW_S + LIFETIME_S:
        raise TokenRefused(Refusal.EXPIRED)


def seconds_left(now: float) -> float:
    """Until the code on the screen changes."""
    return (window(now) + 1) * WINDOW_S - now


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (sized by CSS through its viewBox), drawn here so
    the projector page needs no script library; medium error correction survives a glare."""
    code = segno.make(url, error="m", micro=False)
    return str(code.svg_inline(scale=1, border=4, omitsize=True, dark="#000", light="#fff"))
