"""Reading an uploaded file in the background: a sandboxed child process, progress pushed live.

Safe to run twice: a worker first claims the document (one UPDATE that only one worker wins)
and renews the claim as it progresses. A job killed by a crash leaves a claim that goes stale;
a document uploaded while the queue was down (Redis stopped) was never queued at all. ``sweep``
(at consumer start and every minute) queues both kinds, unless already waiting in the queue,
and the next run starts over from the stored file. A document already read is never read again.
A worker that stalled past its lease (a frozen machine) and was taken over records nothing when
it wakes, neither its text nor its failure (``claims.settle``): the run that took it over, and
any correction made since, have the last word.
"""

from __future__ import annotations

import logging

from blinker import Namespace
from flask import current_app

from docs_store.errors import ExtractionError
from docs_store.extract.sandbox import extract_sandboxed
from handbook.core import claims, db
from handbook.core.aftercommit import after_commit
from handbook.core.claimed_job import ClaimedJob
from handbook.core.jobs import NOT_QUEUED, job, on_recover, periodic
from handbook.core.realtime import document_room
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document, DocumentStatus
from handbook.documents.operations import propose_title, save_pages
from handbook.documents.storage import blob_store, remove_stale_files
from handbook.meetings.publishing import schedule

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
        # The upload screen offers the title read from the document for the secretary to
        # confirm ("text"); "file" is the file name's stand-in, "typed" a person's choice.
        "title": document.title,
        "title_source": document.title_source.value,
    }


def _run(document_id: int) -> ClaimedJob:
    return ClaimedJob(
        Document,
        document_id,
        event="document.status",
        payload=status_payload,
        room=lambda document: document_room(document.id),
        every=_HEARTBEAT_S,
    )


@job()
def extract_document(document_id: int) -> None:
    run = _run(document_id)
    document = run.start()
    if document is None:
        return
    config = current_app.config
    try:
        extracted = extract_sandboxed(
            blob_store().path(document.blob_sha256),
            document.kind,
            timeout=config["EXTRACT_TIMEOUT_S"],
            ocr_page_timeout=config["EXTRACT_OCR_PAGE_TIMEOUT_S"],
            memory_mb=config["EXTRACT_MEMORY_MB"],
            max_pages=config["EXTRACT_MAX_PAGES"],
            progress=run.progress,
        )
    except ExtractionError as exc:
        _fail(run, exc.code, exc.message)
        return
    except Exception:
        logger.exception("extraction of document %s failed", document_id)
        _fail(run, "internal", _INTERNAL_ERROR)
        return

    # Stored only while the document is still this run's: a worker that stalled past its lease
    # (a frozen machine) lost it to the run that took it over, whose text may have been
    # corrected since; the document may also have been deleted while it was read.
    db.session.rollback()  # a fresh look, past what this run last committed
    stored = claims.settle(
        Document,
        document_id,
        status=DocumentStatus.READY,
        progress=100,
        error_code=None,
        error_message=None,
    )
    document = db.session.get(Document, document_id, populate_existing=True) if stored else None
    if document is None:
        db.session.rollback()
        logger.info("document %s: this reading was superseded", document_id)
        return
    save_pages(document, extracted)
    propose_title(document, extracted)
    due_at = document.effective_publish_at
    if document.notified_at is None and due_at is not None and due_at <= utcnow():
        # Its publication waited for its text and title (``publishing``): told now.
        after_commit(schedule, due_at)
    run.finish(document)
    logger.info("document %s read: %s pages", document_id, document.page_count)
    text_ready.send(document)


def _fail(run: ClaimedJob, code: str, message: str) -> None:
    """Record the failure if the document is still this run's: a run that stalled past its
    lease must not mark failed the text the run that took it over has read."""
    run.fail(DocumentStatus.FAILED, error_code=code, error_message=message[:500])


@on_recover
def sweep() -> int:
    """Queue every document waiting in the database but not in the queue (never queued, or
    left half read by a crash); returns how many were queued."""
    return claims.requeue_unfinished(Document, extract_document, what="documents")


@periodic(minute="*")
def _sweep_periodically() -> None:
    sweep()


def queue_after_commit(document: Document, waiting: list[int] | None = None) -> None:
    """Queue the reading of ``document`` once the caller's commit has stored it (it runs inline
    under tests). When the queue cannot be reached (Redis down) its id goes into ``waiting``:
    the document stays "đang chờ xử lý" and the sweep queues it once the queue answers, so the
    upload still succeeds."""
    after_commit(_queue, document.id, waiting)


def _queue(document_id: int, waiting: list[int] | None) -> None:
    if extract_document(document_id) is NOT_QUEUED and waiting is not None:
        waiting.append(document_id)


@periodic(minute="17")
def _clear_stale_files_hourly() -> None:
    remove_stale_files()
