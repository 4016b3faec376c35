"""The secretary's record of a meeting's comments: grouping, marking, DOCX and PDF exports."""

from __future__ import annotations

import io
import itertools
import unicodedata
from dataclasses import dataclass

import docx
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from handbook.comments import operations as ops
from handbook.comments import service
from handbook.comments.models import Comment, Disposition
from handbook.comments.report import meeting_comments
from handbook.core import db
from handbook.documents.models import Document
from handbook.meetings.models import Meeting
from tests.conftest import login
from tests.helpers import create_meeting, upload_document

BODY_VN = "Đề nghị bổ sung thời hạn hoàn thành việc số hóa hồ sơ đảng viên."
SCRIPT = "<script>alert(1)</script> & <b>đậm</b>"
_client_ids = itertools.count(1)


@dataclass
class Setup:
    meeting: Meeting
    report: Document  # on agenda item 1
    resolution: Document  # on agenda item 2
    general: Document  # on no agenda item


@pytest.fixture
def setup(client, tree) -> Setup:
    """A published meeting of branch b1 with three documents; the secretary signed in."""
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    first, second, _third = meeting.agenda
    for name, item in (
        ("Kế hoạch chung.txt", None),
        ("Báo cáo tình hình.txt", first),
        ("Nghị quyết chuyển đổi số.txt", second),
    ):
        form = {"agenda_item": str(item.id)} if item else {}
        assert upload_document(client, meeting, name=name, **form).status_code == 201
    # The secretary confirms each title as its file name says (the text's own heading,
    # "NGHỊ QUYẾT", would otherwise name all three).
    for document in db.session.scalars(sa.select(Document)):
        title = document.filename.removesuffix(".txt")
        assert (
            client.post(f"/documents/{document.id}/title", data={"title": title}).status_code == 302
        )
    assert client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"}).status_code == 302
    db.session.expire_all()  # published in the request's session, not in this one
    docs = {d.filename: d for d in db.session.scalars(sa.select(Document))}
    return Setup(
        meeting=meeting,
        report=docs["Báo cáo tình hình.txt"],
        resolution=docs["Nghị quyết chuyển đổi số.txt"],
        general=docs["Kế hoạch chung.txt"],
    )


def _post(user, document, body, *, parent=None, paragraph=None) -> int:
    data = {"document": document.id, "client_id": f"report-{next(_client_ids):06d}", "body": body}
    if parent is not None:
        data["parent"] = parent
    if paragraph is not None:
        data["paragraph"] = paragraph
    return service.post(user, data)["comment"]["id"]


def _on_agenda_item(user, meeting, item, body) -> int:
    """Straight on an agenda item: no transport posts these yet, the operation does."""
    target = ops.Target(meeting=meeting, agenda_item=item)
    comment, _ = ops.post(user, target, body=body, client_id=f"item-{next(_client_ids):06d}")
    db.session.commit()
    return comment.id


def _discussion(tree, s: Setup) -> dict[str, int]:
    """Comments in an order unlike the agenda's: the general document is discussed first."""
    mai, thang = tree.member_b1, tree.secretary_b1
    ids = {
        "general": _post(mai, s.general, "Góp ý chung về kế hoạch."),
        "vn": _post(mai, s.resolution, BODY_VN, paragraph=2),
        "report": _post(thang, s.report, "Báo cáo cần số liệu quý IV."),
        "gone": _post(mai, s.resolution, "Tôi rút lại ý này."),
        "hidden": _post(mai, s.resolution, "Ý kiến lạc đề."),
        "script": _post(mai, s.general, SCRIPT),
        "orphaned": _post(mai, s.general, "Sẽ xóa, nhưng đã có trả lời."),
    }
    ids["reply"] = _post(thang, s.resolution, "Chi ủy sẽ bổ sung.", parent=ids["vn"])
    ids["gone_reply"] = _post(thang, s.resolution, "Trả lời rồi xóa.", parent=ids["vn"])
    ids["kept_reply"] = _post(thang, s.general, "Vẫn giữ trả lời này.", parent=ids["orphaned"])
    ids["item"] = _on_agenda_item(mai, s.meeting, s.meeting.agenda[2], "Xin thảo luận thêm.")
    service.change(mai, "delete", {"comment": ids["gone"]})
    service.change(mai, "delete", {"comment": ids["orphaned"]})
    service.change(thang, "delete", {"comment": ids["gone_reply"]})
    service.change(thang, "hide", {"comment": ids["hidden"], "reason": "Không đúng nội dung"})
    service.change(thang, "disposition", {"comment": ids["vn"], "value": "accepted"})
    service.change(thang, "disposition", {"comment": ids["report"], "value": "explain"})
    return ids


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_comments_are_grouped_by_agenda_item_then_document(app, tree, setup) -> None:
    ids = _discussion(tree, setup)
    meeting_id = setup.meeting.id
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting_id)
    statements: list[str] = []
    engine = app.extensions["handbook.engine"]

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        groups = meeting_comments(meeting)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 4, statements  # comments+authors, agenda, documents, pages

    assert [g.heading for g in groups] == [
        "1. Báo cáo tình hình",
        "2. Phổ biến nghị quyết",
        "3. Thảo luận",
        "Tài liệu chung",
    ]
    shape = [
        [(t.title, [(e.id, [r.id for r in e.replies]) for e in t.entries]) for t in g.topics]
        for g in groups
    ]
    assert shape == [
        [("Báo cáo tình hình", [(ids["report"], [])])],
        [("Nghị quyết chuyển đổi số", [(ids["vn"], [ids["reply"]]), (ids["hidden"], [])])],
        [("Góp ý chung về nội dung", [(ids["item"], [])])],
        [
            (
                "Kế hoạch chung",
                [
                    (ids["general"], []),
                    (ids["script"], []),
                    (ids["orphaned"], [ids["kept_reply"]]),
                ],
            )
        ],
    ]
    vn = groups[1].topics[0].entries[0]
    assert vn.author == "Lò Thị Mai" and vn.body == BODY_VN
    assert vn.paragraph == 2 and "chuyển đổi số" in vn.excerpt
    assert vn.disposition is Disposition.ACCEPTED and ":" in vn.when  # "19:30, Thứ ..."
    assert vn.replies[0].author == "Hoàng Văn Thắng"
    assert vn.replies[0].paragraph is None and vn.replies[0].excerpt == ""  # said once, above
    hidden = groups[1].topics[0].entries[1]
    assert hidden.hidden and hidden.body == "Ý kiến lạc đề."
    assert hidden.hidden_label == "đã ẩn: Không đúng nội dung"
    orphaned = groups[3].topics[0].entries[2]
    assert orphaned.deleted and orphaned.body == ""  # keeps its place for its reply, not its words


def test_the_page_is_for_those_who_manage_the_meeting(app, tree, setup) -> None:
    comment_id = _post(tree.member_b1, setup.resolution, "Đồng ý.")
    base = f"/meetings/{setup.meeting.id}/comments"
    expected = {
        "secretary_b1": 200,
        "admin_district": 200,
        "platform_admin": 200,
        "member_b1": 403,
        "committee_c": 403,  # sees the published meeting, does not manage it
        "secretary_b2": 404,
        "member_b3": 404,
    }
    for who, status in expected.items():
        browser = app.test_client()
        login(browser, getattr(tree, who))
        for path in (base, f"{base}.docx", f"{base}.pdf"):
            assert browser.get(path).status_code == status, (who, path)
        marked = browser.post(f"{base}/{comment_id}/disposition", data={"value": "explain"})
        assert marked.status_code == (302 if status == 200 else status), who
    assert app.test_client().get(base).status_code == 302  # signed out: to the login page


def test_the_overview_page(client, tree, setup) -> None:
    ids = _discussion(tree, setup)
    page = client.get(f"/meetings/{setup.meeting.id}/comments").get_data(as_text=True)
    assert f'id="c-{ids["vn"]}"' in page and f'id="c-{ids["reply"]}"' in page
    assert "Đã tiếp thu" in page and 'aria-pressed="true"' in page
    assert "Đã ẩn: Không đúng nội dung" in page
    assert "Tôi rút lại ý này." not in page and "Trả lời rồi xóa." not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in page
    assert "<script>alert" not in page
    assert "Tổng số góp ý: <strong>8</strong>" in page
    assert f"/meetings/{setup.meeting.id}/comments.docx" in page
    assert f"/meetings/{setup.meeting.id}/comments.pdf" in page
    show = client.get(f"/meetings/{setup.meeting.id}").get_data(as_text=True)
    assert f'href="/meetings/{setup.meeting.id}/comments"' in show


def test_an_empty_meeting_says_so(client, tree, setup) -> None:
    page = client.get(f"/meetings/{setup.meeting.id}/comments").get_data(as_text=True)
    assert 'id="empty"' in page and "Chưa có góp ý nào" in page
    record = client.get(f"/meetings/{setup.meeting.id}/comments.docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(record.data)).paragraphs)
    assert "chưa có góp ý nào" in text and "Tổng số góp ý: 0" in text


def test_the_secretary_marks_comments(app, client, tree, setup) -> None:
    mine = _post(tree.member_b1, setup.resolution, "Cần làm rõ kinh phí.")
    on_item = _on_agenda_item(
        tree.member_b1, setup.meeting, setup.meeting.agenda[0], "Đề nghị báo cáo ngắn gọn."
    )
    base = f"/meetings/{setup.meeting.id}/comments"

    def stored(comment_id: int) -> Disposition:
        db.session.expire_all()
        return db.session.get(Comment, comment_id).disposition

    response = client.post(f"{base}/{mine}/disposition", data={"value": "accepted"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{base}#c-{mine}"
    assert stored(mine) is Disposition.ACCEPTED
    client.post(f"{base}/{mine}/disposition", data={"value": "none"})  # pressed again: unmarked
    assert stored(mine) is Disposition.NONE
    client.post(f"{base}/{on_item}/disposition", data={"value": "explain"})
    assert stored(on_item) is Disposition.EXPLAIN

    refused = client.post(f"{base}/{mine}/disposition", data={"value": "bỏ qua"})
    assert refused.headers["Location"] == base
    assert "Cách xử lý góp ý không hợp lệ." in client.get(base).get_data(as_text=True)
    assert stored(mine) is Disposition.NONE

    member = app.test_client()
    login(member, tree.member_b1)
    assert member.post(f"{base}/{mine}/disposition", data={"value": "accepted"}).status_code == 403
    assert stored(mine) is Disposition.NONE

    # A comment of another meeting of the same branch is not reachable through this one.
    other = create_meeting(client, tree.b1, title="Sinh hoạt chuyên đề")
    assert client.post(f"/meetings/{other.id}/comments/{mine}/disposition").status_code == 404
    gone = _post(tree.member_b1, setup.resolution, "Xóa ngay.")
    service.change(tree.member_b1, "delete", {"comment": gone})
    assert client.post(f"{base}/{gone}/disposition", data={"value": "accepted"}).status_code == 404


def test_the_docx_record(client, tree, setup) -> None:
    _discussion(tree, setup)
    response = client.get(f"/meetings/{setup.meeting.id}/comments.docx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="gop-y-sinh-hoat-{setup.meeting.id}.docx"'
    )
    record = docx.Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in record.paragraphs)
    assert "CHI BỘ THÔN MỘT" in text and "Sinh hoạt chi bộ tháng 12" in text
    assert "Địa điểm: Nhà văn hóa thôn" in text
    assert "Lò Thị Mai (" in text and f"— [đoạn 2] {BODY_VN} — đã tiếp thu" in text
    assert "cần giải trình" in text and "đã ẩn: Không đúng nội dung" in text
    assert SCRIPT in text
    assert "Tôi rút lại ý này." not in text
    assert "Tổng số góp ý: 8" in text and "Đã tiếp thu: 1" in text and "Cần giải trình: 1" in text
    headings = [p.text for p in record.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["1. Báo cáo tình hình", "Báo cáo tình hình", "2. Phổ biến nghị quyết"]
    reply = next(p for p in record.paragraphs if "Chi ủy sẽ bổ sung." in p.text)
    assert reply.paragraph_format.left_indent  # replies sit indented under their comment


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), unicodedata.normalize("NFC", text)


def test_the_pdf_record(client, tree, setup) -> None:
    _discussion(tree, setup)
    long_body = " ".join(["Đảng viên phát huy tinh thần tự phê bình và phê bình."] * 90)
    _post(tree.member_b1, setup.general, long_body[:5000])
    response = client.get(f"/meetings/{setup.meeting.id}/comments.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="gop-y-sinh-hoat-{setup.meeting.id}.pdf"'
    )
    assert response.data.startswith(b"%PDF")
    pages, text = _pdf_text(response.data)
    flat = " ".join(text.split())
    assert "Sinh hoạt chi bộ tháng 12" in flat  # Vietnamese glyphs embedded, text extractable
    assert "TỔNG HỢP Ý KIẾN GÓP Ý CỦA ĐẢNG VIÊN" in flat
    assert BODY_VN in flat and "Hoàng Văn Thắng" in flat
    assert SCRIPT in flat  # escaped for reportlab's markup, drawn as text
    assert "đã ẩn: Không đúng nội dung" in flat
    assert "Tổng số góp ý: 9" in flat
    assert pages >= 2 and f"Trang 1/{pages}" in flat and f"Trang {pages}/{pages}" in flat
    assert b"DejaVuSans" in response.data
