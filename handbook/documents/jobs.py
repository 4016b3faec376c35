"""Reading an uploaded file in the background: a sandboxed child process, progress pushed live.

Safe to run twice: a worker first claims the document (one UPDATE that only one worker wins)
and renews the claim as it progresses. A job killed by a crash leaves a claim that goes stale;
a document uploaded while the queue was down (Redis stopped) was never queued at all. ``sweep``
(at consumer start and every minute) queues both kinds, unless already waiting in the queue,
and the next run starts over from the stored file. A document already read is never read again.
"""

from __future__ import annotations

import logging
import time

from blinker import Namespace
from flask import current_app

from docs_store.errors import ExtractionError
from docs_store.extract.sandbox import extract_sandboxed
from handbook.core import claims, db
from handbook.core.aftercommit import after_commit
from handbook.core.jobs import NOT_QUEUED, job, on_recover, periodic
from handbook.core.realtime import document_room, push
from handbook.documents.models import Document, DocumentStatus
from handbook.documents.operations import save_pages
from handbook.documents.storage import blob_store, remove_stale_files

logger = logging.getLogger(__name__)

#: Sent (committed) when a document's text has been read and stored; the sender is the
#: Document. The voice listens (``audio/jobs.py``) to read it aloud.
text_ready = Namespace().signal("document.text_ready")

#: Progress and heartbeat are written at most this often.
_HEARTBEAT_S = 20.0
_INTERNAL_ERROR = "Không đọc được tệp do lỗi hệ thống. Vui lòng tải lên lại hoặc báo quản trị."


def status_payload(document: Document) -> dict[str, object]:
    return {
        "document": document.id,
        "status": document.status.value,
        "label": document.status.label,
        "progress": document.progress,
        "pages": document.page_count,
        "error": document.error_message,
    }


def _set_progress(document_id: int, percent: int) -> None:
    claims.renew(Document, document_id, progress=percent)
    push(
        "document.status",
        {
            "document": document_id,
            "status": "processing",
            "label": "đang xử lý",
            "progress": percent,
            "pages": 0,
            "error": None,
        },
        to=document_room(document_id),
    )


@job()
def extract_document(document_id: int) -> None:
    if not claims.claim(Document, document_id):
        return
    document = db.session.get(Document, document_id)
    assert document is not None
    push("document.status", status_payload(document), to=document_room(document.id))

    last = {"percent": 0, "at": time.monotonic()}

    def progress(done: int, total: int) -> None:
        percent = min(99, done * 100 // total) if total else 0
        now = time.monotonic()
        if percent >= last["percent"] + 5 or now - last["at"] >= _HEARTBEAT_S:
            last.update(percent=percent, at=now)
            _set_progress(document_id, percent)

    config = current_app.config
    try:
        extracted = extract_sandboxed(
            blob_store().path(document.blob_sha256),
            document.kind,
            timeout=config["EXTRACT_TIMEOUT_S"],
            ocr_page_timeout=config["EXTRACT_OCR_PAGE_TIMEOUT_S"],
            memory_mb=config["EXTRACT_MEMORY_MB"],
            max_pages=config["EXTRACT_MAX_PAGES"],
            progress=progress,
        )
    except ExtractionError as exc:
        _fail(document_id, exc.code, exc.message)
        return
    except Exception:
        logger.exception("extraction of document %s failed", document_id)
        _fail(document_id, "internal", _INTERNAL_ERROR)
        return

    document = db.session.get(Document, document_id)
    if document is None:  # deleted while it was being read
        return
    save_pages(document, extracted)
    document.status, document.progress = DocumentStatus.READY, 100
    document.error_code = document.error_message = None
    after_commit(push, "document.status", status_payload(document), to=document_room(document.id))
    db.session.commit()
    logger.info("document %s read: %s pages", document_id, document.page_count)
    text_ready.send(document)


def _fail(document_id: int, code: str, message: str) -> None:
    db.session.rollback()
    document = db.session.get(Document, document_id)
    if document is None:
        return
    document.status, document.error_code, document.error_message = (
        DocumentStatus.FAILED,
        code,
        message[:500],
    )
    after_commit(push, "document.status", status_payload(document), to=document_room(document.id))
    db.session.commit()


@on_recover
def sweep() -> int:
    """Queue every document waiting in the database but not in the queue (never queued, or
    left half read by a crash); returns how many were queued."""
    return claims.requeue_unfinished(Document, extract_document, what="documents")


@periodic(minute="*")
def _sweep_periodically() -> None:
    sweep()


def queue_extraction(document: Document) -> bool:
    """Queue the reading of a committed document (runs inline under tests).

    False when the queue cannot be reached (Redis down): the document stays "đang chờ xử lý"
    and the sweep queues it once the queue answers, so the upload still succeeds.
    """
    return extract_document(document.id) is not NOT_QUEUED


@periodic(minute="17")
def _clear_stale_files_hourly() -> None:
    remove_stale_files()
