"""Where a server's CPU goes, from a py-spy ``raw`` profile (collapsed stacks), summarised by
function and by package: a flame graph answers "what is under this", this answers "what costs
most" in a few lines that fit a report.

py-spy without ``--native`` charges time spent in C (brotli, hashlib, the database driver's
socket) to the Python line that called it, so a leaf such as ``_compress`` includes brotli.
Samples are on-CPU only (py-spy's default leaves idle ones out). Run on its own:
``.venv/bin/python bench/profile_summary.py FILE.raw``.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

#: Functions whose inclusive share is always shown, when present: the page's stages.
STAGES = (
    "full_dispatch_request",
    "preprocess_request",
    "dispatch_request",
    "load",
    "can",
    "_load_user",
    "_user",
    "mark_read",
    "read_about",
    "commit",
    "_parts",
    "_discussion",
    "_agenda_discussion",
    "visible_documents",
    "_newly_published",
    "_next_meeting",
    "render_template",
    "_unread",
    "csrf_token",
    "_form_key",
    "_compress",
    "process_response",
    "save_session",
    "execute",
    "log_request",
)


def _split(frame: str) -> tuple[str, str]:
    found = _FRAME.match(frame.strip())
    if not found:
        return frame.strip(), ""
    return found.group("func"), found.group("file")


def package_of(path: str) -> str:
    """A readable owner for a source file, from the short paths py-spy prints (``gevent/
    pywsgi.py``, ``handbook/core/db.py``, ``brotli.py``): a template, a handbook package, or
    the library or standard module's top-level name."""
    if path.endswith((".html", ".jinja", ".txt")):
        return "templates (compiled Jinja)"
    for marker in ("site-packages/", "/lib/python3.11/"):
        path = path.split(marker, 1)[-1]
    parts = path.split("/")
    if parts[0] == "handbook" and len(parts) > 2:
        return f"handbook.{parts[1]}"
    return parts[0].removesuffix(".py") or "?"


def summarise(path: Path, top: int = 25) -> dict[str, Any]:
    """Self and inclusive samples per function, self samples per package, and the stages."""
    total = 0
    self_by_function: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    self_by_package: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_split(f) for f in stack.split(";")]
        frames = [f for f in frames if f[1]]  # the process and thread labels have no file
        if not frames:
            continue
        total += count
        func, file = frames[-1]
        self_by_function[f"{func} ({_short(file)})"] += count
        self_by_package[package_of(file)] += count
        for name in {f"{fn} ({_short(fl)})" for fn, fl in frames}:
            inclusive[name] += count

    def share(counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(k, round(100 * v / total, 1)) for k, v in counter.most_common(n)]

    stages = [
        (name, round(100 * count / total, 1))
        for name, count in inclusive.most_common()
        if name.split(" (", 1)[0].rsplit(".", 1)[-1] in STAGES
    ]
    return {
        "samples": total,
        "self_by_package": share(self_by_package, top),
        "self_by_function": share(self_by_function, top),
        "stages_inclusive": stages[:40],
        "inclusive": share(inclusive, 60),
    }


def _short(path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "/lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def print_summary(summary: dict[str, Any]) -> None:
    print(f"  {summary['samples']} samples")
    for title, key in (
        ("self time by package", "self_by_package"),
        ("self time by function (C calls charged to their caller)", "self_by_function"),
        ("the page's stages, inclusive", "stages_inclusive"),
    ):
        print(f"  {title}:")
        for name, pct in summary[key]:
            print(f"    {pct:5.1f}%  {name}")


if __name__ == "__main__":
    print_summary(summarise(Path(sys.argv[1])))
