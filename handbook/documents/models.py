"""Documents of a meeting or an organisation, their extracted pages, and who has read them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.core.db import Base, enum_column
from handbook.core.timeutil import UTCDateTime, utcnow
from handbook.meetings.models import AgendaItem, Meeting
from handbook.orgs.models import Organization, Reach


class DocumentStatus(enum.StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            "queued": "đang chờ xử lý",
            "processing": "đang xử lý",
            "ready": "sẵn sàng",
            "failed": "lỗi",
        }[self.value]


class TitleSource(enum.StrEnum):
    """Where a document's title came from, so that only a guess is ever replaced."""

    #: Made from the file name at upload: the document's own heading replaces it once read.
    FILE = "file"
    #: Taken from the document's own text: proposed to the secretary, who may confirm or edit.
    TEXT = "text"
    #: Chosen by a person (typed at upload, renamed or confirmed): never replaced.
    TYPED = "typed"


class Document(Base):
    __tablename__ = "documents"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: The organisation that publishes it (a branch, or a committee for its subtree).
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    meeting_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    reach: so.Mapped[Reach] = so.mapped_column(enum_column(Reach), default=Reach.SELF)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    #: Whether the title is a guess (from the file name, or the text) or a person's choice.
    title_source: so.Mapped[TitleSource] = so.mapped_column(
        enum_column(TitleSource), default=TitleSource.TYPED, server_default=TitleSource.TYPED.value
    )
    #: The name the file was uploaded with, for the download.
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    #: ``pdf``, ``docx`` or ``txt``, as sniffed from the content.
    kind: so.Mapped[str] = so.mapped_column(sa.String(8))
    blob_sha256: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    size: so.Mapped[int]
    status: so.Mapped[DocumentStatus] = so.mapped_column(
        enum_column(DocumentStatus), default=DocumentStatus.QUEUED
    )
    #: Extraction progress, 0 to 100.
    progress: so.Mapped[int] = so.mapped_column(default=0)
    #: When a worker took the job, renewed as it progresses: a stale claim is taken over.
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: ``host:pid`` of the worker holding the claim, so a restarted server on the same host
    #: can take over at once the work of its own dead process instead of waiting for staleness.
    claimed_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    error_code: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    error_message: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    page_count: so.Mapped[int] = so.mapped_column(default=0)
    #: Changed (to a random number) by each correction of a paragraph (``documents.correction``):
    #: the numbering, and so ``text_version``, stays; what is drawn from the text is kept under
    #: ``text_key``. 0 for the text as read from the file.
    text_revision: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    #: Members see nothing of the document before this moment; ``None`` is a draft.
    publish_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    #: Set once the members have been told, so they are told exactly once.
    notified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    #: Who set a publication of the document's own (else its uploader published it): not told.
    published_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    organization: so.Mapped[Organization] = so.relationship()
    meeting: so.Mapped[Meeting | None] = so.relationship()
    agenda_item: so.Mapped[AgendaItem | None] = so.relationship()
    pages: so.Mapped[list[DocumentPage]] = so.relationship(
        back_populates="document",
        order_by="DocumentPage.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def text_version(self) -> str:
        """Changes whenever the text may have: what is rendered from the text is kept under it
        (``documents.routes``). The same file read by the same reader gives the same text."""
        return f"{self.blob_sha256}:{self.page_count}"

    @property
    def text_key(self) -> str:
        """Changes whenever the words may have (a correction too): the key of what is drawn
        from the text, in every server process. Paragraph numbers follow ``text_version``."""
        return f"{self.text_version}:{self.text_revision}"

    def is_published(self, now: datetime | None = None) -> bool:
        """Published itself, and so is its meeting (a document never goes out before it)."""
        now = now or utcnow()
        if self.publish_at is None or self.publish_at > now:
            return False
        return self.meeting is None or self.meeting.is_published(now)

    @property
    def effective_publish_at(self) -> datetime | None:
        """When members can first see it: the later of its own and its meeting's time."""
        times = [self.publish_at]
        if self.meeting is not None:
            times.append(self.meeting.publish_at)
        if any(t is None for t in times):
            return None
        return max(t for t in times if t is not None)

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.title!r} {self.status.value}>"


class DocumentPage(Base):
    """One page of extracted text, as blocks (headings and paragraphs) numbered document-wide."""

    __tablename__ = "document_pages"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    number: so.Mapped[int]
    #: ``[{"n": 12, "kind": "paragraph", "level": 0, "text": "..."}]``; ``n`` is the
    #: paragraph's number in the whole document, the ``#p-12`` anchor.
    blocks: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON)
    ocr: so.Mapped[bool] = so.mapped_column(default=False)
    #: The page's text without diacritics, lower case (``đ`` → ``d``): what search matches.
    folded: so.Mapped[str] = so.mapped_column(sa.Text)
    #: The words OCR was unsure of, ``[[n, start, end], ...]``: a character span of paragraph
    #: ``n``'s text, for those who manage the document to check (``documents.correction``);
    #: a correction of the paragraph clears its own. None: nothing marked. Deferred: no reader
    #: of the text loads it.
    unsure: so.Mapped[list[list[int]] | None] = so.mapped_column(
        sa.JSON(none_as_null=True), deferred=True
    )

    document: so.Mapped[Document] = so.relationship(back_populates="pages")

    __table_args__ = (sa.UniqueConstraint("document_id", "number"),)

    @property
    def text(self) -> str:
        return "\n".join(block["text"] for block in self.blocks)


class ReadReceipt(Base):
    """A member opened a document ("đã đọc"); the branch secretary sees it."""

    __tablename__ = "read_receipts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    first_read_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_read_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "document_id"),)
