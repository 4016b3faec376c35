"""The long-lived espeak-ng worker: libespeak-ng in a child process, one sentence per request.

Run by :class:`tts.engines.espeak.EspeakEngine` as ``python -I -S espeak_worker.py VOICE`` (the
standard library only, so it starts in a few milliseconds). Each request is answered with the
samples of that one ``espeak_Synth`` call, so a sentence's audio is cut out exactly, by
construction: no silence to detect, no marks to trust. The library is what the espeak-ng
command runs (same voice, same rate, same flags); loading it once saves the process and voice
set-up the command pays per sentence.

Frames, big-endian. Request: ``>HI`` words per minute and text length, then the UTF-8 text.
Answer: ``>BI`` status and payload length, then the payload (16-bit mono PCM at the library's
rate for :data:`OK`). The first answer, sent unasked, says whether the voice is ready. End of
input ends the worker.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import struct
import sys
from typing import BinaryIO

OK, NO_LIBRARY, NO_VOICE, FAILED = 0, 1, 2, 3
REQUEST = struct.Struct(">HI")
ANSWER = struct.Struct(">BI")

# From espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_RATE = 1
_POS_CHARACTER = 1
# What `espeak-ng -b 1` passes: UTF-8 text, [[phonemes]] allowed, a pause at the end.
_CHARS_UTF8, _PHONEMES, _ENDPAUSE = 0x1, 0x100, 0x1000
_FLAGS = _CHARS_UTF8 | _PHONEMES | _ENDPAUSE
_SONAME = "libespeak-ng.so.1"

_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


def _load() -> ctypes.CDLL | None:
    for name in (_SONAME, ctypes.util.find_library("espeak-ng")):
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                continue
    return None


def _send(out: BinaryIO, status: int, payload: bytes = b"") -> None:
    out.write(ANSWER.pack(status, len(payload)))
    out.write(payload)
    out.flush()


def _read(inp: BinaryIO, size: int) -> bytes | None:
    data = inp.read(size)
    return data if len(data) == size else None


def serve(voice: str, inp: BinaryIO, out: BinaryIO) -> int:
    """Answer requests from ``inp`` on ``out`` until ``inp`` ends."""
    lib = _load()
    if lib is None or lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0) <= 0:
        _send(out, NO_LIBRARY)
        return 0
    chunks: list[bytes] = []

    def collect(wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int | None) -> int:
        if wav and count > 0:
            chunks.append(ctypes.string_at(wav, 2 * count))
        return 0  # go on

    callback = _Callback(collect)  # kept referenced for the life of the library
    lib.espeak_SetSynthCallback(callback)
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
        ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
    ]  # fmt: skip
    if lib.espeak_SetVoiceByName(voice.encode("utf-8")) != 0:
        _send(out, NO_VOICE)
        return 0
    _send(out, OK)
    rate = None
    while (head := _read(inp, REQUEST.size)) is not None:
        wpm, size = REQUEST.unpack(head)
        text = _read(inp, size)
        if text is None:
            break
        if wpm != rate:
            lib.espeak_SetParameter(_ESPEAK_RATE, wpm, 0)
            rate = wpm
        chunks.clear()
        # size + 1: the terminating NUL, as the espeak-ng command passes it
        if lib.espeak_Synth(text, size + 1, 0, _POS_CHARACTER, 0, _FLAGS, None, None) != 0:
            _send(out, FAILED)
        else:
            _send(out, OK, b"".join(chunks))
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer))
