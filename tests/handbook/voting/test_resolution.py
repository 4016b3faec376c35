"""An adopted resolution becomes a document of its meeting, once: read, published to the
branch's members, found by the search, open to comments, like any uploaded file."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handbook.core import db
from handbook.documents import search
from handbook.documents.models import Document, DocumentStatus
from tests.handbook.voting.conftest import Hall, stored
from tests.helpers import response_text

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

MOTION = "Chi bộ thống nhất làm đường bê tông liên xóm Nà Phìa trong quý I."


def _documents(hall: Hall) -> list[Document]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(Document).where(Document.meeting_id == hall.meeting.id))
    )


def test_an_adopted_resolution_is_published_as_a_document_once(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai", "quang")
    item = hall.meeting.agenda[1]
    vote = hall.opened(
        kind="resolution",
        title="Nghị quyết làm đường liên xóm",
        text=MOTION,
        secret=True,
        agenda_item_id=item.id,
    )
    for name in ("secretary", "mai", "quang"):
        hall.cast(name, vote, "yes")
    closed = hall.act(vote["id"], "close")
    assert closed.status_code == 200, closed.json
    [document] = _documents(hall)
    assert closed.json["document_id"] == document.id == stored(vote["id"]).document_id
    assert (document.title, document.agenda_item_id) == ("Nghị quyết làm đường liên xóm", item.id)
    assert document.status is DocumentStatus.READY  # read inline under tests

    # Read as any document: its text, then the vote's result and date.
    pages = hall.client("mai").get(f"/api/v1/documents/{document.id}/pages")
    assert pages.status_code == 200, pages.json
    text = " ".join(b["text"] for p in pages.json["pages"] for b in p["blocks"])
    assert MOTION in text
    # Hoa did not come, with no reason given: convened all the same (Quy định 24 §9.3).
    assert "Thông qua: 3/4 đảng viên chính thức được triệu tập tán thành, trên một nửa." in text
    assert "bỏ phiếu kín" in text and "Tán thành: 3" in text

    # Published to the branch with its meeting; found; discussed.
    assert any(h.document.id == document.id for h in search.search(hall.user("mai"), "bê tông"))
    comment = hall.client("mai").post(
        f"/api/v1/documents/{document.id}/comments",
        json={"client_id": "resolution-c1", "body": "Tôi xin đăng ký góp 3 ngày công."},
    )
    assert comment.status_code == 201, comment.json
    page = response_text(hall.client("mai").get(f"/votes/{vote['id']}"))
    assert f"/documents/{document.id}" in page

    # Closing again never makes a second document.
    again = hall.secretary.post(
        f"/api/v1/votes/{vote['id']}/close", json={"version": closed.json["version"]}
    )
    assert again.status_code == 409 and "đã kết thúc" in again.json["error"]["message"]
    assert len(_documents(hall)) == 1


def test_no_document_for_a_rejected_resolution_or_a_plain_motion(hall: Hall) -> None:
    hall.open_check_in()
    hall.check_in("secretary", "mai", "quang")
    rejected = hall.opened(kind="resolution", title="Dự thảo bị bác")
    motion = hall.opened(kind="motion", title="Biểu quyết thông thường")
    for name in ("secretary", "mai", "quang"):
        hall.cast(name, rejected, "no")
        hall.cast(name, motion, "yes")
    assert hall.act(rejected["id"], "close").json["document_id"] is None
    assert hall.act(motion["id"], "close").json["result"]["passed"] is True
    assert _documents(hall) == []
