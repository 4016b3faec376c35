"""Document page latency for concurrent signed-in readers, against the real server.

Starts `python -m handbook serve` on a temporary instance with the demo data, signs in
--readers sessions, then each reads the demo's text document --requests times at once.
Prints median and p95 latency, requests per second and the page's weight on the wire (gzip).
Run: .venv/bin/python bench/page_latency.py [--readers 50] [--requests 20]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.embedded import demo_server  # noqa: E402

MEMBERS = ["0912000002", "0912000003", "0912000004", "0912000001"]


def _session(base: str, login: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/login", timeout=60).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token, "no CSRF token on the sign-in form"
    data = urllib.parse.urlencode(
        {"login": login, "password": "demo@2026", "csrf_token": token.group(1)}
    ).encode()
    with opener.open(f"{base}/login", data=data, timeout=60) as response:
        if response.url.endswith("/login"):
            raise RuntimeError(f"sign-in failed for {login}")
    return opener


def _document_id(opener: urllib.request.OpenerDirector, base: str) -> int:
    home = opener.open(f"{base}/", timeout=30).read().decode()
    meeting = re.search(r'href="/meetings/(\d+)"', home)
    assert meeting, "no meeting on the home page"
    page = opener.open(f"{base}/meetings/{meeting.group(1)}", timeout=30).read().decode()
    found = re.findall(r'data-document="(\d+)" data-status="ready"', page)
    assert found, "the demo documents are not read yet"
    return int(found[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    with demo_server() as base:
        sessions = [_session(base, MEMBERS[i % len(MEMBERS)]) for i in range(args.readers)]
        for _ in range(300):  # the server's workers read the demo documents first
            try:
                document = _document_id(sessions[0], base)
                break
            except AssertionError:
                time.sleep(0.5)
        url = f"{base}/documents/{document}"
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with sessions[0].open(request) as response:
            wire = len(response.read())
            encoding = response.headers.get("Content-Encoding")

        latencies: list[float] = []
        lock = threading.Lock()
        barrier = threading.Barrier(args.readers)

        def reader(opener: urllib.request.OpenerDirector) -> None:
            barrier.wait()
            for _ in range(args.requests):
                start = time.perf_counter()
                with opener.open(
                    urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
                ) as r:
                    r.read()
                with lock:
                    latencies.append(time.perf_counter() - start)

        threads = [threading.Thread(target=reader, args=(s,)) for s in sessions]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started

    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"document page, {args.readers} concurrent signed-in readers × {args.requests} requests")
    print(
        f"  median {statistics.median(latencies) * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms   "
        f"{len(latencies) / elapsed:.0f} requests/s"
    )
    print(f"  page weight on the wire: {wire / 1024:.1f} KB ({encoding or 'uncompressed'})")


if __name__ == "__main__":
    main()
