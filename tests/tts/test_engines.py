"""espeak-ng for real, and how an engine is chosen."""

from __future__ import annotations

import pytest
import responses

from tts.audio import RATE, decode
from tts.engines import (
    BadAudio,
    Engine,
    EngineUnavailable,
    EspeakEngine,
    GttsEngine,
    choose_engine,
    fallback_for,
    make_engine,
    voice_label,
)


def seconds_of(wav: bytes) -> float:
    return len(decode(wav)) / 2 / RATE


def test_espeak_speaks_vietnamese_as_decodable_wav() -> None:
    wav = EspeakEngine().synthesize("Chi bộ thôn Một họp thường kỳ.", speed=1.0)
    assert wav[:4] == b"RIFF"
    assert 1.0 < seconds_of(wav) < 6.0


def test_longer_text_takes_longer() -> None:
    engine = EspeakEngine()
    short = seconds_of(engine.synthesize("Chi bộ họp.", speed=1.0))
    long = seconds_of(
        engine.synthesize("Chi bộ họp thường kỳ để bàn về kế hoạch phát triển kinh tế.", speed=1.0)
    )
    assert long > 2 * short


def test_speed_changes_duration() -> None:
    engine = EspeakEngine()
    text = "Đảng bộ xã lãnh đạo thực hiện thắng lợi các mục tiêu đã đề ra."
    slow, normal, fast = (seconds_of(engine.synthesize(text, speed=s)) for s in (0.7, 1.0, 1.5))
    assert slow > normal * 1.2 and fast < normal * 0.8
    assert engine.words_per_minute(1.0) == 175
    assert engine.words_per_minute(0.01) == 80 and engine.words_per_minute(99) == 450


def test_text_that_looks_like_an_option_is_still_read() -> None:
    assert seconds_of(EspeakEngine().synthesize("-v en --help năm", speed=1.0)) > 0.5


def test_missing_binary_is_unavailable() -> None:
    with pytest.raises(EngineUnavailable, match="chưa cài"):
        EspeakEngine(binary="espeak-ng-not-installed").synthesize("xin chào", speed=1.0)
    assert not EspeakEngine(binary="espeak-ng-not-installed").available()
    assert EspeakEngine().available()


def test_missing_voice_is_unavailable() -> None:
    with pytest.raises(EngineUnavailable, match="giọng"):
        EspeakEngine(voice="zz-no-such-voice").synthesize("xin chào", speed=1.0)


def test_nothing_to_say_is_bad_audio() -> None:
    with pytest.raises(BadAudio):
        decode(EspeakEngine().synthesize("", speed=1.0))


def test_make_engine_and_protocol() -> None:
    espeak, gtts = make_engine("espeak"), make_engine("gtts")
    assert isinstance(espeak, EspeakEngine) and isinstance(gtts, GttsEngine)
    assert (espeak.voice, gtts.voice) == ("vi", "vi")
    assert isinstance(espeak, Engine) and isinstance(gtts, Engine)
    assert gtts.max_chars == 100
    with pytest.raises(ValueError, match="unknown TTS engine"):
        make_engine("festival")


def test_choose_engine_auto_follows_the_probe() -> None:
    assert choose_engine("auto", probe=lambda: True).name == "gtts"
    assert choose_engine("auto", probe=lambda: False).name == "espeak"
    assert choose_engine("espeak", probe=lambda: True).name == "espeak"
    assert choose_engine("GTTS").name == "gtts"


def test_auto_without_network_picks_espeak() -> None:
    with responses.RequestsMock() as mock:  # any request fails as "no connection"
        engine = choose_engine("auto")
        assert len(mock.calls) == 1
    assert engine.name == "espeak"


def test_fallback_and_labels() -> None:
    assert fallback_for(GttsEngine()).name == "espeak"  # type: ignore[union-attr]
    assert fallback_for(EspeakEngine()) is None
    assert voice_label("gtts", "vi") == "giọng Google (gTTS), vi"
