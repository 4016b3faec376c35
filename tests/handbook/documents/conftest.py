"""Photos of paper documents, made once per session (``tests/docs_store/photos.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs_store import photos


@pytest.fixture(scope="session")
def photo_set(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return photos.sample_set(tmp_path_factory.mktemp("photos"))
