"""Sending announcements through the test client, and reading back what was stored."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa

from handbook.announcements.models import Announcement, AnnouncementDocument
from handbook.core import db
from handbook.notifications.models import Notification
from tests.helpers import TEXT, response_text

BODY = "Kính gửi các chi bộ trực thuộc.\n\nĐề nghị các đồng chí đọc kế hoạch trước ngày 15."


def send(client: Any, org: Any, *, files: dict[str, bytes] | None = None, **form: Any) -> Any:
    """POST the form (now, to the organisation itself, unless ``form`` says otherwise)."""
    data: dict[str, Any] = {"title": "Kế hoạch học tập nghị quyết", "body": BODY}
    data |= {"reach": "self", "when": "now"} | form
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files.items()]
    return client.post(
        f"/org/{org.id}/announcements/new", data=data, content_type="multipart/form-data"
    )


def sent(client: Any, org: Any, **kwargs: Any) -> Announcement:
    response = send(client, org, **kwargs)
    assert response.status_code == 302, response_text(response)
    announcement_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.expire_all()
    found = db.session.get(Announcement, announcement_id)
    assert found is not None
    return found


def attached(announcement: Announcement) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(AnnouncementDocument.document_id).where(
                AnnouncementDocument.announcement_id == announcement.id
            )
        )
    )


def told(announcement: Announcement) -> list[int]:
    db.session.expire_all()
    return sorted(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.dedupe_key == f"announcement:{announcement.id}:published"
            )
        )
    )


def text_file() -> dict[str, bytes]:
    return {"ke-hoach-hoc-tap.txt": TEXT.encode()}
