"""A document read aloud, once for all its listeners, and where each member has got to."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.core.db import Base, enum_column
from handbook.core.timeutil import UTCDateTime, utcnow


class AudioStatus(enum.StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class AudioTrack(Base):
    """One MP3 per document (made once, never per listener), with its timing map."""

    __tablename__ = "audio_tracks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), unique=True
    )
    status: so.Mapped[AudioStatus] = so.mapped_column(
        enum_column(AudioStatus), default=AudioStatus.QUEUED
    )
    progress: so.Mapped[int] = so.mapped_column(default=0)
    #: The engine asked for (``auto``, ``gtts``, ``espeak``); what was used is in ``engine``.
    requested_engine: so.Mapped[str] = so.mapped_column(sa.String(16), default="auto")
    engine: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    voice: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    fell_back: so.Mapped[bool] = so.mapped_column(default=False)
    blob_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    duration: so.Mapped[float] = so.mapped_column(default=0.0)
    size: so.Mapped[int] = so.mapped_column(default=0)
    #: ``tts.result.AudioResult.to_dict()``: sentence and paragraph start times, chapters.
    timings: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    error_message: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    #: Sentences spoken so far, of how many: the live progress shown to readers.
    sentences_done: so.Mapped[int] = so.mapped_column(default=0)
    sentences_total: so.Mapped[int] = so.mapped_column(default=0)
    #: While a first track is made: the part heard so far (``storage.early_path``, a prefix of the
    #: final stream) and its timing map; cleared once the whole file is stored.
    early_size: so.Mapped[int] = so.mapped_column(default=0)
    early_duration: so.Mapped[float] = so.mapped_column(default=0.0)
    early_timings: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    claimed_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    @property
    def complete(self) -> bool:
        """The whole document is heard in the stored file (an older one while it is remade)."""
        return self.blob_sha256 is not None

    @property
    def playable(self) -> bool:
        return self.complete or self.early_size > 0

    @property
    def playable_duration(self) -> float:
        return self.duration if self.complete else self.early_duration

    @property
    def playable_timings(self) -> dict[str, Any]:
        return self.timings if self.complete else (self.early_timings or {})

    @property
    def version(self) -> str:
        """Changes whenever the playable bytes change: players reload, caches miss."""
        if self.complete:
            return (self.blob_sha256 or "")[:16]
        return f"early-{self.early_size}" if self.early_size else ""


class ListenProgress(Base):
    """Where a member stopped listening ("nghe tiếp" on any device) and whether they heard it."""

    __tablename__ = "listen_progress"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[float] = so.mapped_column(default=0.0)
    #: Seconds actually played, counted from the client's reports; 90 % of the track is "đã nghe".
    heard: so.Mapped[float] = so.mapped_column(default=0.0)
    completed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "document_id"),)
