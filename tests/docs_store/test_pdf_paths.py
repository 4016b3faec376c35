"""The fast paths give what the slow ones gave: poppler's text against pypdf's, a scan read at
300 dpi (its own pixels when it has them, else rendered) against the old 200 dpi rendering,
pages read in parallel kept in order."""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader

from docs_store.extract import extract
from docs_store.extract.layout import blocks_from_lines
from docs_store.extract.ocr import DPI, Scan, find_scan
from docs_store.extract.poppler_text import page_texts

from . import makers

DEMO = Path(__file__).resolve().parents[2] / "handbook" / "demo" / "documents"
DEMO_SCAN = DEMO / "thong-bao-hoc-tap-nghi-quyet.pdf"
#: Every word the 200 dpi rendering (before the fast path) read on the demo scan.
DEMO_SCAN_WORDS = set(
    "đảng ủy xã tân tiến thông báo về việc học tập quán triệt nghị quyết thông báo tới các chi "
    "bộ trực thuộc thời gian 7h30 ngày 20 12 2026 địa điểm hội trường ủy ban nhân dân xã thành "
    "phần toàn thể đảng viên trong đảng bộ đề nghị các đồng chí bí thư chi bộ thông báo tới "
    "đảng viên và đọc tài liệu trước khi dự học".split()
)


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def pypdf_blocks(path: Path) -> list[list[tuple[str, str, int]]]:
    """What extraction gave before poppler: pypdf's text of each page, made into blocks."""
    pages = PdfReader(path).pages
    return [
        [(b.kind, b.text, b.level) for b in blocks_from_lines((page.extract_text()).splitlines())]
        for page in pages
    ]


@pytest.fixture(scope="session")
def chromium_pdf(samples: Path) -> Path:
    if not makers.CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup test)")
    return makers.chromium_pdf(samples / "in-tu-trinh-duyet.pdf", pages=4)


@pytest.fixture(params=["demo", "reportlab", "chromium"])
def typed_pdf(request: pytest.FixtureRequest, text_pdf: Path) -> Path:
    if request.param == "demo":
        return DEMO / "du-thao-nghi-quyet-thang-12.pdf"
    if request.param == "reportlab":
        return text_pdf
    return request.getfixturevalue("chromium_pdf")  # type: ignore[no-any-return]


def test_poppler_reads_every_page(typed_pdf: Path) -> None:
    count = len(PdfReader(typed_pdf).pages)
    texts = page_texts(typed_pdf, 1, count, time_budget=None)
    assert texts is not None and len(texts) == count
    assert all(len(text.split()) > 20 for text in texts)


def test_same_headings_and_paragraphs_as_pypdf(typed_pdf: Path) -> None:
    document = extract(typed_pdf, "pdf")
    got = [[(b.kind, b.text, b.level) for b in page.blocks] for page in document.pages]
    assert got == pypdf_blocks(typed_pdf)
    assert any(kind == "heading" for page in got for kind, _, _ in page)


def test_chromium_pages_keep_their_structure(chromium_pdf: Path) -> None:
    document = extract(chromium_pdf, "pdf")
    assert [page.number for page in document.pages] == [1, 2, 3, 4]
    for number, page in enumerate(document.pages, 1):
        blocks = [(b.kind, b.text, b.level) for b in page.blocks]
        assert blocks[:3] == [
            ("heading", makers.TITLE, 1),
            ("heading", makers.SECTION, 1),
            ("paragraph", makers.BODY, 0),
        ]
        assert ("heading", f"Điều {number}. Tổ chức thực hiện", 2) in blocks
        assert f"Trang {number}: {makers.BODY}" in page.text


def test_two_column_header_stays_in_columns(tmp_path: Path) -> None:
    """Why pdftotext runs without ``-layout``: side-by-side columns must not merge."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(makers.FONT)))
    path = tmp_path / "hai-cot.pdf"
    canvas = Canvas(str(path))
    canvas.setFont("DejaVu", 11)
    canvas.drawString(50, 780, "ĐẢNG BỘ XÃ TÂN TIẾN")
    canvas.drawString(320, 780, "ĐẢNG CỘNG SẢN VIỆT NAM")
    canvas.drawString(50, 764, "CHI BỘ THÔN NÀ PHÌA")
    canvas.drawString(320, 764, "Tân Tiến, ngày 1 tháng 12 năm 2026")
    canvas.drawString(50, 720, makers.SECOND)
    canvas.save()
    texts = [block.text for block in extract(path, "pdf").pages[0].blocks]
    assert "ĐẢNG BỘ XÃ TÂN TIẾN" in texts and "ĐẢNG CỘNG SẢN VIỆT NAM" in texts
    assert makers.SECOND in texts


def test_without_poppler_pypdf_reads_the_same(
    typed_pdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server without pdftotext (only the OCR tools on its PATH) still reads text PDFs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("pdftoppm", "pdfimages", "tesseract"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert shutil.which("pdftotext") is None
    assert page_texts(typed_pdf, 1, 1, time_budget=None) is None
    document = extract(typed_pdf, "pdf")
    assert [[(b.kind, b.text, b.level) for b in p.blocks] for p in document.pages] == (
        pypdf_blocks(typed_pdf)
    )


def test_poppler_failure_falls_back_to_pypdf(tmp_path: Path) -> None:
    """Pages poppler cannot give (here: past the end) are not taken from it."""
    path = makers.text_pdf(tmp_path / "hai-trang.pdf", pages=2)
    assert page_texts(path, 1, 2, time_budget=None) is not None
    assert page_texts(path, 1, 3, time_budget=None) is None


def test_demo_scan_is_rendered_at_300_dpi() -> None:
    """The demo's real 150 dpi scan is rendered at 300 dpi, where Tesseract reads best."""
    page = PdfReader(DEMO_SCAN).pages[0]
    size = float(page.mediabox.width), float(page.mediabox.height)
    assert find_scan(DEMO_SCAN, 1, *size) == Scan(dpi=300, as_is=False)
    document = extract(DEMO_SCAN, "pdf")
    assert [page.ocr for page in document.pages] == [True]
    found = words(document.text)
    assert DEMO_SCAN_WORDS <= found, sorted(DEMO_SCAN_WORDS - found)
    assert "chi bộ" in document.text.lower()  # not "chỉ bộ", as a 150 dpi rendering reads it


def _logged_tools(folder: Path) -> Path:
    """A PATH of the real poppler tools and tesseract, each behind a script that first writes
    its command line to ``folder/tools.log``: what the extraction ran, on which image."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    for tool in ("pdftotext", "pdftoppm", "pdfimages", "tesseract"):
        real = shutil.which(tool)
        assert real
        script = bin_dir / tool
        script.write_text(
            f'#!/bin/sh\necho "{tool} $*" >> "{folder}/tools.log"\nexec {real} "$@"\n'
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bin_dir


@pytest.mark.parametrize(("dpi", "as_is"), [(150, False), (300, True)])
def test_scans_below_300_dpi_are_rendered_at_300_and_300_dpi_scans_read_as_they_are(
    dpi: int, as_is: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same pixels said to be at 150 or at 300 dpi: at 150 poppler renders the page
    at 300 dpi for Tesseract; at 300 Tesseract reads the scan's own pixels, nothing rendered."""
    path = makers.scanned_pdf(tmp_path / "quet.pdf", dpi=float(dpi))
    page = PdfReader(path).pages[0]
    size = float(page.mediabox.width), float(page.mediabox.height)
    assert find_scan(path, 1, *size) == Scan(dpi=300, as_is=as_is)
    monkeypatch.setenv("PATH", str(_logged_tools(tmp_path)))
    text = extract(path, "pdf").text
    assert words("\n".join(makers.SCANNED_LINES)) <= words(text)
    ran = (tmp_path / "tools.log").read_text().splitlines()
    rendered = [line for line in ran if line.startswith("pdftoppm ")]
    (read,) = [line.split() for line in ran if line.startswith("tesseract ")]
    assert read[read.index("--dpi") + 1] == str(DPI) == "300"
    if as_is:
        assert rendered == [] and any(line.startswith("pdfimages -j ") for line in ran)
        assert Path(read[1]).name.startswith("scan-")  # the image pdfimages took out
    else:
        assert len(rendered) == 1 and "-r 300 -gray" in rendered[0]
        assert not any(line.startswith("pdfimages -j ") for line in ran)
        assert Path(read[1]).name == "page.pgm"  # pdftoppm's grey rendering


def test_a_sideways_scan_turned_by_rotate_is_read_upright(tmp_path: Path) -> None:
    """Scanned sideways and shown upright by /Rotate: the scan's own pixels are sideways,
    so the page is rendered as a reader sees it."""
    from pypdf import PdfWriter

    image = PdfReader(DEMO_SCAN).pages[0].images[0].image
    assert image is not None
    sideways = tmp_path / "ngang.pdf"
    image.rotate(90, expand=True).save(sideways, "PDF", resolution=150.0)  # counter-clockwise
    writer = PdfWriter(clone_from=sideways)
    writer.pages[0].rotate(90)  # clockwise, as shown
    turned = tmp_path / "xoay.pdf"
    with turned.open("wb") as f:
        writer.write(f)
    page = PdfReader(turned).pages[0]
    shown = float(page.mediabox.height), float(page.mediabox.width)
    assert find_scan(turned, 1, *shown) == Scan(dpi=300, as_is=False)
    found = words(extract(turned, "pdf").text)
    assert len(DEMO_SCAN_WORDS & found) >= 0.9 * len(DEMO_SCAN_WORDS), sorted(found)


def test_a4_scan_at_200_dpi_read_at_300(tmp_path: Path) -> None:
    path = makers.scanned_a4_pdf(tmp_path / "a4.pdf")
    page = PdfReader(path).pages[0]
    assert find_scan(path, 1, float(page.mediabox.width), float(page.mediabox.height)) == Scan(
        dpi=300, as_is=False
    )
    text = extract(path, "pdf").text
    assert makers.TITLE in text and makers.SECTION in text
    assert {"chuyển", "đổi", "số", "đảng", "viên", "nghị", "quyết"} <= words(text)


def test_a_text_page_with_a_small_image_is_not_a_scan(tmp_path: Path) -> None:
    path = makers.scanned_pdf(tmp_path / "nho.pdf")  # 1100 x 440 px at 200 dpi: 5.5 x 2.2 in
    assert find_scan(path, 1, 595.0, 842.0) is None  # on an A4 page it would cover 20 %


def test_scanned_pages_in_parallel_keep_their_order(text_pdf: Path, tmp_path: Path) -> None:
    first = makers.scanned_pdf(tmp_path / "a.pdf", ["NGHỊ QUYẾT CHI BỘ", "Trang quét thứ nhất."])
    second = makers.scanned_pdf(tmp_path / "b.pdf", ["BIÊN BẢN HỌP", "Trang quét thứ hai."])
    mixed = makers.joined_pdf(tmp_path / "mixed.pdf", first, text_pdf, second, first, second)
    calls: list[tuple[int, int]] = []
    document = extract(mixed, "pdf", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(n, 7) for n in range(1, 8)]
    assert [page.ocr for page in document.pages] == [True, False, False, False, True, True, True]
    texts = [page.text.lower() for page in document.pages]
    for index in (0, 5):
        assert "nhất" in texts[index] and "biên" not in texts[index]
    for index in (4, 6):
        assert "biên" in texts[index] and "nhất" not in texts[index]
    assert makers.BODY in document.pages[1].text
    assert document.warnings == []
