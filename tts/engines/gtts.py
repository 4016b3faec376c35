"""Google Translate's voice, as the gTTS library calls it: natural, online, 100 characters a call.

The request and the answer's format are those of gTTS 2.5.4 (``gtts/tts.py``: the
``batchexecute`` RPC ``jQ1olc``). We call the endpoint with ``requests`` instead of importing
gTTS because gTTS 2.5.4 pins ``click<8.2``, which would downgrade the click that Flask uses, and
because we need its errors told apart (429, timeout, no network) to retry and fall back well.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import urllib.parse

import requests

from tts.engines.base import BadAudio, EngineRateLimited, EngineUnavailable

__all__ = ["GttsEngine"]

_RPC = "jQ1olc"
_HEADERS = {
    "Referer": "http://translate.google.com/",
    "User-Agent": "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/47.0.2526.106 Safari/537.36",
    "Content-Type": "application/x-www-form-urlencoded;charset=utf-8",
}
_AUDIO = re.compile(r'jQ1olc"\s*,\s*"\[\\"(.*)\\"]')  # gTTS's pattern, spaces allowed
#: Below this speed gTTS's "slow" reading is used; the service has no other rates.
SLOW_BELOW = 0.8


class GttsEngine:
    """Google Translate TTS over HTTPS; returns MP3 (mono, 24 kHz, 32 kbps)."""

    name = "gtts"
    max_chars = 100  # gTTS's GOOGLE_TTS_MAX_CHARS
    concurrency = 4  # parallel requests: faster, yet gentle enough to avoid most 429s

    def __init__(self, lang: str = "vi", *, tld: str = "com", timeout: float = 10) -> None:
        self.voice = lang
        self.timeout = timeout
        self.url = f"https://translate.google.{tld}/_/TranslateWebserverUi/data/batchexecute"
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def body(self, text: str, *, speed: float) -> str:
        """The form body gTTS sends for ``text``."""
        parameter = [text, self.voice, True if speed < SLOW_BELOW else None, "null"]
        rpc = [[[_RPC, json.dumps(parameter, separators=(",", ":")), None, "generic"]]]
        return "f.req=" + urllib.parse.quote(json.dumps(rpc, separators=(",", ":"))) + "&"

    def synthesize(self, text: str, *, speed: float) -> bytes:
        """MP3 bytes for ``text``; raises EngineUnavailable, EngineRateLimited or BadAudio."""
        try:
            response = self._session().post(
                self.url, data=self.body(text, speed=speed), headers=_HEADERS, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise EngineUnavailable("Dịch vụ đọc của Google không trả lời kịp.") from exc
        except requests.RequestException as exc:
            raise EngineUnavailable("Không kết nối được dịch vụ đọc của Google.") from exc
        if response.status_code == 429:
            raise EngineRateLimited(
                "Dịch vụ đọc của Google đang hạn chế số yêu cầu.",
                _retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code != 200:
            raise EngineUnavailable(f"Dịch vụ đọc của Google báo lỗi {response.status_code}.")
        return _audio(response.text)

    def reachable(self, timeout: float = 3) -> bool:
        """Whether the service answers with audio now (one tiny request)."""
        probe = GttsEngine(self.voice, timeout=timeout)
        probe.url = self.url
        try:
            probe.synthesize("xin chào", speed=1.0)
        except Exception:  # noqa: BLE001 - any failure means "not usable now"
            return False
        return True


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare here, and the backoff policy covers it


def _audio(text: str) -> bytes:
    """The MP3 carried in a batchexecute answer (base64 inside JSON inside lines)."""
    parts = []
    for line in text.splitlines():
        if _RPC not in line:
            continue
        found = _AUDIO.search(line)
        if not found:
            raise BadAudio("Dịch vụ đọc của Google trả lời nhưng không có âm thanh.")
        try:
            parts.append(base64.b64decode(found.group(1).encode("ascii"), validate=True))
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise BadAudio("Âm thanh từ dịch vụ đọc của Google bị hỏng.") from exc
    audio = b"".join(parts)
    if not audio:
        raise BadAudio("Dịch vụ đọc của Google trả về âm thanh rỗng.")
    return audio
