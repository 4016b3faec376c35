"""Importing 10,000 members on the real server: the wall time of the background import, and a
page's latency while it runs beside the same page's with no import (same server, same run).

`python -m handbook serve` on the embedded default (SQLite; the job worker a niced child) on a
temporary instance with the demo data, its documents read and voiced first (espeak-ng). Then,
each round:

1. **reference**: --members signed-in members load a document page, each waiting --think ms
   between pages (about 30 pages/s in all), for --seconds, with nothing else running;
2. **import**: the demo secretary uploads a CSV of --rows new members through the import form
   (as a browser does: multipart, CSRF), and the same load runs until the import's status
   (polled every 0.25 s as the page's fallback does) says it is done. Wall time from the
   upload's first byte to "done"; the moments each step ended (every row checked, every
   password made, everything stored) from the same polling; the sheet is then downloaded and
   its pages counted.

Printed: wall time and steps per round; p50/p95/max of the page with no import and during it
(every page that started inside the import), and the ratio of the p95s. The load client is
Python (``http.client``, one keep-alive connection per member): at ~30 pages/s its own CPU is
small, and printed.

Run: .venv/bin/python bench/import_members.py [--rows 10000] [--rounds 1] [--seconds 20]
"""

from __future__ import annotations

import argparse
import http.client
import io
import re
import resource
import signal
import statistics
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from bench.embedded import demo_server, signed_in  # noqa: E402
from bench.jobs_priority import document_page  # noqa: E402
from bench.loadgen import cpu_seconds  # noqa: E402
from bench.publish_audio import Api, settle  # noqa: E402

SECRETARY, MEMBER = "0912000001", "0912000003"


@dataclass
class Load:
    """Members loading one page over keep-alive connections until stopped; every page's start
    (perf_counter) and latency in seconds."""

    url: str
    cookie: str
    members: int
    think: float
    samples: list[tuple[float, float]] = field(default_factory=list)
    errors: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for n in range(self.members):
            thread = threading.Thread(target=self._member, args=(n,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _member(self, n: int) -> None:
        parts = urllib.parse.urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {"Cookie": f"session={self.cookie}", "Accept-Encoding": "gzip"}
        time.sleep(self.think * n / self.members)  # spread the members over a think time
        while not self._stop.is_set():
            start = time.perf_counter()
            try:
                connection.request("GET", parts.path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    self.errors += 1
            except (OSError, http.client.HTTPException):
                self.errors += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                continue
            self.samples.append((start, time.perf_counter() - start))
            self._stop.wait(self.think)

    def between(self, begin: float, end: float) -> list[float]:
        return [latency for at, latency in self.samples if begin <= at <= end]


def csv_of(rows: int, seed: int) -> bytes:
    """``rows`` new members with phones no other round uses."""
    lines = "".join(f"09{seed}{i:07d},Đảng viên mới số {i + 1},đảng viên\n" for i in range(rows))
    return ("Số điện thoại,Họ và tên,Vai trò\n" + lines).encode()


def import_once(base: str, session: requests.Session, branch: int, raw: bytes) -> dict[str, float]:
    """Upload through the form and follow the status; the moments (s from the upload) of each
    step's end, and the sheet's pages."""
    form = session.get(f"{base}/org/{branch}/members/import", timeout=60).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token, "no CSRF token on the import form"
    start = time.perf_counter()
    answer = session.post(
        f"{base}/org/{branch}/members/import",
        data={"csrf_token": token.group(1)},
        files={"file": ("danh-sach.csv", raw, "text/csv")},
        allow_redirects=False,
        timeout=120,
    )
    uploaded = time.perf_counter() - start
    assert answer.status_code == 303, (answer.status_code, answer.text[:500])
    page = urllib.parse.urljoin(base, answer.headers["Location"])
    moments = {"uploaded": uploaded}
    while True:
        status = session.get(f"{page}/status", timeout=60).json()
        now = time.perf_counter() - start
        if status["total"] and status["checked"] >= status["total"]:
            moments.setdefault("checked", now)
        if status["total"] and status["prepared"] >= status["total"]:
            moments.setdefault("passwords", now)
        if status["status"] == "failed":
            raise RuntimeError(f"the import failed: {status}")
        if status["status"] == "done":
            moments["done"] = now
            break
        time.sleep(0.25)
    sheet = session.get(f"{page}/sheet.pdf", timeout=120)
    sheet.raise_for_status()
    moments["sheet_pages"] = len(PdfReader(io.BytesIO(sheet.content)).pages)
    moments["sheet_mb"] = len(sheet.content) / 1e6
    return moments


def worker_of(serve: int) -> int:
    """The job worker: ``serve``'s child process."""
    children = Path(f"/proc/{serve}/task/{serve}/children").read_text().split()
    assert children, "serve has no job worker"
    return int(children[0])


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=20.0, help="the reference's length")
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--think", type=int, default=250, help="ms between a member's pages")
    args = parser.parse_args()
    # Stopped from outside (a timeout): leave through the server's clean-up, not past it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))

    idle: list[float] = []
    busy: list[float] = []
    #: serve's CPU per page (seconds), with no import and during it.
    idle_cpu: list[float] = []
    busy_cpu: list[float] = []
    #: Pages during the last step: the sheet, then the one transaction (SQLite's write lock).
    last: list[float] = []
    rounds: list[dict[str, float]] = []
    errors = 0
    client_cpu = 0.0
    with demo_server(TTS_ENGINE="espeak") as base:
        secretary = Api(base, SECRETARY)
        settle(secretary)
        url = document_page(base, Api(base, MEMBER))
        cookie = signed_in(base, MEMBER).cookies["session"]
        for n in range(args.rounds):
            cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            load = Load(url, cookie, args.members, args.think / 1000)
            load.start()
            time.sleep(3)  # warm up
            begin, serve_cpu = time.perf_counter(), cpu_seconds(base.process.pid)
            time.sleep(args.seconds)
            pages = load.between(begin, time.perf_counter())
            idle += pages
            idle_cpu.append((cpu_seconds(base.process.pid) - serve_cpu) / len(pages))
            begin = time.perf_counter()
            worker = worker_of(base.process.pid)
            cpu = cpu_seconds(base.process.pid), cpu_seconds(worker)
            moments = import_once(
                base, secretary.session, secretary.branch, csv_of(args.rows, 10 + n)
            )
            end = begin + moments["done"]
            moments["serve_cpu"] = cpu_seconds(base.process.pid) - cpu[0]
            moments["worker_cpu"] = cpu_seconds(worker) - cpu[1]
            busy_cpu.append(moments["serve_cpu"] / len(load.between(begin, end)))
            busy += load.between(begin, end)
            last += load.between(begin + moments.get("passwords", moments["done"]), end)
            load.stop()
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
            client_cpu += (cpu_after.ru_utime - cpu_before.ru_utime) + (
                cpu_after.ru_stime - cpu_before.ru_stime
            )
            errors += load.errors
            rounds.append(moments)
            print(
                f"  round {n + 1}: {args.rows:,} members imported in {moments['done']:.1f} s "
                f"(upload answered {moments['uploaded']:.2f} s, rows checked "
                f"{moments.get('checked', 0):.1f} s, passwords "
                f"{moments.get('passwords', 0):.1f} s, "
                f"sheet and store {moments['done'] - moments.get('passwords', 0):.1f} s); "
                f"sheet {moments['sheet_pages']:.0f} pages, {moments['sheet_mb']:.1f} MB; CPU: "
                f"worker {moments['worker_cpu']:.1f} s, serve {moments['serve_cpu']:.1f} s "
                f"(its pages included)",
                flush=True,
            )

    def ms(values: list[float]) -> str:
        p50, p95, worst = percentiles(values)
        return f"p50 {p50 * 1000:6.1f}  p95 {p95 * 1000:6.1f}  max {worst * 1000:6.1f} ms"

    walls = [r["done"] for r in rounds]
    print(
        f"import of {args.rows:,} members (real server, embedded default, "
        f"{args.rounds} round{'s' if args.rounds > 1 else ''}): wall "
        f"{statistics.median(walls):.1f} s median (min {min(walls):.1f} s); the upload's own "
        f"request {statistics.median(r['uploaded'] for r in rounds):.2f} s"
    )
    print(f"document page, {args.members} members, {args.think} ms between pages:")
    print(f"  no import (reference)  {ms(idle)}   ({len(idle)} pages)")
    print(f"  during the import      {ms(busy)}   ({len(busy)} pages)")
    if last:
        print(f"    of which its last step {ms(last)}   ({len(last)} pages: sheet, then store)")
    print(
        f"  serve's CPU a page: {statistics.median(idle_cpu) * 1000:.1f} ms with no import, "
        f"{statistics.median(busy_cpu) * 1000:.1f} ms during it (status polls included)"
    )
    print(
        f"  p95 during / reference: {percentiles(busy)[1] / percentiles(idle)[1]:.2f}x; "
        f"failed pages: {errors}; the load client's own CPU {client_cpu:.1f} s"
    )


if __name__ == "__main__":
    main()
