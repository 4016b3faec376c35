"""Lighthouse 12 in mobile mode (its default: a mid-range phone, simulated slow 4G, 4× CPU
slowdown) on the home, meeting and document pages, signed in as a member: Performance,
Accessibility and Best Practices scores, and every audit that cost points.

The reference, in the same run: a bare HTML page served by Python's http.server, measured the
same way (its paints are the floor Lighthouse's simulated phone and network impose).

Lighthouse comes from the npm registry, pinned in bench/package.json (12.2.3: the Node.js 20
installed here), installed by this command with `npm ci`; it drives Debian's chromium.

Run: .venv/bin/python bench/lighthouse.py [--pages home,meeting,document]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.embedded import demo_server  # noqa: E402
from bench.reach import _pages, _signed_in, hello_server  # noqa: E402

BENCH = Path(__file__).resolve().parent
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")
TIMINGS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
}


def _install() -> None:
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=True)


def _run(url: str, cookie: str, out: Path) -> dict:
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--extra-headers={json.dumps({'Cookie': cookie})}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu "
            "--disable-background-networking --disable-component-update",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
        capture_output=True,
    )
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", default="home,meeting,document")
    args = parser.parse_args()
    _install()
    with (
        demo_server() as base,
        hello_server() as hello,
        tempfile.TemporaryDirectory() as tmp,
    ):
        session = _signed_in(base)
        pages = _pages(session, base)
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        print(f"Lighthouse 12.2.3, mobile; {'  '.join(f'{c:>15}' for c in CATEGORIES)}")
        for name in args.pages.split(","):
            report = _run(base + pages[name], cookie, Path(tmp) / f"{name}.json")
            scores = [round(100 * report["categories"][c]["score"]) for c in CATEGORIES]
            print(f"{name:<10}" + "".join(f"{s:>17}" for s in scores) + "  " + _timings(report))
            for category in CATEGORIES:
                for ref in report["categories"][category]["auditRefs"]:
                    audit = report["audits"][ref["id"]]
                    score = audit.get("score")
                    if ref["weight"] and score is not None and score < 1:
                        shown = audit.get("displayValue", "")
                        print(f"    {category}: {ref['id']} {score:.2f} {shown}")
        reference = _run(hello, "", Path(tmp) / "hello.json")
        print(f"{'reference':<10}{'(a bare page)':>51}  {_timings(reference)}")


def _timings(report: dict) -> str:
    return ", ".join(
        f"{label} {report['audits'][key]['displayValue']}" for key, label in TIMINGS.items()
    )


if __name__ == "__main__":
    main()
