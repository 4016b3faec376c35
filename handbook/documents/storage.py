"""The app's blob store: files on disk under the instance folder (or ``DOCS_STORE_ROOT``)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from docs_store.filesystem import FileSystemBlobStore


def blob_store() -> FileSystemBlobStore:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("handbook.blobs")
    if store is None:
        root = Path(app.config["DOCS_STORE_ROOT"] or Path(app.instance_path) / "blobs")
        store = FileSystemBlobStore(root, max_size=app.config["MAX_CONTENT_LENGTH"])
        app.extensions["handbook.blobs"] = store
    return store


#: A 300-page document read aloud is about 1,200 minutes, 290 MB at 32 kbit/s.
AUDIO_MAX_SIZE = 2 * 1024**3


def shared_root() -> Path:
    """Where files every server process must see are kept (``DOCS_STORE_ROOT`` when several
    machines serve: it must then be shared storage)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return Path(app.config["DOCS_STORE_ROOT"] or Path(app.instance_path) / "blobs")


def audio_store() -> FileSystemBlobStore:
    """MP3s of documents read aloud: uploads' size limit does not fit them."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("handbook.audio")
    if store is None:
        root = Path(app.config["DOCS_STORE_ROOT"] or Path(app.instance_path) / "blobs") / "audio"
        store = FileSystemBlobStore(root, max_size=AUDIO_MAX_SIZE)
        app.extensions["handbook.audio"] = store
    return store
