"""Decoding engine output, the one-stream MP3 encoder, chapters."""

from __future__ import annotations

import io
import math
import os
import wave
from array import array
from pathlib import Path

import miniaudio
import pytest
from mutagen.id3 import ID3

from tests.tts.helpers import pcm_of
from tts.audio import (
    DECODER_DELAY,
    RATE,
    Mp3Encoder,
    decode,
    seconds,
    silence,
    trim,
    write_chapters,
)
from tts.engines import BadAudio, EspeakEngine


def tone(duration: float, rate: int = RATE, channels: int = 1) -> bytes:
    frames = array("h")
    for i in range(round(duration * rate)):
        frames.extend([int(8000 * math.sin(2 * math.pi * 440 * i / rate))] * channels)
    return frames.tobytes()


def wav(pcm: bytes, rate: int, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()


def encode(*parts: bytes) -> bytes:
    chunks: list[bytes] = []
    encoder = Mp3Encoder(chunks.append)
    for part in parts:
        encoder.add(part)
    encoder.close()
    return b"".join(chunks)


def test_espeak_wav_decodes_to_mono_pcm() -> None:
    pcm = decode(EspeakEngine().synthesize("Xin chào.", speed=1.0))
    assert len(pcm) % 2 == 0 and len(pcm) > RATE  # more than half a second


def test_other_rates_and_stereo_are_converted() -> None:
    pcm = decode(wav(tone(1.0, 44100, 2), 44100, 2))
    assert abs(len(pcm) / 2 - RATE) < 50


def test_google_mp3_decodes_and_is_resampled(google_mp3: bytes) -> None:
    channels, rate, _ = pcm_of(google_mp3)
    assert (channels, rate) == (1, 24000)
    pcm = decode(google_mp3)
    assert 1.0 < len(pcm) / 2 / RATE < 5.0


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(
            b"<html><body>Our systems have detected unusual traffic</body></html>", id="html"
        ),
        pytest.param(os.urandom(4000), id="noise-bytes"),
        pytest.param(b"RIFF\x00\x00\x00\x00WAVEjunk", id="broken-wav"),
        pytest.param(wav(bytes(2 * RATE), RATE), id="only-silence"),
        pytest.param(wav(tone(0.01), RATE), id="too-short"),
    ],
)
def test_bad_audio_is_refused(data: bytes) -> None:
    with pytest.raises(BadAudio):
        decode(data)


def test_truncated_mp3_is_refused_when_nothing_is_left(google_mp3: bytes) -> None:
    with pytest.raises(BadAudio):
        decode(google_mp3[:200])


def test_trim_keeps_speech_and_drops_the_engines_silence() -> None:
    pcm = silence(0.5) + tone(1.0) + silence(0.8)
    trimmed = trim(pcm)
    assert 1.0 <= seconds(len(trimmed) // 2) <= 1.0 + 0.06 + 2 * 256 / RATE
    assert trim(silence(0.2)) == silence(0.2)


def test_mp3_is_mono_small_decodable_and_as_long_as_its_parts() -> None:
    parts = [
        decode(EspeakEngine().synthesize(t, speed=1.0)) for t in ("Câu một.", "Câu hai dài hơn.")
    ]
    parts.insert(1, silence(0.3))
    mp3 = encode(*parts)
    channels, rate, samples = pcm_of(mp3)
    assert (channels, rate) == (1, RATE)
    expected = sum(len(p) for p in parts) / 2 / RATE
    assert abs(len(samples) / RATE - expected) < 0.15  # encoder delay and frame padding
    minutes = expected / 60
    assert len(mp3) / minutes <= 250_000  # at most 0.25 MB a minute


def test_times_are_where_the_sound_is() -> None:
    chunks: list[bytes] = []
    encoder = Mp3Encoder(chunks.append)
    encoder.add(silence(1.0))
    start = encoder.add(tone(0.5))
    end = encoder.close()
    assert start == pytest.approx(1.0 + DECODER_DELAY / RATE)
    assert end == pytest.approx(1.5 + DECODER_DELAY / RATE)
    _, _, samples = pcm_of(b"".join(chunks))
    onset = next(i for i, x in enumerate(samples) if abs(x) > 2000) / RATE
    assert abs(onset - start) < 0.02


def test_chapters_are_written_and_audio_still_decodes(tmp_path: Path) -> None:
    path = tmp_path / "doc.mp3"
    mp3 = encode(tone(2.0))
    path.write_bytes(mp3)
    write_chapters(path, [("Trang 1", 0.0, 1.0), ("Mục 2: Thảo luận", 1.0, 2.0)], "Báo cáo")
    tags = ID3(path)
    chapters = tags.getall("CHAP")
    assert [(c.start_time, c.end_time, str(c.sub_frames["TIT2"])) for c in chapters] == [
        (0, 1000, "Trang 1"),
        (1000, 2000, "Mục 2: Thảo luận"),
    ]
    assert tags.getall("CTOC")[0].child_element_ids == ["ch0", "ch1"]
    assert str(tags["TIT2"]) == "Báo cáo"
    data = path.read_bytes()
    assert data.endswith(mp3)
    decoded = miniaudio.decode(data, nchannels=1, sample_rate=RATE)
    assert abs(decoded.num_frames / RATE - 2.0) < 0.15


def test_chapters_that_cannot_be_written_raise_oserror(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):  # not mutagen's own error: the pipeline maps OSError
        write_chapters(tmp_path, [("Trang 1", 0.0, 1.0)])
