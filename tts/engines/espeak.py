"""espeak-ng: the offline voice. Robotic, but always there and hundreds of times real time."""

from __future__ import annotations

import logging
import shutil
import subprocess

from tts.engines.base import BadAudio, EngineUnavailable

__all__ = ["EspeakEngine"]

logger = logging.getLogger(__name__)

#: espeak-ng's own default rate; ``speed`` scales it.
BASE_WPM = 175
_MIN_WPM, _MAX_WPM = 80, 450
_WAV_HEADER = 44


class EspeakEngine:
    """espeak-ng in a subprocess, text on stdin (so a text starting with "-" is not an option),
    16-bit mono WAV on stdout at 22050 Hz."""

    name = "espeak"
    max_chars = 500  # no hard limit; shorter calls keep one bad sentence from costing much

    def __init__(
        self, voice: str = "vi", *, binary: str = "espeak-ng", timeout: float = 60
    ) -> None:
        self.voice = voice
        self.binary = binary
        self.timeout = timeout

    def words_per_minute(self, speed: float) -> int:
        """Map ``speed`` (1.0 normal) to espeak-ng's ``-s`` words per minute, within its range."""
        return max(_MIN_WPM, min(_MAX_WPM, round(BASE_WPM * speed)))

    def available(self) -> bool:
        """Whether the espeak-ng binary is installed."""
        return shutil.which(self.binary) is not None

    def synthesize(self, text: str, *, speed: float) -> bytes:
        """WAV bytes for ``text``; raises EngineUnavailable or BadAudio."""
        command = [self.binary, "-v", self.voice, "-s", str(self.words_per_minute(speed))]
        command += ["-b", "1", "--stdout"]  # -b 1: the input is UTF-8
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv, text goes through stdin
                command,
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError as exc:
            raise EngineUnavailable("Máy chủ chưa cài bộ đọc espeak-ng.") from exc
        except subprocess.TimeoutExpired as exc:
            raise EngineUnavailable("Bộ đọc espeak-ng không trả lời kịp.") from exc
        except OSError as exc:  # cannot fork or exec: out of memory or processes
            raise EngineUnavailable("Không chạy được bộ đọc espeak-ng.") from exc
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()[:200]
            logger.warning("espeak-ng exited %s: %s", done.returncode, detail)
            if "voice" in detail.lower():
                raise EngineUnavailable(f"Bộ đọc espeak-ng không có giọng “{self.voice}”.")
            raise BadAudio("Bộ đọc espeak-ng không đọc được câu này.")
        if len(done.stdout) <= _WAV_HEADER or not done.stdout.startswith(b"RIFF"):
            raise BadAudio("Bộ đọc espeak-ng trả về âm thanh rỗng.")
        return done.stdout
