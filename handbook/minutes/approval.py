"""Approving the minutes: the chair and the minute-taker each approve the text they read (its
revision, and so its hash); once both have approved the same text, the version is locked and
kept whole with its sha256 (``MinutesVersion``). A later change starts the next version; the
approved one stays, readable, with its hash.

Source: Hướng dẫn 12-HD/BTCTW (Ban Tổ chức Trung ương, 18 October 2022) on the quality of
branch meetings: the minute-taker reads the minutes back to the branch before the meeting
closes; the chair and the minute-taker sign them; they are kept for the long term.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.audit.operations import record as audit
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.minutes import record
from handbook.minutes.models import Minutes, MinutesApproval, MinutesVersion, Signer
from handbook.minutes.operations import LOCKED, MinutesError, record_of
from handbook.minutes.policy import reads_draft

logger = logging.getLogger(__name__)

NOT_A_SIGNER = "Chỉ đồng chí chủ trì và thư ký cuộc họp mới duyệt được biên bản."
CHANGED = (
    "Biên bản vừa được sửa sau khi đồng chí mở ra. Đồng chí chưa duyệt: hãy đọc lại bản mới "
    "nhất rồi bấm duyệt."
)


def approvals(minutes: Minutes, number: int | None = None) -> list[MinutesApproval]:
    """The approvals given to a version (the one being drafted or locked), newest last."""
    return list(
        db.session.scalars(
            sa.select(MinutesApproval)
            .where(
                MinutesApproval.minutes_id == minutes.id,
                MinutesApproval.number == (number or minutes.number),
            )
            .order_by(MinutesApproval.id)
        )
    )


def standing(
    minutes: Minutes, sha: str, number: int | None = None
) -> dict[Signer, MinutesApproval]:
    """Each signer's approval of the text with hash ``sha`` (an approval of an earlier text
    no longer stands: the text changed after it was given)."""
    return {a.signer: a for a in approvals(minutes, number) if a.text_sha256 == sha}


def approve(minutes: Minutes, actor: User, revision: int) -> MinutesVersion | None:
    """``actor`` (the chair or the minute-taker) approves the text at ``revision``, the one they
    read; returns the version kept if this approval locked the minutes."""
    signer = minutes.signer(actor.id)
    if signer is None:
        raise MinutesError(NOT_A_SIGNER, 403)
    if minutes.locked_at is not None:
        raise MinutesError("Biên bản đã được duyệt và khóa.", 409)
    if minutes.chair_id is None or minutes.taker_id is None:
        raise MinutesError("Hãy chọn đủ chủ trì và thư ký cuộc họp trước khi duyệt.", 409)
    # The minutes row, at the revision read: edits and the other signer's approval wait.
    held = db.session.execute(
        sa.update(Minutes)
        .where(Minutes.id == minutes.id, Minutes.revision == revision, Minutes.locked_at.is_(None))
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(minutes)
    if not held.rowcount:  # type: ignore[attr-defined]
        raise MinutesError(LOCKED if minutes.locked_at is not None else CHANGED, 409)
    kept = record_of(minutes)
    sha = record.sha256(kept)
    given = standing(minutes, sha)
    if signer not in given:
        db.session.add(
            MinutesApproval(
                minutes_id=minutes.id,
                number=minutes.number,
                signer=signer,
                user_id=actor.id,
                name=actor.full_name,
                text_sha256=sha,
            )
        )
        db.session.flush()
        given = standing(minutes, sha)
    _audit(minutes, actor, "minutes.approved", signer=signer.value, sha256=sha)
    if set(given) != {Signer.CHAIR, Signer.TAKER}:
        return None
    return _lock(minutes, actor, kept, sha)


def _lock(minutes: Minutes, actor: User, kept: record.Record, sha: str) -> MinutesVersion:
    now = utcnow()
    minutes.locked_at, minutes.text_sha256 = now, sha
    version = MinutesVersion(
        minutes_id=minutes.id,
        number=minutes.number,
        locked_at=now,
        text=record.canonical(kept),
        text_sha256=sha,
        record=kept.to_json(),
    )
    db.session.add(version)
    db.session.flush()
    _audit(minutes, actor, "minutes.locked", number=minutes.number, sha256=sha)
    logger.info("minutes %s version %s locked (%s)", minutes.id, minutes.number, sha)
    return version


def new_version(minutes: Minutes, actor: User) -> Minutes:
    """Start the next version from the approved text; the approved one is kept as it was."""
    done = db.session.execute(
        sa.update(Minutes)
        .where(
            Minutes.id == minutes.id,
            Minutes.locked_at.is_not(None),
            Minutes.number == minutes.number,
        )
        .values(
            number=Minutes.number + 1,
            locked_at=None,
            text_sha256=None,
            revision=Minutes.revision + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(minutes)
    if not done.rowcount:  # type: ignore[attr-defined]
        if minutes.locked_at is None:
            return minutes  # already a draft (another secretary started it): edit it
        raise MinutesError("Biên bản vừa thay đổi; hãy tải lại trang.", 409)
    _audit(minutes, actor, "minutes.new_version", number=minutes.number)
    return minutes


def versions(minutes: Minutes) -> list[MinutesVersion]:
    if not minutes.id:
        return []
    return list(
        db.session.scalars(
            sa.select(MinutesVersion)
            .where(MinutesVersion.minutes_id == minutes.id)
            .order_by(MinutesVersion.number)
        )
    )


def version_of(minutes: Minutes, number: int) -> MinutesVersion:
    found = db.session.scalar(
        sa.select(MinutesVersion).where(
            MinutesVersion.minutes_id == minutes.id, MinutesVersion.number == number
        )
    )
    if found is None:
        raise MinutesError("Không có phiên bản đã duyệt này của biên bản.", 404)
    return found


@dataclass(frozen=True)
class Reading:
    """What a reader is shown: the draft now, or the latest approved version."""

    record: record.Record
    sha256: str
    draft: bool
    version: MinutesVersion | None


def readable(minutes: Minutes, user: Any) -> Reading:
    """The draft for those who read it (managers, signers); else the last approved version.
    The caller asked the policy (``MINUTES_VIEW``)."""
    if reads_draft(user, minutes):
        kept = record_of(minutes)
        return Reading(kept, record.sha256(kept), minutes.locked_at is None, None)
    last = versions(minutes)[-1]
    return Reading(record.Record.from_json(last.record), last.text_sha256, False, last)


def _audit(minutes: Minutes, actor: User, action: str, **details: Any) -> None:
    meeting = minutes.meeting
    audit(
        action,
        actor_id=actor.id,
        target=meeting,
        organization_id=meeting.organization_id,
        **details,
    )
