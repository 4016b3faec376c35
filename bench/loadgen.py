"""Load and its price, for ``bench/pages.py``: wrk against one URL, the server's CPU for it, the
client's own CPU, and one reader on one keep-alive connection.

Why each piece is here:

- **wrk** (Debian's, ``/usr/bin/wrk``), because a Python client costs more CPU per request than
  a cheap page and would measure itself; its own CPU is reported so the reader can check that.
- **A Lua ``done`` hook** prints one JSON line: wrk's ``--latency`` table has no p95, and the
  summary's error counts and bytes are wanted as numbers, not parsed prose.
- **The server's CPU per request** is utime+stime of its pid (every thread) from ``/proc``,
  before and after, divided by the requests wrk completed: what the page costs the server, free
  of the client's scheduling noise on a shared machine.
- **One reader on keep-alive** (``http.client``, one connection, sequential requests) shows
  the latency a lone member sees, which Nagle and delayed ACKs can stretch to ~40 ms per page
  when a response leaves in two writes: ``stalls`` counts those requests.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

WRK = "/usr/bin/wrk"

#: wrk's summary as one JSON line (latency in microseconds), after its usual text.
_DONE_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nBENCH-JSON {"requests":%d,"duration_us":%d,"bytes":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
    .. '"mean":%.1f,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max))
end
"""

#: A response slower than this on an idle keep-alive connection is taken for a Nagle/delayed-ACK
#: stall (Linux delays an ACK up to 40 ms; a page's own work here is a few ms).
STALL_S = 0.035


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and all its threads, in seconds (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the ")" closing the command name: state is fields[0], utime is 14th of stat → [11].
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class WrkResult:
    """One wrk run: throughput, latency (ms), the server's and wrk's CPU."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    bytes_per_response: float
    errors: int
    server_cpu_ms_per_request: float
    server_cpu_share: float  # of one core, over the run
    wrk_cpu_ms_per_request: float
    wrk_cpu_share: float


def run_wrk(
    url: str,
    *,
    server_pid: int,
    headers: dict[str, str],
    connections: int = 50,
    threads: int = 2,
    duration_s: int = 10,
) -> WrkResult:
    """wrk ``-c -t -d --latency`` with these headers; the server's CPU read around it."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_DONE_LUA)
    command = [
        WRK,
        f"-c{connections}",
        f"-t{threads}",
        f"-d{duration_s}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        script.name,
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    try:
        before = cpu_seconds(server_pid)
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert process.stdout is not None
        output = process.stdout.read().decode()
        # wait4, not wait: the child's own CPU (wrk's price) comes with its exit status.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        after = cpu_seconds(server_pid)
    finally:
        os.unlink(script.name)
    line = next((x for x in output.splitlines() if x.startswith("BENCH-JSON ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}")
    data = json.loads(line.removeprefix("BENCH-JSON "))
    requests = max(int(data["requests"]), 1)
    seconds = data["duration_us"] / 1e6
    wrk_cpu = usage.ru_utime + usage.ru_stime
    return WrkResult(
        requests=requests,
        seconds=round(seconds, 2),
        rps=round(requests / seconds, 1),
        p50_ms=data["p50"] / 1000,
        p90_ms=data["p90"] / 1000,
        p95_ms=data["p95"] / 1000,
        p99_ms=data["p99"] / 1000,
        max_ms=data["max"] / 1000,
        bytes_per_response=round(data["bytes"] / requests, 1),
        errors=sum(int(data[k]) for k in ("connect", "read", "write", "status", "timeout")),
        server_cpu_ms_per_request=round((after - before) * 1000 / requests, 3),
        server_cpu_share=round((after - before) / seconds, 3),
        wrk_cpu_ms_per_request=round(wrk_cpu * 1000 / requests, 3),
        wrk_cpu_share=round(wrk_cpu / seconds, 3),
    )


@dataclass
class KeepAliveResult:
    """One reader, one persistent connection, sequential requests (latency in ms)."""

    requests: int
    median_ms: float
    p95_ms: float
    max_ms: float
    stalls: int  # requests slower than STALL_S
    status: int
    server_cpu_ms_per_request: float


def keep_alive(
    url: str, *, server_pid: int, headers: dict[str, str], requests: int = 200
) -> KeepAliveResult:
    """``requests`` GETs one after the other on one ``http.client`` connection (which sets
    TCP_NODELAY on its side and sends each request in one write)."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    times: list[float] = []
    status = 0
    try:
        for _ in range(3):  # open the connection, warm whatever the first request warms
            connection.request("GET", path, headers=headers)
            connection.getresponse().read()
        before = cpu_seconds(server_pid)
        for _ in range(requests):
            start = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            times.append(time.perf_counter() - start)
            status = response.status
        after = cpu_seconds(server_pid)
    finally:
        connection.close()
    times.sort()
    return KeepAliveResult(
        requests=requests,
        median_ms=round(statistics.median(times) * 1000, 2),
        p95_ms=round(times[int(len(times) * 0.95) - 1] * 1000, 2),
        max_ms=round(times[-1] * 1000, 2),
        stalls=sum(t >= STALL_S for t in times),
        status=status,
        server_cpu_ms_per_request=round((after - before) * 1000 / requests, 3),
    )


def as_dict(result: WrkResult | KeepAliveResult) -> dict[str, object]:
    return asdict(result)
