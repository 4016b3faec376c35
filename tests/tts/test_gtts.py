"""The gTTS engine (the gtts library) with its HTTP intercepted: real MP3 answers, 429s,
timeouts, no network; text sent as given."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest
import requests
import responses
from gtts import gTTS

from tests.tts.helpers import GTTS_URL, Counting, batchexecute_body, mp3_from_espeak, pcm_of
from tts.audio import decode
from tts.cache import ChunkCache
from tts.engines import BadAudio, EngineRateLimited, EngineUnavailable, EspeakEngine, GttsEngine
from tts.normalize import normalize_line
from tts.pipeline import PipelineError, RetryPolicy, Section, synthesize_document
from tts.segment import cut

_GTTS_HEADERS: dict[str, str] = gTTS.GOOGLE_TTS_HEADERS


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def sent_texts(mock: responses.RequestsMock) -> list[str]:
    """The text of every request, taken out of gTTS's batchexecute form body."""
    texts = []
    for call in mock.calls:
        rpc = json.loads(urllib.parse.parse_qs(str(call.request.body))["f.req"][0])
        texts.append(json.loads(rpc[0][0][1])[0])
    return texts


def test_success_returns_the_real_mp3(google_mp3: bytes) -> None:
    with responses.RequestsMock() as mock:
        mock.post(GTTS_URL, body=batchexecute_body(google_mp3))
        audio = GttsEngine().synthesize("Xin chào các đồng chí.", speed=1.0)
        sent = mock.calls[0].request
    assert audio == google_mp3
    assert pcm_of(audio)[:2] == (1, 24000)
    assert sent.url == GTTS_URL and sent.headers["User-Agent"] == _GTTS_HEADERS["User-Agent"]
    form = urllib.parse.parse_qs(str(sent.body))
    rpc = json.loads(form["f.req"][0])
    assert rpc[0][0][0] == "jQ1olc"
    assert json.loads(rpc[0][0][1]) == ["Xin chào các đồng chí.", "vi", None, "null"]
    assert sent.headers["Content-Type"].startswith("application/x-www-form-urlencoded")


def test_slow_speed_asks_for_the_slow_voice(google_mp3: bytes) -> None:
    with responses.RequestsMock() as mock:
        mock.post(GTTS_URL, body=batchexecute_body(google_mp3))
        GttsEngine().synthesize("chậm", speed=0.7)
        GttsEngine().synthesize("nhanh", speed=0.8)
        slow, normal = (urllib.parse.parse_qs(str(c.request.body)) for c in mock.calls)
    assert json.loads(json.loads(slow["f.req"][0])[0][0][1])[2] is True
    assert json.loads(json.loads(normal["f.req"][0])[0][0][1])[2] is None


@pytest.mark.parametrize(
    "text",
    [
        "Thưa Mr. Test st. và Dr. Nam: đúng vậy?!Đúng.",  # gTTS's pre-processors change these
        "Ông Smith Esq. phát biểu - tự-\nnhiên.",
        "Câu kết thúc bằng chữ test.",
    ],
)
def test_text_is_sent_as_given(text: str, google_mp3: bytes) -> None:
    """The normaliser has had its say; gTTS's pre-processors must not have theirs."""
    with responses.RequestsMock() as mock:
        mock.post(GTTS_URL, body=batchexecute_body(google_mp3))
        GttsEngine().synthesize(text, speed=1.0)
        assert sent_texts(mock) == [text]


def test_a_text_over_the_limit_is_split_as_the_pipeline_splits() -> None:
    """Each part is one request; the MP3s are joined, so the audio is as long as both."""
    text = (
        "Chi bộ thống nhất đẩy mạnh chuyển đổi số trong toàn bộ hoạt động, nâng cao chất lượng "
        "sinh hoạt, tăng cường sự lãnh đạo của Đảng đối với công tác xây dựng nông thôn mới"
    )
    pieces = cut(text, 100)
    assert len(text) > 100 and len(pieces) == 2
    first, second = (mp3_from_espeak(piece) for piece in pieces)
    with responses.RequestsMock() as mock:
        mock.post(GTTS_URL, body=batchexecute_body(first))
        mock.post(GTTS_URL, body=batchexecute_body(second))
        audio = GttsEngine().synthesize(text, speed=1.0)
        assert sent_texts(mock) == pieces
    assert audio == first + second
    samples = len(pcm_of(audio)[2])
    assert samples == len(pcm_of(first)[2]) + len(pcm_of(second)[2])


def test_the_pipeline_hands_gtts_pieces_it_does_not_split_again(
    tmp_path: Path, cache: ChunkCache, google_mp3: bytes
) -> None:
    sentence = (
        "Đại hội đại biểu Đảng bộ xã lần thứ nhất, nhiệm kỳ hai nghìn không trăm hai mươi lăm, "
        "đã thảo luận, thống nhất thông qua nghị quyết về phương hướng, mục tiêu, nhiệm vụ và "
        "giải pháp phát triển kinh tế, xã hội của địa phương."
    )
    with responses.RequestsMock() as mock:
        mock.post(GTTS_URL, body=batchexecute_body(google_mp3))
        result = synthesize_document(
            [Section("Trang 1", [(1, sentence)])],
            engine=GttsEngine(),
            fallback=None,
            cache=cache,
            out_path=tmp_path / "doc.mp3",
            workers=1,
        )
        sent = sent_texts(mock)
    assert sent == cut(normalize_line(sentence), 100)  # one request a piece, no more
    assert len(sent) == 3 and all(len(text) <= 100 for text in sent)
    assert [t.text for t in result.sentences] == [sentence]


@pytest.mark.parametrize("text", ["", "   ", "...", "?!", "…"])
def test_nothing_to_say_is_bad_audio_without_a_request(text: str) -> None:
    with responses.RequestsMock() as mock:  # any request would fail as "no connection"
        with pytest.raises(BadAudio, match="không có chữ nào"):
            GttsEngine().synthesize(text, speed=1.0)
        assert not mock.calls


def test_an_unknown_language_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="no voice"):
        GttsEngine(lang="xx-nowhere")


def test_without_a_mock_gtts_fails_loudly_and_reaches_nothing() -> None:
    """The guard of ``conftest.py``: a test that forgot to answer gTTS's HTTP call errors out
    instead of quietly falling back, and no name is even looked up."""
    with pytest.raises(RuntimeError, match="reach the internet"):
        GttsEngine().synthesize("Xin chào.", speed=1.0)


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


def test_certificates_are_checked(
    google_mp3: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """gTTS itself sends with ``verify=False``; ours never does (a swapped voice could put
    words into the Party's documents). A proxy's own CA still works via REQUESTS_CA_BUNDLE."""
    proxy_ca = tmp_path / "proxy-ca.pem"
    proxy_ca.write_text("")
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    with responses.RequestsMock() as mock:
        mock.post(GTTS_URL, body=batchexecute_body(google_mp3))
        GttsEngine().synthesize("Xin chào.", speed=1.0)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(proxy_ca))
        GttsEngine().synthesize("Xin chào.", speed=1.0)
        checks = [call.request.req_kwargs["verify"] for call in mock.calls]
    assert checks == [True, str(proxy_ca)]
