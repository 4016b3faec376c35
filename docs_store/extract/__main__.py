"""``python -m docs_store.extract FILE [--no-ocr]``: print a document's text, page by page.

Pages are separated by form feeds. An unreadable file exits with status 2 and one line
``lỗi: <reason>`` on stderr. Extraction runs in the sandbox, as for uploads.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ExtractionError
from .core import DEFAULT_MAX_PAGES
from .detect import HEAD_BYTES, detect_kind
from .sandbox import extract_sandboxed

EXIT_UNREADABLE = 2


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m docs_store.extract", description="Print the text of a PDF/DOCX/TXT."
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--no-ocr", action="store_true", help="skip OCR of scanned pages")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds (default 120)")
    parser.add_argument(
        "--ocr-page-timeout",
        type=float,
        default=30.0,
        help="more seconds for each scanned page read by OCR (default 30)",
    )
    parser.add_argument("--memory-mb", type=int, default=1024, help="MB (default 1024)")
    parser.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES)
    args = parser.parse_args(argv)

    try:
        with args.file.open("rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError as e:
        return _fail(f"không mở được tệp {args.file}: {e.strerror or e}")
    try:
        kind = detect_kind(head, args.file.name)
        document = extract_sandboxed(
            args.file,
            kind,
            timeout=args.timeout,
            ocr_page_timeout=args.ocr_page_timeout,
            memory_mb=args.memory_mb,
            ocr=not args.no_ocr,
            max_pages=args.max_pages,
        )
    except ExtractionError as e:
        return _fail(e.message)
    for warning in document.warnings:
        sys.stderr.buffer.write(f"cảnh báo: {warning}\n".encode())
    sys.stdout.buffer.write(document.text.encode("utf-8") + b"\n")
    sys.stdout.flush()
    return 0


def _fail(message: str) -> int:
    sys.stderr.buffer.write(f"lỗi: {message}\n".encode())
    sys.stderr.flush()
    return EXIT_UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
