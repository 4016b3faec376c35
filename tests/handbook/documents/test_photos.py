"""Photos of a paper document uploaded together become ONE document, pages in the order sent,
read by OCR; anything else in the photos' place is refused in Vietnamese and nothing is kept."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from handbook.core import db
from handbook.documents.models import Document, DocumentPage, DocumentStatus, TitleSource
from tests.conftest import login
from tests.docs_store import photos
from tests.helpers import TEXT, create_meeting

IN_ORDER = ("trang-1.jpg", "trang-2.png", "trang-3.heic")


@pytest.fixture
def meeting(client, tree):
    login(client, tree.secretary_b1)
    return create_meeting(client, tree.b1)


def _post(client, meeting, **fields):
    """The form encoded in memory: the test client spools a large body to a temporary file
    it never closes (a ResourceWarning, an error here)."""
    items = [(field, file) for field, files in fields.items() for file in files]
    boundary, body = encode_multipart(MultiDict(items))
    return client.post(
        f"/meetings/{meeting.id}/documents",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Accept": "application/json"},
    )


def _file(path: Path, name: str | None = None) -> FileStorage:
    return FileStorage(io.BytesIO(path.read_bytes()), filename=name or path.name)


def _nothing_kept(app) -> bool:
    root = Path(app.instance_path) / "blobs"
    blobs = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return db.session.scalar(sa.select(sa.func.count(Document.id))) == 0 and blobs == []


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_photos_sent_together_are_one_document_in_their_order(client, meeting, photo_set) -> None:
    response = _post(client, meeting, photos=[_file(photo_set[n]) for n in IN_ORDER])
    assert response.status_code == 201, response.get_data(as_text=True)
    (answer,) = response.json["documents"]
    assert (answer["status"], answer["pages"]) == ("ready", 3)
    assert (answer["title"], answer["title_source"]) == (photos.TITLE, "text")
    document = db.session.scalars(sa.select(Document)).one()
    assert (document.kind, document.filename) == ("pdf", "trang-1.pdf")
    pages = db.session.scalars(
        sa.select(DocumentPage).where(DocumentPage.document_id == document.id)
    ).all()
    assert [p.ocr for p in pages] == [True, True, True]
    for page, (heading, _, words) in zip(pages, photos.PAGES, strict=True):
        assert page.blocks[0]["text"] == heading
        assert words in page.text
    # "Tệp gốc" is one file: the PDF the photos were made into.
    with client.get(f"/documents/{document.id}/file") as original:
        assert original.mimetype == "application/pdf"
        assert original.data.startswith(b"%PDF-")


def test_the_order_sent_is_the_order_of_the_pages(client, meeting, photo_set) -> None:
    _post(client, meeting, photos=[_file(photo_set[n]) for n in reversed(IN_ORDER)])
    document = db.session.scalars(sa.select(Document)).one()
    headings = [p.blocks[0]["text"] for p in document.pages]
    assert headings == [heading for heading, _, _ in reversed(photos.PAGES)]


def test_photos_among_files_make_one_document_and_each_file_its_own(
    client, meeting, photo_set
) -> None:
    """The plain form (no JavaScript) sends everything as "files": photos known by bytes."""
    response = _post(
        client,
        meeting,
        files=[
            _file(photo_set["trang-1.jpg"]),
            FileStorage(io.BytesIO(TEXT.encode()), filename="nghi-quyet.txt"),
            _file(photo_set["trang-2.png"], "IMG_0002"),  # a name with no extension
        ],
    )
    assert response.status_code == 201
    documents = db.session.scalars(sa.select(Document).order_by(Document.id)).all()
    assert [(d.kind, d.page_count) for d in documents] == [("txt", 1), ("pdf", 2)]
    assert documents[1].status is DocumentStatus.READY


@pytest.mark.parametrize(
    ("photo", "words"),
    [
        ("zip.jpg", "không phải ảnh"),
        ("cut.jpg", "bị hỏng hoặc chưa tải lên trọn vẹn"),
        ("bomb.png", "ảnh quá lớn (20000 × 20000 điểm ảnh)"),
    ],
)
def test_a_hostile_photo_refuses_the_photos_and_keeps_nothing(
    app, client, meeting, photo_set, photo, words
) -> None:
    sent = [_file(photo_set["trang-1.jpg"]), _file(photo_set[photo], "anh-2.jpg")]
    response = _post(client, meeting, photos=sent)
    assert response.status_code == 400
    (refused,) = response.json["refused"]
    assert words in refused["message"]
    assert response.json["documents"] == []
    assert _nothing_kept(app)


def test_too_many_photos_are_refused_before_any_is_read(app, client, meeting) -> None:
    tiny = io.BytesIO()
    photos.page_image("A", ["b"], width=200).save(tiny, "PNG")
    sent = [FileStorage(io.BytesIO(tiny.getvalue()), filename=f"anh-{i}.png") for i in range(31)]
    response = _post(client, meeting, photos=sent)
    assert response.status_code == 400
    assert "tối đa 30 ảnh" in response.json["refused"][0]["message"]
    assert _nothing_kept(app)


def test_an_empty_selection_is_refused(app, client, meeting) -> None:
    response = _post(client, meeting, photos=[FileStorage(io.BytesIO(b""), filename="")])
    assert response.status_code == 400
    assert response.json["error"]["message"] == "Vui lòng chọn ít nhất một tệp."
    assert _nothing_kept(app)


def test_a_photo_title_stand_in_when_the_photo_has_no_heading(client, meeting) -> None:
    blank = io.BytesIO()  # a page of body text: its first line is a long sentence
    photos.page_image("", photos.seed_paragraphs(count=1)).save(blank, "JPEG")
    response = _post(
        client, meeting, photos=[FileStorage(io.BytesIO(blank.getvalue()), filename="IMG_2041.jpg")]
    )
    assert response.status_code == 201
    document = db.session.scalars(sa.select(Document)).one()
    assert (document.title, document.title_source) == (
        "Ảnh chụp tài liệu (1 trang)",
        TitleSource.FILE,
    )
