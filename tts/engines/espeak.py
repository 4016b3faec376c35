"""espeak-ng: the offline voice. Robotic, but always there and hundreds of times real time.

Sentences go to long-lived worker processes (:mod:`tts.engines.espeak_worker`, libespeak-ng
loaded once), one per thread that is speaking at the moment, instead of one espeak-ng process
per sentence: starting espeak-ng and loading its Vietnamese voice cost more CPU than speaking
an average sentence. Each answer holds exactly one sentence's samples. A worker that dies or
hangs is killed and the sentence goes to a fresh one (:mod:`tts.engines.espeak_process` says
why only the pipes can tell). Where the library cannot be loaded, each sentence runs the
espeak-ng command as before.
"""

from __future__ import annotations

import logging
import shutil
import struct
import subprocess
import threading
import weakref

from tts.engines.base import BadAudio, EngineUnavailable
from tts.engines.espeak_process import NoVoice, Refused, WorkerHung, WorkerLost, WorkerProcess

__all__ = ["EspeakEngine"]

logger = logging.getLogger(__name__)

#: espeak-ng's own default rate; ``speed`` scales it.
BASE_WPM = 175
_MIN_WPM, _MAX_WPM = 80, 450
_WAV_HEADER = 44
_RATE = 22050  # espeak-ng's output rate
#: Workers a sentence may be tried on: an idle one (or a fresh one), then a fresh one. A
#: sentence that also kills or hangs a fresh worker is the sentence's fault: it fails.
_TRIES = 2

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
    and so does garbage collection or the end of the program. ``timeout`` bounds each try of a
    sentence (and a worker's start)."""

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
        self._idle: list[WorkerProcess] = []
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
            return [worker.pid for worker in self._idle]

    def _from_worker(self, text: str, wpm: int) -> bytes | None:
        """PCM from a worker, or None when there is no library (use the command).

        A worker that dies or hangs on the way (killed while idle or mid-sentence, crashed, or
        stopped) is killed and reaped, and the sentence goes to a fresh worker; its partial
        answer is dropped, so the audio is one whole answer, never less nor twice. Only when
        the fresh worker fails too: BadAudio (it died) or EngineUnavailable (it hung)."""
        lost: WorkerLost | None = None
        for attempt in range(_TRIES):
            try:
                worker = (self._idle_worker() if attempt == 0 else None) or self._start_worker()
            except WorkerLost as exc:  # killed or hung while starting (and reaped)
                lost = _logged(exc, attempt)
                continue
            if worker is None:
                self.persistent = False
                logger.warning("no espeak-ng worker (libespeak-ng?); one command a sentence")
                return None
            try:
                pcm = worker.speak(text, wpm)
            except WorkerLost as exc:
                worker.stop(kill=True)
                lost = _logged(exc, attempt)
                continue
            except BaseException as exc:  # refused (its library's state unknown), or interrupted
                worker.stop(kill=True)  # half-way (a timeout, a greenlet killed)
                if isinstance(exc, Refused):
                    raise BadAudio(_UNREADABLE) from exc
                raise
            self._give_back(worker)
            return pcm
        if isinstance(lost, WorkerHung):
            raise EngineUnavailable(_TOO_SLOW) from lost
        raise BadAudio(_UNREADABLE) from lost

    def _idle_worker(self) -> WorkerProcess | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def _give_back(self, worker: WorkerProcess) -> None:
        with self._lock:
            self._idle.append(worker)

    def _start_worker(self) -> WorkerProcess | None:
        """A fresh, ready worker; None when there is no libespeak-ng. (Tests override it to
        make the workers they start die or hang.)"""
        try:
            return WorkerProcess.start(self.voice, self.timeout)
        except NoVoice as exc:
            raise EngineUnavailable(_no_voice(self.voice)) from exc
        except OSError as exc:  # cannot fork or exec: out of memory or processes
            raise EngineUnavailable(_CANNOT_RUN) from exc

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


def _stop_all(idle: list[WorkerProcess], lock: threading.Lock) -> None:
    with lock:
        workers = idle[:]
        idle.clear()
    for worker in workers:
        worker.stop()


def _logged(lost: WorkerLost, attempt: int) -> WorkerLost:
    then = "the sentence goes to a fresh worker" if attempt + 1 < _TRIES else "the sentence fails"
    logger.warning("%s; %s", lost, then)
    return lost


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
