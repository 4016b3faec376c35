"""The minutes read aloud by the product's own voice (espeak-ng here, as documents in tests;
gTTS with its endpoint answered at the HTTP layer): a real MP3, made once per text, made anew
when the text changes, and played only to those who may read that text."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import miniaudio
import responses
import sqlalchemy as sa

from handbook.core import db
from handbook.minutes.models import MinutesAudio
from tests.conftest import login
from tests.handbook.audio.stalling import Stalls, lapse
from tests.handbook.minutes.conftest import Held
from tests.tts.helpers import GTTS_URL, batchexecute_body, mp3_from_espeak


def _mp3_seconds(data: bytes) -> float:
    decoded = miniaudio.decode(data, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1)
    return decoded.num_frames / decoded.sample_rate


def test_the_draft_is_read_aloud_into_a_real_mp3_once_per_text(held: Held) -> None:
    held.secretary.get(held.url)
    asked = held.secretary.post(f"{held.url}/audio")
    assert asked.status_code == 202, asked.get_data(as_text=True)
    info = asked.json
    assert info["status"] == "ready", info  # the job ran inline (Huey's immediate mode)
    assert info["engine"] == "espeak" and info["duration"] > 20
    with held.secretary.get(info["url"]) as mp3:
        assert mp3.status_code == 200 and mp3.mimetype == "audio/mpeg"
        data = mp3.data
    assert abs(_mp3_seconds(data) - info["duration"]) < 1.0  # it decodes, and it is all there
    with held.secretary.get(info["url"], headers={"Range": "bytes=0-99"}) as part:
        assert part.status_code == 206 and len(part.data) == 100

    # Asked again for the same text: the same recording, nothing made twice.
    assert held.secretary.post(f"{held.url}/audio").json["id"] == info["id"]
    assert held.secretary.get(f"{held.url}/audio.json").json["id"] == info["id"]
    assert db.session.scalar(sa.select(sa.func.count(MinutesAudio.id))) == 1

    # One word changed: a new text, a new recording; the first stays for its own text.
    section = held.section("conclusions")
    held.secretary.patch(
        f"{held.api()}/sections/{section['id']}",
        json={"body": "Chi bộ thống nhất thông qua nghị quyết.", "version": section["version"]},
    )
    assert held.secretary.get(f"{held.url}/audio.json").json["status"] == "none"
    again = held.secretary.post(f"{held.url}/audio").json
    assert again["id"] != info["id"] and again["status"] == "ready"
    assert again["sha256"] != info["sha256"]


def test_a_member_hears_only_an_approved_text(held: Held) -> None:
    held.minutes()  # drafted: no minute-taker chosen yet
    draft = held.secretary.post(f"{held.url}/audio").json
    quang = held.app.test_client()
    login(quang, held.probationary)
    assert quang.get(draft["url"]).status_code == 404  # a draft: not yet the branch's
    assert quang.post(f"{held.url}/audio").status_code == 404
    held.choose_signers(held.tree.member_b1)
    held.approve_both()
    approved = quang.post(f"{held.url}/audio")
    assert approved.status_code == 202
    assert approved.json["sha256"] != draft["sha256"]
    with quang.get(approved.json["url"]) as mp3:
        assert mp3.status_code == 200 and mp3.mimetype == "audio/mpeg"
    # The earlier draft's reading, of a text never approved, stays closed to members.
    assert quang.get(draft["url"]).status_code == 404


def test_with_the_online_voice_the_minutes_are_read_by_gtts(held: Held) -> None:
    """``TTS_ENGINE=gtts``: the voice documents get online; its endpoint answered here."""
    held.minutes()
    held.app.config["TTS_ENGINE"] = "gtts"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(GTTS_URL, body=batchexecute_body(mp3_from_espeak("Biên bản sinh hoạt chi bộ.")))
        info = held.secretary.post(f"{held.url}/audio").json
        assert len(mock.calls) >= 3  # one request a sentence, at least
    assert (info["status"], info["engine"]) == ("ready", "gtts"), info
    with held.secretary.get(info["url"]) as mp3:
        assert _mp3_seconds(io.BytesIO(mp3.data).getvalue()) > 1


def test_a_reading_that_stalled_past_its_lease_leaves_it_to_the_run_that_took_it_over(
    held: Held, monkeypatch
) -> None:
    """The minutes' reading, as the document's voice (``test_audio``): a run that stalled
    past its lease finishes after the run that took the reading over; the reading is the
    taker's MP3 and nothing else is stored, no work file is left, and no failure is told."""
    from handbook.audio.storage import audio_store
    from handbook.core.jobs import huey
    from handbook.minutes.jobs import read_minutes_aloud

    stalls = Stalls(monkeypatch, runs=2)
    stalls.go[1].set()
    held.minutes()
    huey.immediate = False  # queued as a worker would find it, run below by hand
    try:
        asked = held.secretary.post(f"{held.url}/audio")
    finally:
        huey.immediate = True
        huey.flush()
    assert asked.status_code == 202 and asked.json["status"] == "queued", asked.json
    audio_id = asked.json["id"]

    stalled = stalls.in_a_worker(held.app, read_minutes_aloud, audio_id)
    assert stalls.reached[0].wait(60), "the first run never reached the engine"
    work = Path(held.app.instance_path) / "audio-work"
    assert list(work.glob(f".minutes-{audio_id}.*.tmp")), "the stalled run is writing"

    def shortened() -> None:  # what the taker reads, a line: its MP3 is seconds long
        audio = db.session.get(MinutesAudio, audio_id)
        audio.sections = [["Biên bản", ["Chi bộ họp."]]]

    lapse(MinutesAudio, audio_id, meanwhile=shortened)
    with held.app.app_context():
        read_minutes_aloud.call_local(audio_id)
    stalls.go[0].set()
    stalled.join(120)
    assert not stalled.is_alive() and stalls.errors == []

    db.session.expire_all()
    audio = db.session.get(MinutesAudio, audio_id)
    assert (audio.status, audio.error_message) == ("ready", None)
    assert audio.duration < 10  # the whole draft reads for more than 20 s
    store = audio_store().root
    assert [p.name for p in store.rglob("*") if p.is_file()] == [audio.blob_sha256]
    assert [p.name for p in work.iterdir()] == []
    info = held.secretary.get(f"{held.url}/audio.json").json
    assert (info["id"], info["status"]) == (audio_id, "ready")
    with held.secretary.get(info["url"]) as mp3:
        heard = mp3.data
    assert hashlib.sha256(heard).hexdigest() == audio.blob_sha256
    assert abs(_mp3_seconds(heard) - audio.duration) < 1.0
