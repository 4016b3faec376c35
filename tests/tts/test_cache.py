"""The chunk cache: keys, atomic entries, corrupt files read as missing, pruning."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from tts.cache import ChunkCache, cache_key
from tts.engines import EspeakEngine


def test_key_depends_on_text_engine_voice_and_speed() -> None:
    base = cache_key("xin chào", "espeak", "vi", 1.0)
    assert base == cache_key("xin chào", "espeak", "vi", 1.0000001)
    others = {
        cache_key("xin chào.", "espeak", "vi", 1.0),
        cache_key("xin chào", "gtts", "vi", 1.0),
        cache_key("xin chào", "espeak", "vi-vn-x-south", 1.0),
        cache_key("xin chào", "espeak", "vi", 1.25),
    }
    assert base not in others and len(others) == 4
    assert len(base) == 64


def test_round_trip_of_wav_and_mp3(cache: ChunkCache, google_mp3: bytes) -> None:
    wav = EspeakEngine().synthesize("Xin chào.", speed=1.0)
    cache.put("a" * 64, wav)
    cache.put("b" * 64, google_mp3)
    assert cache.get("a" * 64) == wav
    assert cache.get("b" * 64) == google_mp3
    assert cache.get("c" * 64) is None
    stored = cache.root / "aa" / f"{'a' * 64}.chunk"
    assert stored.stat().st_size < 0.8 * len(wav)  # PCM is deflated
    assert not list(cache.root.rglob("*.tmp"))


def test_entries_deflated_the_earlier_way_still_read(cache: ChunkCache) -> None:
    """Before Z_RLE, espeak-ng's WAV was deflated at level 1: the same key, the same header,
    another deflate stream; such an entry is a hit, not a miss."""
    wav = EspeakEngine(persistent=False).synthesize("Chi bộ họp thường kỳ.", speed=1.0)
    key = cache_key("chi bộ họp thường kỳ.", "espeak", "vi", 1.0)
    payload = zlib.compress(wav, 1)
    path = cache.root / key[:2] / f"{key}.chunk"
    path.parent.mkdir(parents=True)
    path.write_bytes(struct.pack(">4sBI", b"TTSC", 1, zlib.crc32(payload)) + payload)
    assert cache.get(key) == wav
    cache.put(key, wav)  # written the new way: still deflated, read back the same
    assert path.stat().st_size < 0.8 * len(wav) and cache.get(key) == wav


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="torn"),
        pytest.param(lambda b: b[:-1] + bytes([b[-1] ^ 1]), id="bit-flip"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: b"not a cache entry at all", id="foreign"),
    ],
)
def test_a_corrupt_entry_is_a_miss_and_is_removed(cache: ChunkCache, damage: object) -> None:
    key = "d" * 64
    cache.put(key, b"RIFF" + bytes(range(256)) * 10)
    path = cache.root / "dd" / f"{key}.chunk"
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert cache.get(key) is None
    assert not path.exists()


def test_bad_keys_are_refused(cache: ChunkCache) -> None:
    with pytest.raises(ValueError, match="not a cache key"):
        cache.get("../../etc/passwd")


def test_a_failed_store_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    ChunkCache(blocker).put("e" * 64, b"data")  # the root is a file: logged, not raised
    assert ChunkCache(blocker).get("e" * 64) is None


def test_prune_drops_least_recently_used_first(cache: ChunkCache) -> None:
    keys = [f"{i:x}" * 64 for i in range(1, 5)]
    for age, key in enumerate(keys):
        cache.put(key, bytes(1000))
        path = cache.root / key[:2] / f"{key}.chunk"
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    assert cache.get(keys[0]) is not None  # used now: the newest
    freed = cache.prune(max_bytes=2 * 1100)
    assert freed > 0
    assert [cache.get(k) is not None for k in keys] == [True, False, False, True]
