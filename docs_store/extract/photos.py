"""Photos of a paper document (JPEG, PNG, HEIC) made into one PDF, a page per photo, in order.

Each photo is known by its first bytes, never its name. Its size is read from its header and
checked before any pixel is decoded (a 20000 × 20000 PNG of a few kilobytes is a 400-megapixel
bitmap). It is turned upright by its EXIF orientation, reduced to at most ``MAX_SIDE`` pixels (a
JPEG is decoded straight at a reduced scale, so a 100-megapixel photo never fills memory), made
grey, cleared of the table around the paper, levelled, evenly lit with white paper (what a
scanner gives, and what Tesseract reads), and written as a JPEG page at ``DPI``. Extraction
then reads the PDF as any scan: each page is one upright grey image of 212 dpi, which poppler
renders at 300 dpi for Tesseract (``ocr.find_scan``; read from their own pixels, the bench's
photos had 5 words wrong in 735, rendered 2).

Decoding someone's photo is parsing untrusted input: the app runs this in the sandbox's child
(``sandbox.photos_to_pdf_sandboxed``), with its memory and time limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ExtractionError

#: Photos that make one document at most.
MAX_PHOTOS = 30
#: Largest photo accepted, in pixels (a 108-megapixel phone camera's full size passes).
MAX_PIXELS = 120_000_000
#: Longest side of a page, in pixels: a phone's A4 photo at about 200 dpi, plenty for OCR.
MAX_SIDE = 2480
#: The resolution the pages are written at: ``MAX_SIDE`` is then an A4 page's long side.
DPI = 212
JPEG_QUALITY = 80

#: The only decoder each kind may reach (never a format Pillow guesses from the bytes).
_FORMATS = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIF"}
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")


def sniff_photo(head: bytes) -> str | None:
    """ "jpeg", "png" or "heic" for a photo's first bytes (16 are enough); None otherwise."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    return None


def photos_to_pdf(photos: Sequence[Path], out: Path, names: Sequence[str] | None = None) -> int:
    """Write ``photos`` as the pages of one PDF at ``out``, in order; returns the page count.

    Raises ExtractionError with a Vietnamese message naming the photo (by ``names``, else its
    place): ``mismatch`` (not a photo), ``corrupt`` (cut short or unreadable), ``too_complex``
    (too many pixels), ``too_many_pages`` (too many photos), ``empty`` (none).
    """
    if not photos:
        raise ExtractionError("empty", "Chưa chọn ảnh nào.")
    if len(photos) > MAX_PHOTOS:
        raise ExtractionError(
            "too_many_pages",
            f"Chỉ ghép được tối đa {MAX_PHOTOS} ảnh thành một tài liệu (đã chọn {len(photos)}); "
            "hãy chia thành nhiều tài liệu.",
        )
    labels = list(names) if names is not None else []
    pages = [
        _page(path, labels[i] if i < len(labels) else f"Ảnh thứ {i + 1}")
        for i, path in enumerate(photos)
    ]
    first, rest = pages[0], pages[1:]
    first.save(
        out,
        "PDF",
        save_all=True,
        append_images=rest,
        resolution=float(DPI),
        quality=JPEG_QUALITY,
        title="Ảnh chụp tài liệu",
    )
    return len(pages)


def _page(path: Path, label: str) -> Any:
    """One photo as an upright grey page of at most MAX_SIDE pixels."""
    from PIL import Image, ImageOps

    with path.open("rb") as f:
        head = f.read(16)
    kind = sniff_photo(head)
    if kind is None:
        raise ExtractionError(
            "mismatch",
            f"{label}: không phải ảnh JPEG, PNG hay HEIC; hãy chọn đúng ảnh chụp tài liệu.",
        )
    if kind == "heic":
        _register_heif()
    # Our own check below says how large, in Vietnamese; Pillow's would only raise. Opening
    # reads the header alone: no pixel is decoded before the check.
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(path, formats=[_FORMATS[kind]]) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise ExtractionError(
                    "too_complex",
                    f"{label}: ảnh quá lớn ({width} × {height} điểm ảnh); "
                    "hãy chụp lại ở độ phân giải thấp hơn.",
                )
            if kind == "jpeg":
                # Decoded at 1/2, 1/4 or 1/8 scale when that still leaves MAX_SIDE pixels.
                scale = max(width, height) / MAX_SIDE
                if scale > 1:
                    opened.draft("L", (int(width / scale), int(height / scale)))
            opened.load()
            image = _grey(ImageOps.exif_transpose(opened))
    except ExtractionError:
        raise
    except (OSError, SyntaxError, ValueError) as e:
        raise ExtractionError(
            "corrupt",
            f"{label}: ảnh bị hỏng hoặc chưa tải lên trọn vẹn; hãy chụp hoặc chọn lại ảnh này.",
        ) from e
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return _flatten(_deskew(_paper(image)))


def _grey(image: Any) -> Any:
    """Grey on white: a transparent screenshot's background is white paper, not black."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        paper.alpha_composite(rgba)
        image = paper
    if image.mode.startswith("I"):  # 16-bit grey: its top 8 bits
        image = image.convert("I").point(lambda value: value / 256)
    return image.convert("L")


#: Side of the small copy the paper and its tilt are found on.
_SMALL_SIDE = 800
#: Tilts tried, in quarter degrees either way (a photo taken by hand is rarely off by more).
_MAX_TILT_QUARTERS = 24


def _paper(image: Any) -> Any:
    """The paper alone: the dark table around it, the dark region touching the photo's edge,
    is made white and cut off. Text inside the paper never touches the edge, so it stays."""
    from PIL import Image, ImageDraw, ImageFilter

    factor = max(1, max(image.size) // (_SMALL_SIDE // 2))
    small = image.reduce(factor).filter(ImageFilter.GaussianBlur(2))
    threshold = _otsu(small.histogram())
    dark = small.point(lambda v: 0 if v <= threshold else 255)
    width, height = dark.size
    edge = [(x, y) for x in range(width) for y in (0, height - 1)]
    edge += [(x, y) for y in range(height) for x in (0, width - 1)]
    for point in edge:
        if dark.getpixel(point) == 0:
            ImageDraw.floodfill(dark, point, 128)
    table = dark.point(lambda v: 255 if v == 128 else 0)
    share = table.histogram()[255] / (width * height)
    if not 0.01 < share < 0.6:  # no table in sight, or no paper: leave the photo as it is
        return image
    mask = table.filter(ImageFilter.MaxFilter(3)).resize(image.size, Image.Resampling.BILINEAR)
    paper = image.copy()
    paper.paste(255, mask=mask)
    box = mask.point(lambda v: 0 if v else 255).getbbox()
    return paper.crop(box) if box else paper


def _deskew(image: Any) -> Any:
    """The page turned so its lines are level: Tesseract's page layout read nothing of a page
    photographed 3° off that it read whole once level. The tilt is the one whose rows of ink
    are most unequal (lines and the gaps between them), found on a small copy."""
    from PIL import Image

    small = image.copy()
    small.thumbnail((_SMALL_SIDE, _SMALL_SIDE))
    threshold = _otsu(small.histogram())
    ink = small.point(lambda v: 255 if v < threshold else 0)
    height = ink.height

    def spread(quarters: int) -> float:
        turned = ink.rotate(quarters / 4, resample=Image.Resampling.NEAREST)
        rows = list(turned.resize((1, height), Image.Resampling.BOX).get_flattened_data())
        mean = sum(rows) / height
        return float(sum((row - mean) ** 2 for row in rows))

    best = max(range(-_MAX_TILT_QUARTERS, _MAX_TILT_QUARTERS + 1), key=spread)
    if best == 0:
        return image
    return image.rotate(best / 4, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


#: Grey this close to the paper around it (as a share of 255) is paper: made white.
_PAPER_SHARE = 215


def _flatten(image: Any) -> Any:
    """Even light and white paper, as a scanner gives: each pixel divided by the paper's
    brightness around it (ink removed by a maximum filter, on a small copy), and what is
    nearly paper made white. A phone's grain on grey paper made Tesseract's page layout find
    no text at all on a page it read whole once flattened."""
    from PIL import Image, ImageFilter, ImageMath

    small = image.reduce(8) if min(image.size) >= 64 else image
    paper = small.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(4))
    paper = paper.resize(image.size, Image.Resampling.BILINEAR)
    even = ImageMath.lambda_eval(
        lambda px: px["ink"] * 255 / (px["paper"] + 1), ink=image, paper=paper
    ).convert("L")
    return even.point(lambda v: 255 if v >= _PAPER_SHARE else v * 255 // _PAPER_SHARE)


def _otsu(histogram: list[int]) -> int:
    """The grey level that best splits a histogram into dark and light (Otsu's method)."""
    counts = histogram[:256]
    total = sum(counts)
    weighted = sum(level * count for level, count in enumerate(counts))
    dark = dark_sum = 0
    best, threshold = -1.0, 127
    for level, count in enumerate(counts):
        dark += count
        dark_sum += level * count
        light = total - dark
        if not dark or not light:
            continue
        between = dark * light * (dark_sum / dark - (weighted - dark_sum) / light) ** 2
        if between > best:
            best, threshold = between, level
    return threshold


def _register_heif() -> None:
    """HEIC (iPhones, some Android phones) through pillow-heif, loaded only when needed."""
    import pillow_heif

    pillow_heif.register_heif_opener()
