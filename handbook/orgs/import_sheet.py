"""The one-time password sheet of an import: A4 slips to cut out and hand to each member, and
its encryption while it waits to be printed.

Each slip has the member's name, sign-in name and one-time password, the site's address and
what happens at the first sign-in. Ten slips a page on a fixed grid, so a page break never
splits one. DejaVu Sans (``core.pdffonts``); the password in DejaVu Sans Mono, where no two
of its symbols look alike.

The sheet is stored sealed (Fernet: AES and an HMAC) under a key derived from the app's
``SECRET_KEY`` and the import's id, so a copy of the database (a backup, free pages of SQLite
that still hold an erased row) does not give the passwords away without the key.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from handbook.core import pdffonts
from handbook.core.pdffonts import FONT, FONT_BOLD, FONT_MONO

#: The grid: two slips across, five down.
COLUMNS, ROWS = 2, 5
PER_PAGE = COLUMNS * ROWS
_MARGIN_X, _MARGIN_TOP, _MARGIN_BOTTOM = 12 * mm, 12 * mm, 16 * mm
_PAD = 4 * mm
_FIRST_SIGN_IN = "Lần đầu đăng nhập, bạn sẽ đặt mật khẩu mới cho mình."


@dataclass(frozen=True)
class Slip:
    full_name: str
    login: str
    password: str


def render(org_name: str, app_url: str, slips: Iterable[Slip], made_at: str) -> bytes:
    """The sheet as a PDF: ``made_at`` is printed at each page's foot (``12:30 ngày 1/12/2026``)."""
    pdffonts.register()
    slips = list(slips)
    pages = max(1, math.ceil(len(slips) / PER_PAGE))
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"Mật khẩu dùng một lần · {org_name}")
    canvas.setAuthor(org_name)
    width, height = A4
    slip_w = (width - 2 * _MARGIN_X) / COLUMNS
    slip_h = (height - _MARGIN_TOP - _MARGIN_BOTTOM) / ROWS
    # What every slip shares is drawn once, as a form each slip places: drawing text is most
    # of the time (reportlab measures and encodes each string in Python).
    canvas.beginForm("slip", 0, 0, slip_w, slip_h)
    _draw_frame(canvas, org_name, app_url, slip_w, slip_h)
    canvas.endForm()
    for page in range(pages):
        for index, slip in enumerate(slips[page * PER_PAGE : (page + 1) * PER_PAGE]):
            column, row = index % COLUMNS, index // COLUMNS
            canvas.saveState()
            canvas.translate(_MARGIN_X + column * slip_w, height - _MARGIN_TOP - (row + 1) * slip_h)
            canvas.doForm("slip")
            _draw_member(canvas, slip, slip_w, slip_h)
            canvas.restoreState()
        canvas.setFont(FONT, 8)
        footer = f"Mật khẩu dùng một lần · {org_name} · lập lúc {made_at}"
        canvas.drawCentredString(
            width / 2,
            _MARGIN_BOTTOM / 2,
            f"{_fit(footer, FONT, 8, width - 2 * _MARGIN_X - 30 * mm)} · Trang {page + 1}/{pages}",
        )
        canvas.showPage()
    canvas.save()
    return out.getvalue()


#: Where a slip's lines sit, from its top edge down (points).
_ORG_Y, _NAME_Y, _NAME_GAP = 12.5, 30, 13
_FIELDS_Y = (58, 78, 98)
_LABEL_W = 24 * mm


def _draw_frame(canvas: Canvas, org_name: str, app_url: str, w: float, h: float) -> None:
    """The dashed cut lines, the organisation, the labels, the address and the note."""
    canvas.setStrokeColor(colors.grey)
    canvas.setDash(3, 3)
    canvas.setLineWidth(0.5)
    canvas.rect(0, 0, w, h)
    inner = w - 2 * _PAD
    canvas.setFillColor(colors.dimgrey)
    canvas.setFont(FONT, 8.5)
    canvas.drawString(_PAD, h - _PAD - _ORG_Y, _fit(org_name.upper(), FONT, 8.5, inner))
    canvas.drawString(_PAD, _PAD, _fit(_FIRST_SIGN_IN, FONT, 8.5, inner))
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT, 10)
    for label, y in zip(("Đăng nhập:", "Mật khẩu:", "Địa chỉ:"), _FIELDS_Y, strict=True):
        canvas.drawString(_PAD, h - _PAD - y, label)
    canvas.drawString(
        _PAD + _LABEL_W, h - _PAD - _FIELDS_Y[2], _fit(app_url, FONT, 10, inner - _LABEL_W)
    )


def _draw_member(canvas: Canvas, slip: Slip, w: float, h: float) -> None:
    """The member's own lines: name (one line, or two smaller), sign-in name, password."""
    inner = w - 2 * _PAD
    lines = _name_lines(slip.full_name, inner)
    size = 13 if len(lines) == 1 else 11
    canvas.setFont(FONT_BOLD, size)
    top = h - _PAD - (_NAME_Y if len(lines) == 1 else _NAME_Y - 4)
    for number, line in enumerate(lines):
        canvas.drawString(_PAD, top - number * _NAME_GAP, line)
    value_x, value_w = _PAD + _LABEL_W, inner - _LABEL_W
    canvas.setFont(FONT_BOLD, 12)
    canvas.drawString(value_x, h - _PAD - _FIELDS_Y[0], _fit(slip.login, FONT_BOLD, 12, value_w))
    canvas.setFont(FONT_MONO, 15)
    canvas.drawString(value_x, h - _PAD - _FIELDS_Y[1], slip.password, charSpace=1.2)


def _name_lines(name: str, width: float) -> list[str]:
    """The name on one line at 13 pt, else on two at 11 pt (broken between words)."""
    if pdfmetrics.stringWidth(name, FONT_BOLD, 13) <= width:
        return [name]
    words, first = name.split(), ""
    for count in range(len(words), 0, -1):
        candidate = " ".join(words[:count])
        if pdfmetrics.stringWidth(candidate, FONT_BOLD, 11) <= width:
            first = candidate
            rest = " ".join(words[count:])
            break
    else:
        first, rest = _fit(name, FONT_BOLD, 11, width), ""
    return [first, _fit(rest, FONT_BOLD, 11, width)] if rest else [first]


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis where it would run past ``width``."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


# --- sealing -------------------------------------------------------------------------------


def _fernet(secret_key: str | bytes, import_id: int) -> Fernet:
    """A key of this import's own: a sheet copied onto another import's row opens nowhere."""
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=f"handbook member import sheet {import_id}".encode(),
    ).derive(secret_key.encode() if isinstance(secret_key, str) else secret_key)
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(pdf: bytes, *, secret_key: str | bytes, import_id: int) -> bytes:
    return _fernet(secret_key, import_id).encrypt(pdf)


def unseal(token: bytes, *, secret_key: str | bytes, import_id: int) -> bytes | None:
    """The PDF, or ``None`` when the key has changed since (the sheet cannot be read)."""
    try:
        return _fernet(secret_key, import_id).decrypt(token)
    except InvalidToken:
        return None
