"""Where voice comments' recordings are kept: beside the documents' files, under their own
size limit (a recording is far smaller than an upload may be)."""

from __future__ import annotations

from flask import current_app

from docs_store.filesystem import FileSystemBlobStore
from handbook.comments.voice import MAX_BYTES
from handbook.documents.storage import shared_root


def voice_store() -> FileSystemBlobStore:
    """Recordings of voice comments, by sha256, shared by every server process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("handbook.voice")
    if store is None:
        store = FileSystemBlobStore(shared_root() / "voice", max_size=MAX_BYTES)
        app.extensions["handbook.voice"] = store
    return store
