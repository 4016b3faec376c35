"""Fixtures for the speech tests (helpers live in ``helpers.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tts.helpers import mp3_from_espeak
from tts.cache import ChunkCache


@pytest.fixture(scope="session")
def google_mp3() -> bytes:
    """A real MP3 like the one Google's service returns (mono, 24 kHz, 32 kbit/s)."""
    return mp3_from_espeak("Xin chào các đồng chí đảng viên.")


@pytest.fixture
def cache(tmp_path: Path) -> ChunkCache:
    return ChunkCache(tmp_path / "cache")
