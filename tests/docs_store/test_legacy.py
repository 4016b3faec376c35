"""The one legacy-encoding detector (TCVN3, VNI, VIQR): on texts, on real files, and as the
speech pipeline uses it (``tts`` imports it from ``docs_store``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from docs_store.extract import ExtractionError, extract
from docs_store.extract.legacy import (
    MIN_SUSPICIOUS,
    analyse,
    detect,
    looks_legacy,
    may_be_legacy,
    message,
)

from . import makers
from .mojibake import tcvn3, vni

ROOT = Path(__file__).resolve().parents[2]
REAL = (
    "Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc. Đảng viên có trách "
    "nhiệm học tập nghị quyết, nhiệt độ 25°C, ông Müller và café ở Hà Nội."
)
VIQR = "Co^.ng ho`a xa~ ho^.i chu? nghi~a Vie^.t Nam. DDa?ng vie^n ho.c ta^.p nghi. quye^'t."


def test_whole_texts_are_told_apart_by_their_words() -> None:
    assert detect(REAL) is None
    assert detect(tcvn3(REAL)) == "TCVN3"
    assert detect(vni(REAL)) == "VNI"
    assert detect(VIQR) == "VIQR"
    assert detect("Meeting notes in English, with a café and a naïve résumé.") is None
    verdict = analyse(tcvn3(REAL))
    assert verdict.vietnamese == 0 and verdict.suspicious >= 10


@pytest.mark.parametrize(
    "text",
    [
        tcvn3("Chi bộ tổ chức"),  # "Chi bé tæ chøc"
        vni("Chi bộ thôn Nà Phìa"),  # "Chi boä thoân Naø Phìa"
        "Chi bé th«n Mét tæ chøc sinh ho¹t.",
    ],
)
def test_short_texts_are_caught_by_their_symbol_density(text: str) -> None:
    """A heading or a short paragraph has too few words for the word signal."""
    verdict = analyse(text)
    assert verdict.markers >= 2 and verdict.encoding in ("TCVN3", "VNI")
    assert looks_legacy(text)


def test_the_density_signal_alone_is_enough() -> None:
    verdict = analyse(tcvn3("Chi bộ tổ chức"))
    assert verdict.suspicious < MIN_SUSPICIOUS and verdict.encoding is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Chi bộ họp thường kỳ.",
        "Nhiệt độ 25°C, độ ẩm 80%.",
        "Tài liệu «Văn kiện Đại hội» và § 3 của Điều lệ Đảng.",
        "Đồng chí Müller (Đức) và ông Søren dự họp.",  # foreign names in Vietnamese
        "ø ø",  # symbols without letters say nothing
        "2024 - 2025",
    ],
)
def test_ordinary_text_is_not_legacy(text: str) -> None:
    assert detect(text) is None and not looks_legacy(text)


def test_a_non_utf8_file_decoded_as_cp1252_is_recognised() -> None:
    """What ``python -m tts.speak`` does with a file that is not UTF-8."""
    raw = "Chi bé th«n Mét tæ chøc sinh ho¹t th¸ng ba.".encode("cp1252", "replace")
    assert looks_legacy(raw.decode("cp1252", "replace"))


def test_the_message_names_the_font_and_the_way_out() -> None:
    assert "TCVN3 (phông .VnTime)" in message("TCVN3")
    assert "VNI (phông VNI-Times)" in message("VNI")
    assert "Unikey" in message("VIQR") and "VIQR" in message("VIQR")


def _legacy(path: Path, kind: str) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        extract(path, kind)
    assert caught.value.code == "legacy_encoding"
    assert "Unicode" in caught.value.message and "Unikey" in caught.value.message
    return caught.value


def test_tcvn3_pdf(tmp_path: Path) -> None:
    lines = [tcvn3(makers.BODY[i : i + 80]) for i in range(0, len(makers.BODY), 80)]
    path = makers.text_only_pdf(tmp_path / "vntime.pdf", [tcvn3(makers.TITLE), *lines])
    assert "TCVN3" in _legacy(path, "pdf").message


def test_vni_docx(tmp_path: Path) -> None:
    path = makers.docx_with_text(tmp_path / "vni.docx", [vni(makers.BODY), vni(makers.SECOND)])
    assert "VNI" in _legacy(path, "docx").message


def test_tcvn3_pasted_into_utf8_txt(tmp_path: Path) -> None:
    path = tmp_path / "dan.txt"
    path.write_text(tcvn3(REAL), encoding="utf-8")
    _legacy(path, "txt")


def test_one_legacy_page_in_a_unicode_document(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    good = "\n".join([makers.BODY] * 3)
    path.write_text(f"{good}\f{tcvn3(makers.BODY)}\f{good}\f{good}", encoding="utf-8")
    _legacy(path, "txt")


def test_a_short_legacy_heading_in_a_unicode_document_is_accepted(tmp_path: Path) -> None:
    """A document is refused for its text as a whole, or a long page; one stray line is not
    worth refusing the upload (the speech pipeline skips that paragraph instead)."""
    path = tmp_path / "heading.txt"
    path.write_text(f"{tcvn3('Nghị quyết')}\n\n{makers.BODY}\n\n{makers.SECOND}", encoding="utf-8")
    assert extract(path, "txt").pages


def test_docs_store_does_not_import_tts() -> None:
    """``tts`` depends on ``docs_store`` for the detector, never the other way round."""
    modules = "docs_store.extract.core, docs_store.extract.pdf_reader, docs_store.extract.sandbox"
    modules += ", docs_store.extract.docx_reader, docs_store.extract.txt_reader"
    code = f"import sys, {modules}; print(any(m.split('.')[0] == 'tts' for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == b"False"


@pytest.mark.parametrize(
    "text",
    [
        tcvn3(REAL),
        vni(REAL),
        VIQR,
        tcvn3("Chi bộ tổ chức"),
        "Chi bé th«n Mét tæ chøc sinh ho¹t.",
        REAL,  # "25°C" and "Müller": not legacy, but worth the count
    ],
)
def test_the_quick_test_never_skips_what_the_count_would_catch(text: str) -> None:
    """``extract`` skips the count for pages the quick test clears."""
    assert may_be_legacy(text)
    assert may_be_legacy(f"{makers.BODY}\n{text}")


def test_plain_unicode_is_cleared_quickly() -> None:
    assert not may_be_legacy(f"{makers.TITLE}\n{makers.BODY}\n{makers.SECOND}")
    assert detect(f"{makers.TITLE}\n{makers.BODY}") is None
