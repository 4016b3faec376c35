"""Photos of a paper document become one PDF, pages in order, that OCR reads: real JPEG, PNG and
HEIC photos (turned by EXIF, tilted, unevenly lit, grainy), and hostile images refused clearly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from docs_store.errors import ExtractionError
from docs_store.extract import detect_kind, extract
from docs_store.extract.photos import MAX_PHOTOS, MAX_SIDE, photos_to_pdf, sniff_photo
from docs_store.extract.sandbox import photos_to_pdf_sandboxed
from docs_store.extract.title import title_from

from . import photos

IN_ORDER = ("trang-1.jpg", "trang-2.png", "trang-3.heic")


def _images(pdf: Path) -> list[tuple[int, int, str]]:
    """(width, height, colour) of each page's one image, by poppler's pdfimages."""
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    return [(int(r[3]), int(r[4]), r[5]) for r in rows]


def test_photos_become_one_pdf_that_ocr_reads_page_by_page_in_order(
    photo_set: dict[str, Path], tmp_path: Path
) -> None:
    pdf = tmp_path / "anh.pdf"
    assert photos_to_pdf_sandboxed([photo_set[n] for n in IN_ORDER], pdf) == 3
    # Each page one upright grey image no larger than MAX_SIDE: the phone's EXIF turn applied.
    images = _images(pdf)
    assert len(images) == 3
    assert all(h > w and max(w, h) <= MAX_SIDE and colour == "gray" for w, h, colour in images)
    document = extract(pdf, "pdf")
    assert [page.ocr for page in document.pages] == [True, True, True]
    for page, (heading, _, words) in zip(document.pages, photos.PAGES, strict=True):
        assert page.blocks[0].text == heading
        assert words in page.text
    assert "chuyển đổi số" in document.text
    assert title_from(document) == photos.TITLE


def test_the_order_chosen_is_the_order_of_the_pages(
    photo_set: dict[str, Path], tmp_path: Path
) -> None:
    pdf = tmp_path / "nguoc.pdf"
    photos_to_pdf([photo_set[n] for n in reversed(IN_ORDER)], pdf)
    headings = [page.blocks[0].text for page in extract(pdf, "pdf").pages]
    assert headings == [heading for heading, _, _ in reversed(photos.PAGES)]


def test_a_huge_photo_is_read_at_a_reduced_size(tmp_path: Path) -> None:
    """A 48-megapixel JPEG is decoded at a quarter of its size, not whole."""
    page = photos.page_image("BIÊN BẢN HỌP CHI BỘ", photos.seed_paragraphs(count=1), width=6000)
    source = photos.save_photo(page.convert("RGB"), tmp_path / "lon.jpg")
    with Image.open(source) as image:
        assert image.size == (6000, 8486)
    pdf = tmp_path / "lon.pdf"
    photos_to_pdf([source], pdf)
    ((width, height, _),) = _images(pdf)
    assert max(width, height) <= MAX_SIDE
    assert extract(pdf, "pdf").pages[0].blocks[0].text == "BIÊN BẢN HỌP CHI BỘ"


@pytest.mark.parametrize(
    ("key", "code", "words"),
    [
        ("zip.jpg", "mismatch", "không phải ảnh JPEG, PNG hay HEIC"),
        ("cut.jpg", "corrupt", "bị hỏng hoặc chưa tải lên trọn vẹn"),
        ("bomb.png", "too_complex", "ảnh quá lớn (20000 × 20000 điểm ảnh)"),
    ],
)
def test_a_hostile_image_is_refused_in_vietnamese_naming_it(
    photo_set: dict[str, Path], tmp_path: Path, key: str, code: str, words: str
) -> None:
    out = tmp_path / "anh.pdf"
    with pytest.raises(ExtractionError) as refused:
        photos_to_pdf_sandboxed(
            [photo_set["trang-2.png"], photo_set[key]],
            out,
            names=["trang-2.png", "ảnh của tôi.jpg"],
            memory_mb=512,  # a bomb decoded would need 400 MB of grey and more to turn it
        )
    assert refused.value.code == code
    assert refused.value.message.startswith("ảnh của tôi.jpg: ")
    assert words in refused.value.message
    assert not out.exists()


def test_too_many_photos_or_none_are_refused(photo_set: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as too_many:
        photos_to_pdf([photo_set["trang-1.jpg"]] * (MAX_PHOTOS + 1), tmp_path / "a.pdf")
    assert too_many.value.code == "too_many_pages"
    assert f"tối đa {MAX_PHOTOS} ảnh" in too_many.value.message
    with pytest.raises(ExtractionError) as none:
        photos_to_pdf([], tmp_path / "b.pdf")
    assert none.value.message == "Chưa chọn ảnh nào."


def test_photos_are_known_by_their_bytes(photo_set: dict[str, Path]) -> None:
    heads = {name: path.read_bytes()[:16] for name, path in photo_set.items()}
    assert [sniff_photo(heads[n]) for n in IN_ORDER] == ["jpeg", "png", "heic"]
    assert sniff_photo(heads["zip.jpg"]) is None
    assert sniff_photo(b"%PDF-1.7\n") is None
    # A zip named like a photo is not taken for a Word file either: the name says photo.
    with pytest.raises(ExtractionError) as caught:
        detect_kind(photo_set["zip.jpg"].read_bytes(), "anh-nen.jpg")
    assert caught.value.code == "mismatch"
    assert caught.value.message.startswith("Tên tệp ghi là ảnh chụp nhưng nội dung thực ra là")
