"""The branch's library, "Tài liệu của tôi", saving documents and private notes: what each
member sees, and what is refused (with its message, nothing kept)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handbook.core import db
from handbook.documents.models import Document
from handbook.library.models import Bookmark, Note
from handbook.orgs.models import Membership
from tests.conftest import login
from tests.helpers import response_text

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _notes(user) -> list[Note]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Note).where(Note.user_id == user.id)))


def _bookmarks(user) -> list[Bookmark]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Bookmark).where(Bookmark.user_id == user.id)))


@BOTH
def test_the_library_holds_what_the_branch_received(client, tree, library) -> None:
    login(client, tree.member_b1)
    page = response_text(client.get(f"/org/{tree.b1.id}/library"))
    assert library.resolution.title in page
    assert library.plan.title in page  # sent by the commune to all its branches
    assert "2 tài liệu" in page
    assert library.commune_own.title not in page
    assert library.b2_report.title not in page
    assert library.draft.title not in page
    assert "Nghị quyết (1)" in page and "Kế hoạch (1)" in page and "Báo cáo (0)" in page


def test_the_secretary_sees_no_draft_in_the_library(client, tree, library) -> None:
    login(client, tree.secretary_b1)
    page = response_text(client.get(f"/org/{tree.b1.id}/library"))
    assert library.resolution.title in page
    assert library.draft.title not in page  # not received yet: on the meeting's page only


def test_filtered_by_kind_and_year_without_script(client, tree, library) -> None:
    login(client, tree.member_b1)
    page = response_text(client.get(f"/org/{tree.b1.id}/library?kind=ke-hoach"))
    assert library.plan.title in page
    assert library.resolution.title not in page
    assert "1 trên 2 tài liệu" in page
    year = library.plan.effective_publish_at.year
    page = response_text(client.get(f"/org/{tree.b1.id}/library?kind=nghi-quyet&year={year}"))
    assert library.resolution.title in page and library.plan.title not in page
    assert f"Năm {year}" in page
    page = response_text(client.get(f"/org/{tree.b1.id}/library?year={year - 5}"))
    assert "Không có tài liệu nào khớp bộ lọc này." in page


def test_an_unknown_kind_or_year_shows_everything(client, tree, library) -> None:
    login(client, tree.member_b1)
    for query in ("kind=thong-bao", "kind=%3Cscript%3E", "year=hai-nghin"):
        response = client.get(f"/org/{tree.b1.id}/library?{query}")
        assert response.status_code == 200
        page = response_text(response)
        assert library.resolution.title in page and library.plan.title in page


def test_another_branch_library_is_not_there(client, tree, library) -> None:
    login(client, tree.member_b3)
    assert client.get(f"/org/{tree.b1.id}/library").status_code == 404


@BOTH
def test_saving_and_unsaving_a_document(client, tree, library) -> None:
    login(client, tree.member_b1)
    doc = library.resolution
    for _ in range(2):  # a double tap saves once
        response = client.post(f"/documents/{doc.id}/bookmark", data={"saved": "1"})
        assert response.status_code == 302
    assert [b.document_id for b in _bookmarks(tree.member_b1)] == [doc.id]
    page = response_text(client.get(f"/documents/{doc.id}"))
    assert "Bỏ lưu" in page
    mine = response_text(client.get("/library/mine"))
    assert doc.title in mine
    response = client.post(
        f"/documents/{doc.id}/bookmark", data={"saved": "0", "back": "mine"}, follow_redirects=True
    )
    assert "Đã bỏ lưu tài liệu." in response_text(response)
    assert _bookmarks(tree.member_b1) == []
    assert "Lưu tài liệu" in response_text(client.get(f"/documents/{doc.id}"))


def test_a_document_one_may_not_read_cannot_be_saved(client, tree, library) -> None:
    login(client, tree.member_b1)
    for doc in (library.b2_report, library.draft, library.commune_own):
        assert client.post(f"/documents/{doc.id}/bookmark", data={"saved": "1"}).status_code == 404
        assert (
            client.post(
                f"/documents/{doc.id}/notes", data={"paragraph": "1", "body": "Ghi chú"}
            ).status_code
            == 404
        )
    assert _bookmarks(tree.member_b1) == [] and _notes(tree.member_b1) == []


@BOTH
def test_a_document_no_longer_visible_leaves_my_list(client, tree, library) -> None:
    login(client, tree.member_b1)
    for doc in (library.resolution, library.plan):
        client.post(f"/documents/{doc.id}/bookmark", data={"saved": "1"})
    client.post(
        f"/documents/{library.plan.id}/notes", data={"paragraph": "3", "body": "Nhớ hỏi lịch học"}
    )
    mine = response_text(client.get("/library/mine"))
    assert library.resolution.title in mine and library.plan.title in mine
    # The resolution is withdrawn (no longer published): it leaves the list at once.
    db.session.get(Document, library.resolution.id).publish_at = None
    db.session.commit()
    mine = response_text(client.get("/library/mine"))
    assert library.resolution.title not in mine and library.plan.title in mine
    # The member moves to another commune's branch: the commune's plan is not theirs any more.
    membership = db.session.scalars(
        sa.select(Membership).where(Membership.user_id == tree.member_b1.id)
    ).one()
    membership.organization_id = tree.b3.id
    db.session.commit()
    mine = response_text(client.get("/library/mine"))
    assert library.plan.title not in mine and "Nhớ hỏi lịch học" not in mine
    assert "chưa lưu tài liệu nào" in mine


@BOTH
def test_a_private_note_is_written_edited_and_deleted(client, tree, library) -> None:
    login(client, tree.member_b1)
    doc = library.resolution
    response = client.post(
        f"/documents/{doc.id}/notes", data={"paragraph": "3", "body": "  Hỏi bí thư về lịch  "}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#note-3")
    page = response_text(client.get(f"/documents/{doc.id}"))
    assert "Hỏi bí thư về lịch" in page
    assert "Ghi chú riêng — chỉ đồng chí thấy" in page
    # The same paragraph again edits the note: never two on one paragraph.
    client.post(f"/documents/{doc.id}/notes", data={"paragraph": "3", "body": "Đã hỏi xong"})
    notes = _notes(tree.member_b1)
    assert [(n.paragraph, n.body) for n in notes] == [(3, "Đã hỏi xong")]
    mine = response_text(client.get("/library/mine"))
    assert "Đã hỏi xong" in mine and "Đoạn 3" in mine
    assert "“Chi bộ thống nhất đưa sổ tay điện tử vào mọi buổi…”" in mine
    response = client.post(
        f"/documents/{doc.id}/notes", data={"paragraph": "3", "delete": "1"}, follow_redirects=True
    )
    assert "Đã xóa ghi chú riêng." in response_text(response)
    assert _notes(tree.member_b1) == []
    # An emptied note is deleted too.
    client.post(f"/documents/{doc.id}/notes", data={"paragraph": "4", "body": "Tạm"})
    client.post(f"/documents/{doc.id}/notes", data={"paragraph": "4", "body": "   "})
    assert _notes(tree.member_b1) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": "Không có đoạn"}, "Vui lòng chọn đoạn văn để ghi chú."),
        ({"paragraph": "ba", "body": "Chữ"}, "Vui lòng chọn đoạn văn để ghi chú."),
        ({"paragraph": "0", "body": "Số không"}, "Tài liệu không có đoạn 0."),
        ({"paragraph": "999", "body": "Quá xa"}, "Tài liệu không có đoạn 999."),
        ({"paragraph": "-2", "body": "Âm"}, "Tài liệu không có đoạn -2."),
        ({"paragraph": "2", "body": "x" * 2001}, "Ghi chú dài 2001 ký tự, tối đa 2000 ký tự."),
    ],
)
def test_a_bad_note_is_refused_with_its_reason(client, tree, library, data, message) -> None:
    login(client, tree.member_b1)
    response = client.post(
        f"/documents/{library.resolution.id}/notes", data=data, follow_redirects=True
    )
    assert response.status_code == 200
    assert message in response_text(response)
    assert _notes(tree.member_b1) == []


def test_a_note_of_exactly_the_limit_is_kept(client, tree, library) -> None:
    login(client, tree.member_b1)
    client.post(
        f"/documents/{library.resolution.id}/notes", data={"paragraph": "2", "body": "đ" * 2000}
    )
    assert [len(n.body) for n in _notes(tree.member_b1)] == [2000]


@BOTH
def test_deleting_the_account_deletes_its_notes_and_bookmarks(client, tree, library) -> None:
    login(client, tree.member_b1)
    doc = library.resolution
    client.post(f"/documents/{doc.id}/bookmark", data={"saved": "1"})
    client.post(f"/documents/{doc.id}/notes", data={"paragraph": "2", "body": "Riêng tôi"})
    client.post("/logout")
    login(client, tree.secretary_b1)
    client.post(f"/documents/{doc.id}/notes", data={"paragraph": "2", "body": "Của bí thư"})
    assert len(_notes(tree.member_b1)) == 1 and len(_bookmarks(tree.member_b1)) == 1
    user_id = tree.member_b1.id
    db.session.delete(db.session.get(type(tree.member_b1), user_id))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalars(sa.select(Note).where(Note.user_id == user_id)).all() == []
    assert db.session.scalars(sa.select(Bookmark).where(Bookmark.user_id == user_id)).all() == []
    # Only theirs: the secretary's own note stays.
    assert [n.body for n in _notes(tree.secretary_b1)] == ["Của bí thư"]


@pytest.mark.parametrize("who", ["committee_c", "admin_district", "platform_admin"])
def test_those_above_see_the_branch_library_as_its_members_do(client, tree, library, who) -> None:
    login(client, getattr(tree, who))
    page = response_text(client.get(f"/org/{tree.b1.id}/library"))
    assert library.resolution.title in page and library.plan.title in page
    for hidden in (library.commune_own, library.b2_report, library.draft):
        assert hidden.title not in page  # not the branch's, or not received yet
    assert "2 tài liệu" in page


def test_the_menu_leads_to_the_library_and_my_documents(client, tree, library) -> None:
    login(client, tree.member_b1)
    page = response_text(client.get("/"))
    assert 'href="/library/mine"' in page
    assert f'href="/org/{tree.b1.id}/library"' in page and "Thư viện chi bộ" in page


def test_a_note_on_a_document_without_text_yet_is_refused(client, tree, library) -> None:
    db.session.execute(
        sa.text("DELETE FROM document_pages WHERE document_id = :d"), {"d": library.plan.id}
    )
    db.session.commit()
    login(client, tree.member_b1)
    response = client.post(
        f"/documents/{library.plan.id}/notes",
        data={"paragraph": "1", "body": "Chưa có chữ"},
        follow_redirects=True,
    )
    assert "Tài liệu chưa có nội dung để ghi chú." in response_text(response)
    assert _notes(tree.member_b1) == []
