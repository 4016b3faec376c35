"""The blob store interface the app programs against."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from .errors import StorageError

_SHA256 = re.compile(r"[0-9a-f]{64}")


class Readable(Protocol):
    """What ``save`` needs of its input, so that any binary stream will do (an open file,
    ``BytesIO``, werkzeug's upload stream typed ``IO[bytes]``): ``read(size)`` bytes, ``b""``
    at the end."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class BlobInfo:
    """What ``save`` stored: the content's sha256 (its id) and its size in bytes."""

    sha256: str
    size: int


def check_sha256(sha256: object) -> str:
    """Return ``sha256`` if it is 64 lowercase hex digits, else raise StorageError.

    Ids reach the store from URLs and forms, so anything else (``../``, upper case, a trailing
    newline, a non-string) is refused before it can become part of a path.
    """
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise StorageError(f"invalid blob id: {sha256!r:.80}")
    return sha256


class BlobStore(ABC):
    """Content-addressed storage of uploaded files.

    Contract every implementation keeps:

    - ``save(stream)`` reads the stream to its end and returns ``BlobInfo(sha256, size)``.
      The sha256 of the content is the blob's id, so identical content is stored once and
      saving it again returns the same id.
    - ``save`` writes to a temporary file next to the final place, fsyncs it and then moves
      it into place atomically (``os.link`` / ``os.replace``): a crash or an exception in the
      stream never leaves a half-written blob, and a reader never sees one.
    - ``save`` enforces ``max_size`` while streaming: a longer stream raises ``TooLarge`` and
      leaves nothing behind (no blob, no temporary file).
    - ``open(sha256)`` returns a binary file object (the caller closes it); ``path(sha256)`` the
      local path (for ``send_file`` with HTTP Range, and for text extraction);
      ``exists``, ``size`` and ``delete`` do what they say; ``delete`` of a missing blob is not
      an error.
    - Every method that takes an id rejects anything but 64 lowercase hex digits with
      ``StorageError``: ids come from user input. A well-formed id that is not stored raises
      ``BlobNotFound`` (a ``StorageError``) from ``open``, ``path`` and ``size``.
    - OS errors surface as ``StorageError`` chained to the original (``raise ... from e``).
    """

    max_size: int

    @abstractmethod
    def save(self, stream: Readable) -> BlobInfo:
        """Store the stream's content; return its id and size."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for reading."""

    @abstractmethod
    def path(self, sha256: str) -> Path:
        """Local path of a stored blob."""

    @abstractmethod
    def exists(self, sha256: str) -> bool:
        """Whether a blob with this id is stored."""

    @abstractmethod
    def size(self, sha256: str) -> int:
        """Size in bytes of a stored blob."""

    @abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove a blob; a missing one is ignored."""
