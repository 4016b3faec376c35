"""FileSystemBlobStore on a real temporary directory."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path

import pytest

from docs_store import (
    BlobInfo,
    BlobNotFound,
    BlobStore,
    FileSystemBlobStore,
    StorageError,
    TooLarge,
)

CONTENT = "Nghị quyết chi bộ tháng 5".encode() * 1000
SHA = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> FileSystemBlobStore:
    return FileSystemBlobStore(tmp_path / "blobs", max_size=1024 * 1024)


def everything(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


class FailingStream(io.RawIOBase):
    """Gives some data, then fails, like a client that drops mid-upload."""

    def __init__(self, good_chunks: int, error: BaseException) -> None:
        self.left = good_chunks
        self.error = error

    def read(self, size: int = -1) -> bytes:
        if self.left == 0:
            raise self.error
        self.left -= 1
        return b"x" * 4096


def test_is_a_blobstore(store: FileSystemBlobStore) -> None:
    assert isinstance(store, BlobStore)


def test_save_is_content_addressed(store: FileSystemBlobStore) -> None:
    info = store.save(io.BytesIO(CONTENT))
    assert info == BlobInfo(SHA, len(CONTENT))
    path = store.path(SHA)
    assert path == store.root / SHA[:2] / SHA[2:4] / SHA
    assert path.read_bytes() == CONTENT
    with store.open(SHA) as f:
        assert f.read() == CONTENT
    assert store.exists(SHA)
    assert store.size(SHA) == len(CONTENT)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_identical_content_is_stored_once(store: FileSystemBlobStore) -> None:
    first = store.save(io.BytesIO(CONTENT))
    second = store.save(io.BytesIO(CONTENT))
    assert first == second
    assert everything(store.root) == [store.path(SHA)]


def test_blobinfo_is_frozen() -> None:
    info = BlobInfo(SHA, 1)
    with pytest.raises(AttributeError):
        info.size = 2  # type: ignore[misc]


def test_empty_stream_is_a_blob(store: FileSystemBlobStore) -> None:
    info = store.save(io.BytesIO(b""))
    assert info.size == 0
    assert info.sha256 == hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize("error", [OSError("connection reset"), KeyboardInterrupt()])
def test_stream_failing_midway_leaves_nothing(
    store: FileSystemBlobStore, error: BaseException
) -> None:
    with pytest.raises(type(error)):
        store.save(FailingStream(good_chunks=3, error=error))
    assert everything(store.root) == []


def test_too_large_leaves_nothing(tmp_path: Path) -> None:
    store = FileSystemBlobStore(tmp_path / "blobs", max_size=10_000)
    with pytest.raises(TooLarge) as caught:
        store.save(io.BytesIO(b"a" * 10_001))
    assert caught.value.limit == 10_000
    assert isinstance(caught.value, StorageError)
    assert "quá lớn" in str(caught.value)
    assert everything(store.root) == []
    assert store.save(io.BytesIO(b"a" * 10_000)).size == 10_000  # the limit itself is fine


MALFORMED = [
    "",
    "abc",
    SHA.upper(),
    SHA + "\n",
    SHA[:-1],
    SHA + "0",
    "g" * 64,
    "../" * 21 + "a",
    "../../../../etc/passwd",
    f"{SHA[:2]}/{SHA[2:4]}/{SHA}",
    "/" + SHA[1:],
    "." * 64,
    None,
    123,
]


@pytest.mark.parametrize("bad", MALFORMED)
@pytest.mark.parametrize("method", ["open", "path", "exists", "size", "delete"])
def test_malformed_ids_are_rejected(store: FileSystemBlobStore, method: str, bad: object) -> None:
    with pytest.raises(StorageError, match="invalid blob id"):
        getattr(store, method)(bad)


def test_missing_blob(store: FileSystemBlobStore) -> None:
    missing = "0" * 64
    assert not store.exists(missing)
    for method in (store.open, store.path, store.size):
        with pytest.raises(BlobNotFound):
            method(missing)
    store.delete(missing)  # deleting what is not there is not an error


def test_delete(store: FileSystemBlobStore) -> None:
    store.save(io.BytesIO(CONTENT))
    store.delete(SHA)
    assert not store.exists(SHA)
    assert everything(store.root) == []


def test_os_errors_are_wrapped(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    store = FileSystemBlobStore(blocker, max_size=100)
    with pytest.raises(StorageError) as caught:
        store.save(io.BytesIO(b"abc"))
    assert isinstance(caught.value.__cause__, OSError)


def test_stale_temp_files_are_cleared(store: FileSystemBlobStore) -> None:
    store.root.mkdir(parents=True)
    stale = store.root / ".tmp-left-by-a-crash"
    stale.write_bytes(b"half")
    os.utime(stale, (1, 1))
    fresh = store.root / ".tmp-being-written"
    fresh.write_bytes(b"half")
    assert store.remove_stale_temp(older_than=3600) == 1
    assert everything(store.root) == [fresh]
