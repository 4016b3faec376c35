"""Audio plumbing: any engine's output to one PCM format, pauses, one MP3 stream, chapters.

Everything is 16-bit mono PCM at 22050 Hz (espeak-ng's own rate; gTTS's 24 kHz MP3 is resampled
by miniaudio, no ffmpeg). The document is encoded by ONE LAME encoder fed sentence after
sentence, so there is no gap or click between sentences and the times are exact sample counts.
32 kbit/s constant bit rate: 0.24 MB a minute, and players seek a CBR file accurately.
"""

from __future__ import annotations

import errno
import io
import wave
from collections.abc import Callable, Sequence
from pathlib import Path

import lameenc
import miniaudio
from mutagen import MutagenError
from mutagen.id3 import CHAP, CTOC, ID3, TIT2, CTOCFlags

from tts.engines.base import BadAudio

__all__ = [
    "BIT_RATE",
    "DECODER_DELAY",
    "RATE",
    "Mp3Encoder",
    "decode",
    "playable_seconds",
    "seconds",
    "silence",
    "trim",
    "write_chapters",
]

RATE = 22050
BIT_RATE = 32  # kbit/s: 32000 / 8 * 60 = 240,000 bytes a minute
#: LAME -q: 7 encodes 2.1x as fast as 5, same STOI, PESQ 0.13 lower (bench/README-tts.md).
QUALITY = 7
#: LAME's encoder delay plus the MP3 decoder's (576 + 529 samples): the first PCM sample we feed
#: is heard this late, and LAME writes no gapless tag that would let players skip it.
DECODER_DELAY = 1105
_MIN_SAMPLES = RATE // 20  # 50 ms: anything shorter is not a spoken sentence
_QUIET = 300  # about -40 dBFS: below this a sample is silence (for validation and trimming)
_KEEP = RATE * 30 // 1000  # leave 30 ms of the engine's own lead-in and tail
_BLOCK = 256
_CTOC_MAX = 255  # children of one CTOC frame (its entry count is one byte)


def seconds(samples: int) -> float:
    """Duration of ``samples`` frames at :data:`RATE`."""
    return samples / RATE


def playable_seconds(size: int) -> float:
    """How much audio the first ``size`` bytes of our MP3 stream hold (constant bit rate: the
    bytes say the time), less the decoder's delay and a frame for the one cut mid-way."""
    frame = 1152 // 2 / RATE  # an MPEG-2 layer III frame: 576 samples
    return max(0.0, size * 8 / (BIT_RATE * 1000) - seconds(DECODER_DELAY) - frame)


def silence(duration: float) -> bytes:
    """``duration`` seconds of digital silence."""
    return bytes(2 * round(duration * RATE))


def decode(data: bytes) -> bytes:
    """Engine output (WAV or MP3) as 16-bit mono PCM at :data:`RATE`; BadAudio if it is empty,
    undecodable, too short or silent."""
    if not data:
        raise BadAudio("Bộ đọc trả về âm thanh rỗng.")
    pcm = _decode_wav(data) if data[:4] == b"RIFF" else None
    if pcm is None:
        try:
            decoded = miniaudio.decode(
                data, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=RATE
            )
        except miniaudio.DecodeError as exc:
            raise BadAudio("Âm thanh bộ đọc trả về bị hỏng, không giải mã được.") from exc
        pcm = decoded.samples.tobytes()
    if len(pcm) < 2 * _MIN_SAMPLES:
        raise BadAudio("Âm thanh bộ đọc trả về quá ngắn.")
    if _first_loud(memoryview(pcm).cast("h")) is None:
        raise BadAudio("Âm thanh bộ đọc trả về chỉ có im lặng.")
    return pcm


def _decode_wav(data: bytes) -> bytes | None:
    """PCM of a WAV (espeak-ng streams it with a dummy length, which ``wave`` tolerates);
    None when the WAV is of a kind miniaudio should convert."""
    try:
        with wave.open(io.BytesIO(data)) as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames: bytes = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise BadAudio("Âm thanh WAV bộ đọc trả về bị hỏng.") from exc
    if width != 2:
        return None
    frames = frames[: len(frames) - len(frames) % (2 * channels)]
    if channels == 1 and rate == RATE:
        return frames
    fmt = miniaudio.SampleFormat.SIGNED16
    return bytes(miniaudio.convert_frames(fmt, channels, rate, frames, fmt, 1, RATE))


def _loud(samples: memoryview, lo: int, hi: int) -> bool:
    block = samples[lo:hi]
    return bool(block) and (max(block) >= _QUIET or min(block) <= -_QUIET)


def _first_loud(samples: memoryview) -> int | None:
    """Start of the first block that is not silence (blockwise: max() runs in C), or None."""
    for start in range(0, len(samples), _BLOCK):
        if _loud(samples, start, start + _BLOCK):
            return start
    return None


def trim(pcm: bytes) -> bytes:
    """Cut the engine's leading and trailing silence (keeping 30 ms), so that our own pauses
    set the rhythm and a sentence's start time is when its speech starts."""
    samples = memoryview(pcm).cast("h")
    start = _first_loud(samples)
    if start is None:
        return pcm
    end = len(samples)
    while end > start and not _loud(samples, max(start, end - _BLOCK), end):
        end -= _BLOCK
    start, end = max(0, start - _KEEP), min(len(samples), end + _KEEP)
    return pcm[2 * start : 2 * end]


class Mp3Encoder:
    """One LAME encoder for a whole document; MP3 bytes go to ``write`` as they are made.
    ``position`` is where the next sample will be heard, in seconds of the decoded MP3."""

    def __init__(self, write: Callable[[bytes], None]) -> None:
        self._write = write
        self._lame = lameenc.Encoder()
        self._lame.set_bit_rate(BIT_RATE)
        self._lame.set_in_sample_rate(RATE)
        self._lame.set_out_sample_rate(RATE)
        self._lame.set_channels(1)
        self._lame.set_quality(QUALITY)
        self.samples = 0

    @property
    def position(self) -> float:
        return seconds(self.samples + DECODER_DELAY)

    def add(self, pcm: bytes) -> float:
        """Encode ``pcm``; return the time at which it starts."""
        start = self.position
        self.samples += len(pcm) // 2
        out = self._lame.encode(pcm)
        if out:
            self._write(bytes(out))
        return start

    def close(self) -> float:
        """Flush the last frames; return the end time of the audio."""
        out = self._lame.flush()
        if out:
            self._write(bytes(out))
        return self.position


def write_chapters(
    path: Path, chapters: Sequence[tuple[str, float, float]], title: str | None = None
) -> None:
    """Put ID3v2.3 chapter frames (a CHAP per ``(title, start, end)`` in seconds, and a table of
    contents) at the head of the MP3 at ``path``, for podcast-style players; browsers skip it."""
    tags = ID3()
    if title:
        tags.add(TIT2(encoding=3, text=[title]))
    ids = [f"ch{i}" for i in range(len(chapters))]
    for element_id, (name, start, end) in zip(ids, chapters, strict=True):
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=round(start * 1000),
                end_time=round(end * 1000),
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=[name])],
            )
        )
    if len(ids) <= _CTOC_MAX:
        _toc(tags, "toc", "Mục lục", ids, top=True)
    else:  # a CTOC counts its children in one byte: group long documents one level down
        groups = []
        for n, i in enumerate(range(0, len(ids), _CTOC_MAX)):
            part = chapters[i : i + _CTOC_MAX]
            groups.append(f"toc{n}")
            label = f"{part[0][0]} – {part[-1][0]}"
            _toc(tags, groups[-1], label, ids[i : i + _CTOC_MAX], top=False)
        _toc(tags, "toc", "Mục lục", groups, top=True)
    try:
        tags.save(str(path), v2_version=3, padding=lambda _info: 0)
    except MutagenError as exc:  # mutagen wraps the OSError of opening the file
        cause = exc.__cause__
        raise cause if isinstance(cause, OSError) else OSError(errno.EIO, str(exc)) from exc


def _toc(tags: ID3, element_id: str, label: str, children: list[str], *, top: bool) -> None:
    flags = CTOCFlags.ORDERED | (CTOCFlags.TOP_LEVEL if top else 0)
    tags.add(
        CTOC(
            element_id=element_id,
            flags=flags,
            child_element_ids=children,
            sub_frames=[TIT2(encoding=3, text=[label])],
        )
    )
