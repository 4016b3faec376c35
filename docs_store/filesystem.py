"""Blobs as files on a local disk: ``root/ab/cd/<sha256>``."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from .base import BlobInfo, BlobStore, Readable, check_sha256
from .errors import BlobNotFound, StorageError, TooLarge

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
TEMP_PREFIX = ".tmp-"
#: Blobs are unpublished documents too: readable by the app's group, not by everyone.
FILE_MODE = 0o640


class FileSystemBlobStore(BlobStore):
    """Content-addressed files under ``root``, two directory levels deep to keep dirs small.

    Temporary files live in ``root`` itself (same file system as every blob), named
    ``.tmp-*``; ``remove_stale_temp`` clears those a hard crash (power cut) may leave.
    """

    def __init__(self, root: Path, max_size: int) -> None:
        if max_size <= 0:
            raise ValueError("max_size must be positive")
        self.root = Path(root)
        self.max_size = max_size

    def __repr__(self) -> str:
        return f"FileSystemBlobStore({str(self.root)!r}, max_size={self.max_size})"

    def _path(self, sha256: str) -> Path:
        sha256 = check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def save(self, stream: Readable) -> BlobInfo:
        """Stream to a temp file while hashing; move into place only when complete."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.root)
        except OSError as e:
            raise StorageError(f"cannot create a temporary file in {self.root}: {e}") from e
        tmp = Path(tmp_name)
        try:
            digest, size = self._write(fd, stream)
            dest = self._path(digest)
            self._place(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        logger.info("stored blob %s (%s bytes)", digest, size)
        return BlobInfo(digest, size)

    def _write(self, fd: int, stream: Readable) -> tuple[str, int]:
        """Copy the stream into ``fd`` (closing it), enforcing max_size; fsync before return."""
        hasher = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_size:
                    raise TooLarge(self.max_size)
                hasher.update(chunk)
                try:
                    out.write(chunk)
                except OSError as e:
                    raise StorageError(f"cannot write blob: {e}") from e
            try:
                out.flush()
                os.fchmod(out.fileno(), FILE_MODE)
                os.fsync(out.fileno())
            except OSError as e:
                raise StorageError(f"cannot write blob: {e}") from e
        return hasher.hexdigest(), size

    def _place(self, tmp: Path, dest: Path) -> None:
        """Link the finished temp file at ``dest`` unless identical content is already there."""
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists():
                tmp.unlink()
                return
            try:
                os.link(tmp, dest)  # never replaces a blob another writer just finished
            except FileExistsError:
                pass
            except OSError:
                os.replace(tmp, dest)  # file systems without hard links
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            _fsync_dir(dest.parent)
        except OSError as e:
            raise StorageError(f"cannot store blob {dest.name}: {e}") from e

    def open(self, sha256: str) -> BinaryIO:
        """Open for reading; the caller closes the file."""
        path = self._path(sha256)
        try:
            return path.open("rb")
        except FileNotFoundError as e:
            raise BlobNotFound(f"blob not found: {sha256}") from e
        except OSError as e:
            raise StorageError(f"cannot open blob {sha256}: {e}") from e

    def path(self, sha256: str) -> Path:
        """Local path of an existing blob (for send_file and extraction)."""
        path = self._path(sha256)
        if not path.is_file():
            raise BlobNotFound(f"blob not found: {sha256}")
        return path

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self._path(sha256).is_file()

    def size(self, sha256: str) -> int:
        """Size in bytes from the file system."""
        path = self._path(sha256)
        try:
            return path.stat().st_size
        except FileNotFoundError as e:
            raise BlobNotFound(f"blob not found: {sha256}") from e
        except OSError as e:
            raise StorageError(f"cannot stat blob {sha256}: {e}") from e

    def delete(self, sha256: str) -> None:
        """Remove the blob; empty fan-out directories stay (a concurrent save may need them)."""
        path = self._path(sha256)
        try:
            path.unlink(missing_ok=True)
        except OSError as e:
            raise StorageError(f"cannot delete blob {sha256}: {e}") from e
        logger.info("deleted blob %s", sha256)

    def remove_stale_temp(self, older_than: float = 3600.0) -> int:
        """Delete temp files a crash left behind (older than ``older_than`` s); return count."""
        cutoff = time.time() - older_than
        removed = 0
        try:
            candidates = list(self.root.glob(f"{TEMP_PREFIX}*"))
        except OSError as e:
            raise StorageError(f"cannot list {self.root}: {e}") from e
        for tmp in candidates:
            with contextlib.suppress(OSError):
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
        return removed


def _fsync_dir(directory: Path) -> None:
    """Make the new directory entry durable, so a crash after save() cannot lose it."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
