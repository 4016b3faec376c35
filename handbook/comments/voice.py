"""What a voice comment's upload really is: Opus in WebM or in Ogg, how long, and whole.

The browser's MIME type is not trusted: the container is recognised by its magic (EBML
``1A45DFA3`` with DocType ``webm``, or ``OggS`` with ``OpusHead``) and walked to its end, so a
file cut short (a dropped connection, a crafted upload) is refused rather than stored.

The length is measured here, never taken from the client. Ogg gives it exactly (the last
page's granule position less the pre-skip, at 48 kHz). A WebM file from ``MediaRecorder`` has
no Duration element (it is written as it is recorded), so the clusters' timecodes are read
instead: the last block's start plus its own length, read from its Opus TOC byte. That costs
one linear pass over at most ``MAX_BYTES`` and no dependency (mutagen reads Ogg but not WebM).
"""

from __future__ import annotations

from dataclasses import dataclass

#: 2 minutes of Opus at the 24 kbit/s the page records with is 360 KB; at 32 kbit/s 480 KB.
#: A quarter more for the container and a variable bitrate's overshoot: 600 KB, which is
#: also about what a weak 3G link uploads in a minute.
MAX_BYTES = 600_000
#: The page stops recording at 2 minutes; a second more for the recorder's last block.
MAX_MS = 121_000
#: Shorter than this is a slip of the finger, not a comment.
MIN_MS = 500

NOT_AUDIO = "Tệp gửi lên không phải bản ghi âm (Opus trong WebM hoặc Ogg) nên không nhận được."
TOO_BIG = "Bản ghi âm quá lớn: tối đa 600 KB (khoảng 2 phút nói)."
TOO_LONG = "Bản ghi âm dài quá 2 phút. Đồng chí hãy nói ngắn hơn hoặc chia thành nhiều góp ý."
TOO_SHORT = "Bản ghi âm quá ngắn hoặc không có tiếng. Đồng chí hãy ghi lại."
CUT_SHORT = "Bản ghi âm bị cắt giữa chừng nên không nhận được. Đồng chí hãy ghi lại."

MIME = {"webm": "audio/webm", "ogg": "audio/ogg"}


class BadRecording(Exception):
    """A refusal with a Vietnamese message and the HTTP status that fits it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Recording:
    """A checked recording: its bytes, its container (``webm`` or ``ogg``), its length."""

    data: bytes
    kind: str
    duration_ms: int


def sniff(data: bytes) -> Recording:
    """The recording in ``data``, checked whole and timed; ``BadRecording`` otherwise."""
    if len(data) > MAX_BYTES:
        raise BadRecording(TOO_BIG, 413)
    if data[:4] == b"\x1a\x45\xdf\xa3":
        kind, duration = "webm", _webm_ms(data)
    elif data[:4] == b"OggS":
        kind, duration = "ogg", _ogg_ms(data)
    else:
        raise BadRecording(NOT_AUDIO, 415)
    if duration > MAX_MS:
        raise BadRecording(TOO_LONG)
    if duration < MIN_MS:
        raise BadRecording(TOO_SHORT)
    return Recording(data, kind, duration)


# --- Ogg -----------------------------------------------------------------------------------


def _ogg_ms(data: bytes) -> int:
    """Every page whole, one logical stream, Opus; the length from the last granule."""
    offset, serial, pre_skip, granule, first = 0, None, 0, -1, True
    while offset < len(data):
        header = data[offset : offset + 27]
        if len(header) < 27:
            raise BadRecording(CUT_SHORT)
        if header[:4] != b"OggS" or header[4] != 0:
            raise BadRecording(NOT_AUDIO, 415)
        count = header[26]
        table = data[offset + 27 : offset + 27 + count]
        body_at = offset + 27 + count
        end = body_at + sum(table)
        if len(table) < count or end > len(data):
            raise BadRecording(CUT_SHORT)
        page_serial = int.from_bytes(header[14:18], "little")
        if serial is None:
            serial = page_serial
        elif page_serial != serial:  # a second stream (video, another track): not ours
            raise BadRecording(NOT_AUDIO, 415)
        if first:
            head = data[body_at:end]
            if head[:8] != b"OpusHead" or len(head) < 19:
                raise BadRecording(NOT_AUDIO, 415)
            pre_skip = int.from_bytes(head[10:12], "little")
            first = False
        position = int.from_bytes(header[6:14], "little", signed=True)
        if position != -1:
            granule = max(granule, position)
        offset = end
    if first:
        raise BadRecording(NOT_AUDIO, 415)
    return max(0, granule - pre_skip) // 48


# --- WebM (EBML) ---------------------------------------------------------------------------

_EBML, _DOCTYPE = 0x1A45DFA3, 0x4282
_SEGMENT, _INFO, _SCALE = 0x18538067, 0x1549A966, 0x2AD7B1
_TRACKS, _TRACK, _CODEC, _TYPE = 0x1654AE6B, 0xAE, 0x86, 0x83
_CLUSTER, _TIMECODE, _SIMPLE, _GROUP, _BLOCK = 0x1F43B675, 0xE7, 0xA3, 0xA0, 0xA1
#: Masters whose children are read in place (the rest are skipped by their size).
_ENTER = {_EBML, _SEGMENT, _INFO, _TRACKS, _TRACK, _CLUSTER, _GROUP}
#: An Opus packet's frame length in 1/10 ms by the TOC byte's configuration (RFC 6716 3.1).
_FRAME = [100, 200, 400, 600] * 3 + [100, 200] * 2 + [25, 50, 100, 200] * 4


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """An EBML variable-length integer at ``at``: (value, its length, all ones = unknown)."""
    if at >= len(data):
        raise BadRecording(CUT_SHORT)
    first = data[at]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise BadRecording(NOT_AUDIO, 415)
    if at + length > len(data):
        raise BadRecording(CUT_SHORT)
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = value << 8 | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, length, unknown


def _webm_ms(data: bytes) -> int:
    """DocType ``webm``, audio tracks of Opus only, every element whole; the length from the
    last block's cluster timecode, its own timecode and its frames."""
    doctype, codecs, types = b"", [], []
    scale_ns, cluster, end_ticks, blocks = 1_000_000, 0, 0, 0
    offset = 0
    while offset < len(data):
        element, id_length, _ = _vint(data, offset, keep_marker=True)
        size, size_length, unknown = _vint(data, offset + id_length, keep_marker=False)
        body = offset + id_length + size_length
        if element in _ENTER:
            if not unknown and body + size > len(data):
                raise BadRecording(CUT_SHORT)
            offset = body
            continue
        if unknown:
            raise BadRecording(NOT_AUDIO, 415)
        if body + size > len(data):
            raise BadRecording(CUT_SHORT)
        payload = data[body : body + size]
        if element == _DOCTYPE:
            doctype = payload
        elif element == _SCALE:
            scale_ns = int.from_bytes(payload, "big") or scale_ns
        elif element == _CODEC:
            codecs.append(payload)
        elif element == _TYPE:
            types.append(int.from_bytes(payload, "big"))
        elif element == _TIMECODE:
            cluster = int.from_bytes(payload, "big")
        elif element in (_SIMPLE, _BLOCK):
            _track, track_length, _ = _vint(payload, 0, keep_marker=False)
            if len(payload) < track_length + 4:
                raise BadRecording(CUT_SHORT)
            relative = int.from_bytes(payload[track_length : track_length + 2], "big", signed=True)
            frames_ns = _opus_tenths(payload[track_length + 3 :]) * 100_000
            end_ticks = max(end_ticks, cluster + relative + -(-frames_ns // scale_ns))
            blocks += 1
        offset = body + size
    if doctype.rstrip(b"\0") != b"webm" or not codecs:
        raise BadRecording(NOT_AUDIO, 415)
    if any(codec.rstrip(b"\0") != b"A_OPUS" for codec in codecs) or any(t != 2 for t in types):
        raise BadRecording(NOT_AUDIO, 415)
    if not blocks:
        raise BadRecording(TOO_SHORT)
    return end_ticks * scale_ns // 1_000_000


def _opus_tenths(packet: bytes) -> int:
    """How long one Opus packet plays, in 1/10 ms, from its TOC byte (and frame count)."""
    if not packet:
        return 0
    toc = packet[0]
    frames = {0: 1, 1: 2, 2: 2}.get(toc & 3)
    if frames is None:
        frames = packet[1] & 0x3F if len(packet) > 1 else 0
    return _FRAME[toc >> 3] * frames
