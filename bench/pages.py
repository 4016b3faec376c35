"""A signed-in member's home, meeting and document pages against a hello view on the same
server, in the same run (issue #12 items 1 and 8). Needs Debian's ``wrk`` (/usr/bin/wrk).

Why it is built this way: the machine is small and shared, so an absolute figure means little;
the hello view (``bench/hello_server.py``: the same gevent server, handler class and access log
as ``serve``) is the floor measured beside the pages, round by round, and each page is judged
as a share of it. For each page, three rounds of ``wrk -c50 -t2 -d10s --latency`` with the
member's cookie and ``Accept-Encoding: gzip, br``: requests/s, p50/p95/p99, the server's CPU per
request (utime+stime of its pid), and wrk's own CPU (the client must cost less than the server).
Then a revisit naming the ETag (``If-None-Match``: a 304, also under wrk), and one reader on one
keep-alive connection (200 sequential requests: median, p95, and ~40 ms Nagle stalls).

Run (from the repository root):

    .venv/bin/python bench/pages.py                     # embedded: SQLite, the demo data
    .venv/bin/python bench/province.py                  # once: the province on PostgreSQL
    .venv/bin/python bench/pages.py --database-url postgresql://postgres@127.0.0.1/handbook_province
    .venv/bin/python bench/pages.py --database-url ... --explain      # + EXPLAIN of every query
    .venv/bin/python bench/pages.py --profile /tmp/doc.raw              # + py-spy of the document

``--json`` prints machine output instead of the tables; ``--no-load`` skips wrk (with
``--explain``: only the queries). Method and figures: bench/README-pages.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen  # noqa: E402
from bench.embedded import ROOT, Server, demo_server, free_port, signed_in  # noqa: E402

#: The demo's member of the first branch.
DEMO_MEMBER = "0912000002"
#: What a phone sends: the server picks brotli.
ACCEPT = "gzip, br"


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} never answered")


@contextlib.contextmanager
def _stopping(process: subprocess.Popen[bytes]) -> Iterator[None]:
    try:
        yield
    finally:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def database_server(url: str, redis_url: str | None) -> Iterator[Server]:
    """``python -m handbook serve`` on a database that is already filled (bench/province.py),
    with a temporary instance folder; scaled-out settings: no job workers in the process."""
    with tempfile.TemporaryDirectory() as instance:
        port = free_port()
        env = {
            **os.environ,
            "HANDBOOK_INSTANCE": instance,
            "PORT": str(port),
            "DATABASE_URL": url,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "SERVE_MAX_CONNECTIONS_PER_IP": "0",
            "SERVER_JOB_WORKERS": "0",
            "LOG_LEVEL": "ERROR",
        }
        env.pop("REDIS_URL", None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        process = subprocess.Popen(
            [sys.executable, "-m", "handbook", "serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = Server(f"http://127.0.0.1:{port}")
        base.process = process
        with _stopping(process):
            _wait_for(f"{base}/login", process)
            yield base


@contextlib.contextmanager
def hello_server() -> Iterator[Server]:
    """The reference: bench/hello_server.py on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "hello_server.py"), str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = Server(f"http://127.0.0.1:{port}")
    base.process = process
    with _stopping(process):
        _wait_for(f"{base}/hello", process)
        yield base


def _pick_targets(
    base: str, session: requests.Session, meeting: int | None, document: int | None
) -> dict[str, str]:
    """The home page, the member's next meeting (else the first meeting linked from home) and
    its first ready document, unless given; waits for the demo's documents to be read."""
    if meeting is None:
        home = session.get(f"{base}/", timeout=60).text
        found = re.search(r'class="meeting-title"><a href="/meetings/(\d+)"', home) or re.search(
            r'href="/meetings/(\d+)"', home
        )
        if not found:
            raise RuntimeError("no meeting linked from the member's home page")
        meeting = int(found.group(1))
    if document is None:
        for _ in range(600):  # the embedded server's workers read the demo documents first
            page = session.get(f"{base}/meetings/{meeting}", timeout=60).text
            ready = re.findall(r'data-document="(\d+)" data-status="ready"', page)
            if ready:
                document = int(ready[0])
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"meeting {meeting} has no ready document")
    return {"home": "/", "meeting": f"/meetings/{meeting}", "document": f"/documents/{document}"}


def _cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def _page_facts(url: str, headers: dict[str, str]) -> dict[str, Any]:
    """What one visit and one revisit return: status, encoding, size on the wire, the tag,
    whether the answer sets a cookie, and the revisit's status and time."""
    first = requests.get(url, headers=headers, timeout=60, allow_redirects=False)
    etag = first.headers.get("ETag")
    facts: dict[str, Any] = {
        "status": first.status_code,
        "encoding": first.headers.get("Content-Encoding"),
        "wire_bytes": int(first.headers.get("Content-Length") or len(first.content)),
        "html_bytes": len(first.content),
        "etag": etag,
        "sets_cookie": "Set-Cookie" in first.headers,
        "cache_control": first.headers.get("Cache-Control"),
        "comments_drawn": len(re.findall(r'<li id="c-\d+"', first.text)),
    }
    if etag:
        start = time.perf_counter()
        again = requests.get(
            url, headers={**headers, "If-None-Match": etag}, timeout=60, allow_redirects=False
        )
        facts["revisit_status"] = again.status_code
        facts["revisit_ms"] = round((time.perf_counter() - start) * 1000, 1)
        facts["revisit_same_etag"] = again.headers.get("ETag") == etag
    return facts


def _summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Per metric over the rounds: the median and the best (max for req/s, else min)."""
    out: dict[str, Any] = {}
    for key in rounds[0]:
        values = [r[key] for r in rounds]
        if not all(isinstance(v, int | float) for v in values):
            continue
        best = max(values) if key == "rps" else min(values)
        out[key] = {"median": round(statistics.median(values), 3), "best": best}
    return out


def measure(args: argparse.Namespace, base: Server, hello: Server) -> dict[str, Any]:
    """Sign in, pick the pages, then the rounds: wrk on each, then one keep-alive reader."""
    login = args.login or (DEMO_MEMBER if not args.database_url else _province_login())
    session = signed_in(base, login)
    targets = _pick_targets(base, session, args.meeting, args.document)
    page_headers = {"Cookie": _cookie_header(session), "Accept-Encoding": ACCEPT}
    facts = {name: _page_facts(base + path, page_headers) for name, path in targets.items()}
    facts["hello"] = _page_facts(f"{hello}/hello", {"Accept-Encoding": ACCEPT})
    for name, fact in facts.items():
        if fact["status"] != 200:
            raise RuntimeError(f"{name}: {fact['status']} (not signed in?)")

    runs: list[tuple[str, Server, str, dict[str, str]]] = [
        ("hello", hello, "/hello", {"Accept-Encoding": ACCEPT})
    ]
    runs += [(name, base, path, page_headers) for name, path in targets.items()]
    revisit_tag = facts["document"].get("etag")
    if revisit_tag:
        runs.append(
            (
                "document 304",
                base,
                targets["document"],
                {**page_headers, "If-None-Match": revisit_tag},
            )
        )
    load: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in runs}
    alive: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in runs[: len(targets) + 1]}
    for round_no in range(args.rounds):
        if not args.no_load:
            for name, server, path, headers in runs:
                if server.process.poll() is not None:
                    raise RuntimeError(f"the server exited ({server.process.returncode})")
                result = loadgen.run_wrk(
                    server + path,
                    server_pid=server.process.pid,
                    headers=headers,
                    connections=args.connections,
                    threads=args.threads,
                    duration_s=args.duration,
                )
                load[name].append(loadgen.as_dict(result))
                _progress(f"round {round_no + 1} {name}: {result.rps:.0f} req/s")
        for name, server, path, headers in runs[: len(targets) + 1]:
            kept = loadgen.keep_alive(
                server + path,
                server_pid=server.process.pid,
                headers=headers,
                requests=args.keepalive_requests,
            )
            alive[name].append(loadgen.as_dict(kept))
    report: dict[str, Any] = {
        "server": "postgresql" if args.database_url else "embedded (SQLite, demo data)",
        "login": login,
        "targets": targets,
        "facts": facts,
        "wrk": {"connections": args.connections, "threads": args.threads, "s": args.duration},
        "load": {name: {"rounds": r, **_summary(r)} for name, r in load.items() if r},
        "keep_alive": {name: {"rounds": r, **_summary(r)} for name, r in alive.items() if r},
    }
    if args.profile:
        report["profile"] = _profile(args, base, targets["document"], page_headers)
    if args.explain:
        from bench import pages_explain  # only with --explain: it builds an app in-process

        report["explain"] = pages_explain.explain(args.database_url, login, list(targets.values()))
    return report


def _province_login() -> str:
    from bench.province import BENCH_LOGIN

    return BENCH_LOGIN


def _profile(args: argparse.Namespace, base: Server, path: str, headers: dict[str, str]) -> Any:
    """py-spy samples the server (on-CPU only) while wrk loads the document page."""
    from bench import profile_summary

    out = Path(args.profile)
    spy = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "py-spy"),
            "record",
            "--pid",
            str(base.process.pid),
            "--format",
            "raw",
            "--rate",
            "200",
            "--duration",
            str(args.duration + 2),
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    loadgen.run_wrk(
        base + path,
        server_pid=base.process.pid,
        headers=headers,
        connections=args.connections,
        threads=args.threads,
        duration_s=args.duration,
    )
    spy.wait(timeout=120)
    return profile_summary.summarise(out)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cell(summary: dict[str, Any], key: str, digits: int = 1) -> str:
    if key not in summary:
        return "—"
    return f"{summary[key]['median']:.{digits}f} ({summary[key]['best']:.{digits}f})"


def print_report(report: dict[str, Any]) -> None:
    print(f"\n{report['server']}, signed in as {report['login']}")
    w = report["wrk"]
    print(f"wrk -c{w['connections']} -t{w['threads']} -d{w['s']}s, Accept-Encoding: {ACCEPT}")
    print("\npages (one visit, then a revisit naming the ETag):")
    print(
        f"  {'page':9} {'path':18} {'status':>6} {'enc':>4} {'wire B':>7} {'html B':>7}"
        f" {'comments':>8} {'revisit':>8} {'sets cookie':>11}"
    )
    for name, fact in report["facts"].items():
        path = report["targets"].get(name, "/hello")
        print(
            f"  {name:9} {path:18} {fact['status']:>6} {fact['encoding'] or '-':>4}"
            f" {fact['wire_bytes']:>7} {fact['html_bytes']:>7} {fact['comments_drawn']:>8}"
            f" {fact.get('revisit_status', '-')!s:>8} {fact['sets_cookie']!s:>11}"
        )
    if report["load"]:
        hello = report["load"]["hello"]
        print("\nunder load: median (best) of the rounds; busy: the server's CPU over the run")
        print(
            f"  {'page':13} {'req/s':>15} {'% hello':>7} {'p50 ms':>13} {'p95 ms':>13}"
            f" {'p99 ms':>13} {'server CPU ms/req':>18} {'busy':>5} {'wrk CPU ms/req':>15}"
            f" {'errors':>6}"
        )
        for name, s in report["load"].items():
            share = 100 * s["rps"]["median"] / hello["rps"]["median"]
            print(
                f"  {name:13} {_cell(s, 'rps', 0):>15} {share:>6.0f}% {_cell(s, 'p50_ms'):>13}"
                f" {_cell(s, 'p95_ms'):>13} {_cell(s, 'p99_ms'):>13}"
                f" {_cell(s, 'server_cpu_ms_per_request', 2):>18}"
                f" {100 * s['server_cpu_share']['median']:>4.0f}%"
                f" {_cell(s, 'wrk_cpu_ms_per_request', 3):>15} {s['errors']['median']:>6.0f}"
            )
    print("\none reader, one keep-alive connection: median (best) of the rounds")
    print(
        f"  {'page':9} {'median ms':>13} {'p95 ms':>13} {'stalls ≥35 ms':>14}"
        f" {'server CPU ms/req':>18}"
    )
    for name, s in report["keep_alive"].items():
        requests_each = s["rounds"][0]["requests"]
        print(
            f"  {name:9} {_cell(s, 'median_ms'):>13} {_cell(s, 'p95_ms'):>13}"
            f" {s['stalls']['median']:>7.0f}/{requests_each:<6}"
            f" {_cell(s, 'server_cpu_ms_per_request', 2):>18}"
        )
    if "profile" in report:
        from bench import profile_summary

        print("\nwhere the document page's CPU goes (py-spy, on-CPU samples):")
        profile_summary.print_summary(report["profile"])
    if "explain" in report:
        from bench import pages_explain

        pages_explain.print_explain(report["explain"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="PostgreSQL filled by bench/province.py")
    parser.add_argument("--redis-url", help="with --database-url: scaled out on Redis too")
    parser.add_argument("--login", help="the member to sign in as (their password: the demo's)")
    parser.add_argument("--meeting", type=int, help="the meeting page (default: from home)")
    parser.add_argument("--document", type=int, help="the document page (default: the meeting's)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--keepalive-requests", type=int, default=200)
    parser.add_argument("--no-load", action="store_true", help="no wrk (keep-alive still runs)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN every page's queries")
    parser.add_argument("--profile", metavar="FILE", help="py-spy raw profile of the document")
    parser.add_argument("--json", action="store_true", help="machine output")
    args = parser.parse_args()
    if args.explain and not args.database_url:
        parser.error("--explain needs --database-url (EXPLAIN ANALYZE is PostgreSQL's)")

    server = (
        database_server(args.database_url, args.redis_url) if args.database_url else demo_server()
    )
    with server as base, hello_server() as hello:
        report = measure(args, base, hello)
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print_report(report)


if __name__ == "__main__":
    main()
