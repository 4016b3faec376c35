"""espeak-ng: the offline voice. Robotic, but always there and hundreds of times real time.

Sentences go to long-lived worker processes (:mod:`tts.engines.espeak_worker`, libespeak-ng
loaded once), one per thread that is speaking at the moment, instead of one espeak-ng process
per sentence: starting espeak-ng and loading its Vietnamese voice cost more CPU than speaking
an average sentence. Each answer holds exactly one sentence's samples. Where the library cannot
be loaded, each sentence runs the espeak-ng command as before.
"""

from __future__ import annotations

import logging
import os
import select
import shutil
import struct
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

from tts.engines import espeak_worker as proto
from tts.engines.base import BadAudio, EngineUnavailable

__all__ = ["EspeakEngine"]

logger = logging.getLogger(__name__)

#: espeak-ng's own default rate; ``speed`` scales it.
BASE_WPM = 175
_MIN_WPM, _MAX_WPM = 80, 450
_WAV_HEADER = 44
_RATE = 22050  # espeak-ng's output rate
_WORKER = Path(proto.__file__)

_NOT_INSTALLED = "Máy chủ chưa cài bộ đọc espeak-ng."
_TOO_SLOW = "Bộ đọc espeak-ng không trả lời kịp."
_CANNOT_RUN = "Không chạy được bộ đọc espeak-ng."
_UNREADABLE = "Bộ đọc espeak-ng không đọc được câu này."
_EMPTY = "Bộ đọc espeak-ng trả về âm thanh rỗng."


class EspeakEngine:
    """espeak-ng, text in UTF-8 (never as an argument, so a text starting with "-" is not an
    option), 16-bit mono WAV out at 22050 Hz.

    Worker processes start on demand and wait for the next sentence; :meth:`close` stops the
    idle ones (the pipeline calls it at the end of a document; the engine still works after it),
    and so does garbage collection or the end of the program."""

    name = "espeak"
    max_chars = 500  # no hard limit; shorter calls keep one bad sentence from costing much

    def __init__(
        self,
        voice: str = "vi",
        *,
        binary: str = "espeak-ng",
        timeout: float = 60,
        persistent: bool = True,
    ) -> None:
        self.voice = voice
        self.binary = binary
        self.timeout = timeout
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        #: Worker processes; False: the espeak-ng command once per sentence (also what happens
        #: when a worker finds no libespeak-ng).
        self.persistent = persistent
        self._finalizer = weakref.finalize(self, _stop_all, self._idle, self._lock)

    def words_per_minute(self, speed: float) -> int:
        """Map ``speed`` (1.0 normal) to espeak-ng's ``-s`` words per minute, within its range."""
        return max(_MIN_WPM, min(_MAX_WPM, round(BASE_WPM * speed)))

    def available(self) -> bool:
        """Whether espeak-ng is installed (its command is; the library comes with it)."""
        return shutil.which(self.binary) is not None

    def synthesize(self, text: str, *, speed: float) -> bytes:
        """WAV bytes for ``text``; raises EngineUnavailable or BadAudio."""
        if not self.available():
            raise EngineUnavailable(_NOT_INSTALLED)
        wpm = self.words_per_minute(speed)
        if self.persistent:
            pcm = self._from_worker(text.replace("\0", " "), wpm)
            if pcm is not None:
                if not pcm:
                    raise BadAudio(_EMPTY)
                return _wav(pcm)
        return self._from_command(text, wpm)

    def close(self) -> None:
        """Stop the idle worker processes (and wait for them, so their CPU time is counted)."""
        _stop_all(self._idle, self._lock)

    def worker_pids(self) -> list[int]:
        """Process ids of the idle workers (for monitoring and tests)."""
        with self._lock:
            return [worker.process.pid for worker in self._idle]

    def _from_worker(self, text: str, wpm: int) -> bytes | None:
        """PCM from a worker, or None when there is no library (use the command)."""
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is not None and worker.process.poll() is not None:
            logger.warning("espeak-ng worker %s died while idle", worker.process.pid)
            worker.stop()
            worker = None
        if worker is None:
            worker = _Worker.start(self.voice, self.timeout)
            if worker is None:
                self.persistent = False
                logger.warning("no espeak-ng worker (libespeak-ng?); one command per sentence")
                return None
        try:
            pcm = worker.speak(text, wpm)
        except BaseException:
            worker.stop(kill=True)  # hung, dead, or in an unknown state
            raise
        with self._lock:
            self._idle.append(worker)
        return pcm

    def _from_command(self, text: str, wpm: int) -> bytes:
        command = [self.binary, "-v", self.voice, "-s", str(wpm), "-b", "1", "--stdout"]
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv, text goes through stdin
                command,
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError as exc:
            raise EngineUnavailable(_NOT_INSTALLED) from exc
        except subprocess.TimeoutExpired as exc:
            raise EngineUnavailable(_TOO_SLOW) from exc
        except OSError as exc:  # cannot fork or exec: out of memory or processes
            raise EngineUnavailable(_CANNOT_RUN) from exc
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()[:200]
            logger.warning("espeak-ng exited %s: %s", done.returncode, detail)
            if "voice" in detail.lower():
                raise EngineUnavailable(_no_voice(self.voice))
            raise BadAudio(_UNREADABLE)
        if len(done.stdout) <= _WAV_HEADER or not done.stdout.startswith(b"RIFF"):
            raise BadAudio(_EMPTY)
        return done.stdout


class _Worker:
    """One worker process and the two pipes to it."""

    def __init__(self, process: subprocess.Popen[bytes], timeout: float) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process, self.timeout = process, timeout
        self.to_worker, self.from_worker = process.stdin.fileno(), process.stdout.fileno()

    @classmethod
    def start(cls, voice: str, timeout: float) -> _Worker | None:
        """A ready worker; None when libespeak-ng cannot be loaded. Raises EngineUnavailable
        when the voice is missing or the process cannot start."""
        command = [sys.executable, "-I", "-S", str(_WORKER), voice]
        try:
            process = subprocess.Popen(  # noqa: S603 - our own script, fixed argv
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise EngineUnavailable(_CANNOT_RUN) from exc
        worker = cls(process, timeout)
        try:
            status, _ = worker._answer(time.monotonic() + timeout)
        except BadAudio:  # it ended without a word: not a Python that can run the worker
            status = proto.NO_LIBRARY
        except BaseException:
            worker.stop(kill=True)
            raise
        if status == proto.OK:
            return worker
        worker.stop(kill=status != proto.NO_VOICE)
        if status == proto.NO_VOICE:
            raise EngineUnavailable(_no_voice(voice))
        return None

    def speak(self, text: str, wpm: int) -> bytes:
        """The samples of ``text``; BadAudio when the library refuses it or the worker dies,
        EngineUnavailable when it does not answer within the timeout."""
        data = text.encode("utf-8")
        deadline = time.monotonic() + self.timeout
        try:
            self._write(proto.REQUEST.pack(wpm, len(data)) + data, deadline)
        except BrokenPipeError as exc:
            raise BadAudio(_UNREADABLE) from exc
        status, pcm = self._answer(deadline)
        if status != proto.OK:
            raise BadAudio(_UNREADABLE)
        return pcm

    def stop(self, *, kill: bool = False) -> None:
        """End the worker (end of input, then a kill if it lingers; at once with ``kill``)
        and reap it."""
        if kill:
            self.process.kill()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _answer(self, deadline: float) -> tuple[int, bytes]:
        status, size = proto.ANSWER.unpack(self._read(proto.ANSWER.size, deadline))
        return status, self._read(size, deadline)

    def _read(self, size: int, deadline: float) -> bytes:
        buffer = bytearray()
        while len(buffer) < size:
            self._wait(self.from_worker, deadline, reading=True)
            chunk = os.read(self.from_worker, min(size - len(buffer), 1 << 20))
            if not chunk:  # the worker died (a crash on this text)
                logger.warning("espeak-ng worker %s ended", self.process.pid)
                raise BadAudio(_UNREADABLE)
            buffer += chunk
        return bytes(buffer)

    def _write(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            self._wait(self.to_worker, deadline, reading=False)
            try:
                view = view[os.write(self.to_worker, view) :]
            except BlockingIOError:  # gevent makes pipes non-blocking
                continue

    @staticmethod
    def _wait(fd: int, deadline: float, *, reading: bool) -> None:
        """Until ``fd`` can be read (or written); EngineUnavailable past the deadline. (select
        rather than a blocking read: under gevent it lets the other greenlets run.)"""
        left = max(0.0, deadline - time.monotonic())
        readable, writable, _ = select.select(
            [fd] if reading else [], [] if reading else [fd], [], left
        )
        if not (readable or writable):
            raise EngineUnavailable(_TOO_SLOW)


def _stop_all(idle: list[_Worker], lock: threading.Lock) -> None:
    with lock:
        workers = idle[:]
        idle.clear()
    for worker in workers:
        worker.stop()


def _no_voice(voice: str) -> str:
    return f"Bộ đọc espeak-ng không có giọng “{voice}”."


def _wav(pcm: bytes) -> bytes:
    """A WAV file around 16-bit mono PCM at espeak-ng's rate."""
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + len(pcm), b"WAVE", b"fmt ", 16, 1, 1,
        _RATE, 2 * _RATE, 2, 16, b"data", len(pcm),
    )  # fmt: skip
    return header + pcm
