"""The embedded mode's job worker: a child process of ``serve``, below its priority.

``serve`` runs every request and socket of the embedded default in one gevent thread, on one
core. Reading files and making audio ran there too, as greenlets, and took that core from the
pages. Now ``serve`` starts ``python -m handbook worker --parent <serve's pid>`` (``Worker``):
Huey's consumer on the SQLite queue in the instance folder, which both processes open (``serve``
queues, the worker takes), with the periodic sweeps and the scheduled tasks. So:

- **Priority.** Right after starting it, before it has made a thread, ``serve`` lowers the
  worker's CPU priority (``SERVER_JOB_NICE``, default 19, and ``SCHED_BATCH``: the kernel
  gives ``serve`` a core first and the worker what is left, the other core most of the time)
  and its disk priority (best effort, lowest); all its threads and the tools it runs (the
  extraction sandbox, Tesseract, espeak-ng) inherit both.
- **Start.** Two seconds after ``serve``, once it answers pages: the worker's own start
  imports the app too, and would otherwise compete with ``serve``'s start and first pages.
- **Supervision.** A worker that dies is started again (after 1 s, doubling to 30 s while it
  keeps dying at once); ``serve`` stopping (Ctrl-C, SIGTERM) ends it.
- **No orphan.** The worker asks the kernel to end it when its parent ends, however it ends,
  SIGKILL included (Linux's ``PR_SET_PDEATHSIG``), and checks its parent every second as well.
- **Ended with SIGKILL**, always: a job stopped mid-way is left claimed, as by a crash, and the
  next start takes it up at once (its owner is gone: ``core.claims``), from where it was. A
  gentler end let the job's own error handling run while the process wound down, and record
  the job as failed.
- **One log.** It writes to ``serve``'s output.

Its Socket.IO events reach ``serve``'s clients through ``core.jobevents``.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

#: The first worker starts this long after serve: its own start (it imports the app too) then
#: leaves serve's start and first pages alone.
FIRST_START_AFTER_S = 2.0
#: First wait before starting a worker that died, doubled while it keeps dying at once.
RESTART_DELAY_S = 1.0
MAX_RESTART_DELAY_S = 30.0
#: A worker that lived this long died of something new: the wait starts again from 1 s.
STABLE_AFTER_S = 60.0
#: How long ``stop`` waits for the killed worker (and its supervisor) to be gone.
STOP_TIMEOUT_S = 10.0

_PR_SET_PDEATHSIG = 1
#: The parents this process already follows.
_followed: set[int] = set()
#: ``ioprio_set`` by machine (no libc wrapper exists); elsewhere disk priority is left alone.
_IOPRIO_SET = {"x86_64": 251, "aarch64": 30, "riscv64": 30}
_IOPRIO_WHO_PROCESS, _IOPRIO_CLASS_BE, _IOPRIO_CLASS_SHIFT = 1, 2, 13

ROOT = Path(__file__).resolve().parents[2]


def lower_priority(pid: int, nice: int) -> None:
    """Make process ``pid`` ``nice`` steps less important than this one for the CPU (and a
    batch task), and lowest of the best-effort class for the disk."""
    try:
        os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, 0) + nice)
        # A batch task never preempts another when it wakes: a page being drawn is never
        # interrupted for the worker. (SCHED_IDLE would also stop it whenever anything else
        # wants the CPU: on a busy box, an OCR could then run out of its time limit.)
        os.sched_setscheduler(pid, os.SCHED_BATCH, os.sched_param(0))
    except OSError as exc:
        logger.warning("could not lower the job worker's CPU priority: %s", exc)
    number = _IOPRIO_SET.get(platform.machine())
    if number is None:
        return
    level = _IOPRIO_CLASS_BE << _IOPRIO_CLASS_SHIFT | 7
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(number, _IOPRIO_WHO_PROCESS, pid, level) != 0:
        logger.info("disk priority left as is: %s", os.strerror(ctypes.get_errno()))


def follow_parent(parent: int) -> None:
    """End this process (SIGKILL) when ``parent`` ends, even by SIGKILL (once per process:
    ``python -m handbook worker`` asks before the app is imported, the command again)."""
    if parent in _followed:
        return
    _followed.add(parent)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    except (OSError, AttributeError) as exc:  # not Linux: the check below still runs
        logger.info("no parent-death signal (%s); checking the parent every second", exc)
    if os.getppid() != parent:  # it ended before we asked
        raise SystemExit(f"serve (pid {parent}) has ended")
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGKILL)


class Worker:
    """Starts the job worker, starts it again when it dies, and stops it (``serve``'s side).

    Under ``serve`` the standard library is gevent's: the supervising thread is a greenlet
    and waiting on the child blocks nothing else.
    """

    def __init__(
        self,
        workers: int,
        *,
        nice: int,
        pass_fds: Sequence[int] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.argv = [
            sys.executable,
            "-m",
            "handbook",
            "worker",
            "--workers",
            str(workers),
            "--parent",
            str(os.getpid()),
        ]
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        self.env = {**os.environ, "PYTHONPATH": path, **(env or {})}
        self.nice, self.pass_fds = nice, tuple(pass_fds)
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="job-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        try:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                self.argv, env=self.env, pass_fds=self.pass_fds, stdin=subprocess.DEVNULL
            )
        except OSError:
            logger.exception("could not start the job worker")
            return None
        # Before it has made a thread: every thread and tool it starts inherits the priority.
        lower_priority(process.pid, self.nice)
        logger.info("job worker started: pid %s, nice +%s", process.pid, self.nice)
        return process

    def _supervise(self) -> None:
        if self._stopping.wait(FIRST_START_AFTER_S):
            return
        delay = RESTART_DELAY_S
        while not self._stopping.is_set():
            started = time.monotonic()
            self.process = process = self._spawn()
            if process is not None:
                if self._stopping.is_set():  # stop() ran while it was starting
                    self._end(process)
                    return
                code = process.wait()
                if self._stopping.is_set():
                    return
                if time.monotonic() - started >= STABLE_AFTER_S:
                    delay = RESTART_DELAY_S
                logger.warning(
                    "the job worker (pid %s) ended with %s; starting it again in %.0f s",
                    process.pid,
                    code,
                    delay,
                )
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, MAX_RESTART_DELAY_S)

    def stop(self) -> None:
        """Stop supervising and end the worker."""
        self._stopping.set()
        if self.process is not None:
            self._end(self.process)
        if self._thread.is_alive():
            self._thread.join(STOP_TIMEOUT_S)

    @staticmethod
    def _end(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            logger.info("stopping the job worker (pid %s)", process.pid)
            process.kill()
            process.wait(STOP_TIMEOUT_S)
