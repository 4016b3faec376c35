"""A branch's library: B1's own documents, the commune's sent to all its branches, and some
the members of B1 must never see (B2's, the commune's own, a draft)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from handbook.core import db
from handbook.documents.models import Document
from tests.conftest import Tree, login
from tests.helpers import create_meeting, published_document, upload_document

RESOLUTION = (
    "NGHỊ QUYẾT\n\n"
    "Về chuyển đổi số trong sinh hoạt chi bộ\n\n"
    "Chi bộ thống nhất đưa sổ tay điện tử vào mọi buổi sinh hoạt thường kỳ của thôn.\n\n"
    "Mỗi đảng viên đọc tài liệu trước buổi sinh hoạt và góp ý trực tuyến.\n\n"
    "Bí thư chi bộ công bố tài liệu trước ngày họp ít nhất ba ngày.\n"
)
PLAN = (
    "KẾ HOẠCH\n\n"
    "Về học tập chuyên đề năm 2026\n\n"
    "Các chi bộ tổ chức học tập chuyên đề vào buổi sinh hoạt tháng một.\n"
)
REPORT = "BÁO CÁO\n\nVề kết quả quý III của chi bộ thôn Hai\n\nChi bộ hoàn thành nhiệm vụ.\n"
DRAFT = "HƯỚNG DẪN\n\nVề việc ghi biên bản sinh hoạt\n\nThư ký ghi đủ ý kiến.\n"
COMMUNE_REPORT = "BÁO CÁO\n\nVề công tác của Đảng ủy xã\n\nĐảng ủy họp thường kỳ.\n"


@dataclass
class Library:
    resolution: Document  # B1's own
    plan: Document  # the commune's, sent to every branch below it
    commune_own: Document  # the commune's, for its own members only
    b2_report: Document  # another branch's
    draft: Document  # B1's, not published


def _sent(client, org, text: str, name: str, *, subtree: bool = False) -> Document:
    meeting = create_meeting(client, org, **({"subtree": "y"} if subtree else {}))
    upload_document(client, meeting, name=name, data=text.encode())
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    return db.session.scalars(sa.select(Document).where(Document.meeting_id == meeting.id)).one()


@pytest.fixture
def library(app, tree: Tree) -> Library:
    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    resolution = published_document(secretary, tree.b1, name="nghi-quyet.txt", text=RESOLUTION)
    draft_meeting = create_meeting(secretary, tree.b1)
    upload_document(secretary, draft_meeting, name="du-thao.txt", data=DRAFT.encode())
    draft = db.session.scalars(
        sa.select(Document).where(Document.meeting_id == draft_meeting.id)
    ).one()
    committee = app.test_client()
    login(committee, tree.committee_c)
    plan = _sent(committee, tree.commune, PLAN, "ke-hoach.txt", subtree=True)
    commune_own = _sent(committee, tree.commune, COMMUNE_REPORT, "bao-cao-xa.txt")
    other = app.test_client()
    login(other, tree.secretary_b2)
    b2_report = published_document(other, tree.b2, name="bao-cao.txt", text=REPORT)
    return Library(resolution, plan, commune_own, b2_report, draft)
