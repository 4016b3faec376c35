"""The meeting's record of comments (``report.meeting_comments``) as DOCX (python-docx) and PDF
(reportlab, in DejaVu Sans: the PDF core fonts have no Vietnamese glyph), laid out for the
meeting's file: each discussed paragraph quoted before what was said about it; a hidden
comment as "đã ẩn" and its reason, never its words or recording (the record outlives the
meeting and goes to people the comment was hidden from); the summary and the signature block
(người lập, bí thư, place and date) kept together on the last page."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from handbook.comments.models import Disposition
from handbook.comments.report import Entry, Group, Summary, branch_secretary, summarize
from handbook.core import pdffonts
from handbook.core.templating import vn_datetime
from handbook.core.timeutil import to_local, utcnow
from handbook.meetings.models import Meeting
from handbook.orgs.models import Organization, OrgKind

TITLE = "TỔNG HỢP Ý KIẾN GÓP Ý CỦA ĐẢNG VIÊN"
#: Characters XML 1.0 refuses (python-docx would raise, reportlab would choke).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Prefixes of a commune's name that the date line leaves out ("Tân Tiến, ngày …").
_LOCALITY = re.compile(r"^(xã|phường|thị trấn|đặc khu)\s+", re.IGNORECASE)
SIGN_HINT = "(Ký, ghi rõ họ tên)"
#: Room for a signature between the hint and the printed name.
SIGN_SPACE_CM = 2.2


def clean_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _head(entry: Entry) -> str:
    return f"{entry.author} ({entry.when})"


def _body(entry: Entry) -> str:
    """``[đoạn 12] nội dung``, or what stands in for words the author deleted, or for a hidden
    comment's (``đã ẩn: lý do``); a voice comment says so (its link follows, ``_voice_link``)."""
    if entry.deleted:
        return "(góp ý đã được tác giả xóa)"
    where = f"[đoạn {entry.paragraph}] " if entry.paragraph else ""
    if entry.hidden:
        return where + entry.hidden_label
    spoken = f"{entry.voice_label} " if entry.voice_url else ""
    return (where + spoken + entry.body).rstrip()


def _voice_link(entry: Entry, base_url: str) -> str:
    """The full address a voice comment plays from (the reader signs in to hear it); none
    for a hidden or deleted one."""
    if not entry.voice_url or entry.hidden or entry.deleted:
        return ""
    return base_url.rstrip("/") + entry.voice_url


def _notes(entry: Entry) -> str:
    """What the secretary decided and the comment's state: ``đã tiếp thu; đã sửa`` (a hidden
    comment's "đã ẩn" stands in its body)."""
    notes = []
    if entry.disposition is not Disposition.NONE and not entry.deleted:
        notes.append(entry.disposition.label)
    if entry.edited and not entry.deleted and not entry.hidden:
        notes.append("đã sửa")
    return "; ".join(notes)


def _quote(entry: Entry) -> str:
    """The discussed paragraph as the record quotes it, before the comment; '' if none."""
    if not entry.excerpt or entry.deleted:
        return ""
    return f"Đoạn {entry.paragraph}: “{entry.excerpt}”"


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


def locality(org: Organization, fallback: str) -> str:
    """The place in the date line: the commune (or ward) the organisation is in, without
    "Xã"; else the level above; else the meeting's place."""
    node: Organization | None = org
    while node is not None:
        if node.kind is OrgKind.COMMUNE:
            return _LOCALITY.sub("", node.name).strip() or node.name
        node = node.parent
    if org.parent is not None:
        return _LOCALITY.sub("", org.parent.name).strip()
    return fallback.strip() or org.name


def vn_date_line(moment: datetime) -> str:
    """ "ngày 05 tháng 02 năm 2026": a day below 10 and a month below 3 take a leading zero
    (Nghị định 30/2020/NĐ-CP, Phụ lục I, on dates in administrative documents)."""
    local = to_local(moment)
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    return f"ngày {local.day:02d} tháng {month} năm {local.year}"


@dataclass(frozen=True)
class Signatures:
    """The block that closes the record: "Tân Tiến, ngày …" over the right column; on the
    left the one who made it, on the right the secretary for the branch (names printed when
    known, else written by hand under the hint)."""

    place_date: str
    #: Each column's titles, top down; the shorter column is padded at the bottom.
    left: tuple[str, ...]
    right: tuple[str, ...]
    names: tuple[str, str]

    def rows(self) -> list[tuple[str, str]]:
        """The titles side by side, row by row."""
        depth = max(len(self.left), len(self.right))
        pad = ("",) * depth
        return list(zip((*self.left, *pad)[:depth], (*self.right, *pad)[:depth], strict=True))


def signatures(meeting: Meeting, made_by: str = "") -> Signatures:
    org = meeting.organization
    body = "CHI BỘ" if org.kind is OrgKind.BRANCH else "ĐẢNG ỦY"
    return Signatures(
        place_date=f"{locality(org, meeting.place or '')}, {vn_date_line(utcnow())}",
        left=("NGƯỜI LẬP",),
        right=(f"T/M {body}", "BÍ THƯ"),
        names=(made_by.strip(), branch_secretary(org)),
    )


# --- DOCX ----------------------------------------------------------------------------------


def to_docx(meeting: Meeting, groups: list[Group], base_url: str = "", made_by: str = "") -> bytes:
    """The record as a Word document: header, a heading per agenda item and document, each
    comment after the paragraph it discusses, with its replies indented (a voice comment with
    a link that plays it), then the counts and the signatures, kept together by Word."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = document.styles[name]
        style.font.name = "Times New Roman"
        style.font.color.rgb = RGBColor(0, 0, 0)
        drop_theme_fonts(style.element)
    document.styles["Normal"].font.size = Pt(13)
    document.core_properties.title = clean_text(f"Góp ý của đảng viên: {meeting.title}")
    page_numbers(section.footer.paragraphs[0])

    org = meeting.organization
    if org.parent is not None:
        document.add_paragraph(clean_text(org.parent.name.upper()))
    document.add_paragraph().add_run(clean_text(org.name.upper())).bold = True
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(TITLE)
    run.bold, run.font.size = True, Pt(15)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(clean_text(meeting.title)).bold = True
    for line in [*_facts(meeting), _made_at()]:
        document.add_paragraph(clean_text(line))

    if not groups:
        document.add_paragraph("Buổi sinh hoạt chưa có góp ý nào.")
    for group in groups:
        document.add_heading(clean_text(group.heading), level=1)
        for topic in group.topics:
            document.add_heading(clean_text(topic.title), level=2)
            for entry in topic.entries:
                _docx_entry(document, entry, indent=None, base_url=base_url)
                for reply in entry.replies:
                    _docx_entry(document, reply, indent=Cm(1), base_url=base_url)

    ending = [document.add_heading("Tổng hợp", level=1)]
    ending += [
        document.add_paragraph(line, style="List Bullet")
        for line in _summary_lines(summarize(groups))
    ]
    for paragraph in ending:
        paragraph.paragraph_format.keep_with_next = True  # on into the signatures
    _docx_signatures(document, signatures(meeting, made_by))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_entry(document: Any, entry: Entry, indent: Cm | None, base_url: str = "") -> None:
    quoted = _quote(entry)
    if quoted:
        quote = document.add_paragraph()
        quote.paragraph_format.left_indent = Cm(2) if indent is not None else Cm(1)
        quote.paragraph_format.keep_with_next = True  # never apart from the comment on it
        quote.add_run(clean_text(quoted)).italic = True
    paragraph = document.add_paragraph()
    if indent is not None:
        paragraph.paragraph_format.left_indent = indent
    paragraph.add_run(clean_text(entry.author)).bold = True
    paragraph.add_run(clean_text(f" ({entry.when}) — {_body(entry)}"))
    link = _voice_link(entry, base_url)
    if link:
        paragraph.add_run(" — nghe tại ")
        _docx_link(paragraph, link, link)
    notes = _notes(entry)
    if notes:
        paragraph.add_run(clean_text(f" — {notes}")).italic = True


def _docx_signatures(document: Any, block: Signatures) -> None:
    """The place and date, then the two columns as a borderless table whose rows Word keeps
    on one page, together."""
    rows: list[tuple[tuple[str, str], str]] = [(("", block.place_date), "italic")]
    rows += [(titles, "bold") for titles in block.rows()]
    rows += [((SIGN_HINT, SIGN_HINT), "italic"), (("", ""), "room"), (block.names, "bold")]
    table = document.add_table(rows=len(rows), cols=2)
    for index, (row, (texts, look)) in enumerate(zip(table.rows, rows, strict=True)):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, text in zip(row.cells, texts, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.keep_with_next = index < len(rows) - 1
            if look == "room":
                paragraph.paragraph_format.space_before = Cm(SIGN_SPACE_CM)
            run = paragraph.add_run(clean_text(text))
            run.bold, run.italic = look == "bold", look == "italic"


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


def drop_theme_fonts(style_element: Any) -> None:
    """Word prefers a style's theme font (Calibri) over its named one; keep only the name."""
    fonts = style_element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
    if fonts is None:
        return
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)


def page_numbers(paragraph: Any) -> None:
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


def markup(text: str) -> str:
    """Plain text as reportlab Paragraph markup: escaped, line breaks kept."""
    return escape(clean_text(text)).replace("\n", "<br/>")


def to_pdf(meeting: Meeting, groups: list[Group], base_url: str = "", made_by: str = "") -> bytes:
    """The same record as a PDF: A4, wrapped text, ``Trang x/y`` at the foot of each page; the
    summary and signatures one block that moves whole to the next page rather than split."""
    regular, bold = pdffonts.register()
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
        "sign": ParagraphStyle("sign", base, fontName=bold, alignment=TA_CENTER, spaceAfter=0),
        "hint": ParagraphStyle("hint", base, fontSize=9.5, alignment=TA_CENTER, spaceAfter=0),
    }
    story: list[Any] = []
    org = meeting.organization
    if org.parent is not None:
        story.append(Paragraph(markup(org.parent.name.upper()), base))
    story.append(Paragraph(markup(org.name.upper()), styles["org"]))
    story += [Spacer(1, 0.4 * cm), Paragraph(TITLE, styles["title"])]
    story.append(Paragraph(markup(meeting.title), styles["meeting"]))
    story += [Paragraph(markup(line), base) for line in [*_facts(meeting), _made_at()]]
    if not groups:
        story.append(Paragraph("Buổi sinh hoạt chưa có góp ý nào.", base))
    for group in groups:
        story.append(Paragraph(markup(group.heading), styles["h1"]))
        for topic in group.topics:
            story.append(Paragraph(markup(topic.title), styles["h2"]))
            for entry in topic.entries:
                story += _pdf_entry(entry, base, styles["quote"], base_url)
                for reply in entry.replies:
                    story += _pdf_entry(reply, styles["reply"], styles["quote"], base_url)
    ending: list[Any] = [Paragraph("Tổng hợp", styles["h1"])]
    ending += [Paragraph(markup(line), base) for line in _summary_lines(summarize(groups))]
    ending += [Spacer(1, 0.6 * cm), _pdf_signatures(signatures(meeting, made_by), styles)]
    story.append(KeepTogether(ending))

    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2.5 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=clean_text(f"Góp ý của đảng viên: {meeting.title}"),
        author=clean_text(org.name),
    )
    template.build(story, canvasmaker=NumberedCanvas)
    return out.getvalue()


def _pdf_entry(
    entry: Entry, style: ParagraphStyle, quote: ParagraphStyle, base_url: str = ""
) -> list[Any]:
    notes = _notes(entry)
    text = f"<b>{markup(entry.author)}</b> ({markup(entry.when)}) — {markup(_body(entry))}"
    link = _voice_link(entry, base_url)
    if link:
        shown = escape(link)
        target = shown.replace('"', "&quot;")
        text += f' — nghe tại <a href="{target}" color="blue"><u>{shown}</u></a>'
    if notes:
        text += f" — <b>{markup(notes)}</b>"
    comment = Paragraph(text, style)
    quoted = _quote(entry)
    if not quoted:
        return [comment]
    indented = ParagraphStyle("quoted", quote, leftIndent=style.leftIndent + 1 * cm)
    # The quote never ends a page without the comment on it.
    return [KeepTogether([Paragraph(markup(quoted), indented), comment])]


def _pdf_signatures(block: Signatures, styles: dict[str, ParagraphStyle]) -> Table:
    """Two columns: the date line over the right one, titles, hints, room to sign, names."""
    sign, hint = styles["sign"], styles["hint"]
    rows: list[list[Any]] = [["", Paragraph(markup(block.place_date), hint)]]
    rows += [[Paragraph(markup(a), sign), Paragraph(markup(b), sign)] for a, b in block.rows()]
    rows.append([Paragraph(SIGN_HINT, hint), Paragraph(SIGN_HINT, hint)])
    rows.append([Spacer(1, SIGN_SPACE_CM * cm), ""])
    rows.append([Paragraph(markup(name), sign) for name in block.names])
    width = A4[0] - 4.5 * cm  # the frame: A4 less the margins
    return Table(rows, colWidths=[width / 2, width / 2])


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
            self.setFont(pdffonts.FONT, 9)
            self.drawCentredString(A4[0] / 2, 1.2 * cm, f"Trang {self.getPageNumber()}/{total}")
            super().showPage()
        super().save()
