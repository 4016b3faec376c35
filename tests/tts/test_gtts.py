"""The gTTS engine with its HTTP intercepted: real MP3 answers, 429s, timeouts, no network."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest
import requests
import responses

from tests.tts.helpers import GTTS_URL, Counting, batchexecute_body, pcm_of
from tts.audio import decode
from tts.cache import ChunkCache
from tts.engines import BadAudio, EngineRateLimited, EngineUnavailable, EspeakEngine, GttsEngine
from tts.pipeline import PipelineError, RetryPolicy, Section, synthesize_document


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_success_returns_the_real_mp3(google_mp3: bytes) -> None:
    with responses.RequestsMock() as mock:
        mock.post(GTTS_URL, body=batchexecute_body(google_mp3))
        audio = GttsEngine().synthesize("Xin chào các đồng chí.", speed=1.0)
        sent = mock.calls[0].request
    assert audio == google_mp3
    assert pcm_of(audio)[:2] == (1, 24000)
    form = urllib.parse.parse_qs(str(sent.body))
    rpc = json.loads(form["f.req"][0])
    assert rpc[0][0][0] == "jQ1olc"
    assert json.loads(rpc[0][0][1]) == ["Xin chào các đồng chí.", "vi", None, "null"]
    assert sent.headers["Content-Type"].startswith("application/x-www-form-urlencoded")


def test_slow_speed_asks_for_the_slow_voice(google_mp3: bytes) -> None:
    body = GttsEngine().body("chậm", speed=0.7)
    assert json.loads(json.loads(urllib.parse.unquote(body[6:-1]))[0][0][1])[2] is True


@pytest.mark.parametrize(
    ("answer", "error", "match"),
    [
        ({"status": 429, "headers": {"Retry-After": "7"}}, EngineRateLimited, "hạn chế"),
        ({"status": 503}, EngineUnavailable, "503"),
        ({"body": requests.ConnectTimeout()}, EngineUnavailable, "không trả lời kịp"),
        ({"body": requests.ReadTimeout()}, EngineUnavailable, "không trả lời kịp"),
        ({"body": requests.ConnectionError()}, EngineUnavailable, "Không kết nối"),
        ({"body": ')]}\'\n\n[["wrb.fr","jQ1olc",null]]\n'}, BadAudio, "không có âm thanh"),
        ({"body": "<html>sorry</html>"}, BadAudio, "rỗng"),
        ({"body": ')]}\'\n[["wrb.fr","jQ1olc","[\\"@@@\\"]"]]'}, BadAudio, "hỏng"),
    ],
)
def test_failures_are_told_apart(answer: dict[str, object], error: type, match: str) -> None:
    with responses.RequestsMock() as mock:
        mock.post(GTTS_URL, **answer)  # type: ignore[arg-type]
        with pytest.raises(error, match=match) as caught:
            GttsEngine().synthesize("Xin chào.", speed=1.0)
    if isinstance(caught.value, EngineRateLimited):
        assert caught.value.retry_after == 7.0


def doc() -> list[Section]:
    return [
        Section("Trang 1", [(1, "Chi bộ họp thường kỳ. Đồng chí Bí thư chủ trì.")]),
        Section("Trang 2", [(2, "Hội nghị kết thúc lúc 11h.")]),
    ]


def test_429_then_success_is_retried_with_backoff(
    tmp_path: Path, cache: ChunkCache, google_mp3: bytes
) -> None:
    sleeps = Sleeps()
    engine = Counting(GttsEngine())
    with responses.RequestsMock() as mock:
        mock.post(GTTS_URL, status=429)
        mock.post(GTTS_URL, status=429, headers={"Retry-After": "1.5"})
        mock.post(GTTS_URL, body=batchexecute_body(google_mp3))
        result = synthesize_document(
            doc(),
            engine=engine,
            fallback=EspeakEngine(),
            cache=cache,
            out_path=tmp_path / "doc.mp3",
            retry=RetryPolicy(sleep=sleeps, jitter=0),
            workers=1,
        )
        assert len(mock.calls) == 5  # two refusals, then one call per sentence
    assert sleeps == [0.5, 1.5]  # backoff, then the server's Retry-After when longer
    assert not result.fell_back and result.engine == "gtts" and not result.warnings
    assert result.engines == {"gtts": 3}
    assert len(result.sentences) == 3 and result.duration > 3


def test_persistent_failure_falls_back_to_espeak(tmp_path: Path, cache: ChunkCache) -> None:
    sleeps = Sleeps()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(GTTS_URL, body=requests.ConnectionError("network is unreachable"))
        result = synthesize_document(
            doc(),
            engine=GttsEngine(),
            fallback=EspeakEngine(),
            cache=cache,
            out_path=tmp_path / "doc.mp3",
            retry=RetryPolicy(sleep=sleeps),
            workers=1,
        )
        assert len(mock.calls) == 4  # one try and three retries, then never again
    assert len(sleeps) == 3 and sleeps == sorted(sleeps)
    assert result.fell_back and (result.engine, result.voice) == ("espeak", "vi")
    assert result.engines == {"espeak": 3}
    assert "giọng máy espeak-ng" in result.warnings[0]
    assert "Google" in result.warnings[0]
    assert decode((tmp_path / "doc.mp3").read_bytes())


def test_fallback_in_the_middle_keeps_what_was_done(
    tmp_path: Path, cache: ChunkCache, google_mp3: bytes
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(GTTS_URL, body=batchexecute_body(google_mp3))
        mock.post(GTTS_URL, status=429)  # from the second call on, always 429
        result = synthesize_document(
            doc(),
            engine=GttsEngine(),
            fallback=EspeakEngine(),
            cache=cache,
            out_path=tmp_path / "doc.mp3",
            retry=RetryPolicy(retries=1, sleep=Sleeps()),
            workers=1,
        )
    assert result.fell_back and result.engines == {"gtts": 1, "espeak": 2}


def test_no_fallback_and_no_network_is_a_clear_error(tmp_path: Path, cache: ChunkCache) -> None:
    out = tmp_path / "doc.mp3"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(GTTS_URL, body=requests.ConnectionError())
        with pytest.raises(PipelineError, match="Không kết nối được dịch vụ đọc của Google"):
            synthesize_document(
                doc(),
                engine=GttsEngine(),
                fallback=None,
                cache=cache,
                out_path=out,
                retry=RetryPolicy(retries=2, sleep=Sleeps()),
            )
    assert list(tmp_path.iterdir()) == [cache.root] or not list(tmp_path.glob("*.mp3*"))
    assert not list(tmp_path.glob(".doc.mp3*"))


def test_parallel_workers_switch_once_and_keep_order(tmp_path: Path, cache: ChunkCache) -> None:
    sections = [Section(f"Trang {i}", [(i, f"Đây là câu số {i}.")]) for i in range(1, 9)]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(GTTS_URL, status=503)
        result = synthesize_document(
            sections,
            engine=GttsEngine(),
            fallback=EspeakEngine(),
            cache=cache,
            out_path=tmp_path / "doc.mp3",
            retry=RetryPolicy(retries=2, sleep=Sleeps()),
            workers=4,
        )
        assert len(mock.calls) <= 4 * 3  # at most every worker's tries, never per sentence
    assert result.fell_back and result.engines == {"espeak": 8}
    assert [t.paragraph for t in result.sentences] == list(range(1, 9))
    assert sum("phần còn lại" in w for w in result.warnings) == 1
