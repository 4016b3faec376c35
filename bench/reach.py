"""What a member's phone pays on Regular 3G: bytes on the wire and first paint of the home,
meeting and document pages, first visit and repeat visit, and how soon a kept copy shows when
the server is frozen. Debian's chromium at 360 × 740 on an emulated Regular 3G link (DevTools'
preset: 300 ms, 750 kbit/s down, 250 kbit/s up), made by a relay rather than by DevTools'
throttling, which does not reach the service worker's fetches (see ``Relay``).

Bytes are counted by that relay, so they include headers, the service worker's own fetches and
the socket: everything the phone receives. The reference,
in the same run and on the same throttled link, is a bare HTML page served by Python's
http.server: the floor that 3G alone imposes on a first paint.

Run: .venv/bin/python bench/reach.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import re
import signal
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.embedded import Server, demo_server, free_port, signed_in  # noqa: E402

MEMBER = "0912000003"
REGULAR_3G = {
    "offline": False,
    "latency": 300,
    "downloadThroughput": 750 * 1000 / 8,
    "uploadThroughput": 250 * 1000 / 8,
}
PHONE = {"width": 360, "height": 740}


class Relay:
    """A TCP relay on its own thread that is the phone's link: it counts the bytes sent back to
    the browser and, when asked, behaves like Regular 3G for every connection (half the
    latency each way, the bandwidth shared by all connections in each direction).

    Chromium's own throttling (``Network.emulateNetworkConditions`` on the page) does not reach
    the service worker's fetches, and the worker fetches every page: a repeat visit measured
    that way paints in 100 ms, as on an unthrottled link. The relay throttles everything."""

    def __init__(self, target_port: int, link: dict[str, Any] | None = None) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.received = 0
        self.link = link
        self._next_free = {True: 0.0, False: 0.0}  # per direction: when the link is free
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port)
        )
        self._ready.set()
        self._loop.run_until_complete(server.serve_forever())

    def _arrival(self, size: int, down: bool) -> float:
        """When a chunk sent now reaches the other end over the emulated link."""
        now = time.monotonic()
        if not self.link:
            return now
        rate = self.link["downloadThroughput" if down else "uploadThroughput"]  # bytes/s
        start = max(now, self._next_free[down])
        self._next_free[down] = start + size / rate
        return self._next_free[down] + self.link["latency"] / 2000

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, down: bool) -> None:
            queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

            async def deliver() -> None:
                while True:
                    at, data = await queue.get()
                    if not data:
                        dst.close()
                        return
                    await asyncio.sleep(max(0.0, at - time.monotonic()))
                    if down:
                        self.received += len(data)
                    dst.write(data)
                    try:
                        await dst.drain()
                    except (ConnectionError, OSError):
                        return

            delivering = asyncio.ensure_future(deliver())
            try:
                while data := await src.read(16384):
                    queue.put_nowait((self._arrival(len(data), down), data))
            except (ConnectionError, OSError):
                pass
            queue.put_nowait((self._arrival(0, down), b""))
            await delivering

        await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, True))


@contextmanager
def hello_server() -> Iterator[str]:
    """The reference: a bare page, nothing else to fetch."""
    body = b"<!doctype html><html lang=vi><title>Xin chao</title><h1>Xin chao</h1></html>"

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def _signed_in(base: str, login: str = MEMBER) -> requests.Session:
    return signed_in(base, login)


def _pages(session: requests.Session, base: str) -> dict[str, str]:
    """The member's home page, their next meeting's page, and its last ready document."""
    home = session.get(f"{base}/", timeout=60).text
    meeting = re.search(r'href="(/meetings/\d+)"', home)
    assert meeting, "no meeting on the home page"
    for _ in range(600):  # the demo's documents are read by the server's jobs
        page = session.get(f"{base}{meeting.group(1)}", timeout=60).text
        ready = re.findall(r'data-document="(\d+)" data-status="ready"', page)
        if ready:
            break
        time.sleep(0.5)
    else:
        raise RuntimeError("the demo's documents were never read")
    return {
        "home": "/",
        "meeting": meeting.group(1),
        "document": f"/documents/{ready[-1]}",
    }


def _paint(page: Any) -> float | None:
    """First contentful paint of the page shown, in ms since its navigation started."""
    return page.evaluate(
        """() => new Promise(done => {
          const seen = performance.getEntriesByName('first-contentful-paint')[0];
          if (seen) return done(seen.startTime);
          new PerformanceObserver(list => done(list.getEntries()[0].startTime))
            .observe({type: 'paint', buffered: true});
          setTimeout(() => done(null), 30000);
        })"""
    )


def _quiet(relay: Relay, page: Any, settle: float = 1.5) -> None:
    """Wait until nothing more arrives for ``settle`` seconds (the worker's fetches too)."""
    page.wait_for_load_state("load")
    last, since = relay.received, time.monotonic()
    while time.monotonic() - since < settle:
        time.sleep(0.1)
        if relay.received != last:
            last, since = relay.received, time.monotonic()


def _visit(relay: Relay, page: Any, url: str) -> tuple[int, float | None]:
    before = relay.received
    page.goto(url, wait_until="commit", timeout=120_000)
    paint = _paint(page)
    _quiet(relay, page)
    return relay.received - before, paint


def measure(browser: Any, server: Server, relay: Relay, hello: str) -> dict[str, Any]:
    base = f"http://127.0.0.1:{relay.port}"
    session = _signed_in(base)
    pages = _pages(session, base)
    cookies = [{"name": c.name, "value": c.value or "", "url": base} for c in session.cookies]
    result: dict[str, Any] = {}
    for name, path in pages.items():
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
        context.add_cookies(cookies)
        page = context.new_page()
        first = _visit(relay, page, base + path)
        # Once the worker controls the page, the next visit is the member's usual one.
        page.wait_for_function("() => Boolean(navigator.serviceWorker.controller)")
        _quiet(relay, page)
        repeat = _visit(relay, page, base + path)
        # From now on the worker keeps this page and revalidates it: an unchanged page is a 304.
        later = _visit(relay, page, base + path)
        result[name] = {"first": first, "repeat": repeat, "later": later}
        if name == "document":
            result["frozen"] = _frozen(server, relay, page, base + path)
        context.close()
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(hello, wait_until="commit")
    result["hello"] = _paint(page)
    context.close()
    return result


def _frozen(server: Server, relay: Relay, page: Any, url: str) -> float | None:
    """Time to the kept copy's first paint with the server frozen (accepts, never answers)."""
    server.process.send_signal(signal.SIGSTOP)
    try:
        page.goto(url, wait_until="commit", timeout=120_000)
        return _paint(page)
    finally:
        server.process.send_signal(signal.SIGCONT)


def _kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    # The demo's documents are read (text), not read aloud meanwhile: the figures are the
    # page's and the link's, not those of a voice job sharing the 2 cores with the browser.
    with (
        demo_server(AUDIO_AUTO="0") as server,
        hello_server() as hello,
        sync_playwright() as pw,
    ):
        relay = Relay(int(server.rsplit(":", 1)[1]), REGULAR_3G)
        hello_relay = Relay(int(hello.rsplit(":", 1)[1].strip("/")), REGULAR_3G)
        hello = f"http://127.0.0.1:{hello_relay.port}/"
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        rounds = [measure(browser, server, relay, hello) for _ in range(args.rounds)]
        browser.close()

    def med(values: list[float | None]) -> float:
        return statistics.median(v for v in values if v is not None)

    print(f"Regular 3G, 360 × 740, {args.rounds} rounds (median; bytes include headers)")
    print("first: nothing cached; second: the worker is in, the page not yet kept; later: kept")
    print(f"{'page':<10}" + "".join(f"{v:>22}" for v in ("first", "second", "later")))
    for name in ("home", "meeting", "document"):
        cells = []
        for visit in ("first", "repeat", "later"):
            size = med([r[name][visit][0] for r in rounds])
            paint = med([r[name][visit][1] for r in rounds])
            cells.append(f"{_kb(size):>11} {paint:>6.0f} ms")
        print(f"{name:<10}" + "".join(f"{c:>22}" for c in cells))
    frozen = med([r["frozen"] for r in rounds])
    hello_paint = med([r["hello"] for r in rounds])
    print(f"kept copy, server frozen (SIGSTOP): first paint {frozen:.0f} ms")
    print(f"reference, a bare page on the same link: first paint {hello_paint:.0f} ms")


if __name__ == "__main__":
    main()
