"""Piper voice files an administrator installs: checked, recorded and copied into one folder.

The product never downloads a voice. An administrator brings a model (``.onnx``) and its
settings (``.onnx.json``), and :meth:`VoiceShelf.add` refuses what would fail later or
mislead, each with one Vietnamese sentence (:class:`VoiceRefused`): a file that is not a whole
ONNX model, a missing or mismatched ``.json``, an odd sample rate, another phoneme type or
language, an unknown licence, or a licence that forbids the use (non-commercial) unless the
administrator confirms. It then records the voice's name, language, size, sha256 and licence in
the folder's manifest (``voices.json``) and copies both files in, each atomically.

A name is bound to one model for good (the spoken-sentence cache is keyed by it): a removed
voice leaves its name and sha256 behind, and another model under that name is refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tts.atomic import AtomicWriter

__all__ = ["InstalledVoice", "VoiceRefused", "VoiceShelf", "active_voice"]

logger = logging.getLogger(__name__)

MANIFEST = "voices.json"
#: Rates Piper voices are trained at (x_low and low 16 kHz, medium and high 22.05 kHz), and two
#: more a voice could sensibly use; anything else is a damaged or foreign file.
SAMPLE_RATES = frozenset({16000, 22050, 24000, 44100, 48000})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # audio_tracks.voice is 64
#: Piper's own file names: language_REGION-dataset-quality.
_PIPER_NAME = re.compile(r"^([a-z]{2,3}_[A-Z]{2})-(.+)-(x_low|low|medium|high)$")
_LICENCE_LINE = re.compile(r"^\W*licen[sc]e\W*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_NON_COMMERCIAL = re.compile(
    r"\bNC\b|non[-\s]?commercial|phi thương mại|không thương mại", re.IGNORECASE
)
_INPUTS = {"input", "input_lengths", "scales"}
_SAMPLE_TEXT = {"vi": "Xin chào các đồng chí.", "en": "Hello, comrades."}
_ONNX_MIN_BYTES = 1 << 20  # Piper's smallest voices are about 20 MB


class VoiceRefused(Exception):
    """The voice was not installed (or removed); ``str(error)`` says why, in Vietnamese."""


@dataclass(frozen=True)
class InstalledVoice:
    """One voice in the folder, as its manifest records it."""

    name: str
    language: str
    quality: str
    sample_rate: int
    size: int
    sha256: str
    licence: str
    licence_accepted: bool = False
    added_at: str = ""
    folder: Path = field(default=Path(), compare=False)

    @property
    def model_path(self) -> Path:
        return self.folder / f"{self.name}.onnx"

    @property
    def config_path(self) -> Path:
        return self.folder / f"{self.name}.onnx.json"

    def record(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("folder")
        return data


def active_voice(folder: Path | None) -> InstalledVoice | None:
    """The voice documents are read with (None: none installed, or no folder)."""
    if folder is None:
        return None
    return VoiceShelf(folder).active()


class VoiceShelf:
    """The voice folder: ``voices.json`` and each voice's two files. Safe for several
    processes: changes hold a lock file, and readers see the old manifest or the new one."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def voices(self) -> list[InstalledVoice]:
        """Installed voices, in the order they were added."""
        return [self._voice(entry) for entry in self._manifest()["voices"]]

    def active(self) -> InstalledVoice | None:
        """The voice in use: the one chosen with :meth:`use`, else the first added."""
        manifest = self._manifest()
        voices = [self._voice(entry) for entry in manifest["voices"]]
        chosen = [v for v in voices if v.name == manifest.get("active")] or voices[:1]
        if not chosen or not chosen[0].model_path.is_file():
            return None
        return chosen[0]

    def add(
        self,
        model: Path,
        config: Path | None = None,
        *,
        name: str | None = None,
        licence: str | None = None,
        accept_licence: bool = False,
        languages: Sequence[str] = ("vi",),
    ) -> InstalledVoice:
        """Check the pair, then copy it in and record it; the installed voice."""
        config = config or model.with_name(model.name + ".json")
        name = name or model.name.removesuffix(".onnx")
        if not _NAME.match(name):
            raise VoiceRefused(
                f"Tên giọng “{name}” không hợp lệ: chỉ dùng chữ không dấu, số, “-”, “_”, “.”."
            )
        settings = _read_config(config, model)
        language = _language(settings, languages)
        _check_pairing(model, settings, language)
        found = licence or _licence(settings, model)
        if not found:
            raise VoiceRefused(
                "Chưa rõ giấy phép của giọng này (tệp .json và MODEL_CARD không ghi); hãy xem "
                'trang phát hành giọng rồi chạy lại với --licence "tên giấy phép".'
            )
        if _NON_COMMERCIAL.search(found) and not accept_licence:
            raise VoiceRefused(
                f"Giấy phép của giọng này ({found}) cấm dùng vào mục đích thương mại. Chỉ cài "
                "khi đơn vị đã được phép dùng: chạy lại với --accept-licence."
            )
        _check_model(model, settings, language)
        with self._locked():
            return self._install(model, config, name, language, settings, found, accept_licence)

    def remove(self, name: str) -> InstalledVoice:
        """Delete a voice's files and its record; its name stays bound to its sha256."""
        with self._locked():
            manifest = self._manifest()
            entry = next((e for e in manifest["voices"] if e["name"] == name), None)
            if entry is None:
                raise VoiceRefused(f"Không có giọng nào tên “{name}”.")
            voice = self._voice(entry)
            manifest["voices"].remove(entry)
            manifest["removed"][name] = voice.sha256
            if manifest.get("active") == name:
                manifest["active"] = None
            self._write(manifest)
            for path in (voice.model_path, voice.config_path):
                path.unlink(missing_ok=True)
        logger.info("Piper voice %s removed", name)
        return voice

    def use(self, name: str) -> InstalledVoice:
        """Make ``name`` the voice documents are read with."""
        with self._locked():
            manifest = self._manifest()
            entry = next((e for e in manifest["voices"] if e["name"] == name), None)
            if entry is None:
                raise VoiceRefused(f"Không có giọng nào tên “{name}”.")
            manifest["active"] = name
            self._write(manifest)
        return self._voice(entry)

    def _install(
        self,
        model: Path,
        config: Path,
        name: str,
        language: str,
        settings: dict[str, Any],
        licence: str,
        accepted: bool,
    ) -> InstalledVoice:
        manifest = self._manifest()
        sha256 = _sha256(model)
        for entry in manifest["voices"]:
            if entry["name"] == name:
                if entry["sha256"] == sha256:
                    return self._voice(entry)  # the same file again: nothing to do
                raise VoiceRefused(
                    f"Đã có giọng “{name}” từ một tệp khác; hãy gỡ giọng đó trước hoặc đặt tên "
                    "khác bằng --name."
                )
        if manifest["removed"].get(name, sha256) != sha256:
            raise VoiceRefused(
                f"Tên “{name}” đã dùng cho một giọng khác trước đây (các câu đã đọc bằng giọng "
                "đó còn lưu theo tên); hãy đặt tên khác bằng --name."
            )
        voice = InstalledVoice(
            name=name,
            language=language,
            quality=str(settings.get("audio", {}).get("quality", "")),
            sample_rate=int(settings["audio"]["sample_rate"]),
            size=model.stat().st_size,
            sha256=sha256,
            licence=licence,
            licence_accepted=accepted,
            added_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            folder=self.folder,
        )
        _copy(model, voice.model_path, sha256)
        with AtomicWriter(voice.config_path) as out:
            out.write(config.read_bytes())  # as the voice's authors wrote it
            out.commit()
        manifest["voices"].append(voice.record())
        manifest["removed"].pop(name, None)
        manifest["active"] = manifest.get("active") or name
        self._write(manifest)
        logger.info("Piper voice %s installed (%s, sha256 %s)", name, language, sha256)
        return voice

    def _voice(self, entry: dict[str, Any]) -> InstalledVoice:
        return InstalledVoice(**entry, folder=self.folder)

    def _manifest(self) -> dict[str, Any]:
        try:
            data = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {}
        except (OSError, ValueError) as exc:
            logger.warning("voice manifest %s unreadable: %s", self.folder / MANIFEST, exc)
            data = {}
        return {
            "version": 1,
            "active": data.get("active"),
            "voices": list(data.get("voices", [])),
            "removed": dict(data.get("removed", {})),
        }

    def _write(self, manifest: dict[str, Any]) -> None:
        with AtomicWriter(self.folder / MANIFEST) as out:
            out.write(json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
            out.commit()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _read_config(config: Path, model: Path) -> dict[str, Any]:
    """The voice's settings, with what Piper needs present and of the right kind."""
    if not model.is_file():
        raise VoiceRefused(f"Không thấy tệp giọng “{model}”.")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VoiceRefused(
            f"Thiếu tệp cấu hình “{config.name}” đi kèm giọng; hãy chép cả hai tệp "
            f"“{model.name}” và “{model.name}.json”."
        ) from None
    except (OSError, ValueError) as exc:
        raise VoiceRefused(
            f"Tệp cấu hình “{config.name}” không đọc được (không phải JSON)."
        ) from exc
    try:
        rate = data["audio"]["sample_rate"]
        ids = data["phoneme_id_map"]
        kinds_ok = (
            isinstance(rate, int)
            and isinstance(data["num_symbols"], int)
            and isinstance(data["num_speakers"], int)
            and isinstance(data["espeak"]["voice"], str)
            and isinstance(ids, dict)
            and all(
                isinstance(v, list) and all(isinstance(i, int) for i in v) for v in ids.values()
            )
        )
    except (KeyError, TypeError):
        kinds_ok = False
    if not kinds_ok:
        raise VoiceRefused(f"Tệp “{config.name}” không phải cấu hình của một giọng Piper.")
    if rate not in SAMPLE_RATES:
        raise VoiceRefused(
            f"Tần số lấy mẫu {rate} Hz trong “{config.name}” không hợp lệ (giọng Piper dùng "
            "16000 hoặc 22050 Hz); tệp cấu hình hỏng hoặc của giọng khác."
        )
    if data.get("phoneme_type", "espeak") != "espeak":
        raise VoiceRefused(
            f"Giọng này phiên âm kiểu “{data['phoneme_type']}”; giọng tiếng Việt phải dùng "
            "kiểu espeak."
        )
    return dict(data)


def _language(settings: dict[str, Any], languages: Sequence[str]) -> str:
    """The voice's language code ("vi_VN"), if it is one of ``languages`` ("vi")."""
    code = str((settings.get("language") or {}).get("code") or settings["espeak"]["voice"])
    if code.replace("-", "_").split("_")[0].lower() not in languages:
        raise VoiceRefused(
            f"Giọng này đọc tiếng “{code}”, không phải tiếng Việt (cần mã vi hoặc vi_VN)."
        )
    return code


def _check_pairing(model: Path, settings: dict[str, Any], language: str) -> None:
    """A file named the Piper way must have the settings of that very voice."""
    match = _PIPER_NAME.match(model.name.removesuffix(".onnx"))
    dataset, quality = settings.get("dataset"), settings.get("audio", {}).get("quality")
    if match is None or not (dataset and quality):
        return
    if match.groups() != (language, dataset, quality):
        raise VoiceRefused(
            f"Tệp cấu hình là của giọng “{language}-{dataset}-{quality}”, không khớp với tệp "
            f"“{model.name}”; hãy chép đúng cặp tệp của cùng một giọng."
        )


def _licence(settings: dict[str, Any], model: Path) -> str | None:
    """The licence the voice's files state: the .json's, else its MODEL_CARD's."""
    for key in ("license", "licence"):
        if isinstance(settings.get(key), str) and settings[key].strip():
            return str(settings[key]).strip()
    for card in (model.with_name(model.name + ".MODEL_CARD"), model.with_name("MODEL_CARD")):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            found = _LICENCE_LINE.search(card.read_text(encoding="utf-8"))
            if found:
                return found.group(1)
    return None


def _check_model(model: Path, settings: dict[str, Any], language: str) -> None:
    """The model loads as ONNX, takes Piper's inputs, and speaks a short sentence with these
    settings (a .json of another voice points at symbols or speakers the model lacks)."""
    size = model.stat().st_size
    with model.open("rb") as head:
        first = head.read(2)
    # An ONNX model is a protobuf message whose first field is ir_version (tag 0x08, 3..12).
    if size < _ONNX_MIN_BYTES or len(first) < 2 or first[0] != 8 or not 3 <= first[1] <= 12:
        raise VoiceRefused(f"Tệp “{model.name}” không phải mô hình ONNX của một giọng Piper.")
    # Here, not at the top: tts.engines imports this module (to find the installed voice),
    # and piper brings onnxruntime and numpy, which only a check or a voice should load.
    try:
        from piper import PiperVoice
        from piper.config import PiperConfig
    except ImportError as exc:
        raise VoiceRefused("Máy chủ chưa cài bộ đọc Piper (gói piper-tts).") from exc
    from tts.engines.base import EngineUnavailable
    from tts.engines.piper import open_session

    try:
        session = open_session(model)
    except EngineUnavailable as exc:
        raise VoiceRefused(str(exc)) from exc
    except Exception as exc:  # onnxruntime's errors share no base class
        raise VoiceRefused(
            f"Tệp “{model.name}” bị hỏng hoặc chép thiếu (không mở được như mô hình ONNX); "
            "hãy chép lại và so mã sha256."
        ) from exc
    inputs = {i.name for i in session.get_inputs()}
    multi = settings["num_speakers"] > 1
    if not _INPUTS <= inputs or ("sid" in inputs) != multi:
        raise VoiceRefused(_MISMATCH.format(model=model.name))
    voice = PiperVoice(session=session, config=PiperConfig.from_dict(settings))
    sample = _SAMPLE_TEXT.get(language[:2].lower(), _SAMPLE_TEXT["vi"])
    try:
        loud = max(abs(int(x)) for c in voice.synthesize(sample) for x in c.audio_int16_array[::50])
    except Exception as exc:  # an id past the model's symbols, a missing speaker
        raise VoiceRefused(_MISMATCH.format(model=model.name)) from exc
    if loud < 300:
        raise VoiceRefused(_MISMATCH.format(model=model.name))


_MISMATCH = (
    "Tệp cấu hình không khớp với mô hình “{model}” (mô hình không đọc được với cấu hình này); "
    "hãy chép đúng cặp tệp của cùng một giọng."
)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _copy(source: Path, target: Path, sha256: str) -> None:
    """Copy ``source`` whole or not at all, checking that what was written is what was read."""
    digest = hashlib.sha256()
    with source.open("rb") as reader, AtomicWriter(target) as out:
        while block := reader.read(1 << 20):
            digest.update(block)
            out.write(block)
        if digest.hexdigest() != sha256:
            raise VoiceRefused(f"Tệp “{source.name}” thay đổi trong lúc chép; hãy chạy lại.")
        out.commit()
