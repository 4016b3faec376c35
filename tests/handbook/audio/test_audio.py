"""Documents read aloud in the app: made once by the background job, served with Range to
readers only, position kept per member, "đã nghe" after 90 % actually played."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import miniaudio
import pytest
import sqlalchemy as sa

from handbook.audio.models import AudioStatus, AudioTrack, ListenProgress
from handbook.audio.storage import early_path
from handbook.core import db
from handbook.documents.models import Document
from tests.conftest import login
from tests.handbook.audio.stalling import Stalls, lapse
from tests.helpers import published_document

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
        yield app, client, published_document(client, tree.b1, text=TEXT)


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
        published_document(client, tree.b1, name="ky-hieu.txt", text="★ ★ ★\n\n✓ ✓")
        track = db.session.scalars(sa.select(AudioTrack)).one()
        assert track.status is AudioStatus.FAILED
        assert track.error_message
        assert track.blob_sha256 is None


LONG = "\n\n".join(
    f"Đoạn {n}. Chi bộ thôn Nà Hẩu họp định kỳ vào ngày 5 hằng tháng. "
    "Các đảng viên thảo luận việc phát triển chè Shan tuyết và chăm sóc rừng."
    for n in range(1, 13)
)


def test_the_beginning_can_be_heard_while_the_rest_is_being_read(
    make_app, tree, monkeypatch
) -> None:
    """A long document is playable seconds after publishing: the part spoken so far is served
    (to readers only) and announced live, then the whole file replaces it."""
    from handbook.audio import jobs
    from handbook.core import claimed_job

    app = make_app(AUDIO_AUTO=False, TTS_ENGINE="espeak")
    secretary, member, outsider = app.test_client(), app.test_client(), app.test_client()
    with app.app_context():
        login(secretary, tree.secretary_b1)
        login(member, tree.member_b1)
        login(outsider, tree.member_b2)
        document = published_document(secretary, tree.b1, text=LONG)
    url = f"/documents/{document.id}"
    assert member.get(f"{url}/audio.json").json["status"] == "none"
    assert member.get(f"{url}/audio.mp3").status_code == 404

    pushed: list[dict] = []
    seen: dict = {}
    real_push = claimed_job.push

    def watch(event: str, data: dict, *, to: str) -> None:
        real_push(event, data, to=to)
        pushed.append(data)
        if data.get("playable") and not data.get("complete") and not seen:
            seen["info"] = member.get(f"{url}/audio.json").json
            with member.get(seen["info"]["url"]) as response:
                seen["mp3"] = response.status_code, response.mimetype, response.data
                seen["cache"] = response.headers["Cache-Control"]
            seen["outsider"] = outsider.get(f"{url}/audio.mp3").status_code
            seen["listen"] = member.post(f"{url}/listen", json={"position": 10, "played": 60})

    monkeypatch.setattr(claimed_job, "push", watch)
    with app.app_context():
        jobs.queue_audio(db.session.get(Document, document.id))

    assert seen, "an early part was announced before the whole file was done"
    info, (status, mimetype, early) = seen["info"], seen["mp3"]
    assert info["status"] == "processing" and info["playable"] and not info["complete"]
    assert 0 < info["sentences_done"] < info["sentences_total"] == 36
    assert info["url"] == f"{url}/audio.mp3?v={info['version']}"
    assert (status, mimetype) == (200, "audio/mpeg")
    assert "no-cache" in seen["cache"]
    heard = miniaudio.decode(early, nchannels=1, sample_rate=22050)
    assert heard.duration >= info["duration"] >= 20
    sentences = info["timings"]["sentences"]
    assert sentences[0]["text"].startswith("Đoạn 1.")
    assert sentences[-1]["end"] <= info["duration"]
    assert seen["outsider"] == 404
    assert seen["listen"].status_code == 200 and not seen["listen"].json["completed"]

    done = member.get(f"{url}/audio.json").json
    assert done["status"] == "ready" and done["complete"] and done["version"] != info["version"]
    assert len(done["timings"]["sentences"]) == 36
    assert done["timings"]["sentences"][: len(sentences)] == sentences  # the same times
    with member.get(done["url"]) as whole:
        assert early in whole.data  # the early part was the start of this very stream
    percents = [p["progress"] for p in pushed if p.get("status") == "processing"]
    assert percents == sorted(percents) and len(percents) >= 2
    with app.app_context():
        track = db.session.scalars(sa.select(AudioTrack)).one()
        assert track.early_size == 0 and track.early_timings is None
        assert not early_path(track.id).exists()


def test_the_speech_cache_is_kept_under_its_limit(make_app, tree) -> None:
    """The hourly job drops the least recently used sentences past TTS_CACHE_MAX_MB, and early
    parts left by a document deleted mid-way; what remains still serves the next reading."""
    from handbook.audio import jobs
    from handbook.audio.jobs import prune_speech_cache

    app = make_app(AUDIO_AUTO=True, TTS_ENGINE="espeak", TTS_CACHE_MAX_MB=0.02)
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        published_document(client, tree.b1, text=LONG)
        cache = Path(app.instance_path) / "tts-cache"
        orphan = early_path(999)
        orphan.write_bytes(b"\xff\xf3" * 100)
        recent = jobs.early_path(998)  # being written by a job that has not recorded it yet
        recent.write_bytes(b"\xff\xf3" * 100)
        os.utime(orphan, (time.time() - 7200, time.time() - 7200))

        def stored() -> int:
            return sum(p.stat().st_size for p in cache.glob("??/*.chunk"))

        before = stored()
        assert before > 0.02 * 1024 * 1024
        freed = prune_speech_cache()
        assert stored() <= 0.02 * 1024 * 1024
        assert freed == before - stored() + 200
        assert not orphan.exists() and recent.exists()
        assert prune_speech_cache() == 0  # nothing more to do


def test_the_natural_voice_replaces_the_offline_one_without_a_gap(spoken, tree, monkeypatch):
    """ "Tạo lại bằng giọng tự nhiên": while gTTS reads (its HTTP answered here with a real
    MP3), members keep hearing the offline track; then the new one replaces it."""
    import responses

    from handbook.core import claimed_job
    from tests.tts.helpers import GTTS_URL, batchexecute_body, mp3_from_espeak

    app, client, document = spoken
    member = app.test_client()
    with app.app_context():
        login(member, tree.member_b1)
    url = f"/documents/{document.id}"
    before = member.get(f"{url}/audio.json").json
    assert (before["engine"], before["complete"]) == ("espeak", True)
    with member.get(before["url"]) as response:
        old_bytes = response.data
    during: list[tuple[dict, int, bytes]] = []
    real_push = claimed_job.push

    def watch(event: str, data: dict, *, to: str) -> None:
        real_push(event, data, to=to)
        if data.get("status") == "processing" and not during:
            info = member.get(f"{url}/audio.json").json
            with member.get(info["url"]) as response:
                during.append((info, response.status_code, response.data))

    monkeypatch.setattr(claimed_job, "push", watch)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(GTTS_URL, body=batchexecute_body(mp3_from_espeak("Xin chào các đồng chí.")))
        again = client.post(f"{url}/audio", json={"engine": "gtts"})
        assert again.status_code == 202
        assert len(mock.calls) >= 3  # one request a sentence, at least
    info, status, data = during[0]
    assert info["complete"] and info["engine"] == "espeak" and info["version"] == before["version"]
    assert (status, data) == (200, old_bytes)  # the old track plays on meanwhile
    after = member.get(f"{url}/audio.json").json
    assert (after["engine"], after["fell_back"], after["complete"]) == ("gtts", False, True)
    assert after["version"] != before["version"] and after["url"] != before["url"]


def test_a_correction_made_while_the_document_is_read_aloud_has_the_last_word(
    make_app, tree, monkeypatch
) -> None:
    """The secretary corrects a paragraph while the first voice is still being made: the
    correction queues the document again, and the run that read the old words must not store
    its track over the corrected one (it used to, and the correction was never heard)."""
    import tts.pipeline
    from handbook.audio.jobs import queue_audio, synthesize_audio
    from handbook.core.jobs import huey
    from handbook.documents.models import DocumentPage

    real = tts.pipeline.synthesize_document
    calls: list[int] = []

    def corrected_meanwhile(sections, **kwargs):
        result = real(sections, **kwargs)
        calls.append(1)
        if len(calls) == 1:  # the first run, its words read: the paragraph is corrected now
            page = db.session.scalars(sa.select(DocumentPage)).first()
            blocks = [dict(b) for b in page.blocks]
            blocks[0]["text"] = "Chi bộ thôn Nà Phìa đã sửa đoạn này."
            page.blocks = blocks
            db.session.commit()
            # Queued as the correction queues it, run once this run is over (as a worker would).
            huey.immediate = False
            try:
                queue_audio(db.session.get(Document, page.document_id), engine="espeak")
            finally:
                huey.immediate = True
        return result

    monkeypatch.setattr(tts.pipeline, "synthesize_document", corrected_meanwhile)
    app = make_app(AUDIO_AUTO=True, TTS_ENGINE="espeak")
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        document = published_document(client, tree.b1, text=TEXT)
        track = db.session.scalars(sa.select(AudioTrack)).one()
        assert track.status is AudioStatus.QUEUED  # the first run stored nothing over it
        synthesize_audio.call_local(track.id)
        db.session.refresh(track)
        assert len(calls) == 2
        assert track.status is AudioStatus.READY
        said = [s["text"] for s in track.timings["sentences"]]
        assert said[0] == "Chi bộ thôn Nà Phìa đã sửa đoạn này.", said
        assert not any("27/31" in s for s in said)
        assert document.id == track.document_id


#: What the run that takes the track over reads: other words, so whose MP3 is kept shows.
RETOLD = "\n\n".join(
    f"Phần {n}. Đảng bộ xã Tả Van triển khai nghị quyết về du lịch cộng đồng. "
    "Mỗi đảng viên nhận giúp đỡ hai hộ gia đình làm homestay."
    for n in range(1, 13)
)


@pytest.mark.parametrize("ends_first", ["taker", "stalled"])
def test_a_run_that_stalled_past_its_lease_leaves_the_track_to_the_run_that_took_it_over(
    make_app, tree, monkeypatch, ends_first
) -> None:
    """A worker stalls while reading a document aloud; its lease lapses and another run takes
    the track over (the same process: the consumer's workers are threads). Whichever ends
    first, the track is the taker's: its MP3 and nothing else in the store, no early part or
    failure of the stalled run, and no run's work files left. Both runs used to write the same
    work file, the taker deleted the stalled run's temp file as a killed run's, and the
    stalled run then marked the taker's track failed."""
    from handbook.audio.jobs import queue_audio, synthesize_audio
    from handbook.audio.storage import audio_store
    from handbook.core.jobs import huey
    from handbook.documents.models import DocumentPage

    stalls = Stalls(monkeypatch, runs=2)
    if ends_first == "taker":
        stalls.go[1].set()
    app = make_app(AUDIO_AUTO=False, TTS_ENGINE="espeak")
    secretary, member = app.test_client(), app.test_client()
    with app.app_context():
        login(secretary, tree.secretary_b1)
        login(member, tree.member_b1)
        document = published_document(secretary, tree.b1, text=LONG)
        huey.immediate = False  # queued as a worker would find it, run below by hand
        try:
            track_id = queue_audio(db.session.get(Document, document.id)).id
        finally:
            huey.immediate = True
            huey.flush()

    stalled = stalls.in_a_worker(app, synthesize_audio, track_id)
    assert stalls.reached[0].wait(60), "the first run never reached the engine"
    work = Path(app.instance_path) / "audio-work"
    stalled_files = set(work.glob(f".{track_id}.*.tmp"))
    assert stalled_files, "the stalled run is writing"
    # And what a run killed long ago left: the taker clears these, not the stalled run's.
    killed = [work / f"{track_id}.0dead0.mp3", work / f".{track_id}.0dead0.mp3.x1y2z3.tmp"]
    for path in killed:
        path.write_bytes(b"\xff\xf3" * 100)
        long_ago = time.time() - 3600
        os.utime(path, (long_ago, long_ago))
    with app.app_context():

        def retold() -> None:
            page = db.session.scalars(sa.select(DocumentPage)).one()
            texts = RETOLD.split("\n\n")
            page.blocks = [{**b, "text": t} for b, t in zip(page.blocks, texts, strict=True)]

        lapse(AudioTrack, track_id, meanwhile=retold)
    if ends_first == "taker":
        with app.app_context():
            synthesize_audio.call_local(track_id)
        assert all(path.exists() for path in stalled_files)
        stalls.go[0].set()
        stalled.join(120)
    else:
        taker = stalls.in_a_worker(app, synthesize_audio, track_id)
        assert stalls.reached[1].wait(60), "the taker never reached the engine"
        assert all(path.exists() for path in stalled_files)
        stalls.go[0].set()
        stalled.join(120)
        stalls.go[1].set()
        taker.join(120)
        assert not taker.is_alive()
    assert not stalled.is_alive() and stalls.errors == []
    assert not any(path.exists() for path in killed)

    url = f"/documents/{document.id}"
    with app.app_context():
        track = db.session.get(AudioTrack, track_id)
        assert track.status is AudioStatus.READY, track.error_message
        said = [s["text"] for s in track.timings["sentences"]]
        assert said[0].startswith("Phần 1.") and not any("Nà Hẩu" in s for s in said), said[:3]
        assert (track.early_size, track.early_timings) == (0, None)
        assert not early_path(track_id).exists()
        store = audio_store().root
        assert [p.name for p in store.rglob("*") if p.is_file()] == [track.blob_sha256]
        assert [p.name for p in work.iterdir()] == []
        assert [p.name for p in early_path(track_id).parent.iterdir()] == []
    info = member.get(f"{url}/audio.json").json
    assert (info["status"], info["complete"], info["error"]) == ("ready", True, None)
    with member.get(info["url"]) as response:
        heard = response.data
    assert hashlib.sha256(heard).hexdigest() == track.blob_sha256
    assert (
        abs(miniaudio.decode(heard, nchannels=1, sample_rate=22050).duration - track.duration) < 1
    )
