"""espeak-ng's long-lived workers: the same voice as the command, one process for many
sentences, each sentence's audio cut exactly, and no process left behind. (Workers that die or
hang: test_espeak_worker_faults.py.)"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.tts.helpers import SENTENCES, command, frames, gone, pcm_of
from tts.audio import RATE, decode, trim
from tts.cache import ChunkCache
from tts.engines import EspeakEngine
from tts.pipeline import Section, synthesize_document


@pytest.mark.parametrize("speed", [1.0, 1.4])
def test_a_worker_speaks_exactly_as_the_command(speed: float) -> None:
    engine = EspeakEngine()
    try:
        wpm = engine.words_per_minute(speed)
        assert frames(engine.synthesize(SENTENCES[1], speed=speed)) == command(SENTENCES[1], wpm)
    finally:
        engine.close()
    one_by_one = EspeakEngine(persistent=False)
    assert frames(one_by_one.synthesize(SENTENCES[1], speed=speed)) == command(SENTENCES[1], wpm)
    assert one_by_one.worker_pids() == []


def test_one_worker_process_reads_many_sentences_and_close_reaps_it() -> None:
    engine = EspeakEngine()
    pids = []
    for text in SENTENCES:
        assert len(decode(engine.synthesize(text, speed=1.0))) > RATE // 2  # a quarter second
        pids.append(engine.worker_pids())
    assert len(pids[0]) == 1 and all(p == pids[0] for p in pids)
    engine.close()
    assert engine.worker_pids() == [] and gone(pids[0][0])
    assert decode(engine.synthesize("Vâng.", speed=1.0))  # still works: a new worker


def rms(samples: memoryview, start: float, end: float) -> float:
    block = samples[round(start * RATE) : round(end * RATE)]
    return math.sqrt(sum(x * x for x in block) / max(1, len(block)))


def test_each_sentence_is_cut_exactly_from_the_workers_output(tmp_path: Path) -> None:
    """Two workers speak the sentences in turn; in the decoded MP3 each sentence lasts as long
    as it does spoken alone, and sits between two pauses: speech inside both its ends."""
    paragraphs = [(n, " ".join(SENTENCES[i : i + 2])) for n, i in enumerate(range(0, 6, 2), 1)]
    engine = EspeakEngine()
    result = synthesize_document(
        [Section("Trang 1", paragraphs * 2)],
        engine=engine,
        fallback=None,
        cache=ChunkCache(tmp_path / "cache"),
        out_path=tmp_path / "doc.mp3",
        workers=2,
    )
    assert engine.worker_pids() == []  # the pipeline stopped its workers
    alone = EspeakEngine(persistent=False)
    lengths = {
        text: len(trim(decode(alone.synthesize(text, speed=1.0)))) / 2 / RATE for text in SENTENCES
    }
    assert [t.text for t in result.sentences] == SENTENCES * 2
    _, _, samples = pcm_of((tmp_path / "doc.mp3").read_bytes())
    for timing in result.sentences:
        assert abs((timing.end - timing.start) - lengths[timing.text]) < 0.05, timing.text
        if timing is not result.sentences[0]:
            assert rms(samples, timing.start - 0.25, timing.start - 0.02) < 100  # the pause
        if timing is not result.sentences[-1]:
            assert rms(samples, timing.end + 0.02, timing.end + 0.25) < 100  # the next pause
        assert rms(samples, timing.start + 0.04, timing.start + 0.2) > 500  # speech begins
        assert rms(samples, timing.end - 0.2, timing.end - 0.04) > 300  # speech ends
