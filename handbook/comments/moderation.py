"""The secretary's moderation: hiding a comment, with a reason its author is shown, and
showing it again. Both are audited; ``service.change`` tells the comment's readers live, the
same way from the page's forms, the API and the socket.

A hidden comment keeps its place: others read "Góp ý đã ẩn", its author reads their words and
the reason. Showing it again gives everyone the words back and clears the reason (the audit
log keeps both).
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from handbook.accounts.models import User
from handbook.audit.operations import record
from handbook.comments.models import Comment
from handbook.comments.operations import _CONTROL, CommentError
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.core.timeutil import utcnow
from handbook.meetings.models import Meeting

logger = logging.getLogger(__name__)

#: ``Comment.hidden_reason`` holds this many characters; a longer reason is refused, not cut.
HIDE_REASON_MAX = 500
REASON_MISSING = "Vui lòng ghi lý do ẩn góp ý (tác giả sẽ thấy lý do này)."


def clean_reason(raw: Any) -> str:
    """The reason on one line, control characters out; refused when empty or too long."""
    text = _CONTROL.sub("", raw) if isinstance(raw, str) else ""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if not text:
        raise CommentError(REASON_MISSING)
    if len(text) > HIDE_REASON_MAX:
        raise CommentError(
            f"Lý do ẩn dài quá {HIDE_REASON_MAX} ký tự (đang có {len(text)}). "
            "Vui lòng viết ngắn lại."
        )
    return text


def _meeting_to_moderate(user: User, comment: Comment, refusal: str) -> Meeting:
    meeting = db.session.get(Meeting, comment.meeting_id)
    if meeting is None or not can(user, Action.MEETING_MANAGE, meeting):
        raise CommentError(refusal, status=403)
    return meeting


def hide(user: User, comment: Comment, reason: Any) -> Comment:
    """Hide ``comment`` for everyone but its author and the meeting's managers. Hiding one
    already hidden (a form sent twice, two secretaries at once) changes nothing."""
    meeting = _meeting_to_moderate(user, comment, "Chỉ bí thư chi bộ mới ẩn được góp ý.")
    if comment.deleted_at is not None:
        raise CommentError("Góp ý này đã được tác giả xóa.", status=409)
    text = clean_reason(reason)
    if comment.hidden_at is not None:
        return comment
    comment.hidden_at, comment.hidden_by_id, comment.hidden_reason = utcnow(), user.id, text
    comment.version += 1
    record(
        "comment.hidden",
        actor_id=user.id,
        target=comment,
        organization_id=meeting.organization_id,
        reason=text,
    )
    logger.info("comment %s hidden by %s", comment.id, user.id)
    return comment


def unhide(user: User, comment: Comment) -> Comment:
    """Show a hidden comment again ("Hiện lại"); one not hidden is left as it is."""
    meeting = _meeting_to_moderate(user, comment, "Chỉ bí thư chi bộ mới hiện lại được góp ý.")
    if comment.hidden_at is None:
        return comment
    reason = comment.hidden_reason
    comment.hidden_at, comment.hidden_by_id, comment.hidden_reason = None, None, ""
    comment.unhidden_at = utcnow()  # what a reconnecting reader asks about (``changed_since``)
    comment.version += 1
    record(
        "comment.unhidden",
        actor_id=user.id,
        target=comment,
        organization_id=meeting.organization_id,
        reason=reason,
    )
    logger.info("comment %s shown again by %s", comment.id, user.id)
    return comment
