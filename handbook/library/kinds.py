"""The kind of a document (nghị quyết, chỉ thị, kế hoạch, báo cáo, hướng dẫn), read from its
title or, lacking one there, from the opening of its text.

The kind is computed when the library is drawn, not stored: a title changes after upload (the
file name is replaced by the document's own heading, the secretary renames or confirms it), and
a stored kind would have to follow every such change. A branch's library is a few hundred
documents at most, so reading it again costs nothing worth a column.
"""

from __future__ import annotations

import enum
import re

from handbook.core.textfold import fold


class Kind(enum.StrEnum):
    """The kinds a member filters the library by; the value is the ``?kind=`` of the URL."""

    NGHI_QUYET = "nghi-quyet"
    CHI_THI = "chi-thi"
    KE_HOACH = "ke-hoach"
    BAO_CAO = "bao-cao"
    HUONG_DAN = "huong-dan"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def folded(self) -> str:
        """The kind's name as ``fold`` writes it: ``nghi quyet``."""
        return self.value.replace("-", " ")


_LABELS = {
    Kind.NGHI_QUYET: "Nghị quyết",
    Kind.CHI_THI: "Chỉ thị",
    Kind.KE_HOACH: "Kế hoạch",
    Kind.BAO_CAO: "Báo cáo",
    Kind.HUONG_DAN: "Hướng dẫn",
}

#: The Party's document number codes ("Số 12-NQ/ĐU", "45-KH/CB"), per Hướng dẫn 36-HD/VPTW.
_CODES = {"nq": Kind.NGHI_QUYET, "ct": Kind.CHI_THI, "kh": Kind.KE_HOACH, "bc": Kind.BAO_CAO}
_CODES["hd"] = Kind.HUONG_DAN
_CODE = re.compile(r"\b\d+\s*-\s*(nq|ct|kh|bc|hd)\s*/")
#: Words before the kind that do not change it: a draft resolution is still a resolution.
_LEAD = re.compile(r"^(?:(?:du thao|toan van|trich)\s+)+")
#: Lines of the opening looked at: the kind's heading comes right after the header.
_OPENING_LINES = 12


def _words(text: str) -> str:
    """Folded, with anything but letters and digits as single spaces (file names too)."""
    return " ".join(re.sub(r"[^0-9a-z/]+", " ", fold(text)).split())


def _starts_with_kind(line: str) -> Kind | None:
    words = _LEAD.sub("", _words(line))
    for kind in Kind:
        if words == kind.folded or words.startswith(kind.folded + " "):
            return kind
    return None


def kind_of(title: str, text_start: str = "") -> Kind | None:
    """The document's kind: its title's first words ("Nghị quyết về ..."), else a line of its
    opening that starts with the kind ("KẾ HOẠCH"), else its number's code ("Số 12-NQ/ĐU");
    ``None`` for anything else (a notice, a letter, a title that names no kind)."""
    found = _starts_with_kind(title)
    if found is not None:
        return found
    lines = [line for line in text_start.splitlines() if line.strip()][:_OPENING_LINES]
    for line in lines:
        found = _starts_with_kind(line)
        if found is not None:
            return found
    for line in lines:
        code = _CODE.search(fold(line))
        if code is not None:
            return _CODES[code.group(1)]
    return None
