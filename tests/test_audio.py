"""Documents read aloud in the app: made once by the background job, served with Range to
readers only, position kept per member, "đã nghe" after 90 % actually played."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handbook import db
from handbook.audio.models import AudioStatus, AudioTrack, ListenProgress
from handbook.documents.models import Document
from tests.conftest import login
from tests.test_meetings import _published_document

TEXT = (
    "Chi bộ có 27/31 đảng viên tham gia sinh hoạt, đạt 87,1%.\n\n"
    "Ủy ban nhân dân (UBND) xã tổ chức hướng dẫn chuyển đổi số ngày 05/11/2026.\n"
)


@pytest.fixture
def spoken(make_app, tree):
    """An app that reads documents aloud, and a published, read-aloud document of b1."""
    app = make_app(AUDIO_AUTO=True, TTS_ENGINE="espeak")
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        yield app, client, _published_document(client, tree.b1, text=TEXT)


def test_a_document_is_read_aloud_once_with_a_timing_map(spoken) -> None:
    app, client, document = spoken
    with app.app_context():
        track = db.session.scalars(sa.select(AudioTrack)).one()
        assert track.status is AudioStatus.READY, track.error_message
        assert (track.engine, track.fell_back) == ("espeak", False)
        assert track.duration > 3
        assert track.size / (track.duration / 60) <= 0.25 * 1024 * 1024  # ≤ 0.25 MB a minute
    body = client.get(f"/documents/{document.id}/audio.json").json
    assert body["status"] == "ready" and body["position"] == 0.0
    sentences = body["timings"]["sentences"]
    assert [s["paragraph"] for s in sentences][:1] == [1]
    assert sentences[0]["text"].startswith("Chi bộ có 27/31")  # original text, for highlighting
    starts = [s["start"] for s in sentences]
    assert starts == sorted(starts)
    assert set(body["timings"]["paragraphs"]) == {"1", "2"}
    # Asking again never makes it again.
    from handbook.audio.jobs import queue_audio

    with app.app_context():
        queue_audio(db.session.get(Document, document.id))
        assert db.session.scalar(sa.select(sa.func.count(AudioTrack.id))) == 1


def test_the_mp3_is_served_with_range_to_readers_only(spoken, tree) -> None:
    app, _client, document = spoken
    member = app.test_client()
    with app.app_context():
        login(member, tree.member_b1)
    with member.get(f"/documents/{document.id}/audio.mp3") as whole:
        assert whole.status_code == 200 and whole.mimetype == "audio/mpeg"
        head = whole.data
        # ID3 tags (chapters), or straight into an MPEG audio frame (11 sync bits).
        assert head[:3] == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
        size = len(whole.data)
    with member.get(
        f"/documents/{document.id}/audio.mp3", headers={"Range": "bytes=100-199"}
    ) as part:
        assert part.status_code == 206
        assert part.headers["Content-Range"] == f"bytes 100-199/{size}"
    outsider = app.test_client()
    with app.app_context():
        login(outsider, tree.member_b2)
    assert outsider.get(f"/documents/{document.id}/audio.mp3").status_code == 404
    assert outsider.get(f"/documents/{document.id}/audio.json").status_code == 404


def test_position_is_kept_and_heard_counts_real_listening(spoken, tree) -> None:
    app, _client, document = spoken
    phone = app.test_client()
    with app.app_context():
        login(phone, tree.member_b1)
        duration = db.session.scalars(sa.select(AudioTrack.duration)).one()
    url = f"/documents/{document.id}/listen"
    jumped = phone.post(url, json={"position": duration, "played": 0}).json
    assert jumped["completed"] is False  # skipping to the end is not listening
    assert phone.post(url, json={"position": 3.5, "played": 3.5}).json["position"] == 3.5
    other_device = app.test_client()
    with app.app_context():
        login(other_device, tree.member_b1)
    assert other_device.get(f"/documents/{document.id}/audio.json").json["position"] == 3.5
    played = 3.5
    while played < 0.9 * duration:
        step = min(10.0, duration)
        played += step
        answer = other_device.post(
            url, json={"position": min(played, duration), "played": step}
        ).json
    assert answer["completed"] is True
    for bad in ({"position": "giữa"}, {"position": float("nan")}, [1, 2], {"played": True}):
        assert other_device.post(url, json=bad).status_code == 400
    with app.app_context():
        entry = db.session.scalars(sa.select(ListenProgress)).one()
        assert entry.completed_at is not None
        meeting_id = db.session.get(Document, document.id).meeting_id
    secretary = app.test_client()
    with app.app_context():
        login(secretary, tree.secretary_b1)
    view = secretary.get(f"/meetings/{meeting_id}/participation").get_data(as_text=True)
    assert view.count("· đã nghe") == 1


def test_the_secretary_can_ask_for_the_audio_again(spoken, tree) -> None:
    app, client, document = spoken
    again = client.post(f"/documents/{document.id}/audio", json={"engine": "espeak"})
    assert again.status_code == 202 and again.json["status"] == "ready"
    assert client.post(f"/documents/{document.id}/audio", json={"engine": "loa"}).status_code == 400
    member = app.test_client()
    with app.app_context():
        login(member, tree.member_b1)
    assert member.post(f"/documents/{document.id}/audio", json={}).status_code == 403


def test_nothing_speakable_fails_with_a_clear_message(make_app, tree) -> None:
    app = make_app(AUDIO_AUTO=True, TTS_ENGINE="espeak")
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        _published_document(client, tree.b1, name="ky-hieu.txt", text="★ ★ ★\n\n✓ ✓")
        track = db.session.scalars(sa.select(AudioTrack)).one()
        assert track.status is AudioStatus.FAILED
        assert track.error_message
        assert track.blob_sha256 is None
