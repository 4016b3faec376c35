"""Where recordings are kept: MP3s beside the documents' files, under their own size limit."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from docs_store.filesystem import FileSystemBlobStore
from handbook.documents.storage import shared_root

#: A 300-page document read aloud is about 1,200 minutes, 290 MB at 32 kbit/s.
AUDIO_MAX_SIZE = 2 * 1024**3


def audio_store() -> FileSystemBlobStore:
    """MP3s of documents read aloud: uploads' size limit does not fit them."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("handbook.audio")
    if store is None:
        store = FileSystemBlobStore(shared_root() / "audio", max_size=AUDIO_MAX_SIZE)
        app.extensions["handbook.audio"] = store
    return store


def early_path(track_id: int) -> Path:
    """Where the playable beginning of a track being made is kept, for every server process."""
    return shared_root() / "audio-early" / f"{track_id}.mp3"
