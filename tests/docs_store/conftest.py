"""Real sample documents, made once per test session into a temporary directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from . import hostile, makers


@pytest.fixture(scope="session", autouse=True)
def _tools_installed() -> None:
    """The packages ``scripts/setup test`` installs; a clear failure beats odd ones later."""
    missing = [tool for tool in ("pdftoppm", "tesseract", "pdftotext") if not shutil.which(tool)]
    assert not missing, f"missing {missing}: run scripts/setup test"
    assert makers.FONT.is_file(), f"missing {makers.FONT}: install fonts-dejavu-core"


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("samples")


@pytest.fixture(scope="session")
def text_pdf(samples: Path) -> Path:
    return makers.text_pdf(samples / "nghi-quyet.pdf", pages=3)


@pytest.fixture(scope="session")
def scanned_pdf(samples: Path) -> Path:
    return makers.scanned_pdf(samples / "ban-quet.pdf")


@pytest.fixture(scope="session")
def docx_path(samples: Path) -> Path:
    return makers.docx_file(samples / "nghi-quyet.docx")


@pytest.fixture(scope="session")
def encrypted_pdf(samples: Path, text_pdf: Path) -> Path:
    return hostile.encrypted_pdf(text_pdf, samples / "mat-khau.pdf")


@pytest.fixture(scope="session")
def owner_locked_pdf(samples: Path, text_pdf: Path) -> Path:
    return hostile.encrypted_pdf(text_pdf, samples / "khoa-quyen.pdf", user_password="")


@pytest.fixture(scope="session")
def many_pages_pdf(samples: Path) -> Path:
    return hostile.blank_pages_pdf(samples / "5000-trang.pdf", 5000)


@pytest.fixture(scope="session")
def flate_bomb(samples: Path) -> Path:
    return hostile.flate_bomb_pdf(samples / "bom-nen.pdf")


@pytest.fixture(scope="session")
def nested_pdf(samples: Path) -> Path:
    return hostile.nested_arrays_pdf(samples / "long-nhau.pdf")


@pytest.fixture(scope="session")
def zip_bomb(samples: Path) -> Path:
    return hostile.zip_bomb_docx(samples / "bom-zip.docx")


@pytest.fixture(scope="session")
def photo_set(samples: Path) -> dict[str, Path]:
    from . import photos

    folder = samples / "photos"
    folder.mkdir()
    return photos.sample_set(folder)
