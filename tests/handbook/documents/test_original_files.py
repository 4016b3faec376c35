"""Original files are someone else's content served from our origin: every one comes with a
sandbox policy (an opaque origin, no script) and ``nosniff``, whatever its kind, so a PDF/HTML
polyglot can never run as a page of ours; PDFs still open inline, other kinds download."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from handbook.core import db
from handbook.documents.models import Document
from tests.conftest import login
from tests.docs_store.makers import text_pdf
from tests.helpers import (
    SCRIPT,
    TEXT,
    create_meeting,
    docx_bytes,
    polyglot_pdf,
    response_text,
)


def _policy(header: str) -> dict[str, str]:
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {d[0]: (d[1] if len(d) > 1 else "") for d in directives}


def _upload_all(client, meeting, files: dict[str, bytes]) -> dict[str, Document]:
    answer = client.post(
        f"/meetings/{meeting.id}/documents",
        data={"files": [(io.BytesIO(data), name) for name, data in files.items()]},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 201, response_text(answer)
    assert answer.json["refused"] == []
    rows = db.session.scalars(sa.select(Document).where(Document.meeting_id == meeting.id))
    return {d.filename: d for d in rows}


def test_every_original_is_sandboxed_and_never_sniffed(app, client, tree, tmp_path) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    documents = _upload_all(
        client,
        meeting,
        {
            "nghi-quyet.pdf": text_pdf(tmp_path / "a.pdf", pages=1).read_bytes(),
            "ke-hoach.docx": docx_bytes(),
            "thong-bao.txt": TEXT.encode(),
            "da-nang.pdf": polyglot_pdf(tmp_path),  # accepted: the bytes hold a real PDF
            "ghi-chu.txt": b"<html><body>" + SCRIPT + b"</body></html>\n",
        },
    )
    assert documents["da-nang.pdf"].kind == "pdf" and documents["ghi-chu.txt"].kind == "txt"
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    member = app.test_client()
    login(member, tree.member_b1)

    expected = {
        "nghi-quyet.pdf": ("application/pdf", "inline"),
        "ke-hoach.docx": (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "attachment",
        ),
        "thong-bao.txt": ("text/plain", "attachment"),
        "da-nang.pdf": ("application/pdf", "inline"),
        "ghi-chu.txt": ("text/plain", "attachment"),
    }
    for name, (mimetype, disposition) in expected.items():
        url = f"/documents/{documents[name].id}/file"
        for headers, status in (({}, 200), ({"Range": "bytes=0-9"}, 206)):
            with member.get(url, headers=headers) as response:
                assert response.status_code == status, name
                assert response.mimetype == mimetype, name
                assert response.headers["Content-Disposition"].startswith(disposition), name
                policy = _policy(response.headers["Content-Security-Policy"])
                # "sandbox" alone: no allow-scripts, no allow-same-origin.
                assert policy["sandbox"] == "", name
                assert policy["default-src"] == "'none'", name
                assert policy["frame-ancestors"] == "'none'", name
                assert response.headers["X-Content-Type-Options"] == "nosniff", name
                assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin", name
        with member.get(url, headers={"If-None-Match": f'"{documents[name].blob_sha256}"'}) as same:
            assert same.status_code == 304
            assert "sandbox" in _policy(same.headers["Content-Security-Policy"])
        with member.get(f"{url}?download") as download:
            assert download.headers["Content-Disposition"].startswith("attachment")
            assert "sandbox" in _policy(download.headers["Content-Security-Policy"])


def test_pages_keep_their_own_policy(client, tree) -> None:
    """The sandbox is for uploads only: our pages need their scripts."""
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    policy = _policy(client.get(f"/meetings/{meeting.id}").headers["Content-Security-Policy"])
    assert "sandbox" not in policy
    assert policy["default-src"] == "'self'"


@pytest.mark.parametrize("name", ["trang.html", "trang.htm", "trang.svg"])
def test_web_pages_and_images_are_not_accepted_as_documents(client, tree, name) -> None:
    login(client, tree.secretary_b1)
    meeting = create_meeting(client, tree.b1)
    answer = client.post(
        f"/meetings/{meeting.id}/documents",
        data={"files": (io.BytesIO(b"<html><body>" + SCRIPT + b"</body></html>"), name)},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0
