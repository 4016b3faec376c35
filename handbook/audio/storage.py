"""Where recordings are kept: MP3s beside the documents' files, under their own size limit."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
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


def work_dir() -> Path:
    """Where runs write their MP3s before storing them, each under a name of its own."""
    return Path(current_app.instance_path) / "audio-work"


def remove_stale(
    folder: Path, pattern: str, older_than: float, gone: Callable[[str], bool] | None = None
) -> int:
    """Remove ``folder``'s files matching ``pattern`` not written for ``older_than`` seconds,
    or whose run ``gone`` says is over: a killed run's (a run writes its files as it goes,
    under names no other run uses, so a live run's are never this old, however many runs of
    the same track there are); returns the bytes freed."""
    freed, old = 0, time.time() - older_than
    for path in folder.glob(pattern):
        with contextlib.suppress(OSError):  # gone meanwhile: its run ended
            stat = path.stat()
            if stat.st_mtime < old or (gone is not None and gone(path.name)):
                path.unlink()
                freed += stat.st_size
    return freed
