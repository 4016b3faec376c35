"""Housekeeping jobs: what a killed process leaves behind is cleared, never left to pile up."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path

from handbook import db
from handbook.accounts import devices, throttle
from handbook.documents.storage import blob_store
from handbook.jobs import periodic
from handbook.timeutil import utcnow

logger = logging.getLogger(__name__)

#: Temporary files younger than this may still be in use.
STALE_AFTER_S = 3600.0


def remove_stale_files(older_than: float = STALE_AFTER_S) -> int:
    """Half-written uploads in the blob store and the work folders of killed extractions."""
    removed = blob_store().remove_stale_temp(older_than)
    cutoff = time.time() - older_than
    for folder in Path(tempfile.gettempdir()).glob("docs-extract-*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    if removed:
        logger.info("removed %s stale temporary files and folders", removed)
    return removed


def forget_old_sign_in_failures() -> int:
    """Failure counts after a quiet spell, and devices long expired or signed out."""
    now = utcnow()
    removed = throttle.prune(now) + devices.prune(now)
    db.session.commit()
    return removed


@periodic(minute="17")
def _hourly() -> None:
    remove_stale_files()
    forget_old_sign_in_failures()
