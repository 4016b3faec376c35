"""Errors raised by the blob store and by text extraction.

Storage errors are operational (disk, permissions, size); extraction errors describe what is
wrong with an uploaded file and carry a one-sentence Vietnamese ``message`` the app can show
to the secretary as it is.
"""

from __future__ import annotations

from typing import Literal, get_args


class StorageError(Exception):
    """The blob store could not do what was asked (bad id, OS error, ...)."""


class BlobNotFound(StorageError):
    """No blob with that sha256 is stored (the app answers 404)."""


class TooLarge(StorageError):
    """The stream was longer than the store's ``max_size``; nothing was kept."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"Tệp quá lớn: chỉ nhận tệp tối đa {_human_size(limit)}.")


ExtractionCode = Literal[
    "empty",
    "mismatch",
    "unsupported",
    "encrypted",
    "corrupt",
    "too_many_pages",
    "too_complex",
    "timeout",
    "memory",
    "legacy_encoding",
    "no_text",
]

CODES: frozenset[str] = frozenset(get_args(ExtractionCode))

#: The default message for each code; callers pass a more precise one where they know more.
MESSAGES: dict[str, str] = {
    "empty": "Tệp trống, không có nội dung nào.",
    "mismatch": "Nội dung tệp không đúng với đuôi tên tệp; hãy kiểm tra lại rồi tải lên lại.",
    "unsupported": "Chỉ nhận tệp PDF, Word (.docx), văn bản thuần (.txt) "
    "hoặc ảnh chụp tài liệu (JPEG, PNG, HEIC).",
    "encrypted": "Tệp đang được đặt mật khẩu; hãy gỡ mật khẩu rồi tải lên lại.",
    "corrupt": "Tệp bị hỏng hoặc không trọn vẹn nên không đọc được; "
    "hãy xuất lại tệp rồi tải lên lại.",
    "too_many_pages": "Tệp có quá nhiều trang; hãy tách thành các tệp nhỏ hơn rồi tải lên lại.",
    "too_complex": "Cấu trúc tệp bất thường hoặc quá phức tạp nên hệ thống từ chối xử lý; "
    "hãy xuất lại tệp (ví dụ in ra PDF) rồi tải lên lại.",
    "timeout": "Xử lý tệp quá lâu nên đã dừng; hãy tách tệp thành các phần nhỏ hơn rồi thử lại.",
    "memory": "Tệp cần quá nhiều bộ nhớ để xử lý nên đã dừng; "
    "hãy tách tệp thành các phần nhỏ hơn rồi thử lại.",
    "legacy_encoding": "Văn bản được gõ bằng bảng mã cũ (TCVN3 hoặc VNI) nên chữ sẽ bị lỗi; "
    "hãy chuyển sang Unicode (ví dụ bằng công cụ chuyển mã của Unikey) rồi tải lên lại.",
    "no_text": "Không tìm thấy chữ nào đọc được trong tệp, kể cả sau khi nhận dạng ảnh quét.",
}


class ExtractionError(Exception):
    """An uploaded file cannot be turned into text; ``message`` says why, in Vietnamese."""

    code: str
    message: str

    def __init__(self, code: str, message: str | None = None) -> None:
        if code not in CODES:
            raise ValueError(f"unknown extraction error code: {code!r}")
        self.code = code
        self.message = message or MESSAGES[code]
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ExtractionError({self.code!r}, {self.message!r})"

    def __reduce__(self) -> tuple[type[ExtractionError], tuple[str, str]]:
        return (ExtractionError, (self.code, self.message))

    def to_dict(self) -> dict[str, str]:
        """The JSON form that crosses the sandbox's process boundary."""
        return {"code": self.code, "message": self.message}


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} byte"


def too_many_pages(limit: int) -> ExtractionError:
    """The ``too_many_pages`` error naming the limit."""
    return ExtractionError(
        "too_many_pages",
        f"Tệp có quá nhiều trang (tối đa {limit} trang); "
        "hãy tách thành các tệp nhỏ hơn rồi tải lên lại.",
    )
