"""Speech engines behind one interface, and the choice between them (``TTS_ENGINE``).

``gtts`` is Google's natural voice and needs the internet; ``piper`` is a natural voice without
it, from a voice file an administrator installed (:mod:`tts.voice_files`); ``espeak``
(espeak-ng) is robotic but always there. ``auto`` takes the first that can speak now, in the
order of ``TTS_ENGINE_ORDER`` (default: gTTS when it answers, else the installed Piper voice,
else espeak-ng); a job keeps the next offline engine of that order as its fallback
(:func:`fallback_for`). With no Piper voice installed (or no ``voice_dir``), both behave as
before Piper: gTTS, else espeak-ng.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tts.engines.base import BadAudio, Engine, EngineError, EngineRateLimited, EngineUnavailable
from tts.engines.espeak import EspeakEngine
from tts.engines.gtts import GttsEngine
from tts.engines.piper import SENTENCE_PAUSE, PiperEngine, piper_available
from tts.voice_files import active_voice

__all__ = [
    "DEFAULT_ORDER",
    "BadAudio",
    "Engine",
    "EngineError",
    "EngineRateLimited",
    "EngineUnavailable",
    "EspeakEngine",
    "GttsEngine",
    "PiperEngine",
    "choose_engine",
    "engine_order",
    "fallback_for",
    "installed_piper",
    "make_engine",
    "voice_label",
]

ENGINE_NAMES = ("gtts", "piper", "espeak")
DEFAULT_ORDER = "gtts,piper,espeak"
_LABELS = {
    "gtts": "giọng Google (gTTS)",
    "piper": "giọng tự nhiên Piper (ngoại tuyến)",
    "espeak": "giọng máy espeak-ng (ngoại tuyến)",
}


def engine_order(setting: str = DEFAULT_ORDER) -> tuple[str, ...]:
    """The engines of a ``TTS_ENGINE_ORDER`` setting ("gtts,piper,espeak"), in order."""
    names = tuple(n.strip().lower() for n in (setting or DEFAULT_ORDER).split(",") if n.strip())
    unknown = [n for n in names if n not in ENGINE_NAMES]
    if unknown or not names:
        raise ValueError(f"bad TTS engine order {setting!r}; use names from {ENGINE_NAMES}")
    return names


def installed_piper(
    voice_dir: Path | None, *, sentence_pause: float = SENTENCE_PAUSE
) -> PiperEngine | None:
    """The installed Piper voice as an engine, or None (no voice, or no piper-tts)."""
    voice = active_voice(voice_dir)
    if voice is None or not piper_available():
        return None
    return PiperEngine(
        voice.model_path, voice.config_path, voice=voice.name, sentence_pause=sentence_pause
    )


def make_engine(
    name: str, *, voice_dir: Path | None = None, sentence_pause: float = SENTENCE_PAUSE
) -> Engine:
    """The engine called ``name`` ("gtts", "piper" or "espeak"), with the Vietnamese voice.
    "piper" with no voice installed is an engine that fails each sentence as unavailable (so
    the pipeline says why and falls back)."""
    if name == "gtts":
        return GttsEngine(lang="vi")
    if name == "espeak":
        return EspeakEngine(voice="vi")
    if name == "piper":
        return installed_piper(voice_dir, sentence_pause=sentence_pause) or PiperEngine(None)
    raise ValueError(f"unknown TTS engine {name!r}; expected one of {', '.join(ENGINE_NAMES)}")


def choose_engine(
    setting: str,
    *,
    probe: Callable[[], bool] | None = None,
    order: str = DEFAULT_ORDER,
    voice_dir: Path | None = None,
    sentence_pause: float = SENTENCE_PAUSE,
) -> Engine:
    """The engine for a ``TTS_ENGINE`` setting. ``auto`` walks ``order``: gTTS if ``probe``
    (default: one tiny gTTS request) says it answers now, Piper if a voice is installed in
    ``voice_dir``, espeak-ng always (and last, when the order names neither that can speak)."""
    setting = (setting or "auto").strip().lower()
    if setting != "auto":
        return make_engine(setting, voice_dir=voice_dir, sentence_pause=sentence_pause)
    for name in engine_order(order):
        if name == "gtts":
            gtts = GttsEngine(lang="vi")
            if (probe if probe is not None else gtts.reachable)():
                return gtts
        elif name == "piper":
            piper = installed_piper(voice_dir, sentence_pause=sentence_pause)
            if piper is not None:
                return piper
        else:
            break
    return EspeakEngine(voice="vi")


def fallback_for(
    engine: Engine,
    *,
    order: str = DEFAULT_ORDER,
    voice_dir: Path | None = None,
    sentence_pause: float = SENTENCE_PAUSE,
) -> Engine | None:
    """The offline engine to switch to when ``engine`` fails: the installed Piper voice if the
    order puts it after ``engine``, else espeak-ng; None for espeak-ng itself."""
    if engine.name == "espeak":
        return None
    names = engine_order(order)
    later = names[names.index(engine.name) + 1 :] if engine.name in names else ()
    if engine.name != "piper" and "piper" in later:
        piper = installed_piper(voice_dir, sentence_pause=sentence_pause)
        if piper is not None:
            return piper
    return EspeakEngine(voice="vi")


def voice_label(name: str, voice: str) -> str:
    """How the user is told which voice read the document: "giọng Google (gTTS), vi"."""
    return f"{_LABELS.get(name, name)}, {voice}"
