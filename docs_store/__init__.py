"""Document storage and text extraction, with no Flask import.

``FileSystemBlobStore`` keeps uploaded files by content hash; ``docs_store.extract`` turns a
stored PDF, DOCX or TXT into pages of text, in a sandboxed child process when the input is
untrusted.
"""

from .base import BlobInfo, BlobStore, check_sha256
from .errors import BlobNotFound, ExtractionError, StorageError, TooLarge
from .filesystem import FileSystemBlobStore

__all__ = [
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "ExtractionError",
    "FileSystemBlobStore",
    "StorageError",
    "TooLarge",
    "check_sha256",
]
