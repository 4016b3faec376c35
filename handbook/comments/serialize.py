"""The JSON shape of a comment, the same over Socket.IO and HTTP."""

from __future__ import annotations

from typing import Any

from handbook.comments.models import Comment


def comment_json(comment: Comment, *, viewer_id: int | None = None) -> dict[str, Any]:
    """Hidden and deleted comments keep their place but not their text, except for the author
    (who sees their hidden comment and why). Broadcasts go out with no viewer."""
    hidden = comment.hidden_at is not None
    deleted = comment.deleted_at is not None
    own = viewer_id is not None and viewer_id == comment.author_id
    show_body = not deleted and (not hidden or own)
    return {
        "id": comment.id,
        "version": comment.version,
        "meeting": comment.meeting_id,
        "document": comment.document_id,
        "agenda_item": comment.agenda_item_id,
        "paragraph": comment.paragraph,
        "parent": comment.parent_id,
        "author": {"id": comment.author_id, "name": comment.author.full_name},
        "body": comment.body if show_body else None,
        "created_at": comment.created_at.isoformat(),
        "edited": comment.edited_at is not None,
        "deleted": deleted,
        "hidden": hidden,
        "hidden_reason": comment.hidden_reason if hidden and own else None,
        "disposition": comment.disposition.value,
        "client_id": comment.client_id if own else None,
        "voice": voice_json(comment) if show_body else None,
    }


def voice_json(comment: Comment) -> dict[str, Any] | None:
    """Where a voice comment's recording plays from, and its length in whole seconds."""
    if comment.voice_sha256 is None:
        return None
    return {
        "url": f"/comments/{comment.id}/voice",
        "seconds": comment.voice_seconds,
    }
