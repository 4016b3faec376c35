"""Piper: a natural (neural) voice without the internet, from a voice file an administrator
installed (:mod:`tts.voice_files`); ONNX on the CPU.

One model per process, kept: loading one costs about half a CPU second and 250 MB, so it is
loaded on the first sentence and every later sentence, document and thread reads from it
(:func:`load_voice`, keyed by the file's path, size and modification time; a different voice
replaces it). ``piper`` (with onnxruntime and numpy) is imported only inside functions, so a
web process that never speaks with Piper never loads them.

Each ONNX call runs on one thread (``intra_op_num_threads=1``, no spinning): onnxruntime's
default pool spins a thread per core, so on two cores two documents read at once fought over
four busy threads; one thread per call gave 22 s of audio per CPU second instead of 12, and
was faster by the clock too (bench/README-tts.md). A document still uses both cores through
the pipeline's two worker threads (:attr:`PiperEngine.concurrency`).
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import threading
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tts.engines.base import BadAudio, EngineUnavailable

if TYPE_CHECKING:  # the real imports wait for the first sentence (see the module's notes)
    from piper import PiperVoice

__all__ = ["PiperEngine", "load_voice", "open_session", "piper_available"]

logger = logging.getLogger(__name__)

#: Silence between the sentences Piper itself finds inside one text, in seconds at speed 1.0.
SENTENCE_PAUSE = 0.25

_NOT_INSTALLED = "Máy chủ chưa cài bộ đọc Piper (gói piper-tts)."
_NO_VOICE = (
    "Máy chủ chưa cài giọng Piper nào; quản trị viên thêm giọng bằng lệnh "
    "“python -m handbook voices add”."
)
_MISSING = "Không tìm thấy tệp giọng Piper “{name}”."
_CANNOT_LOAD = "Không mở được giọng Piper “{name}” (tệp hỏng hoặc không phải giọng Piper)."
_UNREADABLE = "Giọng Piper không đọc được câu này."
_EMPTY = "Giọng Piper trả về âm thanh rỗng."

_lock = threading.Lock()
#: The one model of this process: ((model path, size, mtime, config path), the loaded voice).
_loaded: tuple[tuple[str, int, int, str], PiperVoice] | None = None


def piper_available() -> bool:
    """Whether piper-tts is installed (without importing it)."""
    return importlib.util.find_spec("piper") is not None


def open_session(model: Path) -> Any:
    """An onnxruntime session on ``model``, one thread per call; EngineUnavailable when
    onnxruntime is missing, or (from onnxruntime) an error when the file is not a model."""
    try:
        import onnxruntime
    except ImportError as exc:
        raise EngineUnavailable(_NOT_INSTALLED) from exc
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only: its warnings are about graph optimisations
    return onnxruntime.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )


def load_voice(model: Path, config: Path) -> PiperVoice:
    """The loaded voice for ``model``: the one this process holds, or loaded now in its place
    (the old one is dropped first: one model in memory). Thread-safe."""
    global _loaded
    try:
        stat = model.stat()
    except OSError as exc:
        raise EngineUnavailable(_MISSING.format(name=model.name)) from exc
    key = (str(model.resolve()), stat.st_size, stat.st_mtime_ns, str(config.resolve()))
    with _lock:
        if _loaded is not None and _loaded[0] == key:
            return _loaded[1]
        _loaded = None
        voice = _load(model, config)
        _loaded = (key, voice)
        logger.info("Piper voice %s loaded", model.name)
        return voice


def unload() -> None:
    """Drop the loaded model (tests and benchmarks measure a cold start with it)."""
    global _loaded
    with _lock:
        _loaded = None


def _load(model: Path, config: Path) -> PiperVoice:
    try:
        from piper import PiperVoice
        from piper.config import PiperConfig
    except ImportError as exc:
        raise EngineUnavailable(_NOT_INSTALLED) from exc
    try:
        settings = PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8")))
        session = open_session(model)
    except EngineUnavailable:
        raise
    except Exception as exc:  # a missing, unreadable or malformed file: onnxruntime's own
        logger.warning("cannot load Piper voice %s: %s", model, exc)  # errors have no base
        raise EngineUnavailable(_CANNOT_LOAD.format(name=model.stem)) from exc
    return PiperVoice(session=session, config=settings)


class PiperEngine:
    """A Piper voice: 16-bit mono WAV out at the voice's own rate (16 or 22.05 kHz; the
    pipeline resamples). ``voice`` is the installed voice's name (what the listener is told,
    and part of each cached sentence's key); ``model`` None means no voice is installed: every
    sentence then fails as unavailable, so the pipeline falls back."""

    name = "piper"
    max_chars = 400  # Piper speaks longer texts, but memory and time grow with the length

    def __init__(
        self,
        model: Path | None,
        config: Path | None = None,
        *,
        voice: str | None = None,
        sentence_pause: float = SENTENCE_PAUSE,
        concurrency: int = 2,
    ) -> None:
        self.model = model
        self.config = config if config is not None or model is None else Path(f"{model}.json")
        self.voice = voice or (model.stem if model is not None else "")
        self.sentence_pause = sentence_pause
        #: Sentences synthesised at once for one document (the pipeline's worker threads).
        self.concurrency = concurrency

    def synthesize(self, text: str, *, speed: float) -> bytes:
        """WAV bytes for ``text``; ``speed`` 2.0 halves each phoneme's length. Raises
        EngineUnavailable (no piper-tts, no voice, a voice that cannot load) or BadAudio."""
        if self.model is None or self.config is None:
            raise EngineUnavailable(_NO_VOICE)
        if not piper_available():
            raise EngineUnavailable(_NOT_INSTALLED)
        voice = load_voice(self.model, self.config)
        from piper.config import SynthesisConfig

        scale = voice.config.length_scale / speed
        # "[[ ... ]]" would be read as raw phonemes: a document's brackets are just text.
        plain = text.replace("[[", "[ [").replace("]]", "] ]")
        parts: list[bytes] = []
        try:
            for chunk in voice.synthesize(plain, syn_config=SynthesisConfig(length_scale=scale)):
                if parts:
                    parts.append(bytes(2 * round(self.sentence_pause / speed * chunk.sample_rate)))
                parts.append(chunk.audio_int16_bytes)
        except Exception as exc:  # the phonemiser or the model failed on this text alone
            logger.warning("Piper failed on a sentence: %s", exc)
            raise BadAudio(_UNREADABLE) from exc
        pcm = b"".join(parts)
        if not pcm:
            raise BadAudio(_EMPTY)
        return _wav(pcm, voice.config.sample_rate)


def _wav(pcm: bytes, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return out.getvalue()
