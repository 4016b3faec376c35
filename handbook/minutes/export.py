"""The minutes as DOCX (python-docx) and PDF (reportlab) in the usual layout of a branch's
minutes: the Party header (the Party organisations on the left, "ĐẢNG CỘNG SẢN VIỆT NAM" and
the place and date on the right), "BIÊN BẢN" and what meeting, the numbered sections, and the
signature block of the minute-taker (THƯ KÝ) and the chair (CHỦ TRÌ). The fonts, page numbers
and text cleaning are the comments record's (``comments.export``).
"""

from __future__ import annotations

import io
from typing import Any

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from handbook.comments.export import (
    NumberedCanvas,
    clean_text,
    drop_theme_fonts,
    markup,
    page_numbers,
)
from handbook.core import pdffonts
from handbook.minutes.models import Signer
from handbook.minutes.record import NATION, TITLE, Copy, numbered

DRAFT = "BẢN DỰ THẢO: chưa được chủ trì và thư ký duyệt."


def _lines(copy: Copy) -> list[str]:
    """The words under the title: the version, and what an approved copy's hash is."""
    if copy.sha256 is None:
        return [DRAFT]
    return [f"Bản đã duyệt. Mã SHA-256 của văn bản: {copy.sha256}"]


def _signature(copy: Copy, signer: Signer) -> list[str]:
    """(role, note, name) of one signer, for either format."""
    name = copy.record.chair if signer is Signer.CHAIR else copy.record.taker
    note = copy.signed.get(signer, "(Ký, ghi rõ họ tên)")
    role = "CHỦ TRÌ" if signer is Signer.CHAIR else "THƯ KÝ"
    return [role, note, name or "…"]


# --- DOCX ----------------------------------------------------------------------------------


def to_docx(copy: Copy) -> bytes:
    record = copy.record
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(13)
    normal.font.color.rgb = RGBColor(0, 0, 0)
    drop_theme_fonts(normal.element)
    document.core_properties.title = clean_text(f"Biên bản: {record.meeting_title}")
    page_numbers(section.footer.paragraphs[0])

    head = document.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    for index, line in enumerate([*record.header, "*"]):
        cell = left.paragraphs[0] if index == 0 else left.add_paragraph()
        cell.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell.add_run(clean_text(line)).bold = index == len(record.header) - 1
    nation = right.paragraphs[0]
    nation.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = nation.add_run(NATION)
    run.bold = run.underline = True
    when = right.add_paragraph()
    when.alignment = WD_ALIGN_PARAGRAPH.CENTER
    when.add_run(clean_text(record.place_date)).italic = True

    for text, size, bold, italic in (
        (TITLE, 15, True, False),
        (record.subtitle, 13, True, False),
        (record.meeting_title, 13, False, True),
        (f"Phiên bản {record.number}", 12, False, True),
        *((line, 11, False, True) for line in _lines(copy)),
    ):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(clean_text(text))
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)

    for index, part in enumerate(record.parts):
        heading = document.add_paragraph()
        heading.paragraph_format.space_before = Pt(8)
        heading.add_run(clean_text(numbered(index, part.title))).bold = True
        for line in part.body.split("\n"):
            document.add_paragraph(clean_text(line))

    signatures = document.add_table(rows=1, cols=2)
    signatures.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, signer in zip(signatures.rows[0].cells, (Signer.TAKER, Signer.CHAIR), strict=True):
        role, note, name = _signature(copy, signer)
        for index, (text, bold, italic) in enumerate(
            ((role, True, False), (note, False, True), ("", False, False), (name, True, False))
        ):
            paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(clean_text(text))
            run.bold, run.italic = bold, italic
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------


def to_pdf(copy: Copy) -> bytes:
    record = copy.record
    regular, bold = pdffonts.register()
    base = ParagraphStyle("base", fontName=regular, fontSize=11.5, leading=16, spaceAfter=3)
    centre = ParagraphStyle("centre", base, alignment=TA_CENTER)
    strong = ParagraphStyle("strong", centre, fontName=bold)
    styles = {
        "title": ParagraphStyle("title", strong, fontSize=15, leading=20, spaceBefore=14),
        "note": ParagraphStyle("note", centre, fontSize=9.5, leading=13),
        "h": ParagraphStyle("h", base, fontName=bold, spaceBefore=8),
        "body": ParagraphStyle("body", base, alignment=TA_JUSTIFY),
    }
    last = len(record.header) - 1
    left = [
        Paragraph(markup(line), strong if i == last else centre)
        for i, line in enumerate(record.header)
    ]
    left.append(Paragraph("*", centre))
    right = [
        Paragraph(f"<u>{NATION}</u>", strong),
        Paragraph(f"<i>{markup(record.place_date)}</i>", centre),
    ]
    top = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])  # reportlab's default is bottom
    story: list[Any] = [Table([[left, right]], colWidths=[7.5 * cm, 8.5 * cm], style=top)]
    story += [
        Paragraph(TITLE, styles["title"]),
        Paragraph(markup(record.subtitle), strong),
        Paragraph(markup(record.meeting_title), centre),
        Paragraph(markup(f"Phiên bản {record.number}"), styles["note"]),
        *(Paragraph(markup(line), styles["note"]) for line in _lines(copy)),
        Spacer(1, 0.3 * cm),
    ]
    for index, part in enumerate(record.parts):
        story.append(Paragraph(markup(numbered(index, part.title)), styles["h"]))
        story += [Paragraph(markup(line), styles["body"]) for line in part.body.split("\n")]
    # One row per line of the block, so each name sits level with the other however the
    # notes above them wrap.
    roles, notes, names = zip(
        *(_signature(copy, s) for s in (Signer.TAKER, Signer.CHAIR)), strict=True
    )
    rows: list[list[Any]] = [
        [Paragraph(role, strong) for role in roles],
        [Paragraph(markup(note), styles["note"]) for note in notes],
        ["", ""],
        [Paragraph(markup(name), strong) for name in names],
    ]
    block = Table(
        rows, colWidths=[8 * cm, 8 * cm], rowHeights=[None, None, 1.2 * cm, None], style=top
    )
    story += [Spacer(1, 0.5 * cm), KeepTogether(block)]

    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2.5 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=clean_text(f"Biên bản: {record.meeting_title}"),
        author=clean_text(record.header[-1]),
    )
    template.build(story, canvasmaker=NumberedCanvas)
    return out.getvalue()
