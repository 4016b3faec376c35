"""The sandbox's child: apply limits, run ``extract`` (or make photos into a PDF), report JSON
lines on stdout.

Started by ``sandbox.extract_sandboxed`` as ``python -m docs_store.extract._child REQUEST``.
Its real stdout is kept for the protocol; anything a library prints goes to stderr instead.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any, BinaryIO

#: Largest file the child (or pdftoppm) may write: a page image is a few MB.
MAX_FILE_BYTES = 512 * 1024 * 1024
MEMORY_EXIT = 3  # keep in step with sandbox.MEMORY_EXIT (not imported: keep this start light)


def apply_limits(memory_mb: int, timeout: float) -> None:
    """Address space, CPU seconds, written file size, no core dumps; inherited by tools."""
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = math.ceil(timeout) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> None:
    request = json.loads(sys.argv[1])
    proto = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    lock = threading.Lock()  # OCR threads report the pages they start

    def emit(message: dict[str, Any]) -> None:
        with lock:
            _write(proto, message)

    start = time.monotonic()
    timeout = float(request["timeout"])
    apply_limits(int(request["memory_mb"]), timeout)
    try:
        from docs_store.errors import ExtractionError

        if request.get("task") == "photos":
            from docs_store.extract.photos import photos_to_pdf

            try:
                pages = photos_to_pdf(
                    [Path(p) for p in request["photos"]], Path(request["out"]), request["names"]
                )
            except ExtractionError as e:
                emit({"type": "error", **e.to_dict()})
            else:
                emit({"type": "result", "pages": pages})
            proto.close()
            return

        from docs_store.extract.core import extract

        try:
            document = extract(
                Path(request["path"]),
                request["kind"],
                progress=lambda done, total: emit(
                    {"type": "progress", "done": done, "total": total}
                ),
                ocr=bool(request["ocr"]),
                max_pages=int(request["max_pages"]),
                deadline=start + timeout,
                ocr_allowance=float(request.get("ocr_page_timeout", 0.0)),
                on_ocr_page=lambda: emit({"type": "ocr_page"}),
            )
        except ExtractionError as e:
            emit({"type": "error", **e.to_dict()})
        else:
            emit({"type": "result", "document": document.to_dict()})
        proto.close()
    except MemoryError:
        os._exit(MEMORY_EXIT)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)


def _write(proto: BinaryIO, message: dict[str, Any]) -> None:
    proto.write(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")
    proto.flush()


if __name__ == "__main__":
    main()
