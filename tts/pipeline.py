"""A document's sections to one MP3 with chapters and a sentence-level timing map.

Sentences are cut from the ORIGINAL text (so each timing's ``text`` can be highlighted in the
page) and normalised one by one, acronyms learned across the whole document; only the engines see
normalised text. Then: synthesise each sentence (cache first; a few worker threads, each with
its own espeak-ng worker process, stopped at the end; retries, then the fallback engine) → trim
→ join with pauses → one MP3 stream written atomically → chapters.
"""

from __future__ import annotations

import errno
import logging
import os
import time
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from docs_store.extract.legacy import looks_legacy
from tts import audio
from tts import result as msg
from tts.abbreviations import builtin_abbreviations, learn_definitions
from tts.atomic import AtomicWriter
from tts.cache import ChunkCache
from tts.engines import Engine, voice_label
from tts.engines.base import Closable
from tts.normalize import normalize_line
from tts.result import (
    AudioResult,
    Chapter,
    EarlyAudio,
    PipelineError,
    Section,
    Timing,
    timing_map,
)
from tts.segment import split
from tts.voices import RetryPolicy, Spoken, Voices

__all__ = [
    "AudioResult",
    "Chapter",
    "EarlyAudio",
    "PipelineError",
    "RetryPolicy",
    "Section",
    "Timing",
    "synthesize_document",
]

logger = logging.getLogger(__name__)

#: Pauses at speed 1.0, in seconds; faster reading shortens them in proportion.
SENTENCE_PAUSE, PARAGRAPH_PAUSE, SECTION_PAUSE = 0.3, 0.7, 1.2
#: About 650 pages: past this a document should be split (the job would run for hours).
MAX_DOCUMENT_CHARS = 2_000_000
MIN_SPEED, MAX_SPEED = 0.5, 2.0
#: Early audio: the first part once this much is spoken, then each time the audio has grown by
#: half (at least a minute), or by 10 s after half a minute of a slow (online) voice.
EARLY_FIRST_S, EARLY_GROWTH, EARLY_MIN_STEP_S = 20.0, 1.5, 60.0
EARLY_SLOW_WAIT_S, EARLY_SLOW_STEP_S = 30.0, 10.0


@dataclass(frozen=True, slots=True)
class _Item:
    section: int
    paragraph: int
    index: int
    offset: int
    text: str
    spoken: str


def synthesize_document(
    sections: Sequence[Section],
    *,
    engine: Engine,
    fallback: Engine | None,
    cache: ChunkCache,
    out_path: Path,
    speed: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
    abbreviations: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    workers: int | None = None,
    title: str | None = None,
    max_chars: int = MAX_DOCUMENT_CHARS,
    early: Callable[[EarlyAudio], None] | None = None,
) -> AudioResult:
    """Read ``sections`` aloud into ``out_path`` (MP3) and return the timing map.

    ``progress(done, total)`` counts sentences. ``early(part)``, when given, is called now and
    then with the part written so far (see :class:`EarlyAudio`), so listening can start within
    seconds of publishing a long document; its failures are logged, never fatal.

    Raises PipelineError (one Vietnamese sentence) when there is nothing to read, no engine
    works, or the file cannot be written; ``out_path`` is then left as it was and no temp file
    remains."""
    if not MIN_SPEED <= speed <= MAX_SPEED:
        low, high = msg.vietnamese_number(MIN_SPEED), msg.vietnamese_number(MAX_SPEED)
        raise PipelineError(msg.BAD_SPEED.format(low=low, high=high))
    warnings: list[str] = []
    items = _plan(sections, abbreviations, max_chars, warnings)
    voices = Voices(engine, fallback, cache, speed=speed, retry=retry or RetryPolicy())
    if progress:
        progress(0, len(items))
    if workers is None:
        workers = getattr(engine, "concurrency", None) or min(4, os.cpu_count() or 1)
    try:
        with AtomicWriter(out_path) as out:
            assembly = _Assembly(out, sections, speed)
            milestones = _EarlyMilestones() if early else None
            with ThreadPoolExecutor(max(1, workers), thread_name_prefix="tts") as pool:
                try:
                    spoken = _spoken(items, voices, pool, window=4 * max(1, workers))
                    for done, (item, sound) in enumerate(zip(items, spoken, strict=True), 1):
                        assembly.add(item, sound, warnings)
                        if progress:
                            progress(done, len(items))
                        if early and milestones and done < len(items):
                            if milestones.due(assembly.encoder.position):
                                _call_early(early, assembly.early(done, len(items)))
                finally:
                    pool.shutdown(wait=True, cancel_futures=True)
            result = assembly.finish(voices, warnings, title)
            out.commit()
    except OSError as exc:
        logger.warning("could not write %s: %s", out_path, exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise PipelineError(msg.DISK_FULL) from exc
        raise PipelineError(msg.WRITE_FAILED.format(reason=msg.os_reason(exc))) from exc
    finally:
        for used in (engine, fallback):  # espeak-ng's workers: no idle process outlives the job
            if isinstance(used, Closable):
                used.close()
    return result


def _plan(
    sections: Sequence[Section],
    abbreviations: Mapping[str, str] | None,
    max_chars: int,
    warnings: list[str],
) -> list[_Item]:
    """Every sentence to speak, in order, with its normalised text."""
    table = builtin_abbreviations() if abbreviations is None else abbreviations
    paragraphs = [
        (s, n, text)
        for s, section in enumerate(sections)
        for n, text in section.paragraphs
        if text and not text.isspace()
    ]
    if not paragraphs:
        raise PipelineError(msg.EMPTY)
    size = sum(len(text) for _, _, text in paragraphs)
    if size > max_chars:
        raise PipelineError(
            msg.TOO_LONG.format(
                size=msg.vietnamese_number(size), limit=msg.vietnamese_number(max_chars)
            )
        )
    readable = []
    for s, n, text in paragraphs:
        if looks_legacy(text):
            warnings.append(msg.SKIPPED_LEGACY.format(paragraph=n))
        else:
            readable.append((s, n, text))
    if not readable:
        raise PipelineError(msg.LEGACY)
    learned: dict[str, str] = {}
    for _, _, text in readable:  # "chuyển đổi số (CĐS)" on page 9 also names "CĐS" on page 1
        learn_definitions(" ".join(unicodedata.normalize("NFC", text).split()), learned)
    items = []
    for s, n, text in readable:
        for sentence in split([text], abbreviations=table):
            spoken = normalize_line(sentence.text, abbreviations=table, learned=learned)
            if any(ch.isalnum() for ch in spoken):  # "***", "🎉" and the like say nothing
                items.append(_Item(s, n, sentence.index, sentence.offset, sentence.text, spoken))
    if not items:
        raise PipelineError(msg.NOTHING_TO_SAY)
    return items


def _spoken(
    items: list[_Item], voices: Voices, pool: ThreadPoolExecutor, window: int
) -> Iterator[Spoken]:
    """Each item's audio in order, with at most ``window`` sentences synthesised ahead (so a
    300-page document never holds more than a few sentences of PCM in memory)."""
    pending: deque[Future[Spoken]] = deque()
    upcoming = iter(items)
    for item in upcoming:
        pending.append(pool.submit(voices.sentence, item.spoken))
        if len(pending) >= window:
            break
    while pending:
        spoken = pending.popleft().result()
        nxt = next(upcoming, None)
        if nxt is not None:
            pending.append(pool.submit(voices.sentence, nxt.spoken))
        yield spoken


class _Assembly:
    """Joins sentences with pauses into one MP3 stream and records where each is heard."""

    def __init__(self, out: AtomicWriter, sections: Sequence[Section], speed: float) -> None:
        self.out, self.sections, self.speed = out, sections, speed
        self.encoder = audio.Mp3Encoder(out.write)
        self.timings: list[Timing] = []
        self.paragraphs: dict[int, float] = {}
        self.chapters: list[Chapter] = []
        self.engines: Counter[str] = Counter()
        self.previous: _Item | None = None

    def add(self, item: _Item, spoken: Spoken, warnings: list[str]) -> None:
        if spoken.pcm is None:
            text = item.text if len(item.text) <= 60 else item.text[:59].rstrip() + "…"
            warnings.append(
                msg.SKIPPED_SENTENCE.format(
                    paragraph=item.paragraph, text=text, reason=spoken.warning
                )
            )
            return
        previous = self.previous
        if previous is not None:
            self.encoder.add(audio.silence(_pause(previous, item) / self.speed))
        start = self.encoder.add(spoken.pcm)
        self.timings.append(
            Timing(item.paragraph, item.index, start, self.encoder.position, item.text, item.offset)
        )
        self.paragraphs.setdefault(item.paragraph, start)
        if previous is None or previous.section != item.section:
            self.chapters.append(Chapter(self.sections[item.section].title, start))
        self.engines[spoken.engine] += 1
        self.previous = item

    def early(self, done: int, total: int) -> EarlyAudio | None:
        """The MP3 bytes written so far and the sentences they hold, or None if none yet."""
        size = self.out.size
        duration = audio.playable_seconds(size)
        sentences = [t for t in self.timings if t.end <= duration]
        if not sentences:
            return None
        heard = {t.paragraph for t in sentences}
        timings = timing_map(
            duration,
            sentences,
            {n: t for n, t in self.paragraphs.items() if n in heard},
            [c for c in self.chapters if c.start < duration],
        )
        return EarlyAudio(self.out.temp_path, size, duration, timings | {"size": size}, done, total)

    def finish(self, voices: Voices, warnings: list[str], title: str | None) -> AudioResult:
        """Flush the encoder, tag the chapters, and report."""
        if not self.timings:
            raise PipelineError(msg.NOTHING_SPOKEN)
        duration = self.encoder.close()
        if len(self.chapters) > 1 or title:
            ends = [chapter.start for chapter in self.chapters[1:]] + [duration]
            marks = [(c.title, c.start, end) for c, end in zip(self.chapters, ends, strict=True)]
            audio.write_chapters(self.out.temp_path, marks, title)
        if voices.fell_back:
            assert voices.fallback is not None
            warnings.insert(
                0,
                msg.FELL_BACK.format(
                    primary=voice_label(voices.primary.name, voices.primary.voice),
                    reason=voices.switch_reason,
                    fallback=voice_label(voices.fallback.name, voices.fallback.voice),
                ),
            )
        final = voices.active
        return AudioResult(
            duration=duration,
            engine=final.name,
            voice=final.voice,
            fell_back=voices.fell_back,
            sentences=self.timings,
            paragraphs=self.paragraphs,
            chapters=self.chapters,
            size=self.out.temp_path.stat().st_size,
            warnings=warnings,
            engines=dict(self.engines),
        )


class _EarlyMilestones:
    """When to hand out the next early part: few enough that copying them costs little (their
    count grows with the logarithm of the length), often enough that a listener keeps going."""

    def __init__(self) -> None:
        self.next_at = EARLY_FIRST_S
        self.last_position = 0.0
        self.last_time = time.monotonic()

    def due(self, position: float) -> bool:
        now = time.monotonic()
        slow = (
            self.last_position > 0
            and now - self.last_time >= EARLY_SLOW_WAIT_S
            and position - self.last_position >= EARLY_SLOW_STEP_S
        )
        if position < self.next_at and not slow:
            return False
        self.last_position, self.last_time = position, now
        self.next_at = max(position * EARLY_GROWTH, position + EARLY_MIN_STEP_S)
        return True


def _call_early(early: Callable[[EarlyAudio], None], part: EarlyAudio | None) -> None:
    if part is None:
        return
    try:
        early(part)
    except Exception:  # early audio is a convenience; the whole file still comes
        logger.warning("early audio callback failed", exc_info=True)


def _pause(previous: _Item, item: _Item) -> float:
    if previous.section != item.section:
        return SECTION_PAUSE
    if previous.paragraph != item.paragraph:
        return PARAGRAPH_PAUSE
    return SENTENCE_PAUSE
