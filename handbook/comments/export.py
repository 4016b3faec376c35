"""The meeting's record of comments (``report.meeting_comments``) as DOCX (python-docx) and PDF
(reportlab, in DejaVu Sans: the PDF core fonts have no Vietnamese glyph)."""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from handbook.comments.models import Disposition
from handbook.comments.report import Entry, Group, Summary, summarize
from handbook.core.templating import vn_datetime
from handbook.core.timeutil import utcnow
from handbook.meetings.models import Meeting

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
TITLE = "TỔNG HỢP Ý KIẾN GÓP Ý CỦA ĐẢNG VIÊN"
#: Characters XML 1.0 refuses (python-docx would raise, reportlab would choke).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _head(entry: Entry) -> str:
    return f"{entry.author} ({entry.when})"


def _body(entry: Entry) -> str:
    """``[đoạn 12] nội dung``, or what stands in for words the author deleted; a voice
    comment says so (its link follows, see ``_voice_link``)."""
    if entry.deleted:
        return "(góp ý đã được tác giả xóa)"
    where = f"[đoạn {entry.paragraph}] " if entry.paragraph else ""
    spoken = f"{entry.voice_label} " if entry.voice_url else ""
    return (where + spoken + entry.body).rstrip()


def _voice_link(entry: Entry, base_url: str) -> str:
    """The full address a voice comment plays from (the reader signs in to hear it)."""
    return base_url.rstrip("/") + entry.voice_url if entry.voice_url else ""


def _notes(entry: Entry) -> str:
    """What the secretary decided and the comment's state: ``đã tiếp thu; đã ẩn: lý do``."""
    notes = []
    if entry.disposition is not Disposition.NONE and not entry.deleted:
        notes.append(entry.disposition.label)
    if entry.hidden:
        notes.append(entry.hidden_label)
    if entry.edited and not entry.deleted:
        notes.append("đã sửa")
    return "; ".join(notes)


def _facts(meeting: Meeting) -> list[str]:
    facts = [f"Thời gian: {vn_datetime(meeting.starts_at)}"]
    if meeting.place:
        facts.append(f"Địa điểm: {meeting.place}")
    if meeting.cancelled_at is not None:
        facts.append("Buổi sinh hoạt đã bị hủy.")
    return facts


def _summary_lines(summary: Summary) -> list[str]:
    pending = summary.total - summary.accepted - summary.explain
    return [
        f"Tổng số góp ý: {summary.total}",
        f"Đã tiếp thu: {summary.accepted}",
        f"Cần giải trình: {summary.explain}",
        f"Chưa xử lý: {pending}",
    ]


def _made_at() -> str:
    return f"Lập lúc {vn_datetime(utcnow())}"


# --- DOCX ----------------------------------------------------------------------------------


def to_docx(meeting: Meeting, groups: list[Group], base_url: str = "") -> bytes:
    """The record as a Word document: header, a heading per agenda item and document, each
    comment with its replies indented (a voice comment with a link that plays it), and the
    counts at the end."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = document.styles[name]
        style.font.name = "Times New Roman"
        style.font.color.rgb = RGBColor(0, 0, 0)
        _drop_theme_fonts(style.element)
    document.styles["Normal"].font.size = Pt(13)
    document.core_properties.title = _clean(f"Góp ý của đảng viên: {meeting.title}")
    _page_numbers(section.footer.paragraphs[0])

    org = meeting.organization
    if org.parent is not None:
        document.add_paragraph(_clean(org.parent.name.upper()))
    document.add_paragraph().add_run(_clean(org.name.upper())).bold = True
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(TITLE)
    run.bold, run.font.size = True, Pt(15)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(_clean(meeting.title)).bold = True
    for line in [*_facts(meeting), _made_at()]:
        document.add_paragraph(_clean(line))

    if not groups:
        document.add_paragraph("Buổi sinh hoạt chưa có góp ý nào.")
    for group in groups:
        document.add_heading(_clean(group.heading), level=1)
        for topic in group.topics:
            document.add_heading(_clean(topic.title), level=2)
            for entry in topic.entries:
                _docx_entry(document, entry, indent=None, base_url=base_url)
                for reply in entry.replies:
                    _docx_entry(document, reply, indent=Cm(1), base_url=base_url)

    document.add_heading("Tổng hợp", level=1)
    for line in _summary_lines(summarize(groups)):
        document.add_paragraph(line, style="List Bullet")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_entry(document: Any, entry: Entry, indent: Cm | None, base_url: str = "") -> None:
    paragraph = document.add_paragraph()
    if indent is not None:
        paragraph.paragraph_format.left_indent = indent
    paragraph.add_run(_clean(entry.author)).bold = True
    paragraph.add_run(_clean(f" ({entry.when}) — {_body(entry)}"))
    link = _voice_link(entry, base_url)
    if link and not entry.deleted:
        paragraph.add_run(" — nghe tại ")
        _docx_link(paragraph, link, link)
    notes = _notes(entry)
    if notes:
        paragraph.add_run(_clean(f" — {notes}")).italic = True
    if entry.excerpt and not entry.deleted:
        quote = document.add_paragraph()
        quote.paragraph_format.left_indent = Cm(2) if indent is not None else Cm(1)
        run = quote.add_run(_clean(f"Đoạn {entry.paragraph}: “{entry.excerpt}”"))
        run.italic = True


def _docx_link(paragraph: Any, url: str, text: str) -> None:
    """A clickable link (python-docx has no API for one: a ``w:hyperlink`` to an external
    relationship), blue and underlined as Word draws links."""
    relation = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    for name, value in (("w:color", "0563C1"), ("w:u", "single")):
        element = OxmlElement(name)
        element.set(qn("w:val"), value)
        properties.append(element)
    run.append(properties)
    words = OxmlElement("w:t")
    words.text = text
    run.append(words)
    link.append(run)
    paragraph._p.append(link)


def _drop_theme_fonts(style_element: Any) -> None:
    """Word prefers a style's theme font (Calibri) over its named one; keep only the name."""
    fonts = style_element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
    if fonts is None:
        return
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)


def _page_numbers(paragraph: Any) -> None:
    """``Trang 3`` centred in the footer, as a PAGE field Word fills in."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("Trang ")
    begin, code, separate, end = (
        OxmlElement("w:fldChar"),
        OxmlElement("w:instrText"),
        OxmlElement("w:fldChar"),
        OxmlElement("w:fldChar"),
    )
    begin.set(qn("w:fldCharType"), "begin")
    code.set(qn("xml:space"), "preserve")
    code.text = "PAGE"
    separate.set(qn("w:fldCharType"), "separate")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, code, separate):
        paragraph.add_run()._r.append(element)
    paragraph.add_run("1")  # shown until Word updates the field
    paragraph.add_run()._r.append(end)


# --- PDF -----------------------------------------------------------------------------------


@functools.cache
def _fonts() -> tuple[str, str]:
    """Register DejaVu Sans with reportlab once per process; returns (regular, bold)."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
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


def _markup(text: str) -> str:
    """Plain text as reportlab Paragraph markup: escaped, line breaks kept."""
    return escape(_clean(text)).replace("\n", "<br/>")


def to_pdf(meeting: Meeting, groups: list[Group], base_url: str = "") -> bytes:
    """The same record as a PDF: A4, wrapped text, ``Trang x/y`` at the foot of each page."""
    regular, bold = _fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=11, leading=15, spaceAfter=5)
    styles = {
        "org": ParagraphStyle("org", base, fontName=bold, spaceAfter=2),
        "title": ParagraphStyle(
            "title", base, fontName=bold, fontSize=15, leading=20, alignment=TA_CENTER
        ),
        "meeting": ParagraphStyle("meeting", base, fontName=bold, alignment=TA_CENTER),
        "h1": ParagraphStyle("h1", base, fontName=bold, fontSize=13, leading=17, spaceBefore=10),
        "h2": ParagraphStyle("h2", base, fontName=bold, spaceBefore=4),
        "reply": ParagraphStyle("reply", base, leftIndent=1 * cm),
        "quote": ParagraphStyle("quote", base, fontSize=9.5, leading=13, textColor=colors.grey),
    }
    story: list[Any] = []
    org = meeting.organization
    if org.parent is not None:
        story.append(Paragraph(_markup(org.parent.name.upper()), base))
    story.append(Paragraph(_markup(org.name.upper()), styles["org"]))
    story += [Spacer(1, 0.4 * cm), Paragraph(TITLE, styles["title"])]
    story.append(Paragraph(_markup(meeting.title), styles["meeting"]))
    story += [Paragraph(_markup(line), base) for line in [*_facts(meeting), _made_at()]]
    if not groups:
        story.append(Paragraph("Buổi sinh hoạt chưa có góp ý nào.", base))
    for group in groups:
        story.append(Paragraph(_markup(group.heading), styles["h1"]))
        for topic in group.topics:
            story.append(Paragraph(_markup(topic.title), styles["h2"]))
            for entry in topic.entries:
                story += _pdf_entry(entry, base, styles["quote"], base_url)
                for reply in entry.replies:
                    story += _pdf_entry(reply, styles["reply"], styles["quote"], base_url)
    story.append(Paragraph("Tổng hợp", styles["h1"]))
    story += [Paragraph(_markup(line), base) for line in _summary_lines(summarize(groups))]

    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2.5 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=_clean(f"Góp ý của đảng viên: {meeting.title}"),
        author=_clean(org.name),
    )
    template.build(story, canvasmaker=NumberedCanvas)
    return out.getvalue()


def _pdf_entry(
    entry: Entry, style: ParagraphStyle, quote: ParagraphStyle, base_url: str = ""
) -> list[Any]:
    notes = _notes(entry)
    text = f"<b>{_markup(entry.author)}</b> ({_markup(entry.when)}) — {_markup(_body(entry))}"
    link = _voice_link(entry, base_url)
    if link and not entry.deleted:
        shown = escape(link)
        target = shown.replace('"', "&quot;")
        text += f' — nghe tại <a href="{target}" color="blue"><u>{shown}</u></a>'
    if notes:
        text += f" — <b>{_markup(notes)}</b>"
    flowables = [Paragraph(text, style)]
    if entry.excerpt and not entry.deleted:
        indented = ParagraphStyle("quoted", quote, leftIndent=style.leftIndent + 1 * cm)
        excerpt = f"Đoạn {entry.paragraph}: “{entry.excerpt}”"
        flowables.append(Paragraph(_markup(excerpt), indented))
    return flowables


class NumberedCanvas(Canvas):
    """A canvas that holds its pages until the end, to print ``Trang x/y`` on each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab's own, not in its stubs

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 9)
            self.drawCentredString(A4[0] / 2, 1.2 * cm, f"Trang {self.getPageNumber()}/{total}")
            super().showPage()
        super().save()
