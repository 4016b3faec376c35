"""JSON shapes of the API's objects, as the models in ``schemas.py`` describe them."""

from __future__ import annotations

from typing import Any

from handbook.documents.models import Document, DocumentPage
from handbook.meetings.models import Meeting
from handbook.notifications.models import Notification


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def meeting(m: Meeting, documents: list[Document] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": m.id,
        "organization": {"id": m.organization_id, "name": m.organization.name},
        "title": m.title,
        "kind": m.kind.value,
        "starts_at": _time(m.starts_at),
        "place": m.place,
        "reach": m.reach.value,
        "publish_at": _time(m.publish_at),
        "published": m.is_published(),
        "cancelled_at": _time(m.cancelled_at),
        "cancel_reason": m.cancel_reason or None,
        "agenda": [{"id": i.id, "position": i.position, "title": i.title} for i in m.agenda],
    }
    if documents is not None:
        body["documents"] = [document(d) for d in documents]
    return body


def document(d: Document) -> dict[str, Any]:
    return {
        "id": d.id,
        "title": d.title,
        "filename": d.filename,
        "kind": d.kind,
        "size": d.size,
        "meeting_id": d.meeting_id,
        "agenda_item_id": d.agenda_item_id,
        "organization_id": d.organization_id,
        "reach": d.reach.value,
        "status": d.status.value,
        "progress": d.progress,
        "error": d.error_message,
        "page_count": d.page_count,
        "publish_at": _time(d.publish_at),
        "published": d.is_published(),
        "file_url": f"/documents/{d.id}/file",
    }


def page(p: DocumentPage) -> dict[str, Any]:
    return {"number": p.number, "ocr": p.ocr, "blocks": p.blocks}


def notification(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "payload": n.payload,
        "created_at": _time(n.created_at),
        "read_at": _time(n.read_at),
    }
