"""Files that appear whole or not at all: a temp file beside the target, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from types import TracebackType

__all__ = ["AtomicWriter"]


class AtomicWriter:
    """Write ``path`` through a temp file in the same directory (so ``os.replace`` is atomic);
    leaving the ``with`` block by an exception, or calling :meth:`abort`, removes the temp file.
    Writes go through ``os.write`` so a full disk surfaces as ``OSError(ENOSPC)`` at once."""

    def __init__(self, path: Path, mode: int = 0o644) -> None:
        self.path = Path(path)
        fd, name = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        self.fd: int | None = fd
        self.temp_path = Path(name)
        self.size = 0
        try:
            os.fchmod(fd, mode)
        except OSError:
            self.abort()
            raise

    def write(self, data: bytes) -> None:
        """Append ``data``, retrying short writes."""
        assert self.fd is not None, "writer already closed"
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
            self.size += written

    def commit(self) -> None:
        """Make the data durable and put the file in place."""
        assert self.fd is not None, "writer already closed"
        fd, self.fd = self.fd, None
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(self.temp_path, self.path)
        with contextlib.suppress(OSError):  # the rename's durability; not every fs allows it
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def abort(self) -> None:
        """Drop the temp file; safe to call more than once."""
        if self.fd is not None:
            fd, self.fd = self.fd, None
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            self.temp_path.unlink()

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None or self.fd is not None:
            self.abort()  # an exception, or a block that never committed
