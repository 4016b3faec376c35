"""espeak-ng workers that die or hang: the sentence goes to a fresh worker and comes back whole
(byte for byte what the espeak-ng command says), the lost worker is killed and reaped, and the
caller sees an error only when a fresh worker fails on the sentence too.

The workers are real processes running the real library; the faults are real signals. Where a
fault must hit a worker the engine starts itself, the test engine starts workers of a kind that
signals itself at the chosen moment (:class:`Faulty`)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import ClassVar

import pytest

from tests.tts.helpers import SENTENCES, command, frames, gone, wait_until_dead
from tts.audio import RATE, decode, trim
from tts.cache import ChunkCache
from tts.engines import BadAudio, EngineUnavailable, EspeakEngine
from tts.engines.espeak_process import WorkerDied, WorkerProcess
from tts.pipeline import Section, synthesize_document

LONG = SENTENCES[3]  # about 6 s of speech: 262 kB of samples, four times what a pipe holds
WPM = 175


class Faulty(EspeakEngine):
    """Starts workers of the given kinds in turn, then of kind ``then``; remembers them all."""

    def __init__(
        self,
        *kinds: type[WorkerProcess],
        then: type[WorkerProcess] = WorkerProcess,
        timeout: float = 60,
    ) -> None:
        super().__init__(timeout=timeout)
        self.kinds, self.then = list(kinds), then
        self.started: list[WorkerProcess] = []

    def _start_worker(self) -> WorkerProcess | None:
        kind = self.kinds.pop(0) if self.kinds else self.then
        worker = kind.start(self.voice, self.timeout)
        assert worker is not None
        self.started.append(worker)
        return worker


class DiesMidAnswer(WorkerProcess):
    """Killed once part of its answer has been read. An answer longer than ``CUT`` cannot have
    been written whole by then (a pipe holds 64 KiB)."""

    PART: ClassVar[int] = 4096
    CUT: ClassVar[int] = PART + 2 * 65536
    killed = False
    cut = False  # its death was seen half-way through an answer

    def _read(self, size: int, deadline: float) -> bytes:
        if size <= self.PART:  # a frame's header
            return super()._read(size, deadline)
        head = super()._read(self.PART, deadline)
        os.kill(self.pid, signal.SIGKILL)
        self.killed = True
        try:
            return head + super()._read(size - self.PART, deadline)
        except WorkerDied:
            self.cut = True
            raise


class DiesOnItsSecondLong(DiesMidAnswer):
    """Speaks short sentences and one long one, then dies half-way through a second long one."""

    longs = 0

    def _read(self, size: int, deadline: float) -> bytes:
        if size > self.CUT:
            self.longs += 1
            if self.longs >= 2:
                return super()._read(size, deadline)
        return WorkerProcess._read(self, size, deadline)


class DiesWhenReady(WorkerProcess):
    """Killed as soon as it is ready: it dies on whatever it is given."""

    @classmethod
    def start(cls, voice: str, timeout: float) -> WorkerProcess | None:
        worker = super().start(voice, timeout)
        assert worker is not None
        os.kill(worker.pid, signal.SIGKILL)
        return worker


class HangsWhenReady(WorkerProcess):
    """Stopped (SIGSTOP) as soon as it is ready: it never answers."""

    @classmethod
    def start(cls, voice: str, timeout: float) -> WorkerProcess | None:
        worker = super().start(voice, timeout)
        assert worker is not None
        os.kill(worker.pid, signal.SIGSTOP)
        return worker


def test_a_worker_that_died_while_idle_is_replaced() -> None:
    """The worker is a zombie (killed, its pipes closing) but may not be reapable yet: the
    sentence still comes back whole, from a fresh worker."""
    engine = EspeakEngine()
    try:
        engine.synthesize("Vâng.", speed=1.0)
        [pid] = engine.worker_pids()
        os.kill(pid, signal.SIGKILL)
        wait_until_dead(pid)
        assert frames(engine.synthesize(SENTENCES[1], speed=1.0)) == command(SENTENCES[1], WPM)
        [new] = engine.worker_pids()
        assert new != pid and gone(pid)
    finally:
        engine.close()


def test_a_worker_killed_mid_sentence_is_replaced_and_its_part_dropped() -> None:
    engine = Faulty(DiesMidAnswer)
    try:
        wav = engine.synthesize(LONG, speed=1.0)
        dead, fresh = engine.started
        assert isinstance(dead, DiesMidAnswer) and dead.cut  # it did die half-way
        assert len(wav) - 44 > DiesMidAnswer.CUT
        assert frames(wav) == command(LONG, WPM)  # nothing lost, nothing twice
        assert gone(dead.pid) and engine.worker_pids() == [fresh.pid]
    finally:
        engine.close()


def test_a_hung_worker_is_killed_and_replaced() -> None:
    engine = EspeakEngine(timeout=3)
    try:
        engine.synthesize("Vâng.", speed=1.0)
        [pid] = engine.worker_pids()
        os.kill(pid, signal.SIGSTOP)
        assert frames(engine.synthesize(SENTENCES[1], speed=1.0)) == command(SENTENCES[1], WPM)
        [new] = engine.worker_pids()
        assert new != pid and gone(pid)
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("kind", "error", "message"),
    [
        (HangsWhenReady, EngineUnavailable, "không trả lời kịp"),
        (DiesWhenReady, BadAudio, "không đọc được"),
    ],
)
def test_a_sentence_fails_clearly_only_when_a_fresh_worker_fails_too(
    kind: type[WorkerProcess], error: type[Exception], message: str
) -> None:
    engine = Faulty(kind, kind, timeout=2)
    try:
        with pytest.raises(error, match=message):
            engine.synthesize("Đồng ý.", speed=1.0)
        assert len(engine.started) == 2 and all(gone(w.pid) for w in engine.started)
        assert engine.worker_pids() == []
        # the engine is not left broken: the next worker is an ordinary one
        assert frames(engine.synthesize("Đồng ý.", speed=1.0)) == command("Đồng ý.", WPM)
    finally:
        engine.close()


class NoReads(ChunkCache):
    """Never a hit: every sentence goes to the engine, repeated ones too."""

    def get(self, key: str) -> bytes | None:
        return None


def test_a_document_whose_workers_keep_dying_loses_and_doubles_nothing(tmp_path: Path) -> None:
    """Every worker dies half-way through its second long sentence, on two threads: each
    sentence is in the MP3 once, as long as it is spoken alone, and no process is left. (Six
    long sentences, at most one each per worker, at most two workers alive at the end: at
    least four die.)"""
    engine = Faulty(then=DiesOnItsSecondLong)
    result = synthesize_document(
        [Section("Trang 1", [(n, text) for n, text in enumerate(SENTENCES * 2, 1)])],
        engine=engine,
        fallback=None,
        cache=NoReads(tmp_path / "cache"),
        out_path=tmp_path / "doc.mp3",
        workers=2,
    )
    assert not result.warnings
    assert [t.text for t in result.sentences] == SENTENCES * 2
    assert all(isinstance(w, DiesOnItsSecondLong) for w in engine.started)
    dead = [w for w in engine.started if isinstance(w, DiesMidAnswer) and w.killed]
    assert len(dead) >= 4 and all(w.cut for w in dead)
    assert all(gone(w.pid) for w in engine.started)
    alone = EspeakEngine(persistent=False)
    for timing in result.sentences:
        length = len(trim(decode(alone.synthesize(timing.text, speed=1.0)))) / 2 / RATE
        assert abs((timing.end - timing.start) - length) < 0.05, timing.text
