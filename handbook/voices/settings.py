"""Where the Piper voices are and how the engines are ordered, from the app's config: what
``audio.jobs`` passes to ``tts.engines.choose_engine`` and ``fallback_for``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app

from handbook.documents.storage import shared_root
from tts.voice_files import VoiceShelf


def voice_dir() -> Path:
    """``TTS_VOICE_DIR``, else ``voices`` beside the recordings (shared storage when several
    machines serve, so every worker reads the voice the administrator installed once)."""
    return Path(current_app.config["TTS_VOICE_DIR"] or shared_root() / "voices")


def shelf() -> VoiceShelf:
    return VoiceShelf(voice_dir())


def engine_settings() -> dict[str, Any]:
    """Keyword arguments for ``choose_engine`` and ``fallback_for``."""
    config = current_app.config
    return {
        "order": config["TTS_ENGINE_ORDER"],
        "voice_dir": voice_dir(),
        "sentence_pause": config["TTS_PIPER_SENTENCE_PAUSE_S"],
    }
