"""Uploaded documents (PDF, DOCX, TXT) to pages of Vietnamese text.

``detect_kind`` checks what a file is before any parser sees it; ``extract`` reads it in this
process; ``extract_sandboxed`` does the same in a limited child process and is what the app
uses for uploads. ``python -m docs_store.extract FILE`` prints the text.
"""

from ..errors import ExtractionError
from .core import DEFAULT_MAX_PAGES, extract
from .detect import HEAD_BYTES, detect_kind
from .model import Block, ExtractedDocument, Page
from .sandbox import extract_sandboxed

__all__ = [
    "DEFAULT_MAX_PAGES",
    "HEAD_BYTES",
    "Block",
    "ExtractedDocument",
    "ExtractionError",
    "Page",
    "detect_kind",
    "extract",
    "extract_sandboxed",
]
