"""Google Translate's voice through the gTTS library: natural, online, 100 characters a call.

gTTS builds the request (the ``batchexecute`` RPC), sends it and takes the MP3 out of the
answer; this module adds what the pipeline needs around it: every failure as one of the engine
interface's errors, told apart (429 and its Retry-After, other HTTP errors, timeouts, no
network, empty or broken audio), so that :class:`tts.voices.Voices` retries, backs off and
falls back to espeak-ng.

Text reaches Google as we give it. The pipeline has already normalised it and cut it into pieces
of at most 100 characters (:func:`tts.segment.cut`), so gTTS's own pre-processors are off: they
would drop the dot after "st", "dr", "mr"… even inside a word ("test." loses its full stop),
add spaces after "?" and "!", and turn "Esq." into "Esquire". gTTS tokenizes only a text longer
than 100 characters; its tokenizer is then :func:`tts.segment.cut` too, so such a text is split
where the pipeline would split it (never inside a word), each part is one request, and the MP3s
are joined: the timing map measures the decoded sound, so it stays exact.

gTTS 2.5.4 sends without certificate checks (``verify=False``, for users behind intercepting
proxies), so anyone on the path could swap the audio members hear for the Party's documents.
``_VerifiedTTS`` keeps gTTS's request building (``_prepare_requests``, the RPC format) and its
answer format, and only sends with checks on (the system's CA bundle, or ``REQUESTS_CA_BUNDLE``
for a proxy's own CA): about twenty lines of ours instead of a protocol.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
import urllib.request
from collections.abc import Iterator

import requests
from gtts import gTTS, gTTSError
from gtts.lang import tts_langs
from gtts.tokenizer.symbols import ALL_PUNC

from tts.engines.base import BadAudio, EngineError, EngineRateLimited, EngineUnavailable
from tts.segment import cut

__all__ = ["GttsEngine"]

#: Below this speed gTTS's "slow" reading is used; the service has no other rates.
SLOW_BELOW = 0.8
#: What gTTS drops as "nothing to say" (then it refuses to send anything).
_SILENT = ALL_PUNC + string.whitespace


_AUDIO_ROW = re.compile(r'jQ1olc","\[\\"(.*)\\"]')


class _VerifiedTTS(gTTS):  # type: ignore[misc]  # gtts ships no type information
    """gTTS, sending each request with TLS certificate checks on (see the module's notes)."""

    def stream(self) -> Iterator[bytes]:
        for prepared in self._prepare_requests():
            response = None
            try:
                with requests.Session() as session:
                    proxies = urllib.request.getproxies()
                    settings = session.merge_environment_settings(
                        prepared.url, proxies, None, None, None
                    )
                    response = session.send(prepared, timeout=self.timeout, **settings)
                response.raise_for_status()
            except requests.HTTPError:
                raise gTTSError(tts=self, response=response) from None
            except requests.RequestException as exc:
                raise gTTSError(tts=self) from exc
            yield from _audio_rows(self, response)


def _audio_rows(request: gTTS, response: requests.Response) -> Iterator[bytes]:
    """The MP3 pieces in a ``batchexecute`` answer, as gTTS itself reads them."""
    for line in response.iter_lines(chunk_size=1024):
        text = line.decode("utf-8")
        if "jQ1olc" not in text:
            continue
        found = _AUDIO_ROW.search(text)
        if found is None:
            raise gTTSError(tts=request, response=response)
        yield base64.b64decode(found.group(1).encode("ascii"))


class GttsEngine:
    """Google Translate TTS through gTTS; returns MP3 (mono, 24 kHz, 32 kbps)."""

    name = "gtts"
    max_chars = 100  # gTTS.GOOGLE_TTS_MAX_CHARS: longer texts are split into several requests
    concurrency = 4  # parallel requests: faster, yet gentle enough to avoid most 429s

    def __init__(self, lang: str = "vi", *, tld: str = "com", timeout: float = 10) -> None:
        if lang not in tts_langs():  # checked once here, so each request skips gTTS's check
            raise ValueError(f"gTTS has no voice for {lang!r}")
        self.voice = lang
        self.tld = tld
        self.timeout = timeout

    def _tokens(self, text: str) -> list[str]:
        """gTTS's tokenizer for a text over the limit: the pipeline's own cut."""
        return cut(text, self.max_chars)

    def synthesize(self, text: str, *, speed: float) -> bytes:
        """MP3 bytes for ``text``; raises EngineUnavailable, EngineRateLimited or BadAudio."""
        if not text.strip(_SILENT):
            raise BadAudio("Câu này không có chữ nào để dịch vụ đọc của Google đọc.")
        request = _VerifiedTTS(
            text,
            tld=self.tld,
            lang=self.voice,
            slow=speed < SLOW_BELOW,
            lang_check=False,
            pre_processor_funcs=[],
            tokenizer_func=self._tokens,
            timeout=self.timeout,
        )
        parts: list[bytes] = []
        try:
            for part in request.stream():
                parts.append(part)
        except gTTSError as exc:
            raise _engine_error(exc) from exc
        except (binascii.Error, UnicodeDecodeError) as exc:  # base64 or the answer's text
            raise BadAudio("Âm thanh từ dịch vụ đọc của Google bị hỏng.") from exc
        audio = b"".join(parts)
        if not audio:  # audio rows that decode to nothing are broken; no row at all is empty
            raise BadAudio(
                "Âm thanh từ dịch vụ đọc của Google bị hỏng."
                if parts
                else "Dịch vụ đọc của Google trả về âm thanh rỗng."
            )
        return audio

    def reachable(self, timeout: float = 3) -> bool:
        """Whether the service answers with audio now (one tiny request)."""
        probe = GttsEngine(self.voice, tld=self.tld, timeout=timeout)
        try:
            probe.synthesize("xin chào", speed=1.0)
        except Exception:  # any failure means "not usable now"
            return False
        return True


def _engine_error(error: gTTSError) -> EngineError:
    """The engine error for gTTS's one exception: it carries the HTTP answer (``rsp``) when
    there was one, and was raised while handling the ``requests`` error when there was not."""
    response: requests.Response | None = error.rsp
    if response is None:
        if isinstance(error.__context__, requests.Timeout):
            return EngineUnavailable("Dịch vụ đọc của Google không trả lời kịp.")
        return EngineUnavailable("Không kết nối được dịch vụ đọc của Google.")
    status = response.status_code
    if status == 429:
        return EngineRateLimited(
            "Dịch vụ đọc của Google đang hạn chế số yêu cầu.",
            _retry_after(response.headers.get("Retry-After")),
        )
    if status < 400:  # answered, but the audio row had no audio in it
        return BadAudio("Dịch vụ đọc của Google trả lời nhưng không có âm thanh.")
    return EngineUnavailable(f"Dịch vụ đọc của Google báo lỗi {status}.")


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare here, and the backoff policy covers it
