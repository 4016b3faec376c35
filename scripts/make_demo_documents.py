"""Build the demo meeting's sample documents (a text PDF, a scanned PDF, a Word file).

The texts are ours, written for the demo. The files are committed under
handbook/demo/documents/, so `demo` needs none of these tools at run time.
Run: .venv/bin/python scripts/make_demo_documents.py   (dev requirements: reportlab, Pillow)
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import docx
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

OUT = Path(__file__).resolve().parent.parent / "handbook" / "demo" / "documents"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

RESOLUTION = [
    ("ĐẢNG BỘ XÃ TÂN TIẾN", True),
    ("CHI BỘ THÔN NÀ PHÌA", True),
    ("DỰ THẢO NGHỊ QUYẾT", True),
    ("Về nhiệm vụ tháng 12/2026 và chuyển đổi số trong sinh hoạt chi bộ", False),
    ("I. ĐÁNH GIÁ KẾT QUẢ THÁNG 11/2026", True),
    (
        "Chi bộ có 27/31 đảng viên tham gia sinh hoạt, đạt 87,1%. Thôn hoàn thành thu Quỹ "
        "phòng, chống thiên tai với 1.356.000 đồng; 92,71% hộ dân đã cài đặt ứng dụng VNeID "
        "theo Đề án 06 của Chính phủ.",
        False,
    ),
    (
        "Ban chấp hành Chi bộ (BCH) phối hợp với Ủy ban nhân dân (UBND) xã tổ chức 3 buổi "
        "hướng dẫn thủ tục hành chính (TTHC) trực tuyến cho bà con vào các ngày 05/11, 12/11 "
        "và 19/11/2026.",
        False,
    ),
    ("II. NHIỆM VỤ THÁNG 12/2026", True),
    (
        "1. Mỗi đảng viên đọc tài liệu trên Sổ tay Đảng viên điện tử trước buổi sinh hoạt và "
        "góp ý trực tuyến; đảng viên cao tuổi có thể nghe tài liệu được đọc bằng giọng nói.",
        False,
    ),
    (
        "2. Vận động 100% hộ gia đình tham gia bảo hiểm y tế (BHYT) năm 2027; phấn đấu thu "
        "đạt 45 triệu đồng trước ngày 25/12/2026.",
        False,
    ),
    (
        "3. Chuẩn bị tổng kết nhiệm kỳ 2025 – 2030 giai đoạn một, thực hiện Nghị quyết Đại "
        "hội XIII của Đảng và Nghị quyết Đại hội Đảng bộ xã.",
        False,
    ),
    ("III. TỔ CHỨC THỰC HIỆN", True),
    (
        "Đồng chí Bí thư chi bộ chịu trách nhiệm chung; các đồng chí đảng viên theo phân công "
        "báo cáo kết quả tại buổi sinh hoạt lúc 19h30 ngày 05/01/2027.",
        False,
    ),
]

REPORT_TITLE = "BÁO CÁO KẾT QUẢ THỰC HIỆN NHIỆM VỤ THÁNG 11/2026"
REPORT = [
    (
        "1. Công tác xây dựng Đảng",
        [
            "Chi bộ duy trì sinh hoạt định kỳ vào ngày 05 hằng tháng. Tỷ lệ đảng viên dự sinh hoạt "
            "bình quân đạt 87%; 2 đảng viên vắng có lý do vì đi làm ăn xa.",
            "Chi bộ giới thiệu 1 quần chúng ưu tú để Đảng ủy xã xem xét kết nạp.",
        ],
    ),
    (
        "2. Phát triển kinh tế – xã hội",
        [
            "Diện tích lúa vụ mùa 42,5 ha, năng suất ước đạt 5,2 tấn/ha. Thôn làm mới 1,2 km "
            "đường bê tông nông thôn theo chương trình nông thôn mới (NTM).",
            "Tổ hợp tác trồng chè thu nhập bình quân 3,5 triệu đồng/hộ/tháng.",
        ],
    ),
    (
        "3. Chuyển đổi số",
        [
            "Chuyển đổi số (CĐS) được triển khai ở cả 64 hộ. Tổ công nghệ số cộng đồng hỗ trợ bà "
            "con dùng dịch vụ công trực tuyến; CĐS giúp giảm thời gian đi lại lên xã.",
        ],
    ),
]

NOTICE = [
    "ĐẢNG ỦY XÃ TÂN TIẾN",
    "THÔNG BÁO",
    "Về việc học tập, quán triệt nghị quyết",
    "",
    "Đảng ủy xã thông báo tới các chi bộ trực thuộc:",
    "Thời gian: 7h30 ngày 20/12/2026.",
    "Địa điểm: Hội trường Ủy ban nhân dân xã.",
    "Thành phần: toàn thể đảng viên trong Đảng bộ.",
    "Đề nghị các đồng chí bí thư chi bộ thông báo",
    "tới đảng viên và đọc tài liệu trước khi dự học.",
]


def text_pdf(path: Path) -> None:
    pdfmetrics.registerFont(TTFont("DejaVu", FONT))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", FONT_BOLD))
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle("Dự thảo Nghị quyết tháng 12/2026")
    width, height = A4
    y = height - 60
    for text, bold in RESOLUTION:
        pdf.setFont("DejaVu-Bold" if bold else "DejaVu", 12)
        for line in textwrap.wrap(text, 78):
            if y < 60:
                pdf.showPage()
                y = height - 60
                pdf.setFont("DejaVu-Bold" if bold else "DejaVu", 12)
            pdf.drawString(56, y, line)
            y -= 18
        y -= 10
    pdf.save()


def scanned_pdf(path: Path) -> None:
    """A page as an office scanner makes it: text only as pixels, no text layer."""
    page = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    draw = ImageDraw.Draw(page)
    big = ImageFont.truetype(FONT_BOLD, 40)
    body = ImageFont.truetype(FONT, 34)
    y = 140
    for i, line in enumerate(NOTICE):
        font = big if i < 2 else body
        draw.text((120, y), line, font=font, fill=0)
        y += 70
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=150)
    path.write_bytes(buffer.getvalue())


def word_document(path: Path) -> None:
    document = docx.Document()
    document.add_heading(REPORT_TITLE, level=1)
    document.add_paragraph("Chi bộ thôn Nà Phìa, ngày 28 tháng 11 năm 2026")
    for heading, paragraphs in REPORT:
        document.add_heading(heading, level=2)
        for text in paragraphs:
            document.add_paragraph(text)
    document.core_properties.title = REPORT_TITLE
    document.save(path)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    text_pdf(OUT / "du-thao-nghi-quyet-thang-12.pdf")
    scanned_pdf(OUT / "thong-bao-hoc-tap-nghi-quyet.pdf")
    word_document(OUT / "bao-cao-thang-11.docx")
    for path in sorted(OUT.iterdir()):
        print(f"{path.name}\t{path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
