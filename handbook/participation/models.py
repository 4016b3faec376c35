"""Where each member stopped reading a document: "Đọc tiếp" on any device."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.core.db import Base
from handbook.core.timeutil import UTCDateTime, utcnow


class ReadingPosition(Base):
    """The paragraph a member last saw, keyed by (member, document) so a page reads it by
    primary key; ``seen_at`` orders reports, so a late one from an offline phone loses."""

    __tablename__ = "reading_positions"

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: The paragraph's number (``#p-N``), counted across the whole document.
    paragraph: so.Mapped[int]
    #: ``Document.text_version`` the number belongs to: another text, another numbering.
    text_version: so.Mapped[str] = so.mapped_column(sa.String(80))
    #: When the member saw it (the phone's clock, never later than the server's).
    seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    #: When most of the text had first been on screen (a report at or past 60 % of the
    #: paragraphs, or the end in sight): "đã đọc", as opposed to merely opened (a
    #: ``ReadReceipt``). Never cleared: scrolling back or a new text version keeps it.
    read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
