"""Word error rate of our OCR on the repository's own scans, at the product's settings and at
one alternative, with the seconds each took.

The scans and their known text: the demo commune's notice (``handbook/demo``, an A4 page at
150 dpi stored as JPEG, its lines in ``scripts/make_demo_documents.py``), the test suite's
short scan (``makers.scanned_pdf``, 200 dpi) and its full A4 page of 12 pt text
(``makers.scanned_a4_pdf``, 200 dpi). Settings:

* ``product``: what ``pdf_reader`` does: a page that is one scan of 150-300 dpi is read from
  the scanner's own pixels (``ocr.find_scan``), anything else rendered at 200 dpi;
* ``render-300``: every page rendered by pdftoppm at 300 dpi (grey) and read from that.

Words are compared after NFC and lower case, punctuation stripped from their ends: diacritics
count ("chỉ bộ" for "chi bộ" is one error), capitals and commas do not (a listener hears
neither). WER = (substitutions + deletions + insertions) / words of the known text.

The words Tesseract was unsure of (confidence below ``unsure.UNSURE_BELOW``) are marked for
the secretary; how well the mark finds the errors, from the same run's word confidences:
recall = wrong words read that are marked / wrong words read (a word missed altogether has
nothing to mark: counted apart), precision = marked words that are wrong / marked words; at
the product's threshold, then at others for comparison.

Run: .venv/bin/python bench/ocr_quality.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import statistics
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
from docs_store.extract.unsure import UNSURE_BELOW  # noqa: E402
from tests.docs_store import makers  # noqa: E402  (the test suite's sample documents)

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


def seed_scan(path: Path, seed: Path) -> tuple[Path, list[str]]:
    """A full A4 page of real news prose (``tests/docs_store/seeds``) in 12 pt, as a 200 dpi
    grey scan: words the short samples do not have (numbers, names, rarer syllables)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(makers.FONT), 33)
    lines = textwrap.wrap(" ".join(seed.read_text(encoding="utf-8").split()), 80)[:40]
    image = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((160, 160 + 50 * index), line, font=font, fill=0)
    image.save(path, "PDF", resolution=200.0)
    return path, lines


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


def product(pdf: Path) -> ocr.OcrPage:
    """As ``pdf_reader._ocr`` reads page 1."""
    from pypdf import PdfReader

    box = PdfReader(str(pdf)).pages[0].mediabox
    size = (float(box.width), float(box.height))
    scan = ocr.find_scan(pdf, 1, *size)
    dpi = ocr.dpi_for(*size, dpi=scan.dpi if scan else ocr.DPI)
    return ocr.ocr_pdf_page(pdf, 1, dpi=dpi, scan=scan)


def render_300(pdf: Path) -> ocr.OcrPage:
    return ocr.ocr_pdf_page(pdf, 1, dpi=300, scan=None)


SETTINGS: dict[str, Callable[[Path], ocr.OcrPage]] = {"product": product, "render-300": render_300}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="rounds timed per setting")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ocr-quality-") as tmp:
        folder = Path(tmp)
        cases = [
            ("demo notice, 150 dpi JPEG", DEMO_SCAN, _demo_notice()),
            ("short scan, 200 dpi", makers.scanned_pdf(folder / "short.pdf"), makers.SCANNED_LINES),
            ("A4 12 pt, 200 dpi", makers.scanned_a4_pdf(folder / "a4.pdf"), _a4_lines()),
        ]
        for seed in sorted(makers.SEEDS.glob("*.txt")):
            pdf, lines = seed_scan(folder / f"{seed.stem}.pdf", seed)
            cases.append((f"news {seed.stem[:3]}, A4 200 dpi", pdf, lines))
        totals = {name: [0, 0, 0.0] for name in SETTINGS}  # errors, words, seconds
        tally: dict[str, collections.Counter[str]] = {n: collections.Counter() for n in SETTINGS}
        flags = {name: Flags() for name in SETTINGS}
        for label, pdf, lines in cases:
            truth = words("\n".join(lines))
            for name, read in SETTINGS.items():
                walls = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    page = read(pdf)
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
        for name, (wrong, total, seconds) in totals.items():
            print(
                f"{'all':28} {name:11} WER {wrong / total:6.1%} ({wrong}/{total}) {seconds:5.2f} s"
            )
            common = ", ".join(f"{swap} ×{n}" for swap, n in tally[name].most_common(5))
            print(f"{'':28} {name:11} substitutions: {common or 'none'}")
            flags[name].report(name)


if __name__ == "__main__":
    main()
