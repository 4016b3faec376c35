"""Speech engines behind one interface, and the choice between them (``TTS_ENGINE``).

``gtts`` is Google's natural voice and needs the internet; ``espeak`` (espeak-ng) works offline.
``auto`` uses gTTS when it answers and espeak-ng otherwise; a job that starts on gTTS keeps
espeak-ng as its fallback (:func:`fallback_for`).
"""

from __future__ import annotations

from collections.abc import Callable

from tts.engines.base import BadAudio, Engine, EngineError, EngineRateLimited, EngineUnavailable
from tts.engines.espeak import EspeakEngine
from tts.engines.gtts import GttsEngine

__all__ = [
    "BadAudio",
    "Engine",
    "EngineError",
    "EngineRateLimited",
    "EngineUnavailable",
    "EspeakEngine",
    "GttsEngine",
    "choose_engine",
    "fallback_for",
    "make_engine",
    "voice_label",
]

ENGINE_NAMES = ("gtts", "espeak")
_LABELS = {"gtts": "giọng Google (gTTS)", "espeak": "giọng máy espeak-ng (ngoại tuyến)"}


def make_engine(name: str) -> Engine:
    """The engine called ``name`` ("gtts" or "espeak"), with the Vietnamese voice."""
    if name == "gtts":
        return GttsEngine(lang="vi")
    if name == "espeak":
        return EspeakEngine(voice="vi")
    raise ValueError(f"unknown TTS engine {name!r}; expected one of {', '.join(ENGINE_NAMES)}")


def choose_engine(setting: str, *, probe: Callable[[], bool] | None = None) -> Engine:
    """The engine for a ``TTS_ENGINE`` setting; ``auto`` asks ``probe`` (default: one tiny
    gTTS request) whether gTTS is reachable now."""
    setting = (setting or "auto").strip().lower()
    if setting != "auto":
        return make_engine(setting)
    gtts = GttsEngine(lang="vi")
    reachable = probe if probe is not None else gtts.reachable
    return gtts if reachable() else EspeakEngine(voice="vi")


def fallback_for(engine: Engine) -> Engine | None:
    """The offline engine to switch to when ``engine`` fails, or None if it is the offline one."""
    return None if engine.name == "espeak" else EspeakEngine(voice="vi")


def voice_label(name: str, voice: str) -> str:
    """How the user is told which voice read the document: "giọng Google (gTTS), vi"."""
    return f"{_LABELS.get(name, name)}, {voice}"
