"""Documents: uploads checked and stored once, read in the background, served only to readers."""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from handbook.core import db
from handbook.documents.models import Document, DocumentPage, DocumentStatus, TitleSource
from tests.conftest import PASSWORD, login
from tests.helpers import (
    TEXT,
    create_meeting,
    docx_bytes,
    published_document,
    response_text,
    upload_document,
)
from tests.live import ROOT


def _blobs(app) -> list[Path]:
    root = Path(app.instance_path) / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def meeting(client, tree):
    login(client, tree.secretary_b1)
    return create_meeting(client, tree.b1)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_a_word_document_keeps_its_headings(client, meeting) -> None:
    response = upload_document(client, meeting, name="Kế hoạch CĐS.docx", data=docx_bytes())
    assert response.status_code == 201, response_text(response)
    document = db.session.scalars(sa.select(Document)).one()
    # The title is the document's own first heading, not the file name's.
    assert (document.kind, document.status, document.title, document.title_source) == (
        "docx",
        DocumentStatus.READY,
        "Kế hoạch",
        TitleSource.TEXT,
    )
    blocks = [b for page in document.pages for b in page.blocks]
    assert blocks[0] == {"n": 1, "kind": "heading", "level": 1, "text": "KẾ HOẠCH"}
    assert blocks[1]["kind"] == "heading"
    assert blocks[2]["text"] == "Đẩy mạnh chuyển đổi số trong công tác đảng ở thôn Nà Phìa."
    page = response_text(client.get(f"/documents/{document.id}"))
    # (The secretary's page adds "Sửa" after each paragraph: the correction form.)
    assert '<h2 class="h1" id="p-1" data-n="1">KẾ HOẠCH <a class="fix' in page
    assert '<p id="p-3" data-n="3">Đẩy mạnh chuyển đổi số' in page


def test_the_same_file_twice_is_stored_once(app, client, meeting) -> None:
    upload_document(client, meeting, name="a.txt")
    upload_document(client, meeting, name="b.txt")
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 2
    assert len(_blobs(app)) == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("anh.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "anh.pdf"),
        ("rong.pdf", b"", "anh.pdf"),
        ("ban-cu.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".docx"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_not_kept(
    app, client, meeting, name, data, message
) -> None:
    response = upload_document(client, meeting, name=name, data=data)
    assert response.status_code == 400
    refused = response.json["refused"]
    assert refused[0]["filename"] == name
    assert refused[0]["message"].startswith(name)
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0
    assert _blobs(app) == []


def test_a_zip_named_docx_that_is_not_word_ends_in_a_clear_error(client, meeting) -> None:
    """The first bytes of a zip cannot tell; reading it does, and says so."""
    response = upload_document(client, meeting, name="nen.docx", data=b"PK\x03\x04" + b"\x00" * 64)
    refused = response.json.get("refused", [])
    if response.status_code == 400:
        assert refused[0]["message"].startswith("nen.docx")
        return
    document = db.session.scalars(sa.select(Document)).one()
    assert document.status is DocumentStatus.FAILED
    assert document.error_message


def test_one_bad_file_does_not_stop_the_good_ones(client, meeting) -> None:
    response = client.post(
        f"/meetings/{meeting.id}/documents",
        data={"files": [(io.BytesIO(TEXT.encode()), "tot.txt"), (io.BytesIO(b""), "rong.txt")]},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201
    assert [d["status"] for d in response.json["documents"]] == ["ready"]
    assert response.json["refused"][0]["filename"] == "rong.txt"


def test_an_upload_over_the_limit_is_refused_with_the_limit(make_app, tree) -> None:
    app = make_app(MAX_CONTENT_LENGTH=64 * 1024)
    client = app.test_client()
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    response = upload_document(client, meeting, data=b"a" * (200 * 1024))
    assert response.status_code == 413
    assert response.json["error"]["message"] == "Tệp tải lên quá lớn (tối đa 64 KB)."
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0


def test_a_corrupt_pdf_fails_with_a_clear_message_and_nothing_half_stored(client, meeting) -> None:
    response = upload_document(
        client, meeting, name="hong.pdf", data=b"%PDF-1.7\n1 0 obj << /Type /Catalog"
    )
    assert response.status_code == 201
    document = db.session.scalars(sa.select(Document)).one()
    assert document.status is DocumentStatus.FAILED
    assert document.error_code == "corrupt"
    assert document.error_message
    assert db.session.scalar(sa.select(sa.func.count(DocumentPage.id))) == 0
    assert document.error_message in response_text(client.get(f"/meetings/{meeting.id}"))


def test_the_original_is_served_with_range_to_readers_only(app, client, tree, meeting) -> None:
    upload_document(client, meeting)
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    document = db.session.scalars(sa.select(Document)).one()
    member = app.test_client()
    login(member, tree.member_b1)
    with member.get(f"/documents/{document.id}/file") as whole:
        assert whole.status_code == 200
        assert whole.data == TEXT.encode()
        assert whole.mimetype == "text/plain"
        assert "filename*=UTF-8''nghi-quyet.txt" in whole.headers["Content-Disposition"]
    with member.get(f"/documents/{document.id}/file", headers={"Range": "bytes=0-9"}) as part:
        assert part.status_code == 206
        assert part.data == TEXT.encode()[:10]
        assert part.headers["Content-Range"] == f"bytes 0-9/{len(TEXT.encode())}"
    outsider = app.test_client()
    login(outsider, tree.member_b2)
    assert outsider.get(f"/documents/{document.id}/file").status_code == 404
    # The blob's hash is no key to anything.
    assert outsider.get(f"/blobs/{document.blob_sha256}").status_code == 404
    assert outsider.get(f"/static/../instance/blobs/{document.blob_sha256}").status_code == 404


def test_status_is_answered_as_json(client, meeting) -> None:
    upload_document(client, meeting)
    document = db.session.scalars(sa.select(Document)).one()
    body = client.get(f"/documents/{document.id}/status").json
    assert body["status"] == "ready" and body["progress"] == 100 and body["pages"] == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize("query", ["chuyển đổi số", "chuyen doi so", "CHUYỂN ĐỔI", "chuyen doi"])
def test_search_finds_words_with_or_without_diacritics(app, client, tree, meeting, query) -> None:
    upload_document(client, meeting)
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    member = app.test_client()
    login(member, tree.member_b1)
    page = response_text(member.get("/search", query_string={"q": query}))
    assert "1 kết quả" in page
    assert "<mark>chuyển đổi" in page
    assert "#p-" in page
    outsider = app.test_client()
    login(outsider, tree.member_b2)
    assert "Không tìm thấy" in response_text(outsider.get("/search", query_string={"q": query}))


def test_pages_are_compressed_for_slow_connections(client, meeting) -> None:
    upload_document(client, meeting, data=(TEXT * 200).encode())
    document = db.session.scalars(sa.select(Document)).one()
    response = client.get(f"/documents/{document.id}", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.data).decode()
    assert "chuyển đổi số" in html
    assert len(response.data) < len(html) / 3


def test_a_long_document_comes_in_parts_and_links_land_in_the_right_one(client, meeting) -> None:
    paragraphs = "\n\n".join(f"Đoạn số {i}: " + "nội dung " * 60 for i in range(1, 400))
    upload_document(client, meeting, name="dai.txt", data=paragraphs.encode())
    document = db.session.scalars(sa.select(Document)).one()
    first = response_text(client.get(f"/documents/{document.id}"))
    assert "Phần 1/" in first
    last_n = max(b["n"] for p in document.pages for b in p.blocks)
    landing = response_text(client.get(f"/documents/{document.id}?at={last_n}"))
    assert f'id="p-{last_n}"' in landing
    assert 'id="p-1"' not in landing


def test_blobs_live_outside_the_source_tree(app) -> None:
    assert not Path(app.instance_path).resolve().is_relative_to(ROOT / "handbook")


def test_another_branch_secretary_cannot_upload_or_see_drafts(app, client, tree, meeting) -> None:
    upload_document(client, meeting)
    document = db.session.scalars(sa.select(Document)).one()
    other = app.test_client()
    other.post("/login", data={"login": tree.secretary_b2.login_name, "password": PASSWORD})
    assert upload_document(other, meeting).status_code == 404
    assert other.get(f"/documents/{document.id}").status_code == 404


def test_the_secretary_gives_a_document_a_real_title(app, client, tree, meeting) -> None:
    upload_document(client, meeting, name="thong-bao-hoc-tap.txt", data=b"ab cd ef gh.\n")
    document = db.session.scalars(sa.select(Document)).one()
    assert (document.title, document.title_source) == ("thong bao hoc tap", TitleSource.FILE)
    client.post(f"/documents/{document.id}/title", data={"title": "  Thông báo   học tập  "})
    db.session.expire_all()
    renamed = db.session.get(Document, document.id)
    assert (renamed.title, renamed.title_source) == ("Thông báo học tập", TitleSource.TYPED)
    member = app.test_client()
    login(member, tree.member_b1)
    assert member.post(f"/documents/{document.id}/title", data={"title": "x"}).status_code == 404


@contextmanager
def _statements(app) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs."""
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = app.extensions["handbook.engine"]
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)


def test_the_text_is_drawn_once_per_version_and_its_comment_counts_stay_current(
    app, client, tree
) -> None:
    """The text is the same for every reader: a second reader's view reads no page of it from
    the database; what readers added (a comment's count) still shows at once; and text that
    looks like markup stays text."""
    login(client, tree.secretary_b1)
    text = "Mở đầu.\n\nĐoạn hai <script>alert(1)</script> & cộng sự.\n\nĐoạn ba."
    document = published_document(client, tree.b1, text=text)
    first = response_text(client.get(f"/documents/{document.id}"))
    assert "Đoạn hai &lt;script&gt;alert(1)&lt;/script&gt; &amp; cộng sự." in first

    client.post("/logout")
    login(client, tree.member_b1)
    with _statements(app) as statements:
        second = response_text(client.get(f"/documents/{document.id}"))
    assert 'id="p-2" data-n="2">Đoạn hai &lt;script&gt;' in second
    assert not [s for s in statements if "document_pages" in s]

    page = response_text(client.get(f"/documents/{document.id}"))
    key = re.search(r'name="client_id" value="([^"]+)"', page).group(1)
    client.post(
        f"/documents/{document.id}/comments",
        data={"body": "Đồng ý với đoạn hai.", "paragraph": "2", "client_id": key},
    )
    again = response_text(client.get(f"/documents/{document.id}"))
    assert '<a class="pc" href="#comments" data-n="2">1 góp ý</a>' in again


def test_a_page_names_its_commenters_with_one_query_however_many_they_are(
    app, client, tree
) -> None:
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    for author in (tree.secretary_b1, tree.member_b1, tree.committee_c):
        client.post("/logout")
        login(client, author)
        page = response_text(client.get(f"/documents/{document.id}"))
        key = re.search(r'name="client_id" value="([^"]+)"', page).group(1)
        posted = client.post(
            f"/documents/{document.id}/comments",
            data={"body": f"Ý kiến của {author.full_name}.", "client_id": key},
        )
        assert posted.status_code == 302, response_text(posted)
        assert "#c-" in posted.headers["Location"], posted.headers["Location"]

    with _statements(app) as statements:
        page = response_text(client.get(f"/documents/{document.id}"))
    for author in (tree.secretary_b1, tree.member_b1, tree.committee_c):
        assert f"<strong>{author.full_name}</strong>" in page
    users = [s for s in statements if "FROM users" in s]
    assert len(users) == 2  # the one signed in (with their device), then every author at once
