"""Speaking one sentence: cache first, then the engine with retries, then the fallback engine.

Thread-safe: the pipeline calls :meth:`Voices.sentence` from a few worker threads at once.
Once the primary engine has failed ``retries + 1`` times in a row on one chunk, every later
chunk of the document goes to the fallback (one switch, no flapping between voices).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tts import audio
from tts.cache import ChunkCache, cache_key
from tts.engines.base import BadAudio, Engine, EngineError, EngineRateLimited, EngineUnavailable
from tts.result import NO_ENGINE, PipelineError
from tts.segment import cut

__all__ = ["RetryPolicy", "Spoken", "Voices"]

logger = logging.getLogger(__name__)

_RETRYABLE = (EngineUnavailable, EngineRateLimited)
PIECE_PAUSE = 0.15  # seconds between the pieces of one sentence cut for the engine's limit


@dataclass(frozen=True)
class RetryPolicy:
    """How long to insist on a failing engine: ``retries`` more tries after the first, waiting
    ``backoff[i]`` (times 1 to 1 + ``jitter``) or the server's Retry-After, at most
    ``max_delay``."""

    retries: int = 3
    backoff: tuple[float, ...] = (0.5, 1.0, 2.0)
    max_delay: float = 10.0
    jitter: float = 0.25
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, hint: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        base = self.backoff[min(attempt, len(self.backoff) - 1)] if self.backoff else 0.0
        if hint is not None:
            base = max(base, hint)
        jitter = 1 + random.uniform(0, self.jitter)  # noqa: S311 - spreading retries, not crypto
        return min(self.max_delay, base * jitter)


@dataclass(frozen=True, slots=True)
class Spoken:
    """One sentence's audio (PCM at :data:`tts.audio.RATE`), or None and why it was skipped."""

    pcm: bytes | None
    engine: str
    warning: str | None = None


class Voices:
    """The primary engine, its fallback, the cache and the retry policy of one document."""

    def __init__(
        self,
        primary: Engine,
        fallback: Engine | None,
        cache: ChunkCache,
        *,
        speed: float,
        retry: RetryPolicy,
    ) -> None:
        self.primary, self.fallback, self.cache = primary, fallback, cache
        self.speed, self.retry = speed, retry
        self.active = primary
        self.fell_back = False
        self.switch_reason = ""
        self._lock = threading.Lock()

    def sentence(self, spoken: str) -> Spoken:
        """Audio for one normalised sentence; BadAudio on any piece skips the sentence."""
        parts: list[bytes] = []
        engine = self.active
        try:
            for piece in cut(spoken, self.active.max_chars):
                pcm, engine = self._piece(piece)
                if parts:
                    parts.append(audio.silence(PIECE_PAUSE / self.speed))
                parts.append(pcm)
        except EngineError as exc:  # BadAudio twice, or another failure on this text alone
            logger.warning(
                "skipping a sentence after %s from %s: %s", type(exc).__name__, engine.name, exc
            )
            return Spoken(None, engine.name, str(exc))
        return Spoken(b"".join(parts), engine.name)

    def _piece(self, text: str) -> tuple[bytes, Engine]:
        """Trimmed PCM for one engine-sized piece: cached, or synthesised. BadAudio twice in a
        row (from the engine or the decoder) raises BadAudio; an engine that stays unreachable
        raises PipelineError (from :meth:`_call`)."""
        engine = self.active
        key = cache_key(text, engine.name, engine.voice, self.speed)
        data = self.cache.get(key)
        if data is not None:
            try:
                return audio.trim(audio.decode(data)), engine
            except BadAudio:
                logger.warning("cached chunk %s does not decode; synthesising again", key)
        for attempt in range(2):
            try:
                data, engine = self._call(text)
                pcm = audio.decode(data)
            except BadAudio:
                if attempt:
                    raise
                continue
            self.cache.put(cache_key(text, engine.name, engine.voice, self.speed), data)
            return audio.trim(pcm), engine
        raise AssertionError("unreachable")

    def _call(self, text: str) -> tuple[bytes, Engine]:
        """The active engine's output for ``text``, retrying and then switching to the fallback;
        PipelineError when no engine is left."""
        engine = self.active
        for attempt in range(self.retry.retries + 1):
            try:
                return engine.synthesize(text, speed=self.speed), engine
            except _RETRYABLE as exc:
                failure: EngineError = exc
                if self.active is not engine:
                    break  # another worker already gave up on this engine
                if attempt < self.retry.retries:
                    hint = exc.retry_after if isinstance(exc, EngineRateLimited) else None
                    wait = self.retry.delay(attempt, hint)
                    logger.info("%s failed (%s); retry in %.1f s", engine.name, exc, wait)
                    self.retry.sleep(wait)
        else:
            self._switch(engine, failure)
        if self.active is engine:
            raise PipelineError(NO_ENGINE.format(reason=failure))
        return self._call(text)

    def _switch(self, failed: Engine, reason: EngineError) -> None:
        with self._lock:
            if self.active is not failed:
                return
            if failed is self.primary and self.fallback is not None:
                logger.warning(
                    "%s keeps failing (%s); switching to %s",
                    failed.name,
                    reason,
                    self.fallback.name,
                )
                self.active, self.fell_back = self.fallback, True
                self.switch_reason = str(reason)
