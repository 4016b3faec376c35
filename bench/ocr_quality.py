"""Word error rate of our OCR on the repository's own scans, at the product's settings and at
the rule before it, with the seconds each took.

The scans and their known text: the demo commune's notice (``handbook/demo``, an A4 page at
150 dpi stored as JPEG, its lines in ``scripts/make_demo_documents.py``), the test suite's
short scan (``makers.scanned_pdf``, 200 dpi) and its full A4 page of 12 pt text
(``makers.scanned_a4_pdf``, 200 dpi; the same page at 150 dpi), the six short scans of the
parallel-OCR test as they first were (a heading each, 200 dpi), two A4 pages of news prose
(``tests/docs_store/seeds``) at 200 and at 300 dpi, and three pages photographed by a phone
(``tests/docs_store/photos``: tilted, unevenly lit, grainy) made into a PDF by
``photos.photos_to_pdf`` (212 dpi), as an upload of photos is. Settings:

* ``product``: what ``pdf_reader`` does: a page that is one scan of about 300 dpi is read from
  the scanner's own pixels (``ocr.find_scan``), anything else rendered at ``ocr.DPI`` (300);
* ``own-pixels``: the rule before issue #14 item 3 (``ocr.MIN_SCAN_DPI`` 150, ``ocr.DPI``
  200): a scan of 150-300 dpi read from its own pixels, anything else rendered at 200 dpi.

``--alternatives`` adds what else was tried on the way (issue #14): the scan's own pixels
with Tesseract told 300 dpi (``--dpi`` alone, no new pixels), upscaled to 300 dpi by Pillow's
Lanczos instead of poppler, rendered at 250 or 400 dpi, and rendered at 300 with Tesseract's
other binarisations (``thresholding_method`` 1, adaptive Otsu; 2, Sauvola; 0, plain Otsu, is
the product's).

Words are compared after NFC and lower case, punctuation stripped from their ends: diacritics
count ("chỉ bộ" for "chi bộ" is one error), capitals and commas do not (a listener hears
neither). WER = (substitutions + deletions + insertions) / words of the known text.

The words Tesseract was unsure of (confidence below ``unsure.UNSURE_BELOW``) are marked for
the secretary; how well the mark finds the errors, from the same run's word confidences:
recall = wrong words read that are marked / wrong words read (a word missed altogether has
nothing to mark: counted apart), precision = marked words that are wrong / marked words; at
the product's threshold, then at others for comparison.

Run: .venv/bin/python bench/ocr_quality.py [--repeat 1] [--alternatives]
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docs_store.extract import ocr  # noqa: E402
from docs_store.extract.photos import photos_to_pdf  # noqa: E402
from docs_store.extract.unsure import UNSURE_BELOW, parse_tsv  # noqa: E402
from tests.docs_store import makers, photos  # noqa: E402  (the test suite's sample documents)

DEMO_SCAN = ROOT / "handbook" / "demo" / "documents" / "thong-bao-hoc-tap-nghi-quyet.pdf"


def _demo_notice() -> list[str]:
    """The demo scan's lines, as the script that drew it has them."""
    path = ROOT / "scripts" / "make_demo_documents.py"
    spec = importlib.util.spec_from_file_location("make_demo_documents", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.NOTICE)


def _a4_lines() -> list[str]:
    """``makers.scanned_a4_pdf``'s lines (the same wrapping)."""
    body = f"{makers.BODY} {makers.SECOND} " * 12
    return [makers.TITLE, makers.SECTION] + textwrap.wrap(body, 80)[:40]


def a4_scan(path: Path, lines: list[str], dpi: int = 200) -> Path:
    """``lines`` in 12 pt on an A4 page scanned at ``dpi`` grey (at 200 dpi the same page as
    ``makers.scanned_a4_pdf``)."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 200
    font = ImageFont.truetype(str(makers.FONT), round(33 * scale))
    image = Image.new("L", (round(1654 * scale), round(2339 * scale)), 255)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((round(160 * scale), round((160 + 50 * index) * scale)), line, font=font, fill=0)
    image.save(path, "PDF", resolution=float(dpi))
    return path


def seed_lines(seed: Path) -> list[str]:
    """A full A4 page of real news prose (``tests/docs_store/seeds``): words the short samples
    do not have (numbers, names, rarer syllables)."""
    return textwrap.wrap(" ".join(seed.read_text(encoding="utf-8").split()), 80)[:40]


#: The headings of ``tests/docs_store/test_ocr_parallel.py``'s six scans as it first had them.
HEADINGS = ["NGHỊ QUYẾT", "BIÊN BẢN", "KẾ HOẠCH", "BÁO CÁO", "CHỈ THỊ", "HƯỚNG DẪN"]


def headings(folder: Path) -> tuple[str, Path | list[Path], list[str]]:
    """Six short scans, a heading and a line each, read as one case."""
    pages = [[heading, "Chi bộ thống nhất đẩy mạnh"] for heading in HEADINGS]
    pdfs = [makers.scanned_pdf(folder / f"heading-{n}.pdf", lines) for n, lines in enumerate(pages)]
    return "six headings, 200 dpi", pdfs, [line for lines in pages for line in lines]


def photographed(folder: Path) -> list[tuple[str, Path | list[Path], list[str]]]:
    """The tests' three photographed pages, each made into a PDF as an upload of photos is."""
    cases: list[tuple[str, Path | list[Path], list[str]]] = []
    for index, ((title, seed, _), degrees) in enumerate(
        zip(photos.PAGES, (2.5, -3.0, 1.5), strict=True)
    ):
        paragraphs = photos.seed_paragraphs(seed, 3)
        page = photos.page_image(title, paragraphs)
        photo = photos.photograph(page, degrees=degrees, seed=index + 1)
        jpeg = photos.save_photo(photo, folder / f"photo-{index + 1}.jpg")
        pdf = folder / f"photo-{index + 1}.pdf"
        photos_to_pdf([jpeg], pdf)
        lines = photos.page_lines(title, paragraphs)
        cases.append((f"photo {index + 1}, 212 dpi", pdf, lines))
    return cases


def words(text: str) -> list[str]:
    found = []
    for word in unicodedata.normalize("NFC", text).lower().split():
        word = word.strip(".,;:!?()\"'“”‘’…-–—")
        if word:
            found.append(word)
    return found


def errors(truth: list[str], read: list[str]) -> tuple[int, list[tuple[str, str]], set[int]]:
    """Word-level edit distance, the substitutions (known word, word read) on one best
    alignment, and which of the words read are wrong on it (substituted or inserted)."""
    rows = [list(range(len(read) + 1))]
    for i, want in enumerate(truth, 1):
        row = [i]
        for j, got in enumerate(read, 1):
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (want != got)))
        rows.append(row)
    swaps: list[tuple[str, str]] = []
    wrong: set[int] = set()
    i, j = len(truth), len(read)
    while i and j:
        if rows[i][j] == rows[i - 1][j - 1] + (truth[i - 1] != read[j - 1]):
            if truth[i - 1] != read[j - 1]:
                swaps.append((truth[i - 1], read[j - 1]))
                wrong.add(j - 1)
            i, j = i - 1, j - 1
        elif rows[i][j] == rows[i - 1][j] + 1:
            i -= 1
        else:
            wrong.add(j - 1)
            j -= 1
    wrong.update(range(j))
    return rows[-1][-1], swaps[::-1], wrong


#: Thresholds the mark is compared at, besides the product's.
THRESHOLDS = (30.0, 50.0, 60.0, 70.0, 80.0, 85.0, 90.0, 93.0, 95.0)


class Flags:
    """Counts of the mark at each threshold, over the cases: marked right (a wrong word),
    marked wrongly (a right word), wrong words left unmarked; and words missed altogether."""

    def __init__(self) -> None:
        self.counts = {t: [0, 0, 0] for t in sorted({UNSURE_BELOW, *THRESHOLDS})}
        self.missed = 0

    def add(self, truth: list[str], page: ocr.OcrPage) -> list[int]:
        """Count one page; returns its counts at the product's threshold."""
        read = [(w, word.confidence) for word in page.words for w in words(word.text)]
        wrong_count, _, wrong = errors(truth, [w for w, _ in read])
        self.missed += wrong_count - len(wrong)  # known words with no word read in their place
        mine: list[int] = []
        for threshold, counts in self.counts.items():
            marked = {j for j, (_, confidence) in enumerate(read) if confidence < threshold}
            page_counts = [len(marked & wrong), len(marked - wrong), len(wrong - marked)]
            for k, n in enumerate(page_counts):
                counts[k] += n
            if threshold == UNSURE_BELOW:
                mine = page_counts
        return mine

    def report(self, name: str) -> None:
        for threshold, (right, wrongly, unmarked) in self.counts.items():
            mark = "  ← the threshold used" if threshold == UNSURE_BELOW else ""
            print(
                f"{'':28} {name:11} unsure < {threshold:4.0f}: {_rates(right, wrongly, unmarked)}"
                f"{mark}"
            )
        print(f"{'':28} {name:11} words missed altogether (nothing to mark): {self.missed}")


def _rates(right: int, wrongly: int, unmarked: int) -> str:
    marked, wrong = right + wrongly, right + unmarked
    recall = f"{right / wrong:5.0%}" if wrong else "  –  "
    precision = f"{right / marked:5.0%}" if marked else "  –  "
    return (
        f"marks {right}/{wrong} errors (recall {recall}), {marked} words marked "
        f"(precision {precision}, {wrongly} right words marked)"
    )


def _size(pdf: Path) -> tuple[float, float]:
    from pypdf import PdfReader

    box = PdfReader(str(pdf)).pages[0].mediabox
    return float(box.width), float(box.height)


def product(pdf: Path) -> ocr.OcrPage:
    """As ``pdf_reader._ocr`` reads page 1."""
    size = _size(pdf)
    scan = ocr.find_scan(pdf, 1, *size)
    dpi = ocr.dpi_for(*size, dpi=scan.dpi if scan else ocr.DPI)
    return ocr.ocr_pdf_page(pdf, 1, dpi=dpi, scan=scan)


def own_pixels(pdf: Path) -> ocr.OcrPage:
    """The product under the rule before issue #14 item 3."""
    saved = ocr.MIN_SCAN_DPI, ocr.DPI
    ocr.MIN_SCAN_DPI, ocr.DPI = 150, 200
    try:
        return product(pdf)
    finally:
        ocr.MIN_SCAN_DPI, ocr.DPI = saved


def hint_300(pdf: Path) -> ocr.OcrPage:
    """The scan's own pixels, Tesseract told they are 300 dpi (its ``--dpi``)."""
    return ocr.ocr_pdf_page(pdf, 1, scan=ocr.Scan(300, as_is=True))


def lanczos_300(pdf: Path) -> ocr.OcrPage:
    """The scan's own pixels upscaled to 300 dpi by Pillow (Lanczos), not by poppler."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _tool("pdfimages", "-j", str(pdf), str(folder / "scan"))
        listing = _tool("pdfimages", "-list", str(pdf)).decode()
        ppi = float(listing.splitlines()[2].split()[12])
        (found,) = folder.glob("scan-*")
        with Image.open(found) as opened:
            grey = opened.convert("L")
        factor = 300 / ppi
        size = (round(grey.width * factor), round(grey.height * factor))
        grey.resize(size, Image.Resampling.LANCZOS).save(folder / "up.pgm")
        return _tesseract(folder / "up.pgm", 300)


def _rendered(dpi: int, *options: str) -> Callable[[Path], ocr.OcrPage]:
    def read(pdf: Path) -> ocr.OcrPage:
        if not options:
            return ocr.ocr_pdf_page(pdf, 1, dpi=dpi, scan=None)
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "page"
            _tool("pdftoppm", "-r", str(dpi), "-gray", "-singlefile", str(pdf), str(prefix))
            return _tesseract(prefix.with_suffix(".pgm"), dpi, *options)

    return read


def _tesseract(image: Path, dpi: int, *options: str) -> ocr.OcrPage:
    """Tesseract as ``ocr`` runs it (one thread, Vietnamese, ``--psm 3``), plus ``options``."""
    out = image.with_name("ocr")
    argv = [str(image), str(out), "-l", ocr.LANGUAGE, "--psm", "3", "--dpi", str(dpi), *options]
    _tool("tesseract", *argv, "txt", "tsv")
    text = out.with_suffix(".txt").read_text(encoding="utf-8", errors="replace")
    tsv = out.with_suffix(".tsv").read_text(encoding="utf-8", errors="replace")
    return ocr.OcrPage(text, tuple(parse_tsv(tsv)))


def _tool(name: str, *argv: str) -> bytes:
    """One of the tools the product runs, with one OpenMP thread as ``ocr`` runs them."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = [shutil.which(name) or name, *argv]
    return subprocess.run(command, capture_output=True, check=True, env=env).stdout  # noqa: S603


def _pages(read: Callable[[Path], ocr.OcrPage], pdfs: Path | list[Path]) -> ocr.OcrPage:
    """What ``read`` reads of one PDF, or of several one after the other."""
    if isinstance(pdfs, Path):
        return read(pdfs)
    pages = [read(pdf) for pdf in pdfs]
    words = tuple(word for page in pages for word in page.words)
    return ocr.OcrPage("\n".join(page.text for page in pages), words)


SETTINGS: dict[str, Callable[[Path], ocr.OcrPage]] = {"product": product, "own-pixels": own_pixels}
ALTERNATIVES: dict[str, Callable[[Path], ocr.OcrPage]] = {
    "hint-300": hint_300,
    "lanczos-300": lanczos_300,
    "render-250": _rendered(250),
    "render-400": _rendered(400),
    "r300-adapt": _rendered(300, "-c", "thresholding_method=1"),
    "r300-sauv": _rendered(300, "-c", "thresholding_method=2"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="rounds timed per setting")
    parser.add_argument(
        "--alternatives", action="store_true", help="also the settings tried and not taken"
    )
    args = parser.parse_args()
    settings = {**SETTINGS, **(ALTERNATIVES if args.alternatives else {})}
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="ocr-quality-") as tmp:
        folder = Path(tmp)
        a4 = _a4_lines()
        cases: list[tuple[str, Path | list[Path], list[str]]] = [
            ("demo notice, 150 dpi JPEG", DEMO_SCAN, _demo_notice()),
            ("short scan, 200 dpi", makers.scanned_pdf(folder / "short.pdf"), makers.SCANNED_LINES),
            ("A4 12 pt, 200 dpi", makers.scanned_a4_pdf(folder / "a4.pdf"), a4),
            ("A4 12 pt, 150 dpi", a4_scan(folder / "a4-150.pdf", a4, 150), a4),
            headings(folder),
        ]
        for dpi in (200, 300):
            for seed in sorted(makers.SEEDS.glob("*.txt")):
                lines = seed_lines(seed)
                pdf = a4_scan(folder / f"{seed.stem}-{dpi}.pdf", lines, dpi)
                cases.append((f"news {seed.stem[:3]}, A4 {dpi} dpi", pdf, lines))
        cases += photographed(folder)
        totals = {name: [0.0, 0.0, 0.0] for name in settings}  # errors, words, seconds
        tally: dict[str, collections.Counter[str]] = {n: collections.Counter() for n in settings}
        flags = {name: Flags() for name in settings}
        for label, pdfs, lines in cases:
            truth = words("\n".join(lines))
            for name, read in settings.items():
                walls = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    page = _pages(read, pdfs)
                    walls.append(time.perf_counter() - start)
                wrong, swaps, _ = errors(truth, words(page.text))
                right, wrongly, unmarked = flags[name].add(truth, page)
                wall = statistics.median(walls)
                totals[name][0] += wrong
                totals[name][1] += len(truth)
                totals[name][2] += wall
                tally[name].update(f"{a}→{b}" for a, b in swaps)
                shown = ", ".join(f"{a}→{b}" for a, b in swaps[:6]) or "none"
                print(
                    f"{label:28} {name:11} WER {wrong / len(truth):6.1%} "
                    f"({wrong}/{len(truth)} words) {wall:5.2f} s  swaps: {shown}"
                )
                print(f"{'':28} {name:11} {_rates(right, wrongly, unmarked)}")
        for name, (bad, total, seconds) in totals.items():
            share = f"{bad / total:6.1%} ({bad:.0f}/{total:.0f})"
            print(f"{'all':28} {name:11} WER {share} {seconds:5.2f} s")
            common = ", ".join(f"{swap} ×{n}" for swap, n in tally[name].most_common(5))
            print(f"{'':28} {name:11} substitutions: {common or 'none'}")
            flags[name].report(name)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
