"""Listening records: where a member stopped, and whether they heard the document ("đã nghe")."""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.audio.models import AudioTrack, ListenProgress
from handbook.core import db
from handbook.core.timeutil import utcnow

#: Share of the track a member must have played for "đã nghe".
HEARD_SHARE = 0.9
#: The most playing time one report may add (clients report every few seconds).
MAX_REPORT_S = 60.0


class ListenError(ValueError):
    """A report we cannot use; the message is in Vietnamese."""


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ListenError(f"Trường “{name}” phải là số giây.")
    return max(0.0, float(value))


def record(user: User, track: AudioTrack, data: Any) -> ListenProgress:
    """``{position, played}``: where playback is now, and seconds played since the last report.

    Counting played seconds (not the position) means skipping to the end is not listening.
    """
    if not isinstance(data, dict):
        raise ListenError("Nội dung yêu cầu phải là một đối tượng JSON.")
    duration = track.playable_duration
    position = min(_seconds(data.get("position", 0), "position"), duration)
    played = min(_seconds(data.get("played", 0), "played"), MAX_REPORT_S)
    entry = db.session.scalar(
        sa.select(ListenProgress).where(
            ListenProgress.user_id == user.id, ListenProgress.document_id == track.document_id
        )
    )
    if entry is None:
        entry = ListenProgress(user_id=user.id, document_id=track.document_id)
        db.session.add(entry)
    entry.position = position
    entry.heard = min((entry.heard or 0.0) + played, duration)
    entry.updated_at = utcnow()
    if (  # "đã nghe" counts against the whole document, never an early part of it
        entry.completed_at is None
        and track.complete
        and track.duration
        and entry.heard >= HEARD_SHARE * track.duration
    ):
        entry.completed_at = utcnow()
    return entry


def position_of(user: User, document_id: int) -> float:
    entry = db.session.scalar(
        sa.select(ListenProgress.position).where(
            ListenProgress.user_id == user.id, ListenProgress.document_id == document_id
        )
    )
    return float(entry or 0.0)
