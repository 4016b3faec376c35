"""Test helpers for speech: real espeak-ng audio, a real MP3 payload shaped like Google's answer,
an engine wrapper that counts calls or spoils chosen outputs, and what the espeak-ng worker
tests share (sentences, the command's own output, process checks)."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import threading
import time
import wave

import lameenc
import miniaudio

from tts.audio import RATE, decode
from tts.engines import EspeakEngine

#: Where gTTS 2.5.4 sends its requests (``gtts/tts.py``, ``_prepare_requests``), tld "com".
GTTS_URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"


class Counting:
    """Wraps an engine and records every text it was asked to speak."""

    def __init__(self, inner: object, *, bad: str | None = None, output: bytes | None = None):
        self.inner = inner
        self.name: str = inner.name  # type: ignore[attr-defined]
        self.voice: str = inner.voice  # type: ignore[attr-defined]
        self.max_chars: int = inner.max_chars  # type: ignore[attr-defined]
        self.calls: list[str] = []
        self.bad = bad  # texts containing this word get ``output`` instead of audio
        self.output = output
        self._lock = threading.Lock()

    def synthesize(self, text: str, *, speed: float) -> bytes:
        with self._lock:
            self.calls.append(text)
        if self.bad is not None and self.bad in text:
            assert self.output is not None
            return self.output
        return self.inner.synthesize(text, speed=speed)  # type: ignore[attr-defined]


def mp3_from_espeak(text: str, rate: int = 24000) -> bytes:
    """What Google's service returns: mono MP3, 24 kHz, 32 kbit/s (here spoken by espeak-ng)."""
    pcm = decode(EspeakEngine().synthesize(text, speed=1.0))
    fmt = miniaudio.SampleFormat.SIGNED16
    resampled = bytes(miniaudio.convert_frames(fmt, 1, 22050, pcm, fmt, 1, rate))
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(rate)
    encoder.set_out_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(5)
    return bytes(encoder.encode(resampled)) + bytes(encoder.flush())


def batchexecute_body(mp3: bytes) -> str:
    """A batchexecute answer carrying ``mp3`` the way translate.google.com sends it."""
    inner = json.dumps([base64.b64encode(mp3).decode("ascii")], separators=(",", ":"))
    row = ["wrb.fr", "jQ1olc", inner, None, None, None, "generic"]
    line = json.dumps([row], separators=(",", ":"))
    return f')]}}\'\n\n{len(line)}\n{line}\n25\n[["e",4,null,null,{len(line) + 60}]]\n'


def pcm_of(mp3: bytes) -> tuple[int, int, memoryview]:
    """(channels, sample rate, samples) of an MP3, decoded as it is, without conversion."""
    info = miniaudio.mp3_get_info(mp3)
    decoded = miniaudio.decode(
        mp3,
        output_format=miniaudio.SampleFormat.SIGNED16,
        nchannels=info.nchannels,
        sample_rate=info.sample_rate,
    )
    return info.nchannels, info.sample_rate, memoryview(decoded.samples.tobytes()).cast("h")


#: Sentences that normalise to themselves, of very different lengths, so that a boundary in the
#: wrong place changes the lengths the map reports.
SENTENCES = [
    "Vâng.",
    "Chi bộ thôn Một họp thường kỳ, bàn về kế hoạch phát triển kinh tế và giữ vững an ninh.",
    "Đồng ý.",
    "Đồng chí Bí thư phát biểu: cần tiếp tục học tập và làm theo tư tưởng, đạo đức, phong cách "
    "Hồ Chí Minh.",
    "Hết giờ.",
    "Mặt trận Tổ quốc và các đoàn thể tuyên truyền đến từng hộ gia đình.",
]


def frames(wav: bytes) -> bytes:
    with wave.open(io.BytesIO(wav)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth()) == (1, 2)
        assert reader.getframerate() == RATE
        return reader.readframes(reader.getnframes())


def command(text: str, wpm: int) -> bytes:
    """What the espeak-ng command itself says, as PCM."""
    done = subprocess.run(
        ["espeak-ng", "-v", "vi", "-s", str(wpm), "-b", "1", "--stdout"],
        input=text.encode("utf-8"),
        capture_output=True,
        check=True,
    )
    return frames(done.stdout)


def gone(pid: int) -> bool:
    """Whether ``pid`` has exited and been reaped (no zombie left)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def wait_until_dead(pid: int) -> None:
    """Until ``pid`` shows as a zombie: dead, not yet reaped. (Its other threads may still be
    exiting, so ``waitpid`` may not reap it yet: what fooled the old idle check.)"""
    for _ in range(3000):
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not die")
