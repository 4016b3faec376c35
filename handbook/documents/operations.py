"""Uploading documents, storing their extracted pages, and recording who has read them."""

from __future__ import annotations

import logging
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePath
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app

from docs_store.errors import ExtractionError, StorageError, TooLarge
from docs_store.extract import detect_kind
from docs_store.extract.model import ExtractedDocument
from docs_store.extract.photos import MAX_PHOTOS, sniff_photo
from docs_store.extract.sandbox import photos_to_pdf_sandboxed
from docs_store.extract.title import title_from
from handbook.accounts.models import User
from handbook.audit.operations import record
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.core.textfold import fold
from handbook.core.timeutil import utcnow
from handbook.documents.models import (
    Document,
    DocumentPage,
    DocumentStatus,
    ReadReceipt,
    TitleSource,
)
from handbook.documents.storage import blob_store
from handbook.meetings.models import AgendaItem, Meeting
from handbook.meetings.publishing import PAST_PUBLISH_TIME, resolve_publish_time
from handbook.orgs.models import Organization, Reach

logger = logging.getLogger(__name__)

_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain; charset=utf-8",
}


#: Told to the uploader when the job queue (Redis) is down: the file is kept and will be read.
WAITING_FOR_QUEUE = (
    "Hệ thống đọc tài liệu đang tạm gián đoạn: tài liệu ở trạng thái “đang chờ xử lý” và sẽ "
    "được đọc tự động khi hệ thống hoạt động lại. Bạn không cần tải lên lại."
)


class UploadRefused(ValueError):
    """An upload we will not keep; the message is for the user, in Vietnamese."""


@dataclass(frozen=True)
class Upload:
    filename: str
    stream: IO[bytes]


def content_type(kind: str) -> str:
    return _CONTENT_TYPES[kind]


def clean_filename(name: str) -> str:
    """The last path part, NFC, printable, at most 255 characters; never empty."""
    name = unicodedata.normalize("NFC", PurePath(name.replace("\\", "/")).name)
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[-255:] or "tai-lieu"


def _title_from(filename: str) -> str:
    """A stand-in until the document's own heading is read (``propose_title``)."""
    stem = filename.rsplit(".", 1)[0].replace("_", " ").replace("-", " ")
    return " ".join(stem.split())[:300] or "Tài liệu"


def clean_title(title: str | None) -> str:
    """A title as typed: one line, spaces collapsed, at most 300 characters."""
    return " ".join((title or "").split())[:300]


def add_document(
    upload: Upload,
    *,
    organization: Organization,
    actor: User,
    meeting: Meeting | None = None,
    agenda_item: AgendaItem | None = None,
    title: str | None = None,
    reach: Reach = Reach.SELF,
    publish_at: datetime | None = None,
) -> Document:
    """Check what the file really is, store it once, and queue its reading.

    Nothing is kept for a refused file. The caller hands the document to
    ``jobs.queue_after_commit``, then commits.
    """
    filename = clean_filename(upload.filename)
    head = upload.stream.read(8192)
    if sniff_photo(head) is not None:  # by its bytes, whatever its name says
        upload.stream.seek(0)
        return add_photos(
            [upload],
            organization=organization,
            actor=actor,
            meeting=meeting,
            agenda_item=agenda_item,
            title=title,
            reach=reach,
            publish_at=publish_at,
        )
    try:
        kind = detect_kind(head, filename)
    except ExtractionError as exc:
        raise UploadRefused(f"{filename}: {exc.message}") from exc
    upload.stream.seek(0)
    try:
        blob = blob_store().save(upload.stream)
    except TooLarge as exc:
        raise UploadRefused(f"{filename}: {exc}") from exc
    except StorageError as exc:
        logger.error("could not store %s", filename, exc_info=exc)
        raise UploadRefused(f"{filename}: không lưu được tệp, vui lòng thử lại.") from exc
    return _new_document(
        blob,
        kind,
        filename,
        stand_in=_title_from(filename),
        organization=organization,
        actor=actor,
        meeting=meeting,
        agenda_item=agenda_item,
        title=title,
        reach=reach,
        publish_at=publish_at,
    )


def add_photos(
    uploads: list[Upload],
    *,
    organization: Organization,
    actor: User,
    meeting: Meeting | None = None,
    agenda_item: AgendaItem | None = None,
    title: str | None = None,
    reach: Reach = Reach.SELF,
    publish_at: datetime | None = None,
) -> Document:
    """Photos of a paper document, pages in the order given, as ONE document.

    They are made into one PDF (grey, upright, levelled; ``docs_store.extract.photos``) in the
    sandbox, and that PDF is the document's original, read by OCR like any scan. One refused
    photo refuses them all: a document with a page missing is worse than none. Nothing is
    kept for a refusal. The caller queues and commits, as for ``add_document``.
    """
    names = [clean_filename(u.filename) for u in uploads]
    if not uploads:
        raise UploadRefused("Vui lòng chọn ít nhất một ảnh.")
    if len(uploads) > MAX_PHOTOS:
        raise UploadRefused(
            f"Chỉ ghép được tối đa {MAX_PHOTOS} ảnh thành một tài liệu (đã chọn {len(uploads)}); "
            "hãy chia thành nhiều tài liệu."
        )
    config = current_app.config
    with tempfile.TemporaryDirectory(prefix="docs-photos-") as folder:
        paths = []
        for number, upload in enumerate(uploads, start=1):
            path = Path(folder) / f"anh-{number:03d}"
            with path.open("wb") as out:
                shutil.copyfileobj(upload.stream, out, 1 << 20)
            paths.append(path)
        pdf = Path(folder) / "anh-chup.pdf"
        try:
            pages = photos_to_pdf_sandboxed(
                paths,
                pdf,
                names=names,
                timeout=30 + 5 * len(paths),
                memory_mb=config["EXTRACT_MEMORY_MB"],
            )
        except ExtractionError as exc:
            raise UploadRefused(exc.message) from exc
        try:
            with pdf.open("rb") as stream:
                blob = blob_store().save(stream)
        except TooLarge as exc:
            raise UploadRefused(str(exc)) from exc
        except StorageError as exc:
            logger.error("could not store %s photos", len(paths), exc_info=exc)
            raise UploadRefused("Không lưu được ảnh, vui lòng thử lại.") from exc
    stem = names[0].rsplit(".", 1)[0] or "anh-chup"
    return _new_document(
        blob,
        "pdf",
        f"{stem}.pdf",
        stand_in=f"Ảnh chụp tài liệu ({pages} trang)",
        organization=organization,
        actor=actor,
        meeting=meeting,
        agenda_item=agenda_item,
        title=title,
        reach=reach,
        publish_at=publish_at,
        photos=names,
    )


def _new_document(
    blob: Any,
    kind: str,
    filename: str,
    *,
    stand_in: str,
    organization: Organization,
    actor: User,
    meeting: Meeting | None,
    agenda_item: AgendaItem | None,
    title: str | None,
    reach: Reach,
    publish_at: datetime | None,
    **audit: Any,
) -> Document:
    """The row for a stored file, with the title typed (kept) or its stand-in (replaced by the
    document's own once read), and its audit entry."""
    typed = clean_title(title)
    document = Document(
        organization=organization,
        meeting=meeting,
        agenda_item=agenda_item,
        reach=meeting.reach if meeting is not None else reach,
        title=typed or stand_in,
        title_source=TitleSource.TYPED if typed else TitleSource.FILE,
        filename=filename,
        kind=kind,
        blob_sha256=blob.sha256,
        size=blob.size,
        status=DocumentStatus.QUEUED,
        publish_at=publish_at
        if publish_at is not None
        else (meeting.publish_at if meeting else None),
        created_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    record(
        "document.uploaded",
        actor_id=actor.id,
        target=document,
        organization_id=organization.id,
        filename=filename,
        sha256=blob.sha256,
        **audit,
    )
    logger.info("document %s uploaded by %s", document, actor)
    return document


def save_pages(document: Document, extracted: ExtractedDocument) -> None:
    """Replace the document's pages; paragraphs are numbered across the whole document. The
    words OCR was unsure of are kept apart from the blocks (readers and the API get those)."""
    db.session.execute(sa.delete(DocumentPage).where(DocumentPage.document_id == document.id))
    counter = 0
    for page in extracted.pages:
        blocks: list[dict[str, Any]] = []
        unsure: list[list[int]] = []
        for block in page.blocks:
            counter += 1
            blocks.append(
                {"n": counter, "kind": block.kind, "level": block.level, "text": block.text}
            )
            unsure.extend([counter, start, end] for start, end in block.unsure)
        text = "\n".join(b["text"] for b in blocks)
        db.session.add(
            DocumentPage(
                document_id=document.id,
                number=page.number,
                blocks=blocks,
                ocr=page.ocr,
                folded=fold(text),
                unsure=unsure or None,
            )
        )
    document.page_count = len(extracted.pages)


def propose_title(document: Document, extracted: ExtractedDocument) -> bool:
    """Replace a title made from the file name by the document's own (its first heading),
    marked as a proposal the secretary confirms or edits; a person's title is never touched,
    even one given while the file was being read. Says whether the title changed."""
    title = title_from(extracted)
    if title is None:
        return False
    old = document.title
    changed = db.session.execute(
        sa.update(Document)
        .where(Document.id == document.id, Document.title_source == TitleSource.FILE)
        .values(title=title, title_source=TitleSource.TEXT)
    ).rowcount  # type: ignore[attr-defined]  # a CursorResult, for an UPDATE
    if not changed:
        return False
    record(
        "document.titled",
        target=document,
        organization_id=document.organization_id,
        old=old,
        new=title,
    )
    logger.info("document %s titled %r from its text", document.id, title)
    return True


def rename(document: Document, actor: User, title: str) -> None:
    """A person's title (typed, or the proposed one confirmed): never replaced by a guess."""
    record(
        "document.renamed",
        actor_id=actor.id,
        target=document,
        organization_id=document.organization_id,
        old=document.title,
        new=title,
    )
    document.title = title
    document.title_source = TitleSource.TYPED


#: A repeat view within this time changes nothing (the document page is a hot path).
_READ_REFRESH = timedelta(minutes=10)


def mark_read(user: User, document: Document) -> bool:
    """Record "đã đọc" once, keeping the first time and (every few minutes) the latest;
    says whether anything was written (most views write nothing: no commit needed)."""
    now = utcnow()
    receipt = db.session.scalar(
        sa.select(ReadReceipt).where(
            ReadReceipt.user_id == user.id, ReadReceipt.document_id == document.id
        )
    )
    if receipt is not None:
        if now - receipt.last_read_at > _READ_REFRESH:
            receipt.last_read_at = now
            return True
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                ReadReceipt(
                    user_id=user.id, document_id=document.id, first_read_at=now, last_read_at=now
                )
            )
    except sa.exc.IntegrityError:
        return False  # another tab recorded it a moment ago
    return True


def set_publication(document: Document, actor: User, at: datetime | None) -> datetime:
    """When members may see a document that stands on its own (``None``: now)."""
    resolved = resolve_publish_time(at, utcnow())
    if resolved is None:
        raise UploadRefused(PAST_PUBLISH_TIME)
    at = resolved
    if document.notified_at is not None:
        raise UploadRefused("Tài liệu đã được công bố rồi.")
    document.publish_at = at
    document.published_by_id = actor.id
    record(
        "document.publish_set",
        actor_id=actor.id,
        target=document,
        organization_id=document.organization_id,
        at=at.isoformat(),
    )
    return at


def visible_documents(user: User, meeting: Meeting) -> list[Document]:
    """The meeting's documents this user may see, in upload order."""
    rows = db.session.scalars(
        sa.select(Document).where(Document.meeting_id == meeting.id).order_by(Document.id)
    )
    return [d for d in rows if can(user, Action.DOCUMENT_VIEW, d)]
