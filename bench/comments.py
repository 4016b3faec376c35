"""Live comments over Socket.IO against the real server: delivery latency, throughput, memory.

Starts `python -m handbook serve` (gevent) on a temporary instance with the demo data and, by
default, drives it with a load client in Node.js (``bench/comments_client.js``: Engine.IO v4 /
Socket.IO v5 over websocket with the ``ws`` package, signed in like a browser: session cookie,
Origin, User-Agent, permessage-deflate), beside a minimal Node.js Socket.IO server
(``bench/comments_reference.js``) in the same rounds; then a smaller check with real
python-socketio clients (``socketio.AsyncClient`` on aiohttp, uvloop when installed):

Node.js, each round (``--rounds``), the product then the reference (alternating):

1. a burst: --node-readers sockets connect and join "Dự thảo Nghị quyết tháng 12" as pages do;
   wall time and CPU per socket, server's and clients';
2. memory per idle connection (the server's VmRSS before and after the burst);
3. latency: one comment per --node-interval-ms to all of them (--node-comments comments);
4. closing them all: how long the server stays busy;
5. sustained: --throughput-readers sockets, --posters posting as fast as their acks allow.

python-socketio (``--clients python``, the older runs):

1. delivery latency: N readers join with ``comments.join``, one member posts --comments
   comments --interval-ms apart (and again --relaxed-ms apart for the largest N); latency is
   from just before the ``comment.post`` emit to each reader's ``comment.new`` handler (one
   machine, one CLOCK_MONOTONIC); every reader must get every comment exactly once, and the API
   must list each posted comment exactly once;
2. sustained throughput: --posters sockets post as fast as their acks allow for --duration
   seconds while --throughput-readers readers listen; stored/s, delivered/s, loss, duplicates;
3. memory per idle connection: the server's VmRSS before and after --idle connected sockets;
4. with ``--processes 2``: two `serve` processes sharing Redis (a private redis-server) and
   PostgreSQL (a private schema; a shared SQLite file when PostgreSQL does not answer), readers
   split between the two ports, the poster on process A (Node.js runs too).

The clients share the machine with the server, so the bench watches them: every process's CPU
is sampled, each client process records its event-loop lag, and --sentinels readers in a
process of their own join the room last. The server writes a broadcast to a room's members in
join order, so the sentinels' latency is the server's time to reach all N readers, free of the
bulk client processes' backlog; when the two disagree, the clients were the bottleneck.

With ``--fast-fanout off,on`` each python-socketio deployment runs twice, with the servers'
SOCKETIO_FAST_FANOUT off and on (handbook/core/fanout.py), to A/B the transport in one sitting.

With ``--sqlite-synchronous NORMAL,FULL`` each one-process deployment (SQLite) runs once per
value, the server's SQLite connections set to it (handbook/core/db.py: FULL, so that a comment
acknowledged survives a power cut), to measure what that durability costs in one sitting.
Values may repeat (NORMAL,FULL,NORMAL,FULL) to interleave them on a shared machine.

Run: .venv/bin/python bench/comments.py [--clients node,python] [--rounds 3] [--processes 1,2]
     [--profile] [--reference node|none] [--fast-fanout off,on] [--sqlite-synchronous NORMAL,FULL]
"""

from __future__ import annotations

import argparse
import array
import asyncio
import base64
import contextlib
import itertools
import json
import math
import multiprocessing
import os
import re
import secrets
import select
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.embedded import signed_in  # noqa: E402

DOCUMENT_TITLE = "Dự thảo Nghị quyết tháng 12"
POSTER = "0912000002"
READERS = ["0912000003", "0912000004", "0912000001", "0912000002"]
USER_AGENT = "bench-comments/1.0 (python-socketio AsyncClient)"
#: What the Node.js clients send, as a phone's browser would.
BROWSER_AGENT = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
#: About the length of a real remark, with Vietnamese diacritics (UTF-8 on the wire).
FILLER = (
    "Đề nghị bổ sung vào mục 3 chỉ tiêu cụ thể về chuyển đổi số của thôn, "
    "giao đồng chí phó bí thư theo dõi và báo cáo kết quả tại kỳ họp sau."
)
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- small helpers


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (its reaped children excluded)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = math.ceil(q * len(sorted_values))  # nearest rank
    return sorted_values[min(len(sorted_values), max(1, rank)) - 1]


def _wait_quiet(limit_s: float = 15.0, busy_below: float = 0.6) -> float:
    """Wait (bounded) for the demo documents' reading to end; returns the last busy share.

    The machine counts as quiet when fewer than ``busy_below`` of its CPUs' time was busy over
    one second. Other work on the machine may keep it busy: then we go on and report it.
    """
    deadline = time.monotonic() + limit_s
    share = 1.0
    while time.monotonic() < deadline:
        busy0, total0 = _machine_ticks()
        time.sleep(1.0)
        busy1, total1 = _machine_ticks()
        share = (busy1 - busy0) / max(1, total1 - total0)
        if share < busy_below:
            break
    return share


class Sampler:
    """Every 100 ms, the CPU seconds of each process we started and of the whole machine, so
    that any window (first post → last delivery) can be costed afterwards."""

    def __init__(self) -> None:
        self.pids: dict[str, int] = {}
        self.samples: list[tuple[int, dict[str, float], int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def track(self, name: str, pid: int) -> None:
        self.pids[name] = pid

    def _run(self) -> None:
        for _ in range(100_000):  # 100 ms apart: far longer than any run
            cpu: dict[str, float] = {}
            for name, pid in list(self.pids.items()):
                with contextlib.suppress(OSError, IndexError, ValueError):
                    cpu[name] = _cpu_s(pid)
            busy, total = _machine_ticks()
            self.samples.append((time.monotonic_ns(), cpu, busy, total))
            if self._stop.wait(0.1):
                break

    def window(self, start_ns: int, end_ns: int) -> dict[str, Any]:
        """Cores used by each tracked process, and by the machine, between two moments."""
        samples = list(self.samples)
        before = [x for x in samples if x[0] <= start_ns] or samples[:1]
        after = [x for x in samples if x[0] >= end_ns] or samples[-1:]
        t0, cpu0, busy0, total0 = before[-1]
        t1, cpu1, busy1, total1 = after[0]
        wall = max(1e-3, (t1 - t0) / 1e9)
        cores = {n: (cpu1[n] - cpu0[n]) / wall for n in cpu1 if n in cpu0}
        machine = (busy1 - busy0) / max(1, total1 - total0) * (os.cpu_count() or 1)
        servers = [v for n, v in sorted(cores.items()) if n.startswith("server")]
        clients = [v for n, v in cores.items() if n.startswith("client")]
        ours = sum(cores.values())
        return {
            "wall": wall,
            "servers": servers,
            "clients": sum(clients),
            "client_max": max(clients, default=0.0),
            "redis": cores.get("redis", 0.0),
            "machine": machine,
            "rest": max(0.0, machine - ours),
        }


# --------------------------------------------------------------------------- client processes
#
# Each client process runs one asyncio loop (uvloop when installed) with many python-socketio
# AsyncClients sharing one aiohttp session, and obeys commands sent over a multiprocessing pipe.
# It records its event-loop lag; the orchestrator samples its CPU. A third, lightly loaded
# process holds a few "sentinel" readers that join the room last: the server sends a broadcast
# to a room's members in join order, so their latency is the server's time to reach every
# reader, without the bulk client processes' own backlog in it.


@dataclass
class _Reader:
    index: int
    url: str
    cookie: str
    sio: Any = None
    joined: bool = False
    got: list[tuple[str, int]] = field(default_factory=list)
    dropped: str | None = None


class _ClientProcess:
    def __init__(self, http: Any) -> None:
        self.http = http
        self.readers: list[_Reader] = []
        self.posters: list[Any] = []
        self.lags: list[float] = []
        self.recording = False

    def _client(self, cookie: str) -> Any:
        import socketio

        # engine.io moves a Cookie header into the aiohttp session's jar, which every client
        # here shares (and which ignores cookies): pass it as an extra WebSocket header instead.
        return socketio.AsyncClient(
            reconnection=False,
            handle_sigint=False,
            http_session=self.http,
            websocket_extra_options={"headers": {"Cookie": f"session={cookie}"}},
        )

    async def _connect(self, sio: Any, url: str) -> None:
        await sio.connect(
            url,
            headers={"User-Agent": USER_AGENT},
            transports=["websocket"],
            wait_timeout=60,
        )

    async def lag_monitor(self) -> None:
        step = 0.005
        while True:
            start = time.monotonic()
            await asyncio.sleep(step)
            if self.recording:
                self.lags.append((time.monotonic() - start - step) * 1000)

    async def _open(self, reader: _Reader) -> None:
        sio = self._client(reader.cookie)

        def on_new(data: Any) -> None:
            now = time.monotonic_ns()
            body = data.get("body") if isinstance(data, dict) else None
            reader.got.append((body or "", now))

        def on_disconnect(reason: Any = None) -> None:
            if reader.sio is not None:  # not one we closed ourselves
                reader.dropped = f"{time.strftime('%H:%M:%S')} {reason}"

        sio.on("comment.new", on_new)
        sio.on("disconnect", on_disconnect)
        await self._connect(sio, reader.url)
        reader.sio = sio

    async def connect_readers(self, items: list[tuple[int, str, str]]) -> dict[str, Any]:
        gate = asyncio.Semaphore(20)
        errors: list[str] = []
        started = time.monotonic()

        async def one(reader: _Reader) -> None:
            async with gate:
                try:
                    await self._open(reader)
                except Exception as exc:  # reported, never fatal to the other clients
                    errors.append(f"{type(exc).__name__}: {exc}")

        new = [_Reader(i, url, cookie) for i, url, cookie in items]
        await asyncio.gather(*(one(r) for r in new))
        self.readers.extend(r for r in new if r.sio is not None)
        return {
            "connected": sum(1 for r in new if r.sio is not None),
            "errors": errors[:5],
            "failed": len(errors),
            "seconds": time.monotonic() - started,
        }

    async def reconnect(self) -> dict[str, Any]:
        """Close and reopen every socket: rejoining then puts them last in the room."""
        fresh = []
        for reader in self.readers:
            sio, reader.sio = reader.sio, None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sio.disconnect(), timeout=5)
            again = _Reader(reader.index, reader.url, reader.cookie)
            await self._open(again)
            fresh.append(again)
        self.readers = fresh
        return {"connected": len(fresh)}

    async def join(self, below: int, document: int, after: int | None) -> dict[str, Any]:
        gate = asyncio.Semaphore(20)
        errors: list[str] = []

        async def one(reader: _Reader) -> None:
            async with gate:
                try:
                    ack = await reader.sio.call(
                        "comments.join", {"document": document, "after": after}, timeout=60
                    )
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    return
                if isinstance(ack, dict) and ack.get("ok"):
                    reader.joined = True
                else:
                    errors.append(str(ack)[:200])

        todo = [r for r in self.readers if r.index < below and not r.joined]
        await asyncio.gather(*(one(r) for r in todo))
        return {
            "joined": sum(1 for r in self.readers if r.joined),
            "errors": errors[:5],
            "failed": len(errors),
        }

    def record(self) -> dict[str, Any]:
        for reader in self.readers:
            reader.got.clear()
        self.lags.clear()
        self.recording = True
        return {"ok": True}

    async def drain(self, expected: int, wait_s: float, idle_s: float = 5.0) -> dict[str, Any]:
        """Wait until every joined reader holds ``expected`` deliveries, or nothing has come
        for ``idle_s``, or ``wait_s`` is over."""
        deadline = time.monotonic() + wait_s
        joined = [r for r in self.readers if r.joined]
        count, moved = -1, time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - moved < idle_s:
            now = sum(len(r.got) for r in joined)
            if all(len(r.got) >= expected for r in joined):
                break
            if now != count:
                count, moved = now, time.monotonic()
            await asyncio.sleep(0.05)
        return {"complete": all(len(r.got) >= expected for r in joined)}

    def collect(self, tag: str, expected: list[str]) -> dict[str, Any]:
        self.recording = False
        wanted = set(expected)
        latencies = array.array("d")
        lost = dup = unexpected = received = short = 0
        last_receive = 0
        dropped = [r.dropped for r in self.readers if r.dropped]
        for reader in self.readers:
            if not reader.joined:
                continue
            seen: Counter[str] = Counter()
            for body, at in reader.got:
                parts = body.split(" ", 1)[0].split(":")
                if len(parts) != 4 or parts[0] != "bench" or parts[1] != tag:
                    continue
                received += 1
                key = parts[2]
                seen[key] += 1
                if seen[key] == 1:
                    latencies.append((at - int(parts[3])) / 1e6)
                last_receive = max(last_receive, at)
            missing = len(wanted - seen.keys())
            lost += missing
            short += 1 if missing else 0
            dup += sum(count - 1 for count in seen.values())
            unexpected += len(seen.keys() - wanted)
        lags = sorted(self.lags)
        return {
            "latencies": latencies.tobytes(),
            "lost": lost,
            "dup": dup,
            "unexpected": unexpected,
            "received": received,
            "readers": sum(1 for r in self.readers if r.joined),
            "readers_short": short,
            "dropped": len(dropped),
            "dropped_why": dropped[:3],
            "last_receive": last_receive,
            "lag_p99": _percentile(lags, 0.99),
            "lag_max": lags[-1] if lags else float("nan"),
        }

    async def connect_posters(self, url: str, cookie: str, count: int) -> dict[str, Any]:
        for _ in range(count):
            sio = self._client(cookie)
            await self._connect(sio, url)
            self.posters.append(sio)
        return {"posters": len(self.posters)}

    async def post_paced(
        self, tag: str, document: int, count: int, interval: float
    ) -> dict[str, Any]:
        """One poster, ``count`` comments on a fixed schedule; acks do not hold the next one."""
        sio = self.posters[0]
        sent: dict[str, int] = {}
        acks: dict[str, tuple[float, bool]] = {}
        ids: list[int] = []
        loop = asyncio.get_running_loop()
        all_acked = loop.create_future()
        start = time.monotonic() + 0.1
        for k in range(count):
            delay = start + k * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            key = f"p0-{k}"
            at = time.monotonic_ns()

            def on_ack(ack: Any = None, key: str = key, at: int = at) -> None:
                created = isinstance(ack, dict) and bool(ack.get("ok")) and ack.get("created")
                acks[key] = ((time.monotonic_ns() - at) / 1e6, bool(created))
                if created:
                    ids.append(int(ack["comment"]["id"]))
                if len(acks) == count and not all_acked.done():
                    all_acked.set_result(True)

            await sio.emit(
                "comment.post",
                {
                    "document": document,
                    "client_id": f"{tag}-{key}",
                    "body": f"bench:{tag}:{key}:{at} {FILLER}",
                },
                callback=on_ack,
            )
            sent[key] = at
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_acked, timeout=60)
        return {
            "sent": len(sent),
            "created": [k for k, (_, ok) in acks.items() if ok],
            "ack_ms": [ms for ms, _ in acks.values()],
            "first_sent": min(sent.values()),
            "last_sent": max(sent.values()),
            "max_id": max(ids, default=0),
        }

    async def post_flat_out(self, tag: str, document: int, seconds: float) -> dict[str, Any]:
        """Every poster posts, waits for its ack, posts again, until the time is up."""
        created: list[str] = []
        failed: list[str] = []
        ack_ms: list[float] = []
        ids: list[int] = []
        first_sent = time.monotonic_ns()
        last_sent = [first_sent]
        deadline = time.monotonic() + seconds

        async def poster(number: int, sio: Any) -> None:
            k = 0
            while time.monotonic() < deadline and k < 1_000_000:
                key = f"p{number}-{k}"
                k += 1
                at = time.monotonic_ns()
                last_sent[0] = max(last_sent[0], at)
                try:
                    ack = await sio.call(
                        "comment.post",
                        {
                            "document": document,
                            "client_id": f"{tag}-{key}",
                            "body": f"bench:{tag}:{key}:{at} {FILLER}",
                        },
                        timeout=30,
                    )
                except Exception as exc:
                    failed.append(f"{type(exc).__name__}: {exc}")
                    continue
                ack_ms.append((time.monotonic_ns() - at) / 1e6)
                if isinstance(ack, dict) and ack.get("ok") and ack.get("created"):
                    created.append(key)
                    ids.append(int(ack["comment"]["id"]))
                else:
                    failed.append(str(ack)[:200])

        await asyncio.gather(*(poster(n, s) for n, s in enumerate(self.posters)))
        return {
            "sent": len(created) + len(failed),
            "created": created,
            "failed": len(failed),
            "errors": failed[:5],
            "ack_ms": ack_ms,
            "first_sent": first_sent,
            "last_sent": last_sent[0],
            "max_id": max(ids, default=0),
            "seconds": seconds,
        }

    async def close(self) -> None:
        clients = [r.sio for r in self.readers] + self.posters
        gate = asyncio.Semaphore(50)

        async def one(sio: Any) -> None:
            async with gate:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(sio.disconnect(), timeout=5)

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(one(s) for s in clients)), timeout=15)


async def _client_loop(conn: Any) -> None:
    import aiohttp

    http = aiohttp.ClientSession(
        cookie_jar=aiohttp.DummyCookieJar(), connector=aiohttp.TCPConnector(limit=0)
    )
    proc = _ClientProcess(http)
    monitor = asyncio.create_task(proc.lag_monitor())
    loop = asyncio.get_running_loop()
    try:
        for _ in range(10_000):  # commands; the orchestrator sends a few dozen
            command, args = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                break
            try:
                method = getattr(proc, command)
                result = method(**args)
                if asyncio.iscoroutine(result):
                    result = await result
            except Exception as exc:
                result = {"error": f"{type(exc).__name__}: {exc}"}
            conn.send(result)
    finally:
        monitor.cancel()
        await proc.close()
        await http.close()
        conn.send({"stopped": True})


def _client_main(conn: Any, cpus: list[int] | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the orchestrator stops us
    if cpus:
        os.sched_setaffinity(0, cpus)
    try:  # uvloop makes each delivery cheaper for the client: more CPU left for the server
        import uvloop
    except ImportError:
        asyncio.run(_client_loop(conn))
    else:
        uvloop.run(_client_loop(conn))


class Client:
    """The orchestrator's handle on one client process."""

    def __init__(self, ctx: Any, name: str, cpus: list[int] | None) -> None:
        self.name = name
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_client_main, args=(child, cpus), daemon=True)
        self.process.start()
        self.pid = int(self.process.pid or 0)
        child.close()

    def send(self, command: str, **args: Any) -> None:
        self.conn.send((command, args))

    def reply(self, timeout: float = 180) -> dict[str, Any]:
        if not self.conn.poll(timeout):
            raise RuntimeError(f"client {self.name} did not answer in {timeout:.0f} s")
        result = self.conn.recv()
        if isinstance(result, dict) and "error" in result:
            raise RuntimeError(f"client {self.name}: {result['error']}")
        return result

    def call(self, command: str, timeout: float = 180, **args: Any) -> dict[str, Any]:
        self.send(command, **args)
        return self.reply(timeout)

    def stop(self) -> None:
        if self.process.is_alive():
            with contextlib.suppress(Exception):
                self.send("stop")
                if self.conn.poll(20):
                    self.conn.recv()
            self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


def _all(clients: list[Client], command: str, timeout: float = 180, **args: Any) -> list[dict]:
    for client in clients:
        client.send(command, **args)
    return [client.reply(timeout) for client in clients]


BENCH = Path(__file__).resolve().parent
NODE_CLIENT = BENCH / "comments_client.js"
NODE_REFERENCE = BENCH / "comments_reference.js"


def _install_ws() -> None:
    """The Node.js side needs ``ws`` (bench/package.json): installed by npm ci when missing."""
    if shutil.which("node") is None:
        raise SystemExit("the Node.js load client needs node (apt-get install nodejs npm)")
    if not (BENCH / "node_modules" / "ws" / "package.json").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=True)


class NodeClient:
    """A Node.js load client process (bench/comments_client.js), the same commands as
    ``Client``: one JSON line each way over its stdin and stdout."""

    def __init__(self, name: str, cpus: list[int] | None, log: Path) -> None:
        self.name = name
        with log.open("ab") as err:
            # BENCH_NODE_ARGS: node's own options, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
            # (a .cpuprofile per client process, written when it stops).
            extra = shlex.split(os.environ.get("BENCH_NODE_ARGS", ""))
            self.process = subprocess.Popen(
                ["node", *extra, str(NODE_CLIENT)],
                cwd=BENCH,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,
            )
        self.pid = self.process.pid
        if cpus:
            os.sched_setaffinity(self.pid, cpus)

    def send(self, command: str, **args: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"cmd": command, "args": args}).encode() + b"\n")
        self.process.stdin.flush()

    def reply(self, timeout: float = 180) -> dict[str, Any]:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            raise RuntimeError(f"client {self.name} did not answer in {timeout:.0f} s")
        result = json.loads(line)
        if isinstance(result, dict) and "error" in result:
            raise RuntimeError(f"client {self.name}: {result['error']}")
        if isinstance(result.get("latencies"), str):
            result["latencies"] = base64.b64decode(result["latencies"])
        return result

    def call(self, command: str, timeout: float = 180, **args: Any) -> dict[str, Any]:
        self.send(command, **args)
        return self.reply(timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(Exception):
                self.send("stop")
                self.process.wait(20)
        _stop(self.process)


# --------------------------------------------------------------------------- servers

#: ``python -m handbook serve`` with handbook.core.db.SQLITE_SYNCHRONOUS set first (argv[1]); the
#: product has no setting for it on purpose, this is only for measuring its cost.
_SERVE_WITH_SYNCHRONOUS = """
import sys

mode = sys.argv[1]
sys.argv = [sys.argv[0], "serve"]
import handbook.__main__ as entry  # patches the standard library with gevent first
import handbook.core.db

handbook.core.db.SQLITE_SYNCHRONOUS = mode
print(f"bench: SQLite synchronous={mode}", file=sys.stderr, flush=True)
entry.main()
"""


def _serve_command(synchronous: str | None) -> list[str]:
    if synchronous is None:
        return [sys.executable, "-m", "handbook", "serve"]
    return [sys.executable, "-c", _SERVE_WITH_SYNCHRONOUS, synchronous]


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(process: subprocess.Popen) -> None:
    """Stop a process we started, with its whole process group (extraction children too)."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_http(url: str, process: subprocess.Popen, log: Path, limit_s: float = 60) -> None:
    import requests

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} not ready in {limit_s:.0f} s")


@dataclass
class Deployment:
    """One to two `serve` processes on a fresh database, ready for clients."""

    ports: list[int]
    pids: list[int]
    database: str
    queue: str
    redis_pid: int | None = None
    synchronous: str | None = None
    #: The servers' logs (the product's; the gc policy's lines are read from them).
    logs: list[Path] = field(default_factory=list)

    @property
    def bases(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]


@contextlib.contextmanager
def deployment(
    processes: int,
    pin: bool,
    workdir: Path,
    fanout: str = "on",
    synchronous: str | None = None,
) -> Iterator[Deployment]:
    """Start Redis and PostgreSQL schema (for 2+ processes), load the demo, start the servers
    (with SQLite's ``synchronous`` set to ``synchronous`` when given).

    Everything started here is stopped, and the schema dropped, when the block ends."""
    with contextlib.ExitStack() as stack:
        label = f"{processes}-{fanout}-{synchronous or 'default'}"
        instance = Path(tempfile.mkdtemp(prefix=f"instance-{label}-", dir=workdir))
        env = {
            **os.environ,
            "HANDBOOK_INSTANCE": str(instance),
            "HOST": "127.0.0.1",
            "SECRET_KEY": secrets.token_hex(32),
            "LOGIN_RATE_LIMIT": "100000 per minute",
            "COMMENT_RATE_LIMIT": "100000 per minute",
            # Every client socket comes from 127.0.0.1: no per-address bound on connections.
            "SERVE_MAX_CONNECTIONS_PER_IP": "0",
            "LOG_LEVEL": "ERROR",
            # handbook/core/fanout.py: room broadcasts framed once and written at once, or not.
            "SOCKETIO_FAST_FANOUT": "1" if fanout == "on" else "0",
        }
        for name in ("DATABASE_URL", "REDIS_URL", "PORT", "SERVER_JOB_WORKERS"):
            env.pop(name, None)
        database, queue = "SQLite file (instance folder)", "none (in-process)"
        redis_pid = None
        if processes > 1:
            if shutil.which("redis-server") is None:
                raise RuntimeError(
                    "--processes 2 needs redis-server (apt-get install redis-server)"
                )
            redis_port = _free_port()
            redis_log = workdir / f"redis-{redis_port}.log"
            redis = _start(
                [
                    "redis-server",
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                env,
                redis_log,
            )
            stack.callback(_stop, redis)
            redis_pid = redis.pid
            _wait_redis(redis_port)
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            queue = f"Redis (private redis-server on port {redis_port})"
            schema_url = stack.enter_context(_pg_schema())
            if schema_url:
                env["DATABASE_URL"] = schema_url
                database = "PostgreSQL (private schema in database `test`)"
            else:
                database = "SQLite file shared by both processes (PostgreSQL did not answer)"
        demo = subprocess.run(
            [sys.executable, "-m", "handbook", "demo"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=180,
        )
        if demo.returncode != 0:
            raise RuntimeError(f"demo failed:\n{demo.stderr.decode()[-3000:]}")
        ports, pids, logs = [], [], []
        for number in range(processes):
            port = _free_port()
            log = instance / f"serve-{label}-{number}.log"
            server_env = {**env, "PORT": str(port)}
            server_env["SERVER_JOB_WORKERS"] = "2" if number == 0 else "0"
            server = _start(_serve_command(synchronous), server_env, log)
            stack.callback(_stop, server)
            if pin:  # servers on CPU 0 (the job workers' extraction children inherit it)
                os.sched_setaffinity(server.pid, {0})
            _wait_http(f"http://127.0.0.1:{port}/login", server, log)
            ports.append(port)
            pids.append(server.pid)
            logs.append(log)
        yield Deployment(ports, pids, database, queue, redis_pid, synchronous, logs)


def _wait_redis(port: int) -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
    for _ in range(100):
        try:
            if client.ping():
                return
        except redis.RedisError:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


@contextlib.contextmanager
def _pg_schema() -> Iterator[str | None]:
    """A private schema in PostgreSQL's `test` database, dropped at the end; None without one."""
    try:
        import psycopg

        admin = psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:
        _log(f"PostgreSQL unavailable ({exc}); using a shared SQLite file")
        yield None
        return
    schema = f"bench_comments_{secrets.token_hex(5)}"
    try:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in PG_URL else "?"
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with contextlib.suppress(Exception):
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.close()


@contextlib.contextmanager
def reference_deployment(workdir: Path) -> Iterator[Deployment]:
    """The minimal Node.js Socket.IO server (bench/comments_reference.js), stopped at the end."""
    log = workdir / "reference.log"
    with log.open("ab") as err:
        server = subprocess.Popen(
            ["node", str(NODE_REFERENCE), "0"],
            cwd=BENCH,
            stdout=subprocess.PIPE,
            stderr=err,
            start_new_session=True,
        )
    try:
        assert server.stdout is not None
        ready, _, _ = select.select([server.stdout], [], [], 30)
        line = server.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            raise RuntimeError(f"reference server did not start: {log.read_text()[-2000:]}")
        yield Deployment(
            [int(line)],
            [server.pid],
            "none (the reference stores nothing)",
            "none",
        )
    finally:
        _stop(server)


# --------------------------------------------------------------------------- HTTP side


def _sign_in(base: str, login: str, user_agent: str = USER_AGENT) -> Any:
    return signed_in(base, login, user_agent=user_agent)


def _find_document(session: Any, base: str, limit_s: float = 120) -> int:
    """The branch meeting's "Dự thảo Nghị quyết tháng 12", once the job workers have read it."""
    me = session.get(f"{base}/api/v1/me", timeout=30).json()
    org = me["memberships"][0]["organization"]["id"]
    meetings = session.get(f"{base}/api/v1/organizations/{org}/meetings", timeout=30).json()
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        for meeting in meetings["meetings"]:
            detail = session.get(f"{base}/api/v1/meetings/{meeting['id']}", timeout=30).json()
            for document in detail.get("documents", []):
                if document["title"] == DOCUMENT_TITLE and document["status"] == "ready":
                    return int(document["id"])
        time.sleep(0.5)
    raise RuntimeError(f"“{DOCUMENT_TITLE}” was not read in {limit_s:.0f} s")


def _stored(session: Any, base: str, document: int) -> list[dict[str, Any]]:
    """Every comment on the document, through the API's pages of at most 500."""
    comments: list[dict[str, Any]] = []
    after = None
    for _ in range(1000):
        params = {"after": after} if after else {}
        page = session.get(
            f"{base}/api/v1/documents/{document}/comments", params=params, timeout=60
        ).json()["comments"]
        comments.extend(page)
        if not page:
            break
        after = page[-1]["id"]
    return comments


def _check_stored(
    session: Any, base: str, document: int, tag: str, posted: list[str]
) -> dict[str, int]:
    keys = Counter()
    for comment in _stored(session, base, document):
        parts = (comment.get("body") or "").split(" ", 1)[0].split(":")
        if len(parts) == 4 and parts[1] == tag:
            keys[parts[2]] += 1
    return {
        "stored": sum(keys.values()),
        "stored_dup": sum(c - 1 for c in keys.values()),
        "stored_missing": len(set(posted) - keys.keys()),
    }


# --------------------------------------------------------------------------- the phases


@dataclass
class Settings:
    readers: list[int]
    comments: int
    interval: float
    posters: int
    duration: float
    throughput_readers: int
    idle: int
    client_procs: int
    sentinels: int
    relaxed: float
    pin: bool
    profile: bool
    workdir: Path
    #: Node.js clients: sockets opening at once per client process, and what they compress.
    width: int = 100
    deflate: str = "all"
    #: Node.js runs: only the burst and the memory figure (what connecting costs), no more.
    burst_only: bool = False


def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    latencies = array.array("d")
    for part in parts:
        latencies.frombytes(part["latencies"])
    summed = ("lost", "dup", "unexpected", "received", "readers", "readers_short", "dropped")
    merged: dict[str, Any] = {key: sum(p[key] for p in parts) for key in summed}
    merged.update(
        latencies=sorted(latencies),
        last_receive=max(p["last_receive"] for p in parts),
        dropped_why=[w for p in parts for w in p["dropped_why"]][:3],
        lag_p99=max(p["lag_p99"] for p in parts),
        lag_max=max(p["lag_max"] for p in parts),
    )
    return merged


def _profile_start(pid: int, seconds: float, out: Path) -> subprocess.Popen | None:
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        _log("py-spy is not installed in the venv: no profile")
        return None
    return subprocess.Popen(
        [
            str(spy),
            "record",
            "--pid",
            str(pid),
            "--rate",
            "250",
            "--format",
            "raw",
            "--nonblocking",
            "--duration",
            str(max(1, int(seconds))),
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _profile_summary(path: Path, top: int = 14) -> list[str]:
    """Self and inclusive sample shares of the hottest functions in py-spy's raw output."""
    if not path.exists():
        return ["(no profile written)"]
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_frame_name(f) for f in stack.split(";")]
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return ["(no samples)"]
    lines = [f"{total} samples while on CPU; hottest by own time:"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in own.most_common(top)]
    lines.append("hottest by inclusive time (below 90 %):")
    chosen = [(name, n) for name, n in inclusive.most_common() if n < 0.9 * total][:top]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in chosen]
    return lines


def _frame_name(frame: str) -> str:
    """``func (/long/path/site-packages/pkg/mod.py:12)`` → ``func (pkg/mod.py)``."""
    name, _, where = frame.partition(" (")
    where = re.sub(r":\d+\)?$", "", where.rstrip(")"))
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})" if where else name


def run_deployment(
    processes: int,
    settings: Settings,
    ctx: Any,
    fanout: str = "on",
    synchronous: str | None = None,
) -> dict[str, Any]:
    pin = settings.pin and processes == 1
    client_cpus = [1] if pin else None
    result: dict[str, Any] = {
        "processes": processes,
        "pinned": pin,
        "fanout": fanout,
        "synchronous": synchronous,
    }
    clients: list[Client] = []
    with (
        deployment(processes, pin, settings.workdir, fanout, synchronous) as dep,
        Sampler() as sampler,
    ):
        try:
            result.update(database=dep.database, queue=dep.queue)
            for number, pid in enumerate(dep.pids):
                sampler.track(f"server {'AB'[number] if number < 2 else number}", pid)
            if dep.redis_pid:
                sampler.track("redis", dep.redis_pid)
            bases = dep.bases
            _log(f"{processes} server process(es) up on ports {dep.ports}; signing in")
            poster_http = _sign_in(bases[0], POSTER)
            document = _find_document(poster_http, bases[0])
            # A few signed-in sessions serve every reader socket: strong session protection
            # ties a session to (IP, User-Agent), both the same for every socket here.
            cookies = [_sign_in(bases[0], login).cookies["session"] for login in READERS * 2]
            poster_cookie = poster_http.cookies["session"]
            result["busy_before"] = _wait_quiet()
            total = max([settings.idle, settings.throughput_readers, *settings.readers])
            sentinels = settings.sentinels
            bulk = [Client(ctx, f"readers-{n}", client_cpus) for n in range(settings.client_procs)]
            sentinel = Client(ctx, "sentinels", client_cpus)
            poster = Client(ctx, "poster", client_cpus)
            clients = [*bulk, sentinel, poster]
            for client in clients:
                sampler.track(f"client {client.name}", client.pid)
            poster.call("connect_posters", url=bases[0], cookie=poster_cookie, count=1)
            # Warm the server's code paths (and the poster) with a few comments first.
            warm = poster.call("post_paced", tag="warm", document=document, count=3, interval=0.05)
            if len(warm["created"]) != 3:
                raise RuntimeError(f"warm-up posts were refused: {warm}")
            time.sleep(1.0)
            rss_before = [_rss_kb(p) for p in dep.pids]
            plan: list[list[tuple[int, str, str]]] = [[] for _ in range(len(bulk) + 1)]
            for i in range(total):  # any prefix of readers is spread evenly over the servers
                item = (i, bases[i % len(bases)], cookies[i % len(cookies)])
                plan[-1 if i >= total - sentinels else i % len(bulk)].append(item)
            _log(f"connecting {total} idle reader sockets")
            connected = _all_items([*bulk, sentinel], "connect_readers", plan)
            n_connected = sum(c["connected"] for c in connected)
            if n_connected != total:
                errors = [e for c in connected for e in c["errors"]]
                raise RuntimeError(f"{total - n_connected} sockets failed to connect: {errors}")
            time.sleep(2.0)
            rss_after = [_rss_kb(p) for p in dep.pids]
            result["memory"] = {
                "connections": total,
                "connect_s": max(c["seconds"] for c in connected),
                "rss_before_kb": rss_before,
                "rss_after_kb": rss_after,
                "kb_per_connection": (sum(rss_after) - sum(rss_before)) / total,
            }
            # What the servers spend with every socket connected and nothing posted (pings,
            # engine.io's client monitor): taken off each run's figure to cost a comment.
            quiet_start = time.monotonic_ns()
            time.sleep(5.0)
            idle_cores = sum(sampler.window(quiet_start, time.monotonic_ns())["servers"])
            result["memory"]["idle_server_cores"] = idle_cores
            _log(
                f"idle: {total} sockets, server RSS {sum(rss_before) / 1024:.0f} → "
                f"{sum(rss_after) / 1024:.0f} MiB, {idle_cores:.3f} cores"
            )
            phase = Phase(dep, settings, sampler, bulk, sentinel, poster, poster_http, document)
            phase.after = warm["max_id"]
            phase.fanout = fanout
            phase.idle_cores = idle_cores
            result["latency"] = []
            for level in sorted({*settings.readers, settings.throughput_readers}):
                phase.join(level)
                if level in settings.readers:
                    result["latency"].append(phase.latency(level, settings.interval))
                    if level == max(settings.readers) and settings.relaxed > 0:
                        result["latency"].append(phase.latency(level, settings.relaxed))
                if level == settings.throughput_readers and settings.posters > 0:
                    more = settings.posters - 1
                    poster.call("connect_posters", url=bases[0], cookie=poster_cookie, count=more)
                    result["throughput"] = phase.throughput(level)
        finally:
            for client in clients:
                client.stop()
    return result


def _all_items(clients: list[Any], command: str, plan: list[list[Any]], **args: Any) -> list[dict]:
    for client, items in zip(clients, plan, strict=True):
        client.send(command, items=items, **args)
    return [client.reply(300) for client in clients]


@dataclass
class Phase:
    dep: Deployment
    settings: Settings
    sampler: Sampler
    bulk: list[Any]  # Client or NodeClient
    sentinel: Any
    poster: Any
    http: Any
    document: int
    after: int = 0
    fanout: str = "on"
    idle_cores: float = 0.0

    @property
    def tag(self) -> str:
        """Names this deployment's files: process count, fan-out path, SQLite synchronous."""
        return f"{len(self.dep.pids)}-{self.fanout}-{self.dep.synchronous or 'default'}"

    @property
    def readers(self) -> list[Any]:
        return [*self.bulk, self.sentinel]

    def join(self, level: int) -> None:
        """Bulk readers up to ``level`` minus the sentinels, then the sentinels, last."""
        sentinels = self.settings.sentinels
        joined = _all(
            self.bulk, "join", below=level - sentinels, document=self.document, after=self.after
        )
        self.sentinel.call("reconnect")
        joined.append(
            self.sentinel.call("join", below=1 << 30, document=self.document, after=self.after)
        )
        n_joined = sum(j["joined"] for j in joined)
        if n_joined != level:
            errors = [e for j in joined for e in j["errors"]]
            raise RuntimeError(f"{level - n_joined} readers failed to join: {errors}")

    def latency(self, level: int, interval: float) -> dict[str, Any]:
        settings = self.settings
        tag = f"L{level}x{secrets.token_hex(3)}"
        _log(
            f"latency: {level} readers, {settings.comments} comments, one every "
            f"{interval * 1000:.0f} ms"
        )
        _all(self.readers, "record")
        spies: list[tuple[str, subprocess.Popen, Path]] = []
        if settings.profile and level == max(settings.readers) and interval == settings.interval:
            seconds = settings.comments * interval + 1
            targets = [("server A", self.dep.pids[0])]
            if isinstance(self.bulk[0], Client):  # py-spy reads Python processes only
                targets.append(("client readers-0", self.bulk[0].pid))
            for name, pid in targets:
                out = settings.workdir / f"profile-{self.tag}-{name.split()[-1]}.raw"
                spy = _profile_start(pid, seconds, out)
                if spy is not None:
                    spies.append((name, spy, out))
        posted = self.poster.call(
            "post_paced",
            tag=tag,
            document=self.document,
            count=settings.comments,
            interval=interval,
        )
        row = self._finish("latency", tag, level, posted)
        row["interval_ms"] = interval * 1000
        for name, spy, out in spies:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(30)
            _stop(spy)
            row.setdefault("profile", {})[name] = _profile_summary(out)
        return row

    def throughput(self, level: int) -> dict[str, Any]:
        settings = self.settings
        tag = f"T{level}x{secrets.token_hex(3)}"
        _log(
            f"throughput: {settings.posters} posters flat out for {settings.duration:.0f} s, "
            f"{level} readers"
        )
        _all(self.readers, "record")
        spy = out = None
        if settings.profile:
            out = settings.workdir / f"profile-{self.tag}-throughput.raw"
            spy = _profile_start(self.dep.pids[0], settings.duration, out)
        posted = self.poster.call(
            "post_flat_out",
            timeout=settings.duration + 120,
            tag=tag,
            document=self.document,
            seconds=settings.duration,
        )
        row = self._finish("throughput", tag, level, posted)
        if spy is not None and out is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(30)
            _stop(spy)
            row["profile"] = {"server A": _profile_summary(out)}
        created = row["created"]
        row.update(
            posters=settings.posters,
            seconds=settings.duration,
            stored_per_s=created / settings.duration,
            delivered_per_s=row["received"] / row["window_s"],
            comments_delivered_per_s=row["received"] / max(1, row["readers"]) / row["window_s"],
        )
        return row

    def _finish(self, kind: str, tag: str, level: int, posted: dict[str, Any]) -> dict[str, Any]:
        created = posted["created"]
        self.after = max(self.after, posted["max_id"])
        _all(self.readers, "drain", timeout=150, expected=len(created), wait_s=120)
        parts = _all(self.readers, "collect", tag=tag, expected=created)
        merged = _merge(parts)
        last = _merge(parts[-1:])["latencies"]
        if self.http is None:  # the reference stores nothing: its acks are the record
            stored = {"stored": len(set(created)), "stored_dup": 0, "stored_missing": 0}
        else:
            stored = _check_stored(self.http, self.dep.bases[0], self.document, tag, created)
        end = max(merged["last_receive"], posted["last_sent"])
        cpu = self.sampler.window(posted["first_sent"], end)
        lat = merged.pop("latencies")
        acks = sorted(posted["ack_ms"])
        received = merged["received"]
        row = {
            "kind": kind,
            "readers": level,
            "posted": posted["sent"],
            "created": len(created),
            "failed": posted["sent"] - len(created),
            "errors": posted.get("errors", []),
            "expected": len(created) * merged["readers"],
            **merged,
            **stored,
            "median_ms": statistics.median(lat) if lat else float("nan"),
            "p90_ms": _percentile(lat, 0.90),
            "p99_ms": _percentile(lat, 0.99),
            "max_ms": lat[-1] if lat else float("nan"),
            "last_median_ms": statistics.median(last) if last else float("nan"),
            "last_p99_ms": _percentile(last, 0.99),
            "ack_median_ms": statistics.median(acks) if acks else float("nan"),
            "ack_p99_ms": _percentile(acks, 0.99),
            "window_s": max(1e-3, (end - posted["first_sent"]) / 1e9),
            "tail_s": max(0.0, (merged["last_receive"] - posted["last_sent"]) / 1e9),
            "cpu": cpu,
            "server_ms_per_comment": sum(cpu["servers"]) * cpu["wall"] / max(1, len(created)) * 1e3,
            "server_ms_per_comment_net": max(0.0, sum(cpu["servers"]) - self.idle_cores)
            * cpu["wall"]
            / max(1, len(created))
            * 1e3,
            "client_us_per_delivery": cpu["clients"] * cpu["wall"] / max(1, received) * 1e6,
        }
        _log(
            f"  {received}/{row['expected']} delivered, lost {row['lost']}, dup {row['dup']}, "
            f"median {row['median_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms (last-joined "
            f"readers p99 {row['last_p99_ms']:.1f} ms); cores: servers {_cores(cpu['servers'])}, "
            f"clients {cpu['clients']:.2f}, rest of machine {cpu['rest']:.2f}"
        )
        return row


# --------------------------------------------------------------------------- Node.js runs


def _server_cores(sampler: Sampler, t0: int, t1: int) -> float:
    return sum(sampler.window(t0, t1)["servers"])


def _quiet_after(sampler: Sampler, start_ns: int, limit_s: float = 90.0) -> float:
    """Seconds from ``start_ns`` until the servers' CPU stays under 0.05 cores for 0.3 s: how
    long closing the sockets kept them busy."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        time.sleep(0.3)
        samples = [x for x in sampler.samples if x[0] >= start_ns]
        servers = [n for n in sampler.pids if n.startswith("server")]
        quiet = 0
        for (t0, cpu0, *_), (t1, cpu1, *_) in itertools.pairwise(samples):
            used = sum(cpu1.get(n, 0.0) - cpu0.get(n, 0.0) for n in servers)
            quiet = quiet + 1 if used / max(1e-3, (t1 - t0) / 1e9) < 0.05 else 0
            if quiet == 3:
                return (t0 - start_ns) / 1e9 - 0.2
    return float("nan")


def _gc_lines(dep: Deployment, seen: dict[str, int]) -> list[str]:
    """The servers' new "gc:" log lines since the last call (handbook/core/gcpolicy.py)."""
    lines: list[str] = []
    for log in sorted(dep.logs):
        text = log.read_text(errors="replace")
        start = seen.get(str(log), 0)
        seen[str(log)] = len(text)
        lines += [line for line in text[start:].splitlines() if "gc:" in line]
    return lines


def run_node(kind: str, processes: int, settings: Settings, round_no: int) -> dict[str, Any]:
    """One deployment (the product, or the reference) driven by Node.js clients: a burst of
    sockets connecting and joining, memory, latency to all of them, closing them, then
    sustained posting to ``throughput_readers``."""
    result: dict[str, Any] = {"client": "node", "kind": kind, "processes": processes}
    result["round"] = round_no
    product = kind == "product"
    clients: list[NodeClient] = []
    with contextlib.ExitStack() as stack:
        if product:
            dep = stack.enter_context(deployment(processes, False, settings.workdir))
        else:
            dep = stack.enter_context(reference_deployment(settings.workdir))
        sampler = stack.enter_context(Sampler())
        try:
            result.update(database=dep.database, queue=dep.queue)
            for number, pid in enumerate(dep.pids):
                sampler.track(f"server {'AB'[number] if number < 2 else number}", pid)
            if dep.redis_pid:
                sampler.track("redis", dep.redis_pid)
            bases = dep.bases
            if product:
                _log(f"{kind}: {processes} server process(es) on ports {dep.ports}; signing in")
                poster_http: Any = _sign_in(bases[0], POSTER, BROWSER_AGENT)
                document = _find_document(poster_http, bases[0])
                # A browser per few sockets: the readers' sessions are spread over devices.
                cookies = [
                    _sign_in(bases[0], login, BROWSER_AGENT).cookies["session"]
                    for login in READERS * 4
                ]
                poster_cookie = poster_http.cookies["session"]
            else:
                _log(f"{kind}: the minimal Node.js Socket.IO server on port {dep.ports[0]}")
                poster_http, document, cookies, poster_cookie = None, 1, ["none"], "none"
            result["busy_before"] = _wait_quiet()
            logs = settings.workdir / f"node-clients-{kind}-{round_no}.log"
            bulk = [NodeClient(f"readers-{n}", None, logs) for n in range(settings.client_procs)]
            sentinel = NodeClient("sentinels", None, logs)
            poster = NodeClient("poster", None, logs)
            clients = [*bulk, sentinel, poster]
            for client in clients:
                sampler.track(f"client {client.name}", client.pid)
                client.call("configure", userAgent=BROWSER_AGENT, deflate=settings.deflate)
            poster.call("connect_posters", url=bases[0], cookie=poster_cookie, count=1)
            warm = poster.call(
                "post_paced",
                tag=f"warm{secrets.token_hex(4)}",
                document=document,
                count=3,
                interval=0.05,
            )
            if len(warm["created"]) != 3:
                raise RuntimeError(f"warm-up posts were refused: {warm}")
            after = warm["max_id"]
            gc_seen: dict[str, int] = {}
            _gc_lines(dep, gc_seen)
            time.sleep(1.0)
            phase = Phase(dep, settings, sampler, bulk, sentinel, poster, poster_http, document)
            phase.after = after
            level = max(settings.readers)
            rss_before = [_rss_kb(p) for p in dep.pids]
            result["burst"] = _burst(phase, bases, cookies, level)
            time.sleep(2.0)
            rss_after = [_rss_kb(p) for p in dep.pids]
            quiet_start = time.monotonic_ns()
            time.sleep(5.0)
            idle_cores = _server_cores(sampler, quiet_start, time.monotonic_ns())
            phase.idle_cores = idle_cores
            result["memory"] = {
                "connections": level,
                "rss_before_kb": rss_before,
                "rss_after_kb": rss_after,
                "kb_per_connection": (sum(rss_after) - sum(rss_before)) / level,
                "idle_server_cores": idle_cores,
            }
            result["gc_burst"] = _gc_lines(dep, gc_seen)
            if settings.burst_only:
                return result
            result["latency"] = [phase.latency(level, settings.interval)]
            result["gc_latency"] = _gc_lines(dep, gc_seen)
            _log(f"closing {level} sockets")
            start = time.monotonic_ns()
            closed = _all(phase.readers, "close_readers", timeout=120)
            result["disconnect"] = {
                "client_s": max(c["seconds"] for c in closed),
                "server_busy_s": _quiet_after(sampler, start),
                "server_cpu_s": _server_cores(sampler, start, time.monotonic_ns())
                * (time.monotonic_ns() - start)
                / 1e9,
            }
            _log(
                f"  closed in {result['disconnect']['client_s']:.1f} s, servers busy "
                f"{result['disconnect']['server_busy_s']:.1f} s"
            )
            if settings.posters > 0 and settings.throughput_readers > 0:
                result["throughput_burst"] = _burst(
                    phase, bases, cookies, settings.throughput_readers
                )
                more = settings.posters - 1
                poster.call("connect_posters", url=bases[0], cookie=poster_cookie, count=more)
                result["throughput"] = phase.throughput(settings.throughput_readers)
                result["gc_throughput"] = _gc_lines(dep, gc_seen)
        finally:
            for client in clients:
                client.stop()
    return result


def _burst(phase: Phase, bases: list[str], cookies: list[str], level: int) -> dict[str, Any]:
    """``level`` sockets open and join as pages do, all at once (the sentinels last)."""
    settings = phase.settings
    sentinels = min(settings.sentinels, level)
    plan: list[list[tuple[int, str, str]]] = [[] for _ in range(len(phase.bulk) + 1)]
    for i in range(level):  # any prefix of readers is spread evenly over the servers
        item = (i, bases[i % len(bases)], cookies[i % len(cookies)])
        plan[-1 if i >= level - sentinels else i % len(phase.bulk)].append(item)
    _log(f"{level} sockets connecting and joining, {settings.width} at a time per client")
    args = {"document": phase.document, "after": phase.after, "width": settings.width}
    spy = out = None
    if settings.profile and phase.http is not None:  # the product (the reference has no HTTP)
        out = settings.workdir / f"profile-burst-{level}-{time.monotonic_ns()}.raw"
        spy = _profile_start(phase.dep.pids[0], 30, out)
        time.sleep(0.5)  # py-spy attached before the first socket
    start = time.monotonic_ns()
    done = _all_items(phase.bulk, "connect_readers", plan[:-1], **args)
    done.append(phase.sentinel.call("connect_readers", items=plan[-1], **args))
    end = time.monotonic_ns()
    if spy is not None:  # py-spy writes what it sampled when interrupted
        spy.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            spy.wait(30)
        _stop(spy)
    joined = sum(d["joined"] for d in done)
    if joined != level:
        errors = [e for d in done for e in d["errors"]]
        raise RuntimeError(f"{level - joined} sockets failed to connect or join: {errors}")
    cpu = phase.sampler.window(start, end)
    seconds = (end - start) / 1e9
    row = {
        "sockets": level,
        "seconds": seconds,
        "server_ms_per_socket": sum(cpu["servers"]) * cpu["wall"] / level * 1000,
        "client_ms_per_socket": cpu["clients"] * cpu["wall"] / level * 1000,
        "cpu": cpu,
    }
    if spy is not None and out is not None and out.exists():
        row["profile"] = {"server A": _profile_summary(out)}
        for line in row["profile"]["server A"]:
            _log(f"    {line}")
        kept = Path(tempfile.gettempdir()) / f"bench-{out.name}"  # for bench/profile_summary.py
        shutil.copy(out, kept)
        _log(f"    raw profile kept in {kept}")
    _log(
        f"  {level} connected and joined in {seconds:.2f} s; server "
        f"{row['server_ms_per_socket']:.2f} ms CPU per socket, clients "
        f"{row['client_ms_per_socket']:.2f} ms"
    )
    return row


# --------------------------------------------------------------------------- report


def _cores(values: list[float]) -> str:
    return "+".join(f"{v:.2f}" for v in values)


def _ok(row: dict[str, Any]) -> bool:
    return (
        row["lost"] == 0
        and row["dup"] == 0
        and row["unexpected"] == 0
        and row["stored_dup"] == 0
        and row["stored_missing"] == 0
        and row["stored"] == row["created"]
        and row["failed"] == 0
    )


def report(results: list[dict[str, Any]], elapsed: float) -> str:
    out: list[str] = []
    add = out.append
    load = os.getloadavg()
    add(
        f"machine: {os.cpu_count()} CPUs, clients and servers on the same machine; load average "
        f"{load[0]:.2f} at the end; bench took {elapsed:.0f} s"
    )
    for res in results:
        add("")
        sync = f", SQLite synchronous={res['synchronous']}" if res.get("synchronous") else ""
        add(
            f"== {res['processes']} server process(es), fast fan-out {res['fanout']}{sync}: "
            f"{res['database']}; "
            f"Socket.IO message queue: {res['queue']}"
        )
        if res["pinned"]:
            add("   server pinned to CPU 0, client processes to CPU 1")
        add(f"   machine busy before measuring: {res['busy_before'] * 100:.0f} % of its CPUs")
        mem = res.get("memory")
        if mem:
            add(
                f"   idle: the servers use {mem['idle_server_cores']:.3f} cores with "
                f"{mem['connections']} sockets connected and nothing posted"
            )
            before = "+".join(str(v // 1024) for v in mem["rss_before_kb"])
            after = "+".join(str(v // 1024) for v in mem["rss_after_kb"])
            add(
                f"   memory: {mem['connections']} idle sockets connected in "
                f"{mem['connect_s']:.1f} s; server RSS {before} MiB → {after} MiB = "
                f"{mem['kb_per_connection']:.0f} KB per idle connection"
            )
        rows = [*res.get("latency", [])]
        if res.get("throughput"):
            rows.append(res["throughput"])
        add("")
        add(
            "   run              readers comments deliveries      lost dup stored dup | latency ms:"
            " median    p90    p99    max | last-joined p50   p99 | ack p50 | cores: servers "
            "clients rest | client lag p99"
        )
        for row in rows:
            if row["kind"] == "throughput":
                name = f"{row['posters']} posters max"
            else:
                name = f"1 poster /{row['interval_ms']:.0f}ms"
            cpu = row["cpu"]
            add(
                f"   {name:16s} {row['readers']:7d} {row['created']:8d} "
                f"{row['received']:7d}/{row['expected']:<7d} {row['lost']:5d} {row['dup']:3d} "
                f"{row['stored']:6d} {row['stored_dup']:3d} | {'':11s}"
                f"{row['median_ms']:7.1f} {row['p90_ms']:6.1f} {row['p99_ms']:6.1f} "
                f"{row['max_ms']:6.1f} | {row['last_median_ms']:15.1f} {row['last_p99_ms']:5.1f} | "
                f"{row['ack_median_ms']:7.1f} | {_cores(cpu['servers']):>14s} "
                f"{cpu['clients']:7.2f} {cpu['rest']:4.2f} | {row['lag_p99']:7.1f} ms"
            )
        tp = res.get("throughput")
        if tp:
            add("")
            add(
                f"   sustained: {tp['posters']} posters as fast as acks allow for "
                f"{tp['seconds']:.0f} s, {tp['readers']} readers: stored {tp['created']} = "
                f"{tp['stored_per_s']:.1f} comments/s; delivered {tp['received']} = "
                f"{tp['delivered_per_s']:.0f} deliveries/s ({tp['comments_delivered_per_s']:.1f} "
                f"comments/s to every reader) over {tp['window_s']:.1f} s, the last "
                f"{tp['tail_s']:.1f} s after posting stopped; ack p99 {tp['ack_p99_ms']:.0f} ms"
            )
        for row in rows:
            add(
                f"   cost, {row['kind']} {row['readers']}: servers "
                f"{row['server_ms_per_comment']:.1f} ms CPU per comment, "
                f"{row['server_ms_per_comment_net']:.1f} ms net of their idle cost "
                f"({row['server_ms_per_comment_net'] * 1000 / row['readers']:.0f} µs per reader, "
                f"the post included), clients "
                f"{row['client_us_per_delivery']:.0f} µs; busiest client process "
                f"{row['cpu']['client_max']:.2f} cores; readers that missed some "
                f"{row['readers_short']}, sockets dropped {row['dropped']} {row['dropped_why']}"
            )
        latency = res.get("latency", [])
        paced = [row for row in latency if row["interval_ms"] == latency[0]["interval_ms"]]
        paced.sort(key=lambda row: row["readers"])
        if len(paced) >= 2 and paced[-1]["readers"] > paced[0]["readers"]:
            low, high = paced[0], paced[-1]
            slope = (high["server_ms_per_comment_net"] - low["server_ms_per_comment_net"]) * 1000
            add(
                f"   fan-out cost: {slope / (high['readers'] - low['readers']):.1f} µs of server "
                f"CPU per reader per comment (between {low['readers']} and {high['readers']} "
                "readers, one comment at a time)"
            )
        for row in res.get("latency", []):
            if row["readers"] >= 1000:
                met = "met" if row["p99_ms"] < 100 else "NOT met"
                add(
                    f"   target p99 < 100 ms to {row['readers']} readers, one comment every "
                    f"{row['interval_ms']:.0f} ms: {met} (all readers {row['p99_ms']:.0f} ms; "
                    f"last-joined, i.e. the server's own fan-out, {row['last_p99_ms']:.0f} ms)"
                )
        for row in rows:
            for name, lines in row.get("profile", {}).items():
                add("")
                add(f"   py-spy, {name} during the {row['readers']}-reader {row['kind']} run:")
                out.extend(f"     {line}" for line in lines)
    sync_rows = [r for r in results if r.get("synchronous") and r.get("throughput")]
    if sync_rows:
        add("")
        add("sustained posting by SQLite synchronous (the order they ran in):")
        for res in sync_rows:
            tp = res["throughput"]
            add(
                f"   {res['synchronous']:6s}: stored {tp['stored_per_s']:6.1f} comments/s, "
                f"ack p50 {tp['ack_median_ms']:6.1f} ms, p99 {tp['ack_p99_ms']:6.1f} ms; "
                f"rest of machine {tp['cpu']['rest']:.2f} cores"
            )
        means = {}
        for mode in dict.fromkeys(r["synchronous"] for r in sync_rows):
            rates = [r["throughput"]["stored_per_s"] for r in sync_rows if r["synchronous"] == mode]
            means[mode] = statistics.mean(rates)
        if {"NORMAL", "FULL"} <= means.keys():
            change = (means["FULL"] / means["NORMAL"] - 1) * 100
            add(
                f"   mean: NORMAL {means['NORMAL']:.1f}, FULL {means['FULL']:.1f} comments/s "
                f"({change:+.1f} % with FULL)"
            )
    add("")
    add(
        "latency: from just before the poster's emit to each reader's comment.new handler "
        "(CLOCK_MONOTONIC, one machine). cores: CPU used over the run (first post → last "
        "delivery); rest = the machine's other work (PostgreSQL included)."
    )
    ok = all(_ok(row) for res in results for row in res.get("latency", []))
    ok = ok and all(_ok(res["throughput"]) for res in results if res.get("throughput"))
    add(
        "delivery check: "
        + (
            "every reader got every comment exactly once, each stored exactly once"
            if ok
            else "LOSS, DUPLICATES OR REFUSED POSTS FOUND (see the lost/dup/stored columns)"
        )
    )
    return "\n".join(out)


#: The figures compared across rounds: (label, how to read it from a Node.js run, format).
_NODE_METRICS: list[tuple[str, Any, str]] = [
    ("sockets connected and joined, s", lambda r: r["burst"]["seconds"], "{:.2f}"),
    ("  server CPU per socket, ms", lambda r: r["burst"]["server_ms_per_socket"], "{:.2f}"),
    ("  client CPU per socket, ms", lambda r: r["burst"]["client_ms_per_socket"], "{:.2f}"),
    ("memory per idle connection, KB", lambda r: r["memory"]["kb_per_connection"], "{:.1f}"),
    ("latency median, ms", lambda r: r["latency"][0]["median_ms"], "{:.1f}"),
    ("latency p99, ms", lambda r: r["latency"][0]["p99_ms"], "{:.1f}"),
    ("latency max, ms", lambda r: r["latency"][0]["max_ms"], "{:.1f}"),
    ("last-joined p99, ms", lambda r: r["latency"][0]["last_p99_ms"], "{:.1f}"),
    ("server CPU per comment, ms", lambda r: r["latency"][0]["server_ms_per_comment"], "{:.1f}"),
    ("client cores (latency run)", lambda r: r["latency"][0]["cpu"]["clients"], "{:.2f}"),
    ("closing: clients done, s", lambda r: r["disconnect"]["client_s"], "{:.2f}"),
    ("closing: server busy, s", lambda r: r["disconnect"]["server_busy_s"], "{:.2f}"),
    ("sustained: stored comments/s", lambda r: r["throughput"]["stored_per_s"], "{:.1f}"),
    ("sustained: deliveries/s", lambda r: r["throughput"]["delivered_per_s"], "{:.0f}"),
    ("sustained: ack p99, ms", lambda r: r["throughput"]["ack_p99_ms"], "{:.0f}"),
    (
        "sustained: server CPU per comment, ms",
        lambda r: r["throughput"]["server_ms_per_comment"],
        "{:.2f}",
    ),
    ("sustained: server cores", lambda r: sum(r["throughput"]["cpu"]["servers"]), "{:.2f}"),
    ("sustained: client cores", lambda r: r["throughput"]["cpu"]["clients"], "{:.2f}"),
    ("sustained: rest of machine, cores", lambda r: r["throughput"]["cpu"]["rest"], "{:.2f}"),
]


def _metric(run: dict[str, Any], read: Any) -> float:
    try:
        return float(read(run))
    except (KeyError, IndexError, TypeError):
        return float("nan")


def report_node(results: list[dict[str, Any]]) -> str:
    """Each Node.js run, then every figure as min / median over the rounds, product beside
    the reference."""
    out: list[str] = []
    add = out.append
    for res in results:
        add("")
        name = (
            f"the product, {res['processes']} process(es): {res['database']}; queue {res['queue']}"
            if res["kind"] == "product"
            else "the reference: a minimal Node.js Socket.IO server on ws (no storage)"
        )
        add(f"== Node.js clients, round {res['round']}: {name}")
        add(f"   machine busy before measuring: {res['busy_before'] * 100:.0f} % of its CPUs")
        burst, mem = res["burst"], res["memory"]
        add(
            f"   burst: {burst['sockets']} sockets connected and joined in "
            f"{burst['seconds']:.2f} s; CPU per socket: server {burst['server_ms_per_socket']:.2f} "
            f"ms, clients {burst['client_ms_per_socket']:.2f} ms; cores: servers "
            f"{_cores(burst['cpu']['servers'])}, clients {burst['cpu']['clients']:.2f}, rest "
            f"{burst['cpu']['rest']:.2f}"
        )
        before = "+".join(str(v // 1024) for v in mem["rss_before_kb"])
        after = "+".join(str(v // 1024) for v in mem["rss_after_kb"])
        add(
            f"   memory: RSS {before} → {after} MiB = {mem['kb_per_connection']:.1f} KB per idle "
            f"connection; idle servers {mem['idle_server_cores']:.3f} cores"
        )
        rows = [*res.get("latency", [])]
        if res.get("throughput"):
            rows.append(res["throughput"])
        for row in rows:
            cpu = row["cpu"]
            label = (
                f"{row['readers']} readers, 1 comment / {row['interval_ms']:.0f} ms"
                if row["kind"] == "latency"
                else f"{row['readers']} readers, {row['posters']} posters flat out"
            )
            add(
                f"   {label}: {row['received']}/{row['expected']} delivered, lost {row['lost']}, "
                f"dup {row['dup']}, stored {row['stored']} (dup {row['stored_dup']}, missing "
                f"{row['stored_missing']}); latency median {row['median_ms']:.1f}, p99 "
                f"{row['p99_ms']:.1f}, max {row['max_ms']:.1f} ms, last-joined p99 "
                f"{row['last_p99_ms']:.1f} ms; ack p50 {row['ack_median_ms']:.1f}, p99 "
                f"{row['ack_p99_ms']:.1f} ms"
            )
            add(
                f"      cores: servers {_cores(cpu['servers'])}, clients {cpu['clients']:.2f} "
                f"(busiest {cpu['client_max']:.2f}), rest {cpu['rest']:.2f}; server CPU per "
                f"comment {row['server_ms_per_comment']:.2f} ms; client CPU per delivery "
                f"{row['client_us_per_delivery']:.1f} µs; client loop lag p99 "
                f"{row['lag_p99']:.0f} ms; dropped sockets {row['dropped']} {row['dropped_why']}"
            )
        tp = res.get("throughput")
        if tp:
            add(
                f"   sustained: stored {tp['stored_per_s']:.1f} comments/s, "
                f"{tp['delivered_per_s']:.0f} deliveries/s, the last {tp['tail_s']:.1f} s "
                "after posting stopped"
            )
        dis = res.get("disconnect")
        if dis:
            add(
                f"   closing {burst['sockets']} sockets: clients done in {dis['client_s']:.2f} s, "
                f"servers busy {dis['server_busy_s']:.2f} s ({dis['server_cpu_s']:.2f} s CPU)"
            )
        for phase in ("burst", "latency", "throughput"):
            lines = res.get(f"gc_{phase}") or []
            if lines:
                add(f"   gc during the {phase} phase ({len(lines)} lines):")
                out.extend(f"     {line.strip()[:160]}" for line in lines[-6:])
        for who, lines in burst.get("profile", {}).items():
            add(f"   py-spy, {who} during the {burst['sockets']}-socket burst:")
            out.extend(f"     {line}" for line in lines)
        for row in rows:
            for who, lines in row.get("profile", {}).items():
                add(f"   py-spy, {who} during the {row['readers']}-reader {row['kind']} run:")
                out.extend(f"     {line}" for line in lines)
    kinds = list(dict.fromkeys(r["kind"] for r in results))
    rounds = len({r["round"] for r in results})
    add("")
    add(f"Node.js clients, {rounds} round(s): min / median of each figure")
    add(f"   {'':40s}" + "".join(f"{k:>24s}" for k in kinds))
    for label, read, fmt in _NODE_METRICS:
        cells = []
        for kind in kinds:
            values = sorted(_metric(r, read) for r in results if r["kind"] == kind)
            values = [v for v in values if v == v]  # NaN: not measured
            if values:
                cells.append(f"{fmt.format(values[0])} / {fmt.format(statistics.median(values))}")
            else:
                cells.append("-")
        add(f"   {label:40s}" + "".join(f"{c:>24s}" for c in cells))
    ok = all(
        _ok(row)
        for res in results
        for row in [*res.get("latency", []), *([res["throughput"]] if "throughput" in res else [])]
    )
    add(
        "   delivery check: "
        + ("every reader got every comment exactly once" if ok else "LOSS OR DUPLICATES FOUND")
    )
    return "\n".join(out)


def _fanouts(text: str) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values or any(v not in {"on", "off"} for v in values):
        raise SystemExit(f"--fast-fanout: on, off or both (got {text!r})")
    return values


def _synchronous(text: str) -> list[str | None]:
    values = [v.strip().upper() for v in text.split(",") if v.strip()]
    if any(v not in {"NORMAL", "FULL"} for v in values):
        raise SystemExit(f"--sqlite-synchronous: NORMAL, FULL or a list of them (got {text!r})")
    return list(values) or [None]


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--clients",
        default="node,python",
        help="node (the Node.js load client, product beside the reference), python (the "
        "python-socketio check), or both",
    )
    parser.add_argument("--rounds", type=int, default=3, help="Node.js rounds (min / median)")
    parser.add_argument("--node-readers", type=int, default=2000, help="Node.js: sockets")
    parser.add_argument("--node-comments", type=int, default=30, help="Node.js: latency run")
    parser.add_argument("--node-interval-ms", type=float, default=1000.0)
    parser.add_argument(
        "--reference",
        default="node",
        help="node: the minimal Node.js Socket.IO server of bench/comments_reference.js beside "
        "the product in every round; none: the product alone",
    )
    parser.add_argument(
        "--width", type=int, default=100, help="Node.js: sockets opening at once per process"
    )
    parser.add_argument(
        "--deflate",
        default="all",
        choices=["all", "large", "off"],
        help="Node.js clients' permessage-deflate: offered and used for every message (as "
        "Chrome), only above 1 KB (ws's default), or not offered",
    )
    parser.add_argument("--readers", default="200", help="python: reader counts, latency runs")
    parser.add_argument("--processes", default="1", help="server processes: 1, 2 or both")
    parser.add_argument("--comments", type=int, default=50, help="python: comments per run")
    parser.add_argument("--interval-ms", type=float, default=100.0, help="python: pace")
    parser.add_argument("--posters", type=int, default=10, help="posters in the throughput run")
    parser.add_argument("--duration", type=float, default=10.0, help="throughput run, seconds")
    parser.add_argument("--throughput-readers", type=int, default=200)
    parser.add_argument("--idle", type=int, default=200, help="python: sockets, memory figure")
    parser.add_argument("--client-procs", type=int, default=2, help="bulk reader processes")
    parser.add_argument(
        "--sentinels",
        type=int,
        default=10,
        help="readers in their own light process that join last (see the module's notes)",
    )
    parser.add_argument(
        "--relaxed-ms",
        type=float,
        default=0.0,
        help="python: repeat the largest latency run with this pace (0: do not)",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="python: pin the single server to CPU 0 and the client processes to CPU 1",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy server A (and a python client process) during the largest latency run, "
        "and server A during the sustained run",
    )
    parser.add_argument(
        "--fast-fanout",
        default="on",
        help="python: SOCKETIO_FAST_FANOUT of the servers: on, off, or off,on to A/B them",
    )
    parser.add_argument(
        "--sqlite-synchronous",
        default="",
        help="python: one-process (SQLite) deployments once per value: NORMAL, FULL, or a "
        "list such as NORMAL,FULL,NORMAL,FULL (default: the server's own, FULL)",
    )
    parser.add_argument(
        "--burst-only",
        action="store_true",
        help="Node.js: only the burst (connect and join) and the memory figure, then stop "
        "(with --profile: py-spy on server A during the burst)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    kinds = {v.strip() for v in args.clients.split(",") if v.strip()}
    if not kinds or kinds - {"node", "python"}:
        raise SystemExit(f"--clients: node, python or both (got {args.clients!r})")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so every finally block runs
    started = time.monotonic()
    ctx = multiprocessing.get_context("spawn")
    results: list[dict[str, Any]] = []
    node_results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-comments-") as tmp:
        try:
            if "node" in kinds:
                _install_ws()
                node = Settings(
                    readers=[args.node_readers],
                    comments=args.node_comments,
                    interval=args.node_interval_ms / 1000,
                    posters=args.posters,
                    duration=args.duration,
                    throughput_readers=args.throughput_readers,
                    idle=args.node_readers,
                    client_procs=max(1, args.client_procs),
                    sentinels=max(1, min(args.sentinels, args.throughput_readers)),
                    relaxed=0.0,
                    pin=False,
                    profile=args.profile,
                    workdir=Path(tmp),
                    width=args.width,
                    deflate=args.deflate,
                    burst_only=args.burst_only,
                )
                for number in range(1, args.rounds + 1):
                    order = ["product", "reference"] if args.reference == "node" else ["product"]
                    if number % 2 == 0:  # alternate, so neither always meets the same load
                        order.reverse()
                    for kind in order:
                        processes = _ints(args.processes) if kind == "product" else [1]
                        for count in processes:
                            node_results.append(run_node(kind, count, node, number))
            if "python" in kinds:
                readers = _ints(args.readers)
                settings = Settings(
                    readers=readers,
                    comments=args.comments,
                    interval=args.interval_ms / 1000,
                    posters=args.posters,
                    duration=args.duration,
                    throughput_readers=args.throughput_readers,
                    idle=args.idle,
                    client_procs=max(1, args.client_procs),
                    sentinels=max(1, min(args.sentinels, *readers, args.throughput_readers)),
                    relaxed=args.relaxed_ms / 1000,
                    pin=args.pin and (os.cpu_count() or 1) > 1,
                    profile=args.profile,
                    workdir=Path(tmp),
                )
                modes = _synchronous(args.sqlite_synchronous)
                runs = [
                    (p, f, s)
                    for f in _fanouts(args.fast_fanout)
                    for p in _ints(args.processes)
                    for s in (modes if p == 1 else [None])
                ]
                for processes, fanout, synchronous in runs:
                    results.append(run_deployment(processes, settings, ctx, fanout, synchronous))
        except Exception:
            for log in sorted(Path(tmp).glob("instance-*/serve-*.log")):
                print(f"--- {log.name} (last lines)", file=sys.stderr)
                text = log.read_text(errors="replace")
                print(text[-2000:], file=sys.stderr)
                shutil.copy(log, Path(tempfile.gettempdir()) / f"bench-{log.name}")
            raise
    text = report(results, time.monotonic() - started) if results else ""
    if node_results:
        text = report_node(node_results) + ("\n\npython-socketio clients:\n" + text if text else "")
    print(text)
    if args.json:
        both = {"node": node_results, "python": results}
        args.json.write_text(json.dumps(both, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
