"""Bad input and bad luck: each gives one clear Vietnamese message and leaves no half file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.tts.helpers import Counting
from tts import result as msg
from tts.cache import ChunkCache
from tts.engines import EspeakEngine
from tts.pipeline import AudioResult, PipelineError, RetryPolicy, Section, synthesize_document


def run(tmp_path: Path, sections: list[Section], **kwargs: object) -> AudioResult:
    kwargs.setdefault("engine", EspeakEngine())
    return synthesize_document(
        sections,
        fallback=None,
        cache=ChunkCache(tmp_path / "cache"),
        out_path=tmp_path / "out" / "doc.mp3",
        **kwargs,  # type: ignore[arg-type]
    )


def leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "out").iterdir())


@pytest.fixture(autouse=True)
def _out_dir(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        pytest.param([], msg.EMPTY, id="no-sections"),
        pytest.param([Section("Trang 1", [])], msg.EMPTY, id="no-paragraphs"),
        pytest.param([Section("Trang 1", [(1, ""), (2, " \n\t ")])], msg.EMPTY, id="blank"),
        pytest.param(
            [Section("Trang 1", [(1, "*** --- ### ///"), (2, "🎉🎉 👍 ✅ … !!!")])],
            msg.NOTHING_TO_SAY,
            id="symbols-and-emoji-only",
        ),
        pytest.param(
            [Section("Trang 1", [(1, "Chi bé th«n Mét tæ chøc sinh ho¹t th−êng kú th¸ng 3.")])],
            msg.LEGACY,
            id="tcvn3",
        ),
        pytest.param(
            [Section("Trang 1", [(1, "Chi boä thoân Moät toå chöùc sinh hoaït thöôøng kyø.")])],
            msg.LEGACY,
            id="vni",
        ),
    ],
)
def test_nothing_readable_is_a_clear_error(
    tmp_path: Path, sections: list[Section], message: str
) -> None:
    with pytest.raises(PipelineError) as caught:
        run(tmp_path, sections)
    assert str(caught.value) == message
    assert leftovers(tmp_path) == []


def test_emoji_and_control_characters_are_dropped_but_kept_for_highlighting(
    tmp_path: Path,
) -> None:
    engine = Counting(EspeakEngine())
    text = "Chúc mừng 🎉 chi bộ\x07 đạt danh hiệu\u200b trong sạch vững mạnh! 👍"
    result = run(tmp_path, [Section("Trang 1", [(1, text)])], engine=engine)
    assert engine.calls == ["Chúc mừng chi bộ đạt danh hiệu trong sạch vững mạnh!"]
    assert [t.text for t in result.sentences] == [text[: text.index("!") + 1]]


def test_numbers_alone_are_read(tmp_path: Path) -> None:
    engine = Counting(EspeakEngine())
    run(tmp_path, [Section("Trang 1", [(1, "2024 - 2025")])], engine=engine)
    assert engine.calls == [
        "hai nghìn không trăm hai mươi tư đến hai nghìn không trăm hai mươi lăm"
    ]


def test_mixed_vietnamese_and_english_is_read(tmp_path: Path) -> None:
    text = "Ứng dụng VNeID hỗ trợ đăng nhập bằng Smart OTP. Please update the app now."
    result = run(tmp_path, [Section("Trang 1", [(1, text)])])
    assert [t.text for t in result.sentences] == [
        "Ứng dụng VNeID hỗ trợ đăng nhập bằng Smart OTP.",
        "Please update the app now.",
    ]


def test_a_legacy_paragraph_among_good_ones_is_skipped_with_a_warning(tmp_path: Path) -> None:
    sections = [
        Section(
            "Trang 1", [(1, "Chi bộ họp thường kỳ."), (2, "Chi bé th«n Mét tæ chøc sinh ho¹t.")]
        )
    ]
    result = run(tmp_path, sections)
    assert [t.paragraph for t in result.sentences] == [1]
    assert result.warnings == [msg.SKIPPED_LEGACY.format(paragraph=2)]


def test_when_every_sentence_is_bad_audio_nothing_is_written(tmp_path: Path) -> None:
    engine = Counting(EspeakEngine(), bad="", output=b"\xff\xfb\x90\x00" * 10)
    old = tmp_path / "out" / "doc.mp3"
    old.write_bytes(b"the previous version")
    with pytest.raises(PipelineError) as caught:
        run(tmp_path, [Section("Trang 1", [(1, "Câu một. Câu hai.")])], engine=engine)
    assert str(caught.value) == msg.NOTHING_SPOKEN
    assert len(engine.calls) == 4  # each sentence tried twice
    assert old.read_bytes() == b"the previous version"
    assert leftovers(tmp_path) == ["doc.mp3"]


def test_missing_espeak_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="Máy chủ chưa cài bộ đọc espeak-ng"):
        run(
            tmp_path,
            [Section("Trang 1", [(1, "Xin chào.")])],
            engine=EspeakEngine(binary="nope"),
            retry=RetryPolicy(sleep=lambda _seconds: None),
        )
    assert leftovers(tmp_path) == []


def _full_disk_in(directory: Path, monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    """``os.write`` to files in ``directory`` fails with ENOSPC once ``after`` bytes went in."""
    real_write = os.write
    written = {"bytes": 0}

    def write(fd: int, data: bytes) -> int:
        target = os.readlink(f"/proc/self/fd/{fd}")
        if target.startswith(str(directory)):
            if written["bytes"] + len(data) > after:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written["bytes"] += len(data)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


def test_disk_full_while_writing_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "out" / "doc.mp3"
    old.write_bytes(b"the previous version")
    _full_disk_in(tmp_path / "out", monkeypatch, after=20_000)
    sections = [Section("Trang 1", [(1, "Chi bộ họp thường kỳ. " * 12)])]
    with pytest.raises(PipelineError) as caught:
        run(tmp_path, sections)
    assert str(caught.value) == msg.DISK_FULL
    assert old.read_bytes() == b"the previous version"
    assert leftovers(tmp_path) == ["doc.mp3"]


def test_disk_full_in_the_cache_does_not_fail_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _full_disk_in(tmp_path / "cache", monkeypatch, after=0)
    result = run(tmp_path, [Section("Trang 1", [(1, "Chi bộ họp thường kỳ.")])])
    assert len(result.sentences) == 1
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def test_a_missing_output_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PipelineError) as caught:
        synthesize_document(
            [Section("Trang 1", [(1, "Xin chào.")])],
            engine=EspeakEngine(),
            fallback=None,
            cache=ChunkCache(tmp_path / "cache"),
            out_path=tmp_path / "no-such-dir" / "doc.mp3",
        )
    assert str(caught.value) == msg.WRITE_FAILED.format(reason="không tìm thấy tệp hoặc thư mục")


def test_a_document_over_the_limit_is_refused(tmp_path: Path) -> None:
    sections = [Section(f"Trang {i}", [(i, "Chi bộ họp thường kỳ. " * 100)]) for i in range(3)]
    with pytest.raises(PipelineError) as caught:
        run(tmp_path, sections, max_chars=5000)
    assert str(caught.value) == (
        "Văn bản quá dài để đọc thành một tệp âm thanh (6.600 ký tự, tối đa 5.000); "
        "hãy chia thành nhiều tài liệu."
    )


@pytest.mark.parametrize("speed", [0.1, 2.5, float("nan")])
def test_speed_out_of_range_is_refused(tmp_path: Path, speed: float) -> None:
    with pytest.raises(PipelineError, match="Tốc độ đọc phải từ 0,5 đến 2"):
        run(tmp_path, [Section("Trang 1", [(1, "Xin chào.")])], speed=speed)
