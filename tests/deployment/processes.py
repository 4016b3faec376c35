"""Looking at the real server's processes: its job worker child, its priority, its end."""

from __future__ import annotations

import time
from pathlib import Path


def _stat(pid: int) -> list[str] | None:
    """``/proc/<pid>/stat``'s fields after the command name, or None if there is no such
    process (a zombie counts as ended: it runs nothing)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return None if fields[0] in ("Z", "X") else fields


def running(pid: int) -> bool:
    return _stat(pid) is not None


def children(pid: int) -> list[int]:
    """The running processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def job_worker(serve: int, timeout: float = 60, other_than: int | None = None) -> int:
    """The pid of ``serve``'s job worker child (a new one, given the one it replaced)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in children(serve):
            try:
                argv = cmdline(pid)
            except FileNotFoundError:
                continue
            if "worker" not in argv or "--parent" not in argv:
                continue
            if argv[argv.index("--parent") + 1] == str(serve) and pid != other_than:
                return pid
        time.sleep(0.1)
    raise AssertionError(f"serve {serve} has no job worker")


def wait_ended(pid: int, timeout: float = 15) -> bool:
    """Whether ``pid`` has ended within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running(pid):
            return True
        time.sleep(0.05)
    return False


def priority_of_threads(pid: int) -> set[tuple[int, int]]:
    """The niceness and scheduling policy (0 normal, 3 batch) of each thread of ``pid``
    (Linux keeps both per thread)."""
    values = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        fields = _stat(int(task.name))
        if fields is not None:  # fields 19 and 41 of stat, counted here after the name
            values.add((int(fields[16]), int(fields[38])))
    return values
