"""The secretary corrects a paragraph (an OCR misreading): members read it corrected, search
finds the new words and not the old ones, only the changed sentence is spoken again, reading
positions stay, and a second secretary's stale form is refused."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.documents import correction
from handbook.documents.models import Document, DocumentPage, DocumentStatus
from tests.conftest import login
from tests.helpers import (
    create_meeting,
    published_document,
    response_text,
    seen_waiting_for_a_lock,
    upload_document,
)

MISREAD = (
    "NGHỊ QUYẾT\n\n"
    "Chỉ bộ thống nhất triển khai chuyển đổi số trong sinh hoạt đảng.\n\n"
    "Mỗi đẳng viên đọc tài liệu trước buổi sinh hoạt. Các đồng chí góp ý trực tuyếm.\n"
)
FIXED = "Mỗi đảng viên đọc tài liệu trước buổi sinh hoạt. Các đồng chí góp ý trực tuyến."


def _form(client, document_id: int, n: int) -> dict[str, str]:
    page = response_text(client.get(f"/documents/{document_id}/paragraphs/{n}"))
    seen = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    text = re.search(r'<textarea id="text"[^>]*>([^<]*)</textarea>', page)
    assert seen and text, page
    return {"seen": seen.group(1), "text": text.group(1)}


def _audit(action: str) -> list[AuditLog]:
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action)).all())


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_members_read_and_find_the_corrected_paragraph(app, tree) -> None:
    secretary, member = app.test_client(), app.test_client()
    login(secretary, tree.secretary_b1)
    login(member, tree.member_b1)
    document = published_document(secretary, tree.b1, text=MISREAD)
    version = document.text_version
    before = response_text(member.get(f"/documents/{document.id}"))  # drawn and kept
    misread = response_text(member.get("/search", query_string={"q": "truc tuyem"}))
    assert f"/documents/{document.id}" in misread
    assert "Mỗi đẳng viên" in before and "Sửa<span" not in before  # no links for members
    assert member.post(
        f"/documents/{document.id}/reading", json={"n": 2, "version": version}
    ).status_code in (200, 201)
    shown = response_text(secretary.get(f"/documents/{document.id}"))
    assert f'href="/documents/{document.id}/paragraphs/3"' in shown

    form = _form(secretary, document.id, 3)
    assert form["text"].startswith("Mỗi đẳng viên")
    saved = secretary.post(
        f"/documents/{document.id}/paragraphs/3",
        data={"text": f"  {FIXED}\n", "seen": form["seen"]},
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#p-3")

    after = response_text(member.get(f"/documents/{document.id}"))
    assert FIXED in after and "đẳng viên" not in after
    assert "Chỉ bộ thống nhất" in after  # the other paragraphs as they were
    found = response_text(member.get("/search", query_string={"q": "dang vien doc tai lieu"}))
    assert f"/documents/{document.id}" in found
    gone = response_text(member.get("/search", query_string={"q": "tuyếm"}))
    assert f"/documents/{document.id}" not in gone
    # Numbering kept: the member's reading position is still good, under the same version.
    db.session.expire_all()
    fresh = db.session.get(Document, document.id)
    assert fresh.text_version == version and fresh.text_revision != 0
    assert member.post(
        f"/documents/{document.id}/reading", json={"n": 3, "version": version}
    ).status_code in (200, 201)
    pages = member.get(f"/api/v1/documents/{document.id}/pages")
    assert pages.status_code == 200, response_text(pages)
    assert FIXED in [b["text"] for p in pages.json["pages"] for b in p["blocks"]]
    # The words replaced are kept for audit.
    (entry,) = _audit("document.corrected")
    assert entry.actor_id == tree.secretary_b1.id and entry.target_id == document.id
    assert entry.details["old"].startswith("Mỗi đẳng viên") and entry.details["new"] == FIXED
    assert entry.details["paragraph"] == 3


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_a_second_secretary_on_the_same_paragraph_is_told(app, tree) -> None:
    first, second = app.test_client(), app.test_client()
    login(first, tree.secretary_b1)
    login(second, tree.secretary_b1)
    document = published_document(first, tree.b1, text=MISREAD)
    opened_first, opened_second = _form(first, document.id, 2), _form(second, document.id, 2)
    url = f"/documents/{document.id}/paragraphs/2"
    fixed = "Chi bộ thống nhất triển khai chuyển đổi số trong sinh hoạt đảng."
    assert first.post(url, data={**opened_first, "text": fixed}).status_code == 302
    late = second.post(url, data={**opened_second, "text": "Chi bộ thống nhất."})
    assert late.status_code == 409
    page = response_text(late)
    assert "vừa được người khác sửa" in page and fixed in page  # the words saved meanwhile
    db.session.expire_all()
    texts = [b["text"] for p in db.session.scalars(sa.select(DocumentPage)) for b in p.blocks]
    assert fixed in texts and "Chi bộ thống nhất." not in texts
    assert len(_audit("document.corrected")) == 1
    # Saved again from the form it was sent back with: accepted.
    again = _form(second, document.id, 2)
    assert second.post(url, data={**again, "text": "Chi bộ thống nhất."}).status_code == 302


def test_bad_corrections_are_refused_in_vietnamese(app, tree) -> None:
    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    document = published_document(secretary, tree.b1, text=MISREAD)
    url = f"/documents/{document.id}/paragraphs/2"
    seen = _form(secretary, document.id, 2)["seen"]

    empty = secretary.post(url, data={"text": " \n\t ", "seen": seen})
    assert empty.status_code == 400 and "không để trống" in response_text(empty)
    long = secretary.post(url, data={"text": "chi bộ " * 1000, "seen": seen})
    assert long.status_code == 400
    assert "quá giới hạn 5.000 ký tự" in response_text(long)
    assert "chi bộ chi bộ" in response_text(long)  # what was typed is not lost
    unseen = secretary.post(url, data={"text": "Chi bộ họp."})
    assert unseen.status_code == 400 and "mở lại trang sửa" in response_text(unseen)
    missing = secretary.post(f"/documents/{document.id}/paragraphs/99", data={"text": "x"})
    assert missing.status_code == 404 and "không có đoạn số 99" in response_text(missing)
    assert secretary.get(f"/documents/{document.id}/paragraphs/0").status_code == 404
    nul = secretary.post(url, data={"text": "Chi bộ\x00 họp.", "seen": seen})
    assert nul.status_code == 400  # refused for every form (``core.inputs``)
    bell = secretary.post(url, data={"text": "Chi bộ\x07 họp.", "seen": seen})
    assert bell.status_code == 302

    member, outsider = app.test_client(), app.test_client()
    login(member, tree.member_b1)
    login(outsider, tree.secretary_b2)
    seen = _form(secretary, document.id, 2)["seen"]
    for client, status in ((member, 403), (outsider, 404)):
        assert client.get(url).status_code == status
        assert client.post(url, data={"text": "Sửa trộm.", "seen": seen}).status_code == status

    meeting = create_meeting(secretary, tree.b1)
    upload_document(secretary, meeting, name="cho.txt")
    waiting = db.session.scalars(sa.select(Document).where(Document.meeting_id == meeting.id)).one()
    waiting.status = DocumentStatus.PROCESSING
    db.session.commit()
    refused = secretary.post(f"/documents/{waiting.id}/paragraphs/1", data={"text": "x"})
    assert refused.status_code == 409 and "chưa đọc xong" in response_text(refused)

    db.session.expire_all()
    texts = [b["text"] for p in db.session.scalars(sa.select(DocumentPage)) for b in p.blocks]
    assert "Sửa trộm." not in texts and "Chi bộ họp." in texts
    assert len(_audit("document.corrected")) == 1


def test_only_the_corrected_sentence_is_spoken_again(make_app, tree, monkeypatch) -> None:
    """The audio is made again from the speech cache: the engine hears the new sentence only,
    and the member's track plays the corrected words."""
    import tts.engines
    from handbook.audio.models import AudioStatus, AudioTrack
    from tests.tts.helpers import Counting
    from tts.engines import EspeakEngine

    engines: list[Counting] = []
    real_choose = tts.engines.choose_engine

    def counting(*args, **kwargs):
        real = real_choose(*args, **kwargs)
        engines.append(Counting(real if isinstance(real, EspeakEngine) else EspeakEngine()))
        return engines[-1]

    monkeypatch.setattr(tts.engines, "choose_engine", counting)
    app = make_app(AUDIO_AUTO=True, TTS_ENGINE="espeak")
    secretary, member = app.test_client(), app.test_client()
    with app.app_context():
        login(secretary, tree.secretary_b1)
        login(member, tree.member_b1)
        document = published_document(secretary, tree.b1, text=MISREAD)
        first = db.session.scalars(sa.select(AudioTrack)).one()
        assert first.status is AudioStatus.READY, first.error_message
        made = first.blob_sha256
    assert len(engines) == 1 and len(engines[0].calls) >= 4
    form = _form(secretary, document.id, 3)
    fixed = "Mỗi đảng viên đọc tài liệu trước buổi sinh hoạt. Các đồng chí góp ý trực tuyếm."
    assert (
        secretary.post(
            f"/documents/{document.id}/paragraphs/3", data={"text": fixed, "seen": form["seen"]}
        ).status_code
        == 302
    )
    assert len(engines) == 2
    (said,) = engines[1].calls  # one sentence new; the others came from the cache
    assert "đảng viên" in said.lower()
    with app.app_context():
        track = db.session.scalars(sa.select(AudioTrack)).one()
        assert track.status is AudioStatus.READY and track.blob_sha256 != made
    timings = member.get(f"/documents/{document.id}/audio.json").json["timings"]
    assert any(s["text"].startswith("Mỗi đảng viên") for s in timings["sentences"])
    assert not any("đẳng" in s["text"] for s in timings["sentences"])


def test_the_text_stays_when_nothing_changed(app, tree) -> None:
    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    document = published_document(secretary, tree.b1, text=MISREAD)
    form = _form(secretary, document.id, 1)
    kept = secretary.post(f"/documents/{document.id}/paragraphs/1", data=form)
    assert kept.status_code == 302
    assert _audit("document.corrected") == [] and _audit("document.checked") == []
    assert correction.clean(" a\u00a0 b\n\x07c ") == "a b c"


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_corrections_at_the_same_moment_the_second_waits_and_is_refused(app, tree) -> None:
    """Both forms opened on the same words, saved at once: the second waits for the first's
    commit (the document's row), then reads the page again and is refused, losing nothing."""
    import threading

    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    document = published_document(secretary, tree.b1, text=MISREAD)
    seen = _form(secretary, document.id, 2)["seen"]
    first = db.session.get(Document, document.id)
    assert correction.correct(first, tree.secretary_b1, 2, "Chi bộ thống nhất.", seen)
    # Not committed yet: the second correction, in its own session, must wait.
    outcome: dict[str, object] = {}

    def second() -> None:
        with app.app_context():
            other = db.session.get(Document, document.id)
            user = db.session.get(type(tree.secretary_b1), tree.secretary_b1.id)
            try:
                correction.correct(other, user, 2, "Chi bộ họp.", seen)
                db.session.commit()
                outcome["saved"] = True
            except correction.CorrectionRefused as refused:
                db.session.rollback()
                outcome["status"] = refused.status
            finally:
                db.session.remove()

    thread = threading.Thread(target=second)
    thread.start()
    waiting = seen_waiting_for_a_lock(app.extensions["handbook.engine"], thread)
    assert waiting, outcome
    db.session.commit()
    thread.join()
    assert outcome == {"status": 409}
    db.session.expire_all()
    texts = [b["text"] for p in db.session.scalars(sa.select(DocumentPage)) for b in p.blocks]
    assert "Chi bộ thống nhất." in texts and "Chi bộ họp." not in texts
