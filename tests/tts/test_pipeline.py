"""The whole pipeline on real espeak-ng audio: the timing map, the MP3, the cache."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from tests.tts.helpers import Counting, pcm_of
from tts.audio import RATE
from tts.cache import ChunkCache
from tts.engines import EngineError, EspeakEngine
from tts.pipeline import AudioResult, Section, synthesize_document

DOC = [
    Section(
        "Phần I. Tình hình",
        [
            (1, "Năm 2023, Chi bộ kết nạp 5 đảng viên mới. Tỷ lệ đạt 92,71%; vượt kế hoạch."),
            (2, "Hội nghị họp tại TP. Hà Nội ngày 29/3/2024.\nĐồng chí Bí thư chủ trì."),
        ],
    ),
    Section("Phần II. Nhiệm vụ", [(7, "Đẩy mạnh chuyển đổi số (CĐS) trong toàn xã!")]),
]


def run(
    tmp_path: Path,
    sections: list[Section] = DOC,
    engine: object | None = None,
    cache: ChunkCache | None = None,
    **kwargs: object,
) -> AudioResult:
    return synthesize_document(
        sections,
        engine=engine or EspeakEngine(),  # type: ignore[arg-type]
        fallback=None,
        cache=cache or ChunkCache(tmp_path / "cache"),
        out_path=tmp_path / "doc.mp3",
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory) -> tuple[AudioResult, Path]:
    tmp_path = tmp_path_factory.mktemp("pipeline")
    return run(tmp_path, title="Nghị quyết tháng 12"), tmp_path / "doc.mp3"


def test_timing_map_is_monotonic_and_points_at_the_original_text(
    done: tuple[AudioResult, Path],
) -> None:
    result, _ = done
    original = {n: text for section in DOC for n, text in section.paragraphs}
    assert [(t.paragraph, t.index) for t in result.sentences] == [
        (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (7, 0),
    ]  # fmt: skip
    assert result.sentences[0].text == "Năm 2023, Chi bộ kết nạp 5 đảng viên mới."
    previous_end = 0.0
    for timing in result.sentences:
        assert previous_end < timing.start < timing.end <= result.duration
        previous_end = timing.end
        assert original[timing.paragraph][timing.offset :].startswith(timing.text)
    firsts = {}
    for timing in result.sentences:
        firsts.setdefault(timing.paragraph, timing.start)
    assert result.paragraphs == firsts
    assert [(c.title, c.start) for c in result.chapters] == [
        ("Phần I. Tình hình", result.sentences[0].start),
        ("Phần II. Nhiệm vụ", result.sentences[-1].start),
    ]
    assert result.engine == "espeak" and not result.fell_back and not result.warnings
    data = json.loads(json.dumps(result.to_dict()))
    assert data["paragraphs"]["7"] == round(result.sentences[-1].start, 3)


def rms(samples: memoryview, start: float, end: float) -> float:
    block = samples[round(start * RATE) : round(end * RATE)]
    return math.sqrt(sum(x * x for x in block) / max(1, len(block)))


def test_each_sentence_is_heard_where_the_map_says(done: tuple[AudioResult, Path]) -> None:
    result, path = done
    _, _, samples = pcm_of(path.read_bytes())
    for timing in result.sentences[1:]:
        assert rms(samples, timing.start - 0.25, timing.start - 0.02) < 100  # the pause
        assert rms(samples, timing.start + 0.05, timing.start + 0.4) > 500  # speech


def test_mp3_is_mono_small_and_as_long_as_the_map(done: tuple[AudioResult, Path]) -> None:
    result, path = done
    data = path.read_bytes()
    channels, rate, samples = pcm_of(data)
    assert (channels, rate) == (1, RATE)
    assert abs(len(samples) / RATE - result.duration) < 0.1
    assert result.size == len(data)
    assert len(data) / (result.duration / 60) <= 250_000  # 0.25 MB a minute, tag included
    tags = ID3(path)
    assert [str(c.sub_frames["TIT2"]) for c in tags.getall("CHAP")] == [
        "Phần I. Tình hình",
        "Phần II. Nhiệm vụ",
    ]
    assert str(tags["TIT2"]) == "Nghị quyết tháng 12"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_second_run_synthesises_nothing_and_an_edit_only_its_sentence(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path / "cache")
    first = Counting(EspeakEngine())
    result1 = run(tmp_path, engine=first, cache=cache)
    assert len(first.calls) == 6
    again = Counting(EspeakEngine())
    result2 = run(tmp_path, engine=again, cache=cache)
    assert again.calls == []
    assert result2.sentences == result1.sentences and result2.duration == result1.duration
    edited = [
        Section(
            DOC[0].title, [DOC[0].paragraphs[0], (2, DOC[0].paragraphs[1][1].replace("29", "30"))]
        ),
        DOC[1],
    ]
    third = Counting(EspeakEngine())
    result3 = run(tmp_path, edited, engine=third, cache=cache)
    assert third.calls == [
        "Hội nghị họp tại thành phố Hà Nội ngày ba mươi tháng ba năm hai nghìn không trăm hai"
        " mươi tư."
    ]
    assert result3.sentences[3].text == "Hội nghị họp tại TP. Hà Nội ngày 30/3/2024."


def test_acronyms_defined_later_are_read_as_defined(tmp_path: Path) -> None:
    engine = Counting(EspeakEngine())
    sections = [
        Section("Trang 1", [(1, "Mô hình CĐS được nhân rộng.")]),
        Section("Trang 2", [(2, "Đẩy mạnh chuyển đổi số (CĐS) toàn diện.")]),
    ]
    result = run(tmp_path, sections, engine=engine, workers=1)
    assert engine.calls == [
        "Mô hình chuyển đổi số được nhân rộng.",
        "Đẩy mạnh chuyển đổi số toàn diện.",
    ]
    assert result.sentences[0].text == "Mô hình CĐS được nhân rộng."


@pytest.mark.parametrize("output", [b"", b"<html>error</html>" * 50], ids=["empty", "corrupt"])
def test_bad_audio_for_one_sentence_is_retried_once_then_skipped(
    tmp_path: Path, output: bytes
) -> None:
    engine = Counting(EspeakEngine(), bad="hỏng", output=output)
    sections = [Section("Trang 1", [(1, "Câu đầu tốt. Câu này hỏng. Câu cuối tốt.")])]
    result = run(tmp_path, sections, engine=engine)
    assert sum("hỏng" in c for c in engine.calls) == 2
    assert [t.text for t in result.sentences] == ["Câu đầu tốt.", "Câu cuối tốt."]
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("Bỏ qua một câu ở đoạn 1: «Câu này hỏng.»")
    assert not list(ChunkCache(tmp_path / "cache").root.rglob("*.tmp"))


def test_progress_counts_sentences(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    run(tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 6) for i in range(7)]


def test_faster_speed_is_shorter(tmp_path: Path, done: tuple[AudioResult, Path]) -> None:
    fast = run(tmp_path, speed=1.5)
    assert fast.duration < done[0].duration * 0.8


def test_three_hundred_pages_make_three_hundred_chapters(tmp_path: Path) -> None:
    sections = [Section(f"Trang {i}", [(i, f"Trang {i}.")]) for i in range(1, 301)]
    seen: list[int] = []
    result = run(tmp_path, sections, progress=lambda done, total: seen.append(done))
    assert len(result.chapters) == 300 and seen[-1] == 300
    assert [c.title for c in result.chapters[:2]] == ["Trang 1", "Trang 2"]
    assert all(
        a.start < b.start for a, b in zip(result.chapters, result.chapters[1:], strict=False)
    )
    tags = ID3(tmp_path / "doc.mp3")
    assert len(tags.getall("CHAP")) == 300
    tocs = {toc.element_id: toc for toc in tags.getall("CTOC")}  # one byte counts children
    assert tocs["toc"].child_element_ids == ["toc0", "toc1"]
    assert len(tocs["toc0"].child_element_ids) == 255
    assert str(tocs["toc1"].sub_frames["TIT2"]) == "Trang 256 – Trang 300"


class RefusesOneText(EspeakEngine):
    """An engine that fails on one text only, with an error that is not about audio."""

    def synthesize(self, text: str, *, speed: float) -> bytes:
        if "từ chối" in text:
            raise EngineError("Bộ đọc không nhận câu này.")
        return super().synthesize(text, speed=speed)


def test_an_engine_error_on_one_text_skips_that_sentence(tmp_path: Path) -> None:
    sections = [Section("Trang 1", [(1, "Câu đầu. Câu bị từ chối. Câu cuối.")])]
    result = run(tmp_path, sections, engine=RefusesOneText())
    assert [t.text for t in result.sentences] == ["Câu đầu.", "Câu cuối."]
    assert result.warnings == [
        "Bỏ qua một câu ở đoạn 1: «Câu bị từ chối.» (Bộ đọc không nhận câu này.)"
    ]


def test_early_parts_are_playable_prefixes_of_the_final_file(tmp_path: Path) -> None:
    """A long document can be heard from its first part on: each part is a valid MP3 holding
    the sentences its map lists, at the same times as in the finished file."""
    sentence = "Chi bộ họp định kỳ vào ngày 5 hằng tháng để bàn việc phát triển kinh tế."
    sections = [
        Section(f"Trang {page}", [(page * 10 + k, sentence) for k in range(4)])
        for page in range(1, 5)
    ]
    parts: list[tuple[bytes, dict[str, object], int, int]] = []

    def early(part: object) -> None:
        data = part.path.read_bytes()[: part.size]  # type: ignore[attr-defined]
        parts.append((data, part.timings, part.done, part.total))  # type: ignore[attr-defined]

    result = run(tmp_path, sections, early=early)
    final = (tmp_path / "doc.mp3").read_bytes()
    assert parts, "a document of more than 20 s gives an early part"
    assert len(parts) < 5  # a few, not one per sentence
    first_data, first_map, done, total = parts[0]
    assert 0 < done < total == 16
    assert first_data in final  # the same stream: the final file only adds its tags in front
    _, _, samples = pcm_of(first_data)
    heard = len(samples) / RATE
    sentences = first_map["sentences"]
    assert isinstance(sentences, list) and sentences
    assert first_map["duration"] <= heard + 0.05
    assert all(s["end"] <= first_map["duration"] for s in sentences)
    assert sentences == [
        json.loads(json.dumps(t)) for t in result.to_dict()["sentences"][: len(sentences)]
    ]
    for timing in sentences[1:]:
        assert rms(samples, timing["start"] + 0.05, timing["start"] + 0.4) > 500  # speech there
    sizes = [len(data) for data, *_ in parts]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)


def test_no_early_part_for_a_short_document_or_without_the_callback(tmp_path: Path) -> None:
    calls: list[object] = []
    run(tmp_path, [Section("Trang 1", [(1, "Họp chi bộ.")])], early=calls.append)
    assert calls == []
