"""Reading a list of members from a CSV file: what Excel writes, every row checked.

A secretary usually has the list in Excel. We accept what Excel writes as "CSV UTF-8" (with or
without a BOM, comma or semicolon) and UTF-16 text; any bad row is reported with its line
number and reason in Vietnamese. No database here: ``member_import`` adds what the accounts
already stored say, and stores the rows.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from handbook.accounts.phone import normalize_phone
from handbook.orgs.models import Role, Standing

#: Rows checked between two reports of progress.
_PROGRESS_EVERY = 500

#: Accepted header spellings (compared without diacritics, case or spaces) for each column.
_COLUMNS = {
    "phone": {"phone", "sodienthoai", "sdt", "dienthoai", "didong"},
    "full_name": {"fullname", "name", "hoten", "hovaten", "ten"},
    "role": {"role", "vaitro", "chucvu"},
    "username": {"username", "tendangnhap"},
    "standing": {"standing", "loaidangvien", "dangvienchinhthucdubi", "tucach"},
    "exempt_from": {"exemptfrom", "miensinhhoattu", "miensinhhoattungay", "mienshtu"},
    "exempt_until": {"exemptuntil", "miensinhhoatden", "miensinhhoatdenngay", "mienshden"},
}
_STANDING_WORDS = {
    "": Standing.OFFICIAL,
    "official": Standing.OFFICIAL,
    "chinhthuc": Standing.OFFICIAL,
    "dangvienchinhthuc": Standing.OFFICIAL,
    "probationary": Standing.PROBATIONARY,
    "dubi": Standing.PROBATIONARY,
    "dangviendubi": Standing.PROBATIONARY,
}
#: How Excel in Vietnam writes a date, and ISO.
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")
_ROLE_WORDS = {
    "": Role.MEMBER,
    "member": Role.MEMBER,
    "dangvien": Role.MEMBER,
    "secretary": Role.SECRETARY,
    "bithu": Role.SECRETARY,
    "bithuchibo": Role.SECRETARY,
    "committee": Role.COMMITTEE,
    "capuy": Role.COMMITTEE,
    "uyvien": Role.COMMITTEE,
}


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass(frozen=True)
class Row:
    line: int
    phone: str
    full_name: str
    role: Role
    username: str | None
    standing: Standing = Standing.OFFICIAL
    exempt_from: date | None = None
    exempt_until: date | None = None


def _fold(text: str) -> str:
    """Lower case, no diacritics, no spaces or punctuation: how headers and roles are matched."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text.lower() if c.isalnum() and not unicodedata.combining(c))


class NotUtf8(ValueError):
    """The upload is in a legacy encoding; ``line`` is where the first bad byte sits."""

    def __init__(self, line: int) -> None:
        self.line = line
        super().__init__(
            "Tệp không phải mã UTF-8 (có thể do lưu bằng bảng mã cũ như TCVN3, VNI hoặc "
            "Windows-1258). Trong Excel, hãy chọn Lưu thành “CSV UTF-8”."
        )


def decode(raw: bytes) -> str:
    """Text of the upload; Excel's UTF-16 "Unicode text" is accepted too."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUtf8(raw[: exc.start].count(b"\n") + 1) from exc


def parse(
    raw: bytes,
    *,
    max_rows: int,
    allowed_roles: frozenset[Role],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Row], list[RowError]]:
    """Check every row of the file; returns the good rows and every error found.

    The records are read first (a file over ``max_rows`` is refused before any row is
    checked), then each is checked; ``progress(checked, total)`` hears how far it got.
    """
    if not raw.strip():
        return [], [RowError(1, "Tệp trống: không có dòng nào để nhập.")]
    try:
        text = decode(raw)
    except NotUtf8 as exc:
        return [], [RowError(exc.line, str(exc))]
    except UnicodeDecodeError:
        return [], [RowError(0, "Tệp UTF-16 bị hỏng: không đọc được nội dung.")]
    if "\x00" in text:
        return [], [RowError(0, "Tệp chứa ký tự không hợp lệ: đây không phải tệp CSV văn bản.")]

    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return [], [RowError(1, "Không đọc được dòng tiêu đề của tệp CSV.")]
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        for key, spellings in _COLUMNS.items():
            if _fold(title) in spellings and key not in columns:
                columns[key] = index
    missing = [name for name in ("phone", "full_name") if name not in columns]
    if missing:
        names = {"phone": "“Số điện thoại”", "full_name": "“Họ và tên”"}
        return [], [
            RowError(1, "Thiếu cột " + " và ".join(names[m] for m in missing) + " ở dòng tiêu đề.")
        ]

    records: list[tuple[int, list[str]]] = []
    errors: list[RowError] = []
    try:
        for record_row in reader:
            if not any(cell.strip() for cell in record_row):
                continue
            if len(records) >= max_rows:
                limit = f"{max_rows:,}".replace(",", ".")
                message = f"Tệp có hơn {limit} dòng dữ liệu; vui lòng chia nhỏ tệp."
                return [], [RowError(reader.line_num, message)]
            records.append((reader.line_num, record_row))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, f"Dòng không đúng định dạng CSV ({exc})."))

    rows: list[Row] = []
    seen_phones: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}
    for checked, (line, record_row) in enumerate(records, start=1):
        if progress is not None and checked % _PROGRESS_EVERY == 0:
            progress(checked, len(records))
        row, problem = _check_row(record_row, line, columns, allowed_roles)
        if problem:
            errors.append(RowError(line, problem))
            continue
        assert row is not None
        if row.phone in seen_phones:
            errors.append(
                RowError(
                    line, f"Số điện thoại {row.phone} trùng với dòng {seen_phones[row.phone]}."
                )
            )
            continue
        seen_phones[row.phone] = line
        if row.username:
            key = row.username.lower()
            if key in seen_usernames:
                errors.append(
                    RowError(
                        line, f"Tên đăng nhập {row.username} trùng với dòng {seen_usernames[key]}."
                    )
                )
                continue
            seen_usernames[key] = line
        rows.append(row)
    if progress is not None:
        progress(len(records), len(records))
    if not rows and not errors:
        errors.append(RowError(2, "Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào."))
    return rows, sorted(errors, key=lambda e: e.line)


def _check_row(
    cells: list[str], line: int, columns: dict[str, int], allowed_roles: frozenset[Role]
) -> tuple[Row | None, str | None]:
    def cell(key: str) -> str:
        index = columns.get(key)
        if index is None or index >= len(cells):
            return ""
        return unicodedata.normalize("NFC", cells[index]).strip()

    raw_phone = cell("phone")
    if not raw_phone:
        return None, "Thiếu số điện thoại."
    phone = normalize_phone(raw_phone)
    if phone is None:
        return None, f"Số điện thoại “{raw_phone[:30]}” không hợp lệ."
    full_name = " ".join(cell("full_name").split())
    if not full_name:
        return None, "Thiếu họ và tên."
    if len(full_name) > 120:
        return None, "Họ và tên quá dài (tối đa 120 ký tự)."
    role = _ROLE_WORDS.get(_fold(cell("role")))
    if role is None:
        return (
            None,
            f"Vai trò “{cell('role')[:30]}” không hợp lệ (dùng: đảng viên, bí thư, cấp ủy).",
        )
    if role not in allowed_roles:
        return None, f"Không thể giao vai trò “{role.label}” ở tổ chức này."
    username = cell("username") or None
    if username is not None and (
        len(username) > 64 or not username.replace(".", "").replace("_", "").isalnum()
    ):
        return None, f"Tên đăng nhập “{username[:30]}” không hợp lệ."
    standing = _STANDING_WORDS.get(_fold(cell("standing")))
    if standing is None:
        return (
            None,
            f"Loại đảng viên “{cell('standing')[:30]}” không hợp lệ (dùng: chính thức, dự bị).",
        )
    dates: list[date | None] = []
    for key, name in (("exempt_from", "Miễn sinh hoạt từ ngày"), ("exempt_until", "đến ngày")):
        text = cell(key)
        day = _date(text)
        if text and day is None:
            return None, f"Ngày “{text[:30]}” ở cột “{name}” không hợp lệ (dùng ngày/tháng/năm)."
        dates.append(day)
    exempt_from, exempt_until = dates
    if exempt_until and not exempt_from:
        return None, "Có ngày hết miễn sinh hoạt nhưng thiếu ngày bắt đầu miễn sinh hoạt."
    if exempt_from and exempt_until and exempt_until < exempt_from:
        return None, "Ngày hết miễn sinh hoạt phải sau ngày bắt đầu."
    row = Row(line, phone, full_name, role, username, standing, exempt_from, exempt_until)
    return row, None


def _date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None
