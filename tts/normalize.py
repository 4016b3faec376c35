"""Vietnamese text normalisation for speech: written text in, words a TTS engine reads right out.

``normalize`` takes a whole document and keeps its line structure (one output line per input
line, empty lines stay empty), so the caller can map sentences back to paragraphs. Numbers, dates,
ratios, times, units, document codes, Roman numerals and abbreviations become words; acronyms the
document defines ("chuyển đổi số (CĐS)") are learned and read as defined.

``python -m tts.normalize`` reads UTF-8 lines on stdin and writes one normalised line per line.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Mapping, MutableMapping

from tts import numbers as n
from tts.abbreviations import (
    LETTER_NAMES,
    builtin_abbreviations,
    is_syllable,
    learn_definitions,
    load_abbreviations,
    spell,
)
from tts.lexicon import Lexicon
from tts.numeric import expand_numbers

__all__ = ["load_abbreviations", "normalize", "normalize_line"]

_JUNK = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2060-\u206f\ufeff\ufe00-\ufe0f\u20e3"
    "\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\U000e0000-\U000e007f]"
)
_SPACES = re.compile("[\t\u00a0\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_BULLET = re.compile(
    r"^(?:[-+*•·–—]+(?:\s+|(?=[^\W\d_]))|(\d+(?:\.\d+)*|[IVXLC]+|[a-zđA-ZĐ])[.)]\s+)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:https?://|www\.)[^\s\"“”<>()]+|\b[\w-]+(?:\.[\w-]+)*\.(?:vn|com|gov|org|net|edu|info)"
    r"(?:/[^\s\"“”<>()]*)?(?![\w.]\w)"
)
_LINE_BREAK = re.compile(r"(\r\n|\n|\r)")


def _clean(line: str) -> str:
    line = _SPACES.sub(" ", _JUNK.sub("", unicodedata.normalize("NFC", line)).replace("_", " "))
    return " ".join(line.split())


def _bullet(line: str) -> str:
    m = _BULLET.match(line)
    if not m:
        return line
    marker, rest = m.group(1), line[m.end() :]
    if marker is None:
        return rest
    if marker[0].isdecimal():
        spoken = " chấm ".join(n.integer(p) for p in marker.split("."))
    elif (value := n.roman_value(marker)) and (len(marker) > 1 or marker in "IVX"):
        spoken = n.cardinal(value)
    else:
        spoken = LETTER_NAMES.get(marker.upper(), marker).split()[-1]
    return f"{spoken}, {rest}"


_DOMAIN_WORDS = {"www": "vê kép vê kép vê kép", "gov": "gốp", "vn": "vê en", "org": "o rờ gờ"}


def _say_address(m: re.Match[str]) -> str:
    """URLs and e-mail addresses: the host spelled out sensibly, the path dropped."""
    text = m.group(0).rstrip(".,;:")
    text = re.sub(r"^(?:https?://)", "", text).split("/", 1)[0]
    words: list[str] = []
    for label in re.split(r"([.@_-])", text):
        if label in {".", "_", "-"}:
            words.append({".": "chấm", "_": "gạch dưới", "-": "gạch ngang"}[label])
        elif label == "@":
            words.append("a còng")
        elif label.isdecimal():
            words.append(n.digits(label))
        elif label.lower() in _DOMAIN_WORDS:
            words.append(_DOMAIN_WORDS[label.lower()])
        elif label and len(label) <= 3 and not is_syllable(label):
            words.append(spell(label))
        elif label:
            words.append(label.lower())
    return " ".join(words) + m.group(0)[len(m.group(0).rstrip(".,;:")) :]


_DASH = re.compile(r"(?<=\S)\s+[-–—]+\s+(\S)")
_GLUED = re.compile(r"([^\W\d_])\.([^\W\d_]{2})")


def _unglue(m: re.Match[str]) -> str:
    before, after = m.group(1), m.group(2)
    if before.islower() and after[0].isupper() and after[1].islower():
        return f"{before}. {after}"
    return m.group(0)


def _punctuation(line: str) -> str:
    line = line.replace("&", " và ")
    # "Ông A – Chủ tịch": a pause; "kinh tế – xã hội": one phrase
    line = _DASH.sub(lambda m: (" " if m.group(1).islower() else ", ") + m.group(1), line)
    line = re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", " ", line)  # "Mác-Lênin"
    line = re.sub(r"[-–—]+(?=\s|$)|(?<=\s)[-–—]+|^[-–—]+", " ", line)
    line = re.sub(r"[*#•|_~^`\\{}<>@%/+=¹²³⁰⁴-⁹]", " ", line)
    line = _GLUED.sub(_unglue, line)  # "xã.Xác định"
    line = re.sub(r"\(\s*\)|\[\s*\]", " ", line)
    line = re.sub(r"\s+([,.;:!?)\]…])", r"\1", line)
    line = re.sub(r"([(\[])\s+", r"\1", line)
    line = re.sub(r",(?:\s*,)+", ",", line)
    line = re.sub(r"^[\s,.;:]+(?=\S)", "", line)
    return " ".join(line.split())


def normalize_line(
    line: str,
    *,
    abbreviations: Mapping[str, str] | None = None,
    learned: MutableMapping[str, str] | None = None,
) -> str:
    """Normalise one line. Pass the same ``learned`` dict for every line of one document so an
    acronym defined on one line ("chuyển đổi số (CĐS)") is read as defined on later lines."""
    table = builtin_abbreviations() if abbreviations is None else abbreviations
    learned = {} if learned is None else learned
    line = learn_definitions(_clean(line), learned)
    if not line:
        return ""
    line = _bullet(line)
    line = _EMAIL.sub(_say_address, line)
    line = _URL.sub(_say_address, line)
    lexicon = Lexicon(table, learned, line)
    line = lexicon.expand(expand_numbers(line, lexicon.letters))
    return unicodedata.normalize("NFC", _punctuation(line))


def normalize(text: str, *, abbreviations: Mapping[str, str] | None = None) -> str:
    """Normalise a document for speech: same line structure, NFC, definitions learned first.

    ``abbreviations`` replaces the built-in table; pass ``load_abbreviations(extra_file)`` to
    add an organisation's own entries to it."""
    table = builtin_abbreviations() if abbreviations is None else abbreviations
    parts = _LINE_BREAK.split(text)
    learned: dict[str, str] = {}
    for line in parts[0::2]:
        learn_definitions(_clean(line), learned)
    parts[0::2] = [normalize_line(p, abbreviations=table, learned=learned) for p in parts[0::2]]
    return "".join(parts)


def main() -> None:
    """``python -m tts.normalize``: UTF-8 lines on stdin, one normalised line out per line."""
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", newline="", closefd=False)
    sys.stdout.reconfigure(encoding="utf-8", newline="\n")  # type: ignore[union-attr]
    table = builtin_abbreviations()
    learned: dict[str, str] = {}
    for raw in stdin:
        body = raw.rstrip("\r\n")
        sys.stdout.write(normalize_line(body, abbreviations=table, learned=learned) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
