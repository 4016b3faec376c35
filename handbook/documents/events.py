"""Socket.IO: following a document's live events (reading progress, audio), for its readers."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import join_room

from handbook.core import db
from handbook.core.extensions import socketio
from handbook.core.inputs import is_id
from handbook.core.policy import Action, can
from handbook.core.realtime import document_room
from handbook.documents.models import Document


@socketio.on("document.join")
def _join_document(data: Any = None) -> dict[str, Any]:
    """Follow a document's live events; allowed only to those who may view it.

    A refusal carries its HTTP-like ``status`` (401, 400, 404) as every other ack does; an id
    no database column can hold is refused before any query.
    """
    if not current_user.is_authenticated:
        return {"ok": False, "status": 401, "error": "Vui lòng đăng nhập lại."}
    document_id = data.get("document") if isinstance(data, dict) else None
    if not is_id(document_id):
        return {"ok": False, "status": 400, "error": "Yêu cầu không hợp lệ."}
    document = db.session.get(Document, document_id)
    if document is None or not can(current_user, Action.DOCUMENT_VIEW, document):
        return {"ok": False, "status": 404, "error": "Không tìm thấy tài liệu."}
    join_room(document_room(document.id), sid=request.sid)  # type: ignore[attr-defined]
    return {"ok": True, "status": document.status.value, "progress": document.progress}
