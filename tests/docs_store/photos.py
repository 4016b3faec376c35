"""Photos of paper documents as a phone takes them, and hostile images, made on the spot.

A page of Vietnamese text (from the seed news texts) is set in DejaVu Serif (every Vietnamese
glyph; official documents are set in a serif), laid on a darker table, turned a few degrees,
lit unevenly, blurred and grained. A phone held upright stores its sensor's landscape pixels
with an EXIF orientation saying how to turn them; ``orientation=6`` does the same here, so a
reader that ignores the tag sees the page on its side.
"""

from __future__ import annotations

import io
import random
import textwrap
import zipfile
from pathlib import Path
from typing import Any

from .makers import SEEDS

SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
SERIF_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")
#: EXIF orientation 6: the stored pixels must be turned 90° clockwise to stand upright.
TURNED = 6


def seed_paragraphs(name: str = "000_2ccd3d1a80d68b85.txt", count: int = 2) -> list[str]:
    """The first paragraphs of a seed text, whole words only (the file ends mid-character)."""
    text = (SEEDS / name).read_text(encoding="utf-8", errors="ignore")
    return [p.strip() for p in text.splitlines() if p.strip()][:count]


def page_image(title: str, paragraphs: list[str], width: int = 1240) -> Any:
    """A white page (A4 shape) with a title in capitals and wrapped paragraphs."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (width, round(width * 297 / 210)), 250)
    draw = ImageDraw.Draw(page)
    size = width // 34  # about 12 pt on an A4 page
    head = ImageFont.truetype(str(SERIF_BOLD), round(size * 1.3))
    body = ImageFont.truetype(str(SERIF), size)
    (_, y, _), *lines = _layout(title, paragraphs, width)
    box = draw.textbbox((0, 0), title, font=head)
    draw.text(((width - (box[2] - box[0])) // 2, y), title, font=head, fill=20)
    for x, y, line in lines:
        draw.text((x, y), line, font=body, fill=25)
    return page


def page_lines(title: str, paragraphs: list[str], width: int = 1240) -> list[str]:
    """The lines ``page_image`` draws, in order: the text OCR should read."""
    return [line for _, _, line in _layout(title, paragraphs, width)]


def _layout(title: str, paragraphs: list[str], width: int) -> list[tuple[int, int, str]]:
    """(x, y, text) of the title, then of each line of the paragraphs that fits the page."""
    height = round(width * 297 / 210)
    size = width // 34
    margin = width // 10
    placed = [(0, margin, title)]  # the title is centred when drawn
    y = margin + round(size * 3)
    chars = int((width - 2 * margin) / (size * 0.52))
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, chars):
            if y > height - margin:
                return placed
            placed.append((margin, y, line))
            y += round(size * 1.6)
        y += size
    return placed


def photograph(page: Any, *, degrees: float = 2.5, seed: int = 1) -> Any:
    """The page as a phone camera sees it: on a table, turned, unevenly lit, blurred, grainy."""
    from PIL import Image, ImageChops, ImageFilter

    table = Image.new("L", (round(page.width * 1.15), round(page.height * 1.1)), 110)
    table.paste(page, ((table.width - page.width) // 2, (table.height - page.height) // 2))
    photo = table.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=110)
    # Light from the top left: a gradient multiplied in.
    light = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize(photo.size)
    light = light.point(lambda v: 255 - v * 60 // 255)
    photo = ImageChops.multiply(photo, light)
    photo = photo.filter(ImageFilter.GaussianBlur(1.1))
    photo = ImageChops.add(photo, _grain(photo.size, 12 + seed % 5, seed), scale=1.0, offset=-128)
    return photo.convert("RGB")


def _grain(size: tuple[int, int], sigma: int, seed: int) -> Any:
    """Grey noise around 128 with about ``sigma`` of spread, the same for the same seed
    (Pillow's ``effect_noise`` draws anew each run, and OCR of a grainy photo can then read
    one diacritic differently from one run to the next)."""
    from PIL import Image, ImageChops

    rng = random.Random(seed)  # noqa: S311 - test images, not secrets
    count = size[0] * size[1]
    first = Image.frombytes("L", size, rng.randbytes(count))
    second = Image.frombytes("L", size, rng.randbytes(count))
    mean = ImageChops.add(first, second, scale=2.0)  # triangular around 128, spread ≈ 52
    return mean.point(lambda v: max(0, min(255, 128 + (v - 128) * sigma // 52)))


def save_photo(photo: Any, path: Path, *, orientation: int = 1, fmt: str | None = None) -> Path:
    """Save as JPEG, PNG or HEIC (by the suffix, or ``fmt``), with an EXIF orientation: for
    ``TURNED`` the pixels are stored turned back, as the phone's sensor took them."""
    from PIL import Image

    fmt = fmt or {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".heic": "HEIF"}[path.suffix]
    if orientation == TURNED:
        photo = photo.transpose(Image.Transpose.ROTATE_90)  # shown upright after 90° clockwise
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Samsung"  # Make
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    options: dict[str, Any] = {"quality": 85} if fmt != "PNG" else {}
    if fmt == "HEIF":
        options["enc_params"] = {"preset": "ultrafast"}  # x265's default took 18 s a photo
    photo.save(path, fmt, exif=exif.tobytes(), **options)
    return path


def zip_named_jpg(path: Path) -> Path:
    """A zip archive named like a photo."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    path.write_bytes(buffer.getvalue())
    return path


def truncated_jpeg(source: Path, path: Path) -> Path:
    """The first third of a real JPEG: a photo whose upload was cut off."""
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def pixel_bomb_png(path: Path, side: int = 20000) -> Path:
    """A 20000 × 20000 PNG of a few hundred kilobytes that would decode to 400 MB of grey."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit grey
    row = b"\x00" + b"\xff" * side
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
    path.write_bytes(png + chunk(b"IEND", b""))
    return path


#: What each sample photo shows: a title and words OCR must find, in page order.
PAGES = [
    ("THÔNG BÁO KẾT QUẢ CHUYỂN ĐỔI SỐ", "000_2ccd3d1a80d68b85.txt", "Yên Bái"),
    ("TRANG HAI CỦA THÔNG BÁO", "003_93c23d6b8fdddcbb.txt", "nhiệm vụ trọng tâm"),
    ("TRANG BA CỦA THÔNG BÁO", "000_2ccd3d1a80d68b85.txt", "173 điểm cầu"),
]
TITLE = "Thông báo kết quả chuyển đổi số"


def sample_set(folder: Path) -> dict[str, Path]:
    """Three pages photographed as a JPEG (held upright: EXIF-turned), a PNG and a HEIC
    (EXIF-turned), and the hostile inputs: a zip named .jpg, a cut-off JPEG, a pixel bomb."""
    made: dict[str, Path] = {}
    for (title, seed, _), (name, orientation, degrees) in zip(
        PAGES,
        [("trang-1.jpg", TURNED, 2.5), ("trang-2.png", 1, -3.0), ("trang-3.heic", TURNED, 1.5)],
        strict=True,
    ):
        page = page_image(title, seed_paragraphs(seed, 1))
        photo = photograph(page, degrees=degrees, seed=len(made) + 1)
        made[name] = save_photo(photo, folder / name, orientation=orientation)
    made["zip.jpg"] = zip_named_jpg(folder / "anh-nen.jpg")
    made["cut.jpg"] = truncated_jpeg(made["trang-1.jpg"], folder / "anh-dut.jpg")
    made["bomb.png"] = pixel_bomb_png(folder / "anh-bom.png")
    return made
