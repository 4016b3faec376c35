"""``python -m tts.speak -i INPUT.txt -o OUT.mp3``: read a text file aloud into an MP3.

Paragraphs are separated by blank lines; a form feed (``\\f``, as pdftotext writes between
pages) starts a new page, and each page becomes a chapter. Prints the duration, size and voice;
on failure prints one Vietnamese line and exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from pathlib import Path

from docs_store.extract.legacy import looks_legacy
from tts.cache import ChunkCache
from tts.engines import choose_engine, fallback_for, voice_label
from tts.pipeline import AudioResult, PipelineError, Section, synthesize_document
from tts.result import LEGACY, os_reason, vietnamese_number

__all__ = ["main", "read_sections"]

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def read_sections(text: str, title: str) -> list[Section]:
    """Pages (split at form feeds) of paragraphs (split at blank lines), numbered from 1."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pages = text.split("\f")
    sections, number = [], 0
    for page_number, page in enumerate(pages, 1):
        paragraphs = []
        for paragraph in _BLANK_LINE.split(page):
            if paragraph.strip():
                number += 1
                paragraphs.append((number, paragraph.strip()))
        if paragraphs:
            name = f"Trang {page_number}" if len(pages) > 1 else title
            sections.append(Section(title=name, paragraphs=paragraphs))
    return sections


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PipelineError(f"Không mở được tệp “{path}”: {os_reason(exc)}.") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if looks_legacy(raw.decode("cp1252", "replace")):
            raise PipelineError(LEGACY) from exc
        raise PipelineError(f"Tệp “{path}” không phải văn bản UTF-8.") from exc


def _default_cache() -> Path:
    if os.environ.get("TTS_CACHE_DIR"):
        return Path(os.environ["TTS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "handbook-tts"


def _minutes(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} phút {rest} giây" if minutes else f"{rest} giây"


def _report(result: AudioResult, out: Path) -> None:
    print(f"Đã ghi: {out}")
    print(f"Thời lượng: {_minutes(result.duration)}")
    size = vietnamese_number(round(result.size / 1_000_000, 2))
    print(f"Kích thước: {size} MB ({vietnamese_number(result.size)} byte)")
    print(f"Giọng đọc: {voice_label(result.engine, result.voice)}")
    for warning in result.warnings:
        print(f"Lưu ý: {warning}")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tts.speak", description=__doc__.split("\n")[0])
    parser.add_argument("-i", "--input", type=Path, required=True, help="UTF-8 text file")
    parser.add_argument("-o", "--output", type=Path, required=True, help="MP3 file to write")
    parser.add_argument(
        "--engine",
        choices=["auto", "gtts", "espeak"],
        default=os.environ.get("TTS_ENGINE", "auto"),
        help="default: $TTS_ENGINE or auto (gTTS when reachable, espeak-ng otherwise)",
    )
    parser.add_argument("--speed", type=float, default=1.0, help="0.5 to 2.0 (default 1.0)")
    parser.add_argument("--cache", type=Path, default=None, help="chunk cache directory")
    parser.add_argument("--timings", type=Path, default=None, help="write the timing map (JSON)")
    parser.add_argument("--title", default=None, help="title tag of the MP3")
    parser.add_argument("-v", "--verbose", action="store_true", help="log retries and skips")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL)
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    sys.stderr.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    try:
        text = _read_text(args.input)
        engine = choose_engine(args.engine)
        result = synthesize_document(
            read_sections(text, args.title or args.input.stem),
            engine=engine,
            fallback=fallback_for(engine),
            cache=ChunkCache(args.cache or _default_cache()),
            out_path=args.output,
            speed=args.speed,
            title=args.title,
        )
        if args.timings:
            args.timings.write_text(
                json.dumps(result.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
            )
    except PipelineError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    _report(result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
