"""The documents' blob store: files on disk under the instance folder (or ``DOCS_STORE_ROOT``)."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path

from flask import current_app

from docs_store.filesystem import FileSystemBlobStore

logger = logging.getLogger(__name__)

#: Temporary files younger than this may still be in use.
STALE_AFTER_S = 3600.0


def blob_store() -> FileSystemBlobStore:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("handbook.blobs")
    if store is None:
        root = Path(app.config["DOCS_STORE_ROOT"] or Path(app.instance_path) / "blobs")
        store = FileSystemBlobStore(root, max_size=app.config["MAX_CONTENT_LENGTH"])
        app.extensions["handbook.blobs"] = store
    return store


def shared_root() -> Path:
    """Where files every server process must see are kept (``DOCS_STORE_ROOT`` when several
    machines serve: it must then be shared storage)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return Path(app.config["DOCS_STORE_ROOT"] or Path(app.instance_path) / "blobs")


def remove_stale_files(older_than: float = STALE_AFTER_S) -> int:
    """Half-written uploads in the blob store and the work folders of killed extractions and
    photo assemblies:
    what a killed process leaves behind is cleared, never left to pile up."""
    removed = blob_store().remove_stale_temp(older_than)
    cutoff = time.time() - older_than
    temp = Path(tempfile.gettempdir())
    for folder in [*temp.glob("docs-extract-*"), *temp.glob("docs-photos-*")]:
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    if removed:
        logger.info("removed %s stale temporary files and folders", removed)
    return removed
