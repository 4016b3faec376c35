"""One espeak-ng worker process as its parent sees it: start, one sentence, stop.

The worker itself is :mod:`tts.engines.espeak_worker`. A worker is known to be alive only by
what its pipes say while it is being used: a closed pipe (end of file, or a broken pipe) is a
death, a silence past the deadline is a hang. ``Popen.poll()`` cannot tell: the worker has two
threads (libespeak-ng starts one), and a killed worker's main thread shows as a zombie while
the other is still exiting, and until then ``waitpid`` may not reap it, so ``poll()`` still
says "running" (under gevent it answers from the hub's child watcher, which may not have run
yet). And a worker may die at any moment after any check. Hence :class:`WorkerLost`, raised
only where the pipe shows it, which the engine answers by trying the sentence again on a
fresh worker."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

from tts.engines import espeak_worker as proto

__all__ = ["NoVoice", "Refused", "WorkerDied", "WorkerHung", "WorkerLost", "WorkerProcess"]

_WORKER = Path(proto.__file__)


class WorkerLost(Exception):
    """The worker can no longer be trusted with a sentence; it has been (or must be) killed."""

    def __init__(self, pid: int, what: str) -> None:
        super().__init__(f"espeak-ng worker {pid} {what}")
        self.pid = pid


class WorkerDied(WorkerLost):
    """Its pipe closed before the answer was complete: it ended (was killed, or crashed)."""


class WorkerHung(WorkerLost):
    """It did not answer within the timeout."""


class NoVoice(Exception):
    """libespeak-ng has no such voice."""


class Refused(Exception):
    """The library could not speak this text (the worker answered, and stays usable)."""


class WorkerProcess:
    """One worker process and the two pipes to it. Between two calls of :meth:`speak` the
    pipes hold nothing: a worker that has not given a complete answer is never used again."""

    def __init__(self, process: subprocess.Popen[bytes], timeout: float) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process, self.timeout = process, timeout
        self.to_worker, self.from_worker = process.stdin.fileno(), process.stdout.fileno()

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self.process.pid

    @classmethod
    def start(cls, voice: str, timeout: float) -> WorkerProcess | None:
        """A ready worker; None when libespeak-ng cannot be loaded (or this Python cannot run
        the worker). Raises NoVoice, OSError when no process can start, WorkerLost when it is
        killed or hangs before it is ready (it is then reaped)."""
        command = [sys.executable, "-I", "-S", str(_WORKER), voice]
        process = subprocess.Popen(  # noqa: S603 - our own script, fixed argv
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )  # close_fds (the default): no worker holds another worker's pipe open
        worker = cls(process, timeout)
        try:
            status, _ = worker._answer(time.monotonic() + timeout)
        except WorkerDied:
            if worker.stop() < 0:  # killed by a signal: a death like any other
                raise
            return None  # it exited without a word: not a Python that can run the worker
        except BaseException:
            worker.stop(kill=True)
            raise
        if status == proto.OK:
            return worker
        worker.stop(kill=status != proto.NO_VOICE)
        if status == proto.NO_VOICE:
            raise NoVoice(voice)
        return None

    def speak(self, text: str, wpm: int) -> bytes:
        """The samples of ``text``, whole; Refused when the library cannot speak it, WorkerDied
        or WorkerHung when the worker ends or does not answer in time."""
        data = text.encode("utf-8")
        deadline = time.monotonic() + self.timeout
        self._write(proto.REQUEST.pack(wpm, len(data)) + data, deadline)
        status, pcm = self._answer(deadline)
        if status != proto.OK:
            raise Refused(text)
        return pcm

    def stop(self, *, kill: bool = False) -> int:
        """End the worker (end of input, then a kill if it lingers; at once with ``kill``),
        reap it and return its exit status (negative: the signal that ended it)."""
        if kill:
            self.process.kill()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        try:
            return self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def _answer(self, deadline: float) -> tuple[int, bytes]:
        status, size = proto.ANSWER.unpack(self._read(proto.ANSWER.size, deadline))
        return status, self._read(size, deadline)

    def _read(self, size: int, deadline: float) -> bytes:
        buffer = bytearray()
        while len(buffer) < size:
            self._wait(self.from_worker, deadline, reading=True)
            try:
                chunk = os.read(self.from_worker, min(size - len(buffer), 1 << 20))
            except BlockingIOError:  # gevent makes pipes non-blocking
                continue
            if not chunk:
                raise WorkerDied(self.pid, "ended before its answer was complete")
            buffer += chunk
        return bytes(buffer)

    def _write(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            self._wait(self.to_worker, deadline, reading=False)
            try:
                view = view[os.write(self.to_worker, view) :]
            except BlockingIOError:
                continue
            except BrokenPipeError as exc:
                raise WorkerDied(self.pid, "had ended when it was given a sentence") from exc

    def _wait(self, fd: int, deadline: float, *, reading: bool) -> None:
        """Until ``fd`` can be read (or written); WorkerHung past the deadline. (select rather
        than a blocking read: under gevent it lets the other greenlets run.)"""
        left = max(0.0, deadline - time.monotonic())
        readable, writable, _ = select.select(
            [fd] if reading else [], [] if reading else [fd], [], left
        )
        if not (readable or writable):
            raise WorkerHung(self.pid, f"did not answer within {self.timeout:g} s")
