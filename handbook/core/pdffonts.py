"""The fonts every PDF of ours is drawn in: DejaVu (Debian's fonts-dejavu-core), registered
with reportlab once per process. The PDF core fonts have no Vietnamese glyph.

Imported only by the modules that draw PDFs (themselves imported where a download is
answered), so serving pages never loads reportlab.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT, FONT_BOLD, FONT_MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono-Bold"
_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_MONO: "DejaVuSansMono-Bold.ttf",
}


@functools.cache
def register() -> tuple[str, str]:
    """Register the faces (regular, bold, and a monospaced bold where no two symbols look
    alike, for passwords); returns (regular, bold) for paragraph styles."""
    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    # fonts-dejavu-core has no oblique faces: <i> falls back to the upright ones.
    faces: tuple[tuple[Literal[0, 1], Literal[0, 1], str], ...] = (
        (0, 0, FONT),
        (1, 0, FONT_BOLD),
        (0, 1, FONT),
        (1, 1, FONT_BOLD),
    )
    for bold, italic, name in faces:
        addMapping(FONT, bold, italic, name)
    return FONT, FONT_BOLD
