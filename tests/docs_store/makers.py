"""Real sample documents made on the spot: text and scanned PDFs, DOCX, legacy-font text.

Used by the tests' fixtures and by ``bench/extraction.py``. Fonts come from Debian's
fonts-dejavu-core (DejaVu Sans has every Vietnamese glyph).
"""

from __future__ import annotations

from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
#: Vietnamese news texts (test material only): real prose for OCR and titles.
SEEDS = Path(__file__).resolve().parent / "seeds"

TITLE = "NGHỊ QUYẾT"
SECTION = "I. MỤC TIÊU"
BODY = (
    "Chi bộ thống nhất đẩy mạnh chuyển đổi số trong toàn bộ hoạt động của chi bộ, nâng cao "
    "chất lượng sinh hoạt, tăng cường sự lãnh đạo của Đảng đối với công tác xây dựng nông "
    "thôn mới và phát triển kinh tế - xã hội của địa phương trong năm 2026."
)
SECOND = "Đảng viên có trách nhiệm học tập, quán triệt và thực hiện nghiêm túc nghị quyết."
SCANNED_LINES = [
    "NGHỊ QUYẾT CHI BỘ",
    "Chi bộ thống nhất đẩy mạnh",
    "chuyển đổi số trong sinh hoạt.",
    "Đảng viên học tập nghị quyết.",
]


def text_pdf(path: Path, pages: int = 3, fill: int = 1) -> Path:
    """A multi-page Vietnamese PDF with a text layer: headings and wrapped paragraphs.

    ``fill`` repeats each page's body (2 gives ~340 words, a well-filled A4 page).
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(FONT)))
    body = ParagraphStyle("body", fontName="DejaVu", fontSize=11, leading=15, spaceAfter=8)
    head = ParagraphStyle("head", fontName="DejaVu", fontSize=14, leading=18, spaceAfter=10)
    story: list[object] = []
    for number in range(1, pages + 1):
        if number > 1:
            story.append(PageBreak())
        story += [Paragraph(TITLE, head), Paragraph(SECTION, head), Paragraph(BODY, body)]
        story += [Paragraph(f"Điều {number}. Tổ chức thực hiện", head), Paragraph(SECOND, body)]
        story.append(Paragraph(f"Trang {number}: {BODY}", body))
        story += [Paragraph(f"{BODY} {SECOND}", body) for _ in range(fill - 1) for _ in range(3)]
    SimpleDocTemplate(str(path), pagesize=A4, title="Nghị quyết").build(story)
    return path


def scanned_pdf(
    path: Path, lines: list[str] = SCANNED_LINES, pages: int = 1, dpi: float = 200.0
) -> Path:
    """Image-only PDF pages (no text layer), as a scanner makes them, at 200 dpi (or the same
    pixels said to be at ``dpi``)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 40)
    images = []
    for _ in range(pages):
        image = Image.new("L", (1100, 120 + 80 * len(lines)), 255)
        draw = ImageDraw.Draw(image)
        for index, line in enumerate(lines):
            draw.text((60, 60 + 80 * index), line, font=font, fill=0)
        images.append(image)
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return path


def scanned_a4_pdf(path: Path, pages: int = 1) -> Path:
    """Full A4 pages of 12 pt text scanned at 200 dpi (1654 x 2339 px): realistic OCR work."""
    import textwrap

    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 33)  # 12 pt at 200 dpi
    lines = [TITLE, SECTION] + textwrap.wrap(f"{BODY} {SECOND} " * 12, 80)[:40]
    images = []
    for _ in range(pages):
        image = Image.new("L", (1654, 2339), 255)
        draw = ImageDraw.Draw(image)
        for index, line in enumerate(lines):
            draw.text((160, 160 + 50 * index), line, font=font, fill=0)
        images.append(image)
    images[0].save(path, "PDF", resolution=200.0, save_all=True, append_images=images[1:])
    return path


def docx_file(path: Path) -> Path:
    """A Word document with Title/Heading styles, paragraphs, a table and a page break."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.add_heading("Nghị quyết chi bộ tháng 5", level=1)
    document.add_heading("Mục tiêu", level=2)
    document.add_paragraph(BODY)
    table = document.add_table(rows=2, cols=2)
    for row, (left, right) in zip(
        table.rows, [("Nội dung", "Thời hạn"), ("Chuyển đổi số", "Tháng 6")], strict=True
    ):
        row.cells[0].text, row.cells[1].text = left, right
    document.add_paragraph(SECOND).runs[0].add_break(WD_BREAK.PAGE)
    document.add_heading("Tổ chức thực hiện", level=2)
    document.add_paragraph("Giao Bí thư chi bộ theo dõi việc thực hiện.")
    document.save(str(path))
    return path


def docx_with_text(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def text_only_pdf(path: Path, lines: list[str]) -> Path:
    """One PDF page with the given lines (any Unicode), to carry legacy-encoded mojibake."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(FONT)))
    canvas = Canvas(str(path))
    canvas.setFont("DejaVu", 11)
    for index, line in enumerate(lines):
        canvas.drawString(50, 780 - 16 * index, line)
    canvas.save()
    return path


def joined_pdf(path: Path, *parts: Path) -> Path:
    """The pages of several PDFs, one after another (e.g. typed pages and a scanned one)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(str(part))
    with path.open("wb") as f:
        writer.write(f)
    return path


def docx_with_hidden_runs(path: Path) -> Path:
    """A paragraph inside a content control, and one whose text is a tracked insertion.

    python-docx's own ``Paragraph.text`` misses both; Word shows both.
    """
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    document.add_paragraph("Đoạn thường.")
    body = document.element.body
    sdt = parse_xml(
        f"<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>Trong ô nội dung.</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    ins = parse_xml(
        f'<w:p {w}><w:r><w:t xml:space="preserve">Đã </w:t></w:r><w:ins w:id="1" '
        'w:author="Bí thư" w:date="2026-05-01T00:00:00Z"><w:r><w:t>chèn thêm</w:t></w:r>'
        '</w:ins><w:del w:id="2" w:author="Bí thư" w:date="2026-05-01T00:00:00Z"><w:r>'
        "<w:delText>đã xóa</w:delText></w:r></w:del><w:r><w:t>.</w:t></w:r></w:p>"
    )
    sect = body[-1]  # keep w:sectPr last
    sect.addprevious(sdt)
    sect.addprevious(ins)
    document.save(str(path))
    return path


CHROMIUM = Path("/usr/bin/chromium")


def chromium_pdf(path: Path, pages: int = 3, fill: int = 2) -> Path:
    """The same pages as ``text_pdf``, printed by Debian's headless Chromium (Skia/PDF), as a
    browser or an office suite's "print to PDF" makes them: one page per <section>."""
    import html
    import subprocess
    import tempfile

    def p(text: str) -> str:
        return f"<p>{html.escape(text)}</p>"

    sections = []
    for number in range(1, pages + 1):
        body = [f"<h1>{TITLE}</h1>", f"<h2>{SECTION}</h2>", p(BODY)]
        body += [
            f"<h2>Điều {number}. Tổ chức thực hiện</h2>",
            p(SECOND),
            p(f"Trang {number}: {BODY}"),
        ]
        body += [p(f"{BODY} {SECOND}") for _ in range(fill - 1) for _ in range(3)]
        sections.append("<section>" + "".join(body) + "</section>")
    style = (
        "body{font-family:'DejaVu Sans';font-size:11pt;line-height:1.4}h1{font-size:14pt}"
        "h2{font-size:12pt}section{break-after:page}@page{size:A4;margin:2cm}"
    )
    document = (
        f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>Nghị quyết</title>'
        f"<style>{style}</style><body>{''.join(sections)}</body></html>"
    )
    with tempfile.TemporaryDirectory(prefix="chromium-pdf-") as tmp:
        source = Path(tmp) / "doc.html"
        source.write_text(document, encoding="utf-8")
        subprocess.run(  # noqa: S603 - Debian's chromium, fixed arguments
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",  # as root in a container; it only reads our own HTML
                "--disable-gpu",
                f"--user-data-dir={tmp}/profile",
                "--no-pdf-header-footer",
                f"--print-to-pdf={path}",
                source.as_uri(),
            ],
            capture_output=True,
            timeout=120,
            check=True,
        )
    return path


#: An official Party document's opening (Hướng dẫn 36-HD/VPTW): the issuing body and number on
#: the left, the Party's name and the place and date on the right, then its kind and subject.
OFFICIAL_HEADER = (
    ["ĐẢNG BỘ XÃ TÂN TIẾN", "CHI BỘ THÔN NÀ PHÌA", "*", "Số 05-NQ/CB"],
    ["ĐẢNG CỘNG SẢN VIỆT NAM", "", "Nà Phìa, ngày 01 tháng 12 năm 2026", ""],
)
OFFICIAL_KIND = "NGHỊ QUYẾT"
OFFICIAL_SUBJECT = "về đẩy mạnh chuyển đổi số trong sinh hoạt chi bộ thôn Nà Phìa"
OFFICIAL_BODY = (
    "Thực hiện kế hoạch của Đảng ủy xã, Chi bộ thôn Nà Phìa đã phối hợp với UBND xã hướng dẫn "
    "64 hộ dân cài đặt ứng dụng. Đảng viên ở thôn Nà Phìa đọc tài liệu trên Sổ tay Đảng viên "
    "điện tử trước mỗi buổi sinh hoạt và góp ý trực tuyến."
)


def official_pdf(path: Path, kind: str = OFFICIAL_KIND, subject: str = OFFICIAL_SUBJECT) -> Path:
    """A PDF laid out as the Party's documents are: a two-column header in capitals, the kind
    centred in capitals, the subject under it, then the body (as a word processor prints it)."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(FONT)))
    centred = ParagraphStyle("c", fontName="DejaVu", fontSize=11, leading=15, alignment=TA_CENTER)
    kind_style = ParagraphStyle("k", parent=centred, fontSize=15, leading=20, spaceBefore=18)
    body = ParagraphStyle("b", fontName="DejaVu", fontSize=12, leading=17, spaceAfter=8)
    left, right = OFFICIAL_HEADER
    header = Table(
        [[Paragraph(a, centred), Paragraph(b, centred)] for a, b in zip(left, right, strict=True)],
        colWidths=[220, 260],
    )
    story: list[object] = [header, Paragraph(kind, kind_style), Paragraph(subject, centred)]
    story += [Spacer(1, 12)] + [Paragraph(OFFICIAL_BODY, body) for _ in range(3)]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path
