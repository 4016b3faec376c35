""" "Nghe cả buổi họp": a meeting's documents read aloud as one playlist in agenda order, each
with its recording, length and chapters (its headings); what cannot be heard yet is named,
not silently left out. And a recording downloads under the document's title."""

from __future__ import annotations

from urllib.parse import unquote

import sqlalchemy as sa

from handbook.audio.models import AudioTrack
from handbook.audio.routes import download_disposition
from handbook.core import db
from handbook.documents.models import Document
from tests.conftest import login
from tests.helpers import create_meeting, upload_document

REPORT = (
    "BÁO CÁO TÌNH HÌNH\n\n"
    "Chi bộ có 27/31 đảng viên tham gia sinh hoạt.\n\n"
    "I. CÔNG TÁC XÂY DỰNG ĐẢNG\n\n"
    "Chi bộ giới thiệu một quần chúng ưu tú để kết nạp.\n\n"
    "II. PHÁT TRIỂN KINH TẾ\n\n"
    "Diện tích lúa vụ mùa đạt 42,5 ha.\n"
)
RESOLUTION = "Chi bộ thống nhất triển khai chuyển đổi số trong sinh hoạt đảng.\n"


def _document(filename: str) -> Document:
    return db.session.scalars(sa.select(Document).where(Document.filename == filename)).one()


def test_the_meeting_plays_in_agenda_order_and_names_what_it_skips(make_app, tree) -> None:
    app = make_app(AUDIO_AUTO=True, TTS_ENGINE="espeak")
    secretary = app.test_client()
    with app.app_context():
        login(secretary, tree.secretary_b1)
        meeting = create_meeting(secretary, tree.b1)
        first, _second, third = meeting.agenda
        # Uploaded out of order: a general document, the third item's, then the first item's.
        for name, text, item in (
            ("tai-lieu-chung.txt", "Thông báo lịch họp của chi bộ.\n", None),
            ("nghi-quyet.txt", RESOLUTION, third),
            ("bao-cao.txt", REPORT, first),
            ("ky-hieu.txt", "★ ★ ★\n", first),  # nothing to say: no recording
        ):
            form = {"agenda_item": str(item.id)} if item else {}
            answer = upload_document(secretary, meeting, name=name, data=text.encode(), **form)
            assert answer.status_code < 400, answer.get_data(as_text=True)
        published = secretary.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
        assert published.status_code < 400
        meeting_id = meeting.id
        ids = {name: _document(name).id for name in ("bao-cao.txt", "nghi-quyet.txt")}
        ids |= {name: _document(name).id for name in ("tai-lieu-chung.txt", "ky-hieu.txt")}
        titles = {name: db.session.get(Document, i).title for name, i in ids.items()}
        versions = {t.document_id: t.version for t in db.session.scalars(sa.select(AudioTrack))}

    member = app.test_client()
    with app.app_context():
        login(member, tree.member_b1)
    body = member.get(f"/meetings/{meeting_id}/playlist.json").json
    order = ["bao-cao.txt", "nghi-quyet.txt", "tai-lieu-chung.txt"]
    assert [d["document"] for d in body["documents"]] == [ids[name] for name in order]
    assert [d["title"] for d in body["documents"]] == [titles[name] for name in order]
    report, resolution, general = body["documents"]
    # The playlist's chapters: one a document, named by its agenda item (and by the document
    # too when the item holds several), starting where the one before ends.
    assert body["chapters"] == [
        {"title": f"1. {first.title}: {titles['bao-cao.txt']}", "start": 0.0},
        {"title": f"3. {third.title}", "start": report["duration"]},
        {
            "title": titles["tai-lieu-chung.txt"],
            "start": round(report["duration"] + resolution["duration"], 3),
        },
    ]
    assert resolution["agenda"] == f"3. {third.title}" and general["agenda"] is None
    report_id = ids["bao-cao.txt"]
    assert report["url"] == f"/documents/{report_id}/audio.mp3?v={versions[report_id]}"
    assert report["timings"] == f"/documents/{report_id}/audio.json"
    assert [c["title"] for c in report["chapters"]] == [
        "BÁO CÁO TÌNH HÌNH",
        "I. CÔNG TÁC XÂY DỰNG ĐẢNG",
        "II. PHÁT TRIỂN KINH TẾ",
    ]
    assert all(d["duration"] > 1 for d in body["documents"])
    assert abs(body["duration"] - sum(d["duration"] for d in body["documents"])) < 0.01
    assert body["branch"] == tree.b1.name
    assert [(s["document"], s["reason"]) for s in body["skipped"]] == [(ids["ky-hieu.txt"], "none")]
    assert titles["ky-hieu.txt"] in body["note"] and "chưa có bản đọc" in body["note"]
    # The document's own timing map agrees: its chapters are its headings.
    timings = member.get(report["timings"]).json["timings"]
    assert timings["chapters"] == report["chapters"]

    outsider = app.test_client()
    with app.app_context():
        login(outsider, tree.member_b3)
    assert outsider.get(f"/meetings/{meeting_id}/playlist.json").status_code == 404


def test_a_draft_is_not_in_the_members_playlist(make_app, tree) -> None:
    app = make_app(AUDIO_AUTO=True, TTS_ENGINE="espeak")
    secretary = app.test_client()
    with app.app_context():
        login(secretary, tree.secretary_b1)
        meeting = create_meeting(secretary, tree.b1)
        upload_document(secretary, meeting, name="du-thao.txt", data=RESOLUTION.encode())
        meeting_id = meeting.id
    draft = secretary.get(f"/meetings/{meeting_id}/playlist.json").json
    assert draft["documents"] == [] and draft["note"] is None


def test_the_recording_downloads_under_the_documents_title(make_app, tree) -> None:
    app = make_app(AUDIO_AUTO=True, TTS_ENGINE="espeak")
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        meeting = create_meeting(client, tree.b1)
        upload_document(client, meeting, name="nghi-quyet.txt", data=RESOLUTION.encode())
        client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
        document = _document("nghi-quyet.txt")
        assert client.post(
            f"/documents/{document.id}/title", data={"title": "Dự thảo Nghị quyết: tháng 12/2026"}
        ).status_code in (200, 302, 303)
        document_id = document.id
    with client.get(f"/documents/{document_id}/audio.mp3?download=1") as answer:
        assert answer.status_code == 200
        disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Du thao Nghi quyet thang 12 2026.mp3"')
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "Dự thảo Nghị quyết tháng 12 2026.mp3"
    with client.get(f"/documents/{document_id}/audio.mp3") as played:
        assert played.headers["Content-Disposition"].startswith('inline; filename="Du thao')


def test_a_download_name_never_holds_what_file_systems_refuse() -> None:
    odd = download_disposition('Báo cáo "Quý 4" <bản 2> a/b\\c?*|\x07. ')
    plain = odd.split('filename="', 1)[1].split('"', 1)[0]
    assert plain == "Bao cao Quy 4 ban 2 a b c.mp3"
    assert download_disposition("   ").startswith('attachment; filename="Tai lieu.mp3"')
