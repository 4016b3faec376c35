"""Voice comments: what the server accepts as a recording, how it stores one once, who may hear
it, and how every broken or hostile upload ends (a Vietnamese message, nothing stored)."""

from __future__ import annotations

import gc
import io
import unicodedata
import warnings
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
from mutagen.oggopus import OggOpus
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from handbook.comments import voice as v
from handbook.comments.models import Comment
from handbook.comments.operations import HIDDEN_THREAD
from handbook.comments.storage import voice_store
from handbook.core import db
from tests.conftest import login, socket_for
from tests.handbook.comments.recordings import REAL_WEBM, ogg, webm
from tests.helpers import published_document


@pytest.fixture
def document(client, tree):
    """A published document of branch b1, with the secretary signed in on ``client``."""
    login(client, tree.secretary_b1)
    return published_document(client, tree.b1)


def _browser(app, user):
    browser = app.test_client()
    login(browser, user)
    return browser


def _post(browser, document_id: int, data: bytes, client_id: str = "voice-00000001", **fields):
    """Post a recording as the page does (multipart, the browser claiming ``audio/webm``)."""
    recording = FileStorage(io.BytesIO(data), filename="gop-y.webm", content_type="audio/webm")
    form = {"client_id": client_id, "audio": recording}
    form.update({key: str(value) for key, value in fields.items()})
    boundary, body = encode_multipart(form)
    # Encoded here: the test client would spool a large body to a file it never closes.
    return browser.post(
        f"/documents/{document_id}/comments/voice",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _get(browser, url: str, **kwargs):
    """GET ``url``; the answer read and closed (a recording is sent as an open file)."""
    response = browser.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def _stored() -> tuple[int, list[Path]]:
    """Comments in the database, recordings in the voice store."""
    comments = db.session.scalar(sa.select(sa.func.count(Comment.id)))
    root = voice_store().root
    return comments, [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- what a recording is -------------------------------------------------------------------


def test_a_real_recording_and_built_ones_are_timed_by_the_server() -> None:
    real = v.sniff(REAL_WEBM)
    assert real.kind == "webm" and 2_300 <= real.duration_ms <= 2_600  # recorded for 2.5 s
    assert v.sniff(webm(3)).duration_ms == 3_000
    assert v.sniff(webm(119.5)).duration_ms == 119_500
    built = ogg(3)
    assert v.sniff(built).kind == "ogg" and v.sniff(built).duration_ms == 3_000
    assert OggOpus(io.BytesIO(built)).info.length == 3.0  # mutagen agrees on the Ogg we build


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"%PDF-1.7\n" + bytes(2000), 415, v.NOT_AUDIO),
        (b"ID3\x04" + bytes(2000), 415, v.NOT_AUDIO),  # an MP3 with the browser saying webm
        (b"", 415, v.NOT_AUDIO),
        (webm(3, codec=b"V_VP8", track_type=1), 415, v.NOT_AUDIO),  # a video
        (webm(3, doctype=b"matroska"), 415, v.NOT_AUDIO),
        (ogg(3, head=b"\x01vorbis" + bytes(30)), 415, v.NOT_AUDIO),  # Ogg, but not Opus
        (b"\x1a\x45\xdf\xa3" + b"\xff" * 40, 415, v.NOT_AUDIO),  # the magic, then garbage
        (REAL_WEBM[:-100], 400, v.CUT_SHORT),
        (REAL_WEBM[:30], 400, v.CUT_SHORT),
        (ogg(3)[:-10], 400, v.CUT_SHORT),
        (webm(125), 400, v.TOO_LONG),
        (ogg(125), 400, v.TOO_LONG),
        (webm(0.2), 400, v.TOO_SHORT),
        (REAL_WEBM + bytes(v.MAX_BYTES), 413, v.TOO_BIG),
    ],
    ids=[
        "pdf",
        "mp3",
        "empty",
        "video",
        "matroska",
        "vorbis",
        "garbage",
        "cut-webm",
        "cut-header",
        "cut-ogg",
        "long-webm",
        "long-ogg",
        "short",
        "too-big",
    ],
)
def test_what_is_not_a_whole_short_opus_recording_is_refused_with_a_reason(
    app, tree, document, data: bytes, status: int, message: str
) -> None:
    with pytest.raises(v.BadRecording) as refused:
        v.sniff(data)
    assert (refused.value.status, refused.value.message) == (status, message)
    # ... and over HTTP: the same reason, nothing stored.
    response = _post(_browser(app, tree.member_b1), document.id, data)
    assert response.status_code == status
    assert response.json == {"ok": False, "status": status, "error": message}
    assert _stored() == (0, [])


# --- storing and hearing -------------------------------------------------------------------


def test_a_voice_comment_is_stored_once_delivered_live_and_played_with_range(
    app, tree, document
) -> None:
    thang = socket_for(app, tree.secretary_b1)
    thang.emit("comments.join", {"document": document.id}, callback=True)
    thang.get_received()
    mai = _browser(app, tree.member_b1)
    response = _post(mai, document.id, REAL_WEBM, paragraph=2)
    assert response.status_code == 201, response.json
    comment = response.json["comment"]
    assert response.json["ok"] and response.json["created"]
    assert comment["paragraph"] == 2 and comment["body"] == ""
    assert comment["voice"] == {"url": f"/comments/{comment['id']}/voice", "seconds": 2}
    heard = [m["args"][0] for m in thang.get_received() if m["name"] == "comment.new"]
    assert [c["voice"] for c in heard] == [comment["voice"]]

    again = _post(mai, document.id, REAL_WEBM, paragraph=2)  # the answer was lost: resent
    assert again.status_code == 200 and again.json["comment"]["id"] == comment["id"]
    assert not again.json["created"]
    count, files = _stored()
    assert count == 1 and len(files) == 1

    for browser in (mai, _browser(app, tree.secretary_b1)):
        played = _get(browser, comment["voice"]["url"])
        assert played.status_code == 200 and played.data == REAL_WEBM
        assert played.mimetype == "audio/webm"
        assert played.headers["X-Content-Type-Options"] == "nosniff"
    part = _get(mai, comment["voice"]["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == REAL_WEBM[100:200]

    listed = mai.get(f"/api/v1/documents/{document.id}/comments").json["comments"]
    assert [c["voice"] for c in listed] == [comment["voice"]]
    page = mai.get(f"/documents/{document.id}").get_data(as_text=True)
    assert f'src="/comments/{comment["id"]}/voice"' in page and "0:02" in page


def test_an_ogg_recording_and_a_spoken_reply(app, tree, document) -> None:
    mai = _browser(app, tree.member_b1)
    first = _post(mai, document.id, webm(4), client_id="voice-first-001").json["comment"]
    thang = _browser(app, tree.secretary_b1)
    reply = _post(thang, document.id, ogg(5), client_id="voice-reply-01", parent=first["id"])
    assert reply.status_code == 201
    assert reply.json["comment"]["parent"] == first["id"]
    assert reply.json["comment"]["voice"]["seconds"] == 5
    played = _get(mai, reply.json["comment"]["voice"]["url"])
    assert played.mimetype == "audio/ogg" and played.data == ogg(5)


def test_only_those_who_may_read_the_comment_hear_it(app, tree, document) -> None:
    mai = _browser(app, tree.member_b1)
    comment = _post(mai, document.id, REAL_WEBM).json["comment"]
    url = comment["voice"]["url"]
    outsider = _browser(app, tree.member_b2)
    assert _get(outsider, url).status_code == 404
    assert _get(app.test_client(), url).status_code in (302, 401)  # not signed in
    assert _post(outsider, document.id, REAL_WEBM, client_id="ngoai-0000001").status_code == 404

    thang = socket_for(app, tree.secretary_b1)
    hidden = thang.emit(
        "comment.hide", {"comment": comment["id"], "reason": "Lạc đề"}, callback=True
    )
    assert hidden["ok"]
    assert _get(mai, url).status_code == 200  # its author still hears it
    secretary = _browser(app, tree.secretary_b1)
    assert _get(secretary, url).status_code == 200  # and so does the secretary, for the record


def test_a_hidden_recording_is_not_served_to_other_members(app, tree, make_user, document) -> None:
    from handbook.orgs.models import Role

    thang = _browser(app, tree.secretary_b1)
    comment = _post(thang, document.id, REAL_WEBM).json["comment"]
    other = make_user(tree.b1, Role.MEMBER, full_name="Lường Văn Tám", phone="0912000077")
    listener = _browser(app, other)
    assert _get(listener, comment["voice"]["url"]).status_code == 200
    hider = socket_for(app, tree.secretary_b1)
    hidden = {"comment": comment["id"], "reason": "Lạc đề"}
    assert hider.emit("comment.hide", hidden, callback=True)["ok"]
    assert _get(listener, comment["voice"]["url"]).status_code == 404
    listed = listener.get(f"/api/v1/documents/{document.id}/comments").json["comments"]
    assert listed[0]["voice"] is None and listed[0]["body"] is None


def test_a_deleted_recording_is_gone_for_everyone(app, tree, document) -> None:
    mai = _browser(app, tree.member_b1)
    comment = _post(mai, document.id, REAL_WEBM).json["comment"]
    gone = mai.delete(f"/api/v1/comments/{comment['id']}")
    assert gone.status_code == 200 and gone.json["comment"]["voice"] is None
    assert _get(mai, comment["voice"]["url"]).status_code == 404
    assert _get(_browser(app, tree.secretary_b1), comment["voice"]["url"]).status_code == 404
    assert _stored()[1] == []  # the recording itself is deleted


def test_a_dropped_connection_mid_upload_stores_nothing(app, tree, document) -> None:
    mai = _browser(app, tree.member_b1)
    recording = FileStorage(io.BytesIO(REAL_WEBM), filename="gop-y.webm")
    boundary, body = encode_multipart({"client_id": "voice-cut-0001", "audio": recording})
    with warnings.catch_warnings():
        # werkzeug's parser drops, unclosed, the part it was filling when the body breaks off.
        warnings.simplefilter("ignore", ResourceWarning)
        response = mai.post(
            f"/documents/{document.id}/comments/voice",
            input_stream=io.BytesIO(body[: len(body) // 2]),  # the phone lost its signal here
            content_type=f"multipart/form-data; boundary={boundary}",
            environ_overrides={"CONTENT_LENGTH": str(len(body))},
        )
        gc.collect()
    assert response.status_code == 400
    assert response.json["error"].startswith("Bản ghi âm chưa gửi trọn vì mất kết nối")
    assert _stored() == (0, [])
    whole = _post(mai, document.id, REAL_WEBM, client_id="voice-cut-0001")  # sent again
    assert whole.status_code == 201 and _stored()[0] == 1


def test_an_upload_announcing_more_than_a_recording_is_refused_unread(app, tree, document) -> None:
    mai = _browser(app, tree.member_b1)
    response = mai.post(
        f"/documents/{document.id}/comments/voice",
        input_stream=io.BytesIO(b""),
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(5 * 1024 * 1024)},
    )
    assert response.status_code == 413 and response.json["error"] == v.TOO_BIG
    assert _stored() == (0, [])


def test_a_missing_client_id_is_refused(app, tree, document) -> None:
    response = _post(_browser(app, tree.member_b1), document.id, REAL_WEBM, client_id="x")
    assert response.status_code == 400 and "Mã góp ý" in response.json["error"]
    assert _stored() == (0, [])


# --- the comment UX rules that apply to every comment -----------------------------------------


def test_a_hidden_comment_takes_no_reply_and_says_why(app, tree, document) -> None:
    mai = socket_for(app, tree.member_b1)
    first = mai.emit(
        "comment.post",
        {"document": document.id, "client_id": "hide-first-01", "body": "Ý kiến lạc đề"},
        callback=True,
    )["comment"]
    reply = mai.emit(
        "comment.post",
        {
            "document": document.id,
            "client_id": "hide-reply-01",
            "body": "Bổ sung",
            "parent": first["id"],
        },
        callback=True,
    )["comment"]
    thang = socket_for(app, tree.secretary_b1)
    hidden = {"comment": first["id"], "reason": "Lạc đề"}
    assert thang.emit("comment.hide", hidden, callback=True)["ok"]
    for parent in (first["id"], reply["id"]):  # to the hidden one, or within its thread
        refused = thang.emit(
            "comment.post",
            {
                "document": document.id,
                "client_id": f"late-{parent:08d}",
                "body": "Trả lời",
                "parent": parent,
            },
            callback=True,
        )
        assert refused == {"ok": False, "status": 409, "error": HIDDEN_THREAD}
    spoken = _post(_browser(app, tree.member_b1), document.id, REAL_WEBM, parent=first["id"])
    assert spoken.status_code == 409 and spoken.json["error"] == HIDDEN_THREAD
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 2
    # A resend of a reply stored before the hiding is still answered with it.
    again = mai.emit(
        "comment.post",
        {
            "document": document.id,
            "client_id": "hide-reply-01",
            "body": "Bổ sung",
            "parent": first["id"],
        },
        callback=True,
    )
    assert again["ok"] and again["comment"]["id"] == reply["id"]


def test_too_fast_says_when_and_the_resend_is_stored_once(make_app, tree) -> None:
    from handbook.comments.operations import _limiters

    app = make_app(
        RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="2 per minute", LOGIN_RATE_LIMIT="100 per minute"
    )
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        document_id = published_document(client, tree.b1).id
        live = socket_for(app, tree.member_b1)
        acks = [
            live.emit(
                "comment.post",
                {"document": document_id, "client_id": f"fast-{i:06d}", "body": f"Ý {i}"},
                callback=True,
            )
            for i in range(3)
        ]
        assert [a["ok"] for a in acks] == [True, True, False]
        assert acks[2]["status"] == 429 and 1 <= acks[2]["retry_after"] <= 60
        assert f"tự gửi sau {acks[2]['retry_after']} giây" in acks[2]["error"]
        voice = _post(
            _browser(app, tree.member_b1), document_id, REAL_WEBM, client_id="fast-voice-1"
        )
        assert voice.status_code == 429 and voice.json["retry_after"] >= 1
        for limiter in _limiters.values():  # the minute has passed
            limiter.storage.reset()
        resent = live.emit(
            "comment.post",
            {"document": document_id, "client_id": "fast-000002", "body": "Ý 2"},
            callback=True,
        )
        assert resent["ok"] and resent["created"]
        again = live.emit(
            "comment.post",
            {"document": document_id, "client_id": "fast-000002", "body": "Ý 2"},
            callback=True,
        )
        assert again["ok"] and not again["created"]
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 3


def test_the_meeting_page_counts_each_documents_comments(app, client, tree, document) -> None:
    mai = socket_for(app, tree.member_b1)
    ids = [
        mai.emit(
            "comment.post",
            {"document": document.id, "client_id": f"count-{i:06d}", "body": f"Ý {i}"},
            callback=True,
        )["comment"]["id"]
        for i in range(5)
    ]
    _post(_browser(app, tree.member_b1), document.id, REAL_WEBM, client_id="count-voice-1")
    mai.emit("comment.delete", {"comment": ids[0]}, callback=True)  # 4 + 1 voice are left
    page = client.get(f"/meetings/{document.meeting_id}").get_data(as_text=True)
    assert '<span class="doc-comments">5 góp ý</span>' in page
    shown = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'id="comment-count">(5)</span>' in shown


# --- the secretary's record ------------------------------------------------------------------


def test_the_record_lists_a_voice_comment_with_a_link_that_plays_it(
    app, client, tree, document
) -> None:
    mai = _browser(app, tree.member_b1)
    comment = _post(mai, document.id, REAL_WEBM, paragraph=1).json["comment"]
    url = comment["voice"]["url"]
    overview = client.get(f"/meetings/{document.meeting_id}/comments").get_data(as_text=True)
    assert (
        f'<a href="{url}">' in overview
        and f'<audio controls preload="none" src="{url}"' in overview
    )
    assert "Góp ý bằng giọng nói (0:02)" in overview
    assert _get(client, url).data == REAL_WEBM

    record = docx.Document(
        io.BytesIO(client.get(f"/meetings/{document.meeting_id}/comments.docx").data)
    )
    text = "\n".join(p.text for p in record.paragraphs)
    assert "Góp ý bằng giọng nói (0:02)" in text
    links = [r.target_ref for r in record.part.rels.values() if r.reltype.endswith("/hyperlink")]
    assert links == [f"http://localhost{url}"]

    reader = PdfReader(io.BytesIO(client.get(f"/meetings/{document.meeting_id}/comments.pdf").data))
    pdf_text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))
    assert "Góp ý bằng giọng nói (0:02)" in pdf_text
    uris = [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
    ]
    assert uris == [f"http://localhost{url}"]
