"""Pages while the server works: page latency idle, and while a 20-page document is voiced and
a scan is read, on the real server (issue #12 item 2; goal: p95 busy <= 1.5x idle).

Needs Debian's ``wrk`` (``apt-get install wrk``) as the load client: one thread, --connections
signed-in members each asking for a document page, waiting --think ms between pages (about
30 pages/s in all by default, a busy branch's evening, not a saturated server).

`python -m handbook serve` on the embedded default (its job worker a child process, niced by
``SERVER_JOB_NICE``) on a temporary instance with the demo data, read and voiced first. Then,
each round: --seconds of pages on the idle server (the reference, in the same run), then a
secretary uploads a new 20-page text PDF (voiced with espeak-ng as soon as its text is read)
and a new --scan-pages scan (read by OCR), and, once the voice has started, the same load
again, short enough that both jobs still run when it ends. Printed: p50 and p95 of each, min
and median over --rounds, the ratio busy / idle of the p95s, and how far the jobs had got
when the busy load ended (a round where they ran out early shows). ``--nice 19,0`` also runs
the worker at the server's own niceness (still a batch task).

``--scan-wait`` measures instead what issue #14 item 2 found: a 2-page scan uploaded while two
long documents (--voice-pages) are voiced. Printed per round: seconds from the upload until
its reading began and until it was read, and what the voices were doing then (before the two
queues both workers were making a voice and the scan waited for one to end). No load, no wrk.

Run: .venv/bin/python bench/jobs_priority.py [--rounds 3] [--seconds 10] [--nice 19]
     .venv/bin/python bench/jobs_priority.py --scan-wait [--rounds 3] [--voice-pages 30]
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from bench.embedded import demo_server, signed_in  # noqa: E402
from bench.publish_audio import DONE, FONT, Api, audio, make_pdf, settle, wait_for  # noqa: E402

SECRETARY, MEMBER = "0912000001", "0912000003"

LUA = """
wrk.headers["Cookie"] = "session=%(cookie)s"
wrk.headers["Accept-Encoding"] = "gzip"
function delay()
  return %(think)d
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %%d %%d %%d %%d\\n", latency:percentile(50),
    latency:percentile(95), summary.requests, errors))
end
"""


def scanned_pdf(pages: int, seed: int) -> bytes:
    """A scan: each page one 150 dpi grey image of typed Vietnamese lines, nothing else."""
    font = ImageFont.truetype(FONT, 30)
    images = []
    for number in range(1, pages + 1):
        image = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(image)
        for line in range(18):
            draw.text(
                (110, 140 + line * 80),
                f"Trang {number}, mục {line + 1}: chi bộ học tập nghị quyết số {seed + line}",
                font=font,
            )
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return out.getvalue()


def load(url: str, script: Path, seconds: int, connections: int) -> tuple[float, float, int]:
    """p50 and p95 (seconds) and the pages served by wrk over ``seconds``."""
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
        + [url],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+)$", result.stdout, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk said:\n{result.stdout}\n{result.stderr}")
    p50, p95, count, errors = (int(v) for v in found.groups())
    if errors:
        raise RuntimeError(f"{errors} failed pages:\n{result.stdout}")
    return p50 / 1e6, p95 / 1e6, count


def document_page(base: str, member: Api) -> str:
    """The URL of one of the demo's documents the member may read."""
    home = member.raw("/").decode()
    meeting = re.search(r'href="/meetings/(\d+)"', home)
    assert meeting, "no meeting on the home page"
    page = member.raw(f"/meetings/{meeting.group(1)}").decode()
    found = re.findall(r'data-document="(\d+)" data-status="ready"', page)
    assert found, "the demo documents are not read yet"
    return f"{base}/documents/{found[-1]}"


def measure(nice: int, args: argparse.Namespace) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {k: [] for k in ("idle50", "idle95", "busy50", "busy95")}
    with demo_server(TTS_ENGINE="espeak", SERVER_JOB_NICE=str(nice)) as base:
        secretary, member = Api(base, SECRETARY), Api(base, MEMBER)
        settle(secretary)
        url = document_page(base, member)
        cookie = signed_in(base, MEMBER).cookies["session"]
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "pages.lua"
            script.write_text(LUA % {"cookie": cookie, "think": args.think})
            load(url, script, 3, args.connections)  # warm up
            for n in range(args.rounds):
                p50, p95, count = load(url, script, args.seconds, args.connections)
                figures["idle50"].append(p50)
                figures["idle95"].append(p95)
                print(
                    f"  nice {nice} round {n + 1}: idle  p50 {p50 * 1000:6.1f} ms  "
                    f"p95 {p95 * 1000:6.1f} ms  ({count} pages)",
                    flush=True,
                )

                seed = 1000 * (nice + 1) + n
                meeting = secretary.meeting(f"Bench ưu tiên {seed}")
                secretary.publish(meeting)
                voiced = secretary.upload(meeting, f"bao-cao-{seed}.pdf", make_pdf(20, seed))
                scan = secretary.upload(
                    meeting, f"ban-chup-{seed}.pdf", scanned_pdf(args.scan_pages, seed)
                )
                wait_for(lambda d=voiced: audio(secretary, d).get("status") == "processing")
                p50, p95, count = load(url, script, args.seconds, args.connections)
                figures["busy50"].append(p50)
                figures["busy95"].append(p95)
                scan_state = secretary.get(f"/api/v1/documents/{scan}")
                voice_state = audio(secretary, voiced)
                print(
                    f"  nice {nice} round {n + 1}: busy  p50 {p50 * 1000:6.1f} ms  "
                    f"p95 {p95 * 1000:6.1f} ms  ({count} pages; at the end: voice "
                    f"{voice_state['status']} {voice_state['progress']} %, scan "
                    f"{scan_state['status']} {scan_state.get('progress', '')})",
                    flush=True,
                )
                settle(secretary)  # the next round starts idle
    return figures


def _voices(api: Api, documents: list[int]) -> list[str]:
    return [str(audio(api, d).get("status")) for d in documents]


def _status(api: Api, document: int) -> str:
    return str(api.get(f"/api/v1/documents/{document}")["status"])


def scan_wait(args: argparse.Namespace) -> None:
    """A 2-page scan uploaded once two long documents are being voiced: how long it waited."""
    waits, reads = [], []
    with demo_server(TTS_ENGINE="espeak") as base:
        secretary = Api(base, SECRETARY)
        settle(secretary)
        for n in range(args.rounds):
            seed = 5000 + n
            meeting = secretary.meeting(f"Bench quét khi đang đọc {seed}")
            voiced = [
                secretary.upload(meeting, f"bao-cao-{seed}-{k}.pdf", make_pdf(args.voice_pages, k))
                for k in (seed * 10 + 1, seed * 10 + 2)
            ]
            # Both read and both voices asked for, one of them (or both) being made.
            wait_for(lambda v=voiced: _voices(secretary, v).count("none") == 0)
            wait_for(lambda v=voiced: "processing" in _voices(secretary, v))
            before = _voices(secretary, voiced)
            start = time.perf_counter()
            scan = secretary.upload(meeting, f"ban-quet-{seed}.pdf", scanned_pdf(2, seed))
            began = wait_for(lambda d=scan: _status(secretary, d) != "queued") - start
            read = wait_for(lambda d=scan: _status(secretary, d) in DONE) - start
            after, outcome = _voices(secretary, voiced), _status(secretary, scan)
            waits.append(began)
            reads.append(read)
            print(
                f"  round {n + 1}: voices {before} at the upload; reading began after "
                f"{began:5.1f} s, {outcome} after {read:5.1f} s; voices then {after}",
                flush=True,
            )
            if n + 1 < args.rounds:
                settle(secretary)  # the next round starts idle
    print(
        f"2-page scan during two {args.voice_pages}-page voices, {args.rounds} rounds: reading "
        f"began after {statistics.median(waits):.1f} s (max {max(waits):.1f}), read after "
        f"{statistics.median(reads):.1f} s (max {max(reads):.1f}), medians"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--think", type=int, default=250, help="ms between a member's pages")
    parser.add_argument("--scan-pages", type=int, default=24)
    parser.add_argument("--nice", default="19", help="SERVER_JOB_NICE values, comma-separated")
    parser.add_argument("--scan-wait", action="store_true", help="a scan during two voices")
    parser.add_argument("--voice-pages", type=int, default=30)
    args = parser.parse_args()
    if args.scan_wait:
        scan_wait(args)
        return
    if shutil.which("wrk") is None:
        sys.exit("bench/jobs_priority.py needs Debian's wrk: apt-get install wrk")

    results = {}
    for nice in (int(v) for v in args.nice.split(",")):
        results[nice] = measure(nice, args)

    def ms(values: list[float]) -> str:
        return f"{min(values) * 1000:6.1f} / {statistics.median(values) * 1000:6.1f}"

    print(
        f"document page, {args.connections} members, {args.think} ms between pages, "
        f"{args.seconds} s per load, {args.rounds} rounds (min / median, ms)"
    )
    for nice, f in results.items():
        ratio = statistics.median(f["busy95"]) / statistics.median(f["idle95"])
        print(f"  worker nice +{nice}")
        print(f"    idle (reference)   p50 {ms(f['idle50'])}   p95 {ms(f['idle95'])}")
        print(f"    voice + scan       p50 {ms(f['busy50'])}   p95 {ms(f['busy95'])}")
        print(f"    p95 busy / idle (medians): {ratio:.2f}x  (goal <= 1.5x)")


if __name__ == "__main__":
    main()
