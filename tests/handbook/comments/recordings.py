"""Recordings for the voice comments' tests: a real one (Chromium's MediaRecorder, Opus in
WebM, 2.46 s, its fake microphone's beeps) and WebM and Ogg files built here, of any length,
the way recorders write them (Opus packets of 20 ms: TOC byte 0xF8)."""

from __future__ import annotations

from pathlib import Path

#: Chromium's own: a Segment and Clusters of unknown size, no Duration element.
REAL_WEBM = (Path(__file__).with_name("voice.webm")).read_bytes()
#: One 20 ms Opus packet (CELT, full band, one frame).
PACKET = b"\xf8\xff\xfe"
UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"


def _element(element_id: int, payload: bytes) -> bytes:
    """An EBML element with a 4-byte size."""
    id_bytes = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return id_bytes + (0x10000000 | len(payload)).to_bytes(4, "big") + payload


def webm(
    seconds: float, *, codec: bytes = b"A_OPUS", track_type: int = 2, doctype: bytes = b"webm"
) -> bytes:
    """A WebM file as MediaRecorder writes one: a cluster per second, no Duration."""
    header = _element(0x1A45DFA3, _element(0x4282, doctype))
    info = _element(0x1549A966, _element(0x2AD7B1, (1_000_000).to_bytes(3, "big")))
    entry = _element(0xD7, b"\x01") + _element(0x83, bytes([track_type])) + _element(0x86, codec)
    tracks = _element(0x1654AE6B, _element(0xAE, entry))
    frames = round(seconds * 50)
    clusters = b""
    for start in range(0, frames, 50):
        blocks = b"".join(
            _element(0xA3, b"\x81" + ((i - start) * 20).to_bytes(2, "big") + b"\x80" + PACKET)
            for i in range(start, min(start + 50, frames))
        )
        timecode = _element(0xE7, (start * 20).to_bytes(4, "big"))
        clusters += b"\x1f\x43\xb6\x75" + UNKNOWN_SIZE + timecode + blocks
    return header + b"\x18\x53\x80\x67" + UNKNOWN_SIZE + info + tracks + clusters


def _crc(data: bytes) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected)."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def _page(packets: list[bytes], granule: int, sequence: int, flags: int) -> bytes:
    table = b"".join(b"\xff" * (len(p) // 255) + bytes([len(p) % 255]) for p in packets)
    page = (
        b"OggS\x00"
        + bytes([flags])
        + granule.to_bytes(8, "little", signed=True)
        + (0x5EED).to_bytes(4, "little")
        + sequence.to_bytes(4, "little")
        + b"\0\0\0\0"
        + bytes([len(table)])
        + table
        + b"".join(packets)
    )
    return page[:22] + _crc(page).to_bytes(4, "little") + page[26:]


def ogg(seconds: float, *, head: bytes | None = None) -> bytes:
    """An Ogg Opus file: OpusHead (pre-skip 312), OpusTags, a page of packets per second."""
    pre_skip = 312
    opus_head = (
        b"OpusHead\x01\x01"
        + pre_skip.to_bytes(2, "little")
        + (48_000).to_bytes(4, "little")
        + b"\0\0\0"
    )
    tags = b"OpusTags" + (4).to_bytes(4, "little") + b"test" + (0).to_bytes(4, "little")
    pages = [_page([head or opus_head], 0, 0, 0x02), _page([tags], 0, 1, 0)]
    frames = round(seconds * 50)
    for number, start in enumerate(range(0, frames, 50), start=2):
        count = min(50, frames - start)
        last = start + count >= frames
        granule = pre_skip + (start + count) * 960
        pages.append(_page([PACKET] * count, granule, number, 0x04 if last else 0))
    return b"".join(pages)
