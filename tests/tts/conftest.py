"""Fixtures for the speech tests (helpers live in ``helpers.py``)."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.tts.helpers import mp3_from_espeak
from tts.cache import ChunkCache


@pytest.fixture(scope="session")
def google_mp3() -> bytes:
    """A real MP3 like the one Google's service returns (mono, 24 kHz, 32 kbit/s)."""
    return mp3_from_espeak("Xin chào các đồng chí đảng viên.")


@pytest.fixture
def cache(tmp_path: Path) -> ChunkCache:
    return ChunkCache(tmp_path / "cache")


@pytest.fixture(autouse=True)
def _http_only_through_responses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any HTTP request that no ``responses`` mock answers fails loudly, before a DNS look-up.

    gTTS sends through ``requests`` and turns a ``requests`` error into a "no connection" that
    the pipeline would quietly fall back from; this error is not one, so the test errors out.
    ``responses`` patches the same method while it is active and puts this guard back after."""

    def refuse(_adapter: object, request: requests.PreparedRequest, **_kwargs: Any) -> None:
        host = urllib.parse.urlsplit(request.url or "").hostname or ""
        raise RuntimeError(f"test tried to reach the internet: {host} (mock it with responses)")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)
