"""A meeting read aloud as one playlist ("Nghe cả buổi họp"): its documents in agenda order.

A member listens on the way to the meeting as to a podcast: every document the member may
read, one after the other, in the order of the agenda (documents of no agenda item last, as
the meeting page lists them). Each document keeps its own MP3 (made once, shared with its
page and the offline pack); the player chains them. A document whose recording is not whole
yet is left out and named, so the member knows what the playlist skips.
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from flask import url_for

from handbook.accounts.models import User
from handbook.audio.models import AudioStatus, AudioTrack
from handbook.core import db
from handbook.documents.models import Document, DocumentStatus
from handbook.documents.operations import visible_documents
from handbook.meetings.models import Meeting


def playlist(user: User, meeting: Meeting) -> dict[str, Any]:
    """What the player needs to play ``meeting`` through, for ``user`` (JSON-ready): the
    documents, each with its own chapters (its headings), and the playlist's chapters, one a
    document, named by its agenda item, at its start in the whole."""
    items = {item.id: item for item in meeting.agenda}
    documents = [d for d in visible_documents(user, meeting) if d.is_published()]
    documents.sort(key=lambda d: (_position(items, d), d.id))
    tracks = {
        t.document_id: t
        for t in db.session.scalars(
            sa.select(AudioTrack).where(AudioTrack.document_id.in_([d.id for d in documents]))
        )
    }
    shares: dict[int | None, int] = {}
    for document in documents:
        shares[document.agenda_item_id] = shares.get(document.agenda_item_id, 0) + 1
    entries: list[dict[str, Any]] = []
    chapters: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    start = 0.0
    for document in documents:
        track = tracks.get(document.id)
        if document.status is not DocumentStatus.READY or track is None or not track.complete:
            skipped.append({"document": document.id, "title": document.title, **_why(track)})
            continue
        item = items.get(document.agenda_item_id or 0)
        agenda = f"{item.position}. {item.title}" if item else None
        chapter = document.title
        if agenda:
            many = shares[document.agenda_item_id] > 1
            chapter = f"{agenda}: {document.title}" if many else agenda
        chapters.append({"title": chapter, "start": start})
        # The timeline adds up the durations as listed (to the millisecond), so each mark
        # falls exactly where the player, adding the same figures, starts that document.
        start = round(start + round(track.duration, 3), 3)
        entries.append(
            {
                "document": document.id,
                "title": document.title,
                "agenda": agenda,
                "duration": round(track.duration, 3),
                "url": url_for("audio.mp3", document_id=document.id, v=track.version),
                "timings": url_for("audio.details", document_id=document.id),
                "page": url_for("documents.show", document_id=document.id),
                "chapters": (track.timings or {}).get("chapters", []),
            }
        )
    return {
        "meeting": meeting.id,
        "title": meeting.title,
        "branch": meeting.organization.name,
        "duration": round(start, 3),
        "documents": entries,
        "chapters": chapters,
        "skipped": skipped,
        "note": _note(skipped),
    }


def _position(items: dict[int, Any], document: Document) -> float:
    item = items.get(document.agenda_item_id or 0)
    return item.position if item else math.inf


def _why(track: AudioTrack | None) -> dict[str, str]:
    if track is not None and track.status in (AudioStatus.QUEUED, AudioStatus.PROCESSING):
        return {"reason": "processing", "message": "đang tạo bản đọc"}
    return {"reason": "none", "message": "chưa có bản đọc"}


def _note(skipped: list[dict[str, Any]]) -> str | None:
    """One Vietnamese sentence naming what the playlist leaves out, or None."""
    if not skipped:
        return None
    names = "; ".join(f"“{s['title']}” ({s['message']})" for s in skipped)
    return f"Bỏ qua {len(skipped)} tài liệu chưa nghe được: {names}."
