"""The audit log in words: Vietnamese names for its actions and details, and its entries as
rows for the page and the CSV export (``orgs/audit_log.py`` chooses the entries).

An action without a name here is shown by its code; a detail without one by its key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.core.templating import vn_datetime, vn_datetime_iso
from handbook.orgs.models import EndReason, Organization, Role, Situation, Standing

#: The filter's groups of actions (a prefix of the code), in the order offered.
GROUPS: tuple[tuple[str, str], ...] = (
    ("membership.", "Đảng viên: vai trò, tư cách, thôi sinh hoạt, chuyển sinh hoạt"),
    ("members.", "Nhập danh sách đảng viên"),
    ("auth.", "Đăng nhập và tài khoản"),
    ("org.", "Tổ chức"),
    ("meeting.", "Buổi sinh hoạt"),
    ("document.", "Tài liệu"),
    ("comment.", "Ý kiến"),
    ("attendance.", "Điểm danh"),
    ("vote.", "Biểu quyết"),
    ("minutes.", "Biên bản"),
    ("announcement.", "Thông báo của cấp ủy"),
)

ACTION_LABELS: dict[str, str] = {
    "auth.login": "Đăng nhập",
    "auth.login_failed": "Đăng nhập không thành công",
    "auth.login_delayed": "Đăng nhập bị tạm chờ",
    "auth.logout": "Đăng xuất",
    "auth.device_signed_out": "Đăng xuất một thiết bị",
    "auth.signed_out_everywhere": "Đăng xuất mọi thiết bị",
    "auth.password_changed": "Đổi mật khẩu",
    "auth.password_reset": "Cấp lại mật khẩu",
    "auth.disabled": "Khóa tài khoản",
    "auth.enabled": "Mở khóa tài khoản",
    "membership.added": "Thêm đảng viên",
    "membership.role_changed": "Đổi vai trò",
    "membership.standing": "Ghi nhận tư cách đảng viên",
    "membership.ended": "Thôi sinh hoạt",
    "membership.transferred": "Chuyển sinh hoạt đảng",
    "members.import_started": "Bắt đầu nhập danh sách",
    "members.imported": "Nhập danh sách đảng viên",
    "members.sheet_downloaded": "Tải bảng mật khẩu",
    "members.sheet_erased": "Xóa bảng mật khẩu",
    "org.created": "Tạo tổ chức",
    "org.renamed": "Đổi tên tổ chức",
    "org.moved": "Chuyển tổ chức sang cấp trên khác",
    "org.quorum": "Đặt tỷ lệ có mặt tối thiểu",
    "org.rhythm": "Đặt ngày sinh hoạt thường kỳ",
    "meeting.created": "Tạo buổi sinh hoạt",
    "meeting.updated": "Sửa buổi sinh hoạt",
    "meeting.publish_set": "Đặt thời điểm công bố buổi sinh hoạt",
    "meeting.cancelled": "Hủy buổi sinh hoạt",
    "meeting.reminded": "Nhắc người chưa đọc",
    "meeting.reminded_idle": "Nhắc người chưa tham gia",
    "document.uploaded": "Tải lên tài liệu",
    "document.titled": "Đặt tên tài liệu theo nội dung",
    "document.renamed": "Đổi tên tài liệu",
    "document.publish_set": "Đặt thời điểm công bố tài liệu",
    "document.corrected": "Sửa chữ trong tài liệu",
    "document.checked": "Soát lại đoạn văn bản quét",
    "comment.hidden": "Ẩn ý kiến",
    "comment.unhidden": "Hiện lại ý kiến",
    "attendance.opened": "Mở điểm danh",
    "attendance.closed": "Đóng điểm danh",
    "attendance.marked": "Điểm danh",
    "vote.created": "Tạo biểu quyết",
    "vote.edited": "Sửa biểu quyết",
    "vote.opened": "Mở biểu quyết",
    "vote.counts": "Nhập kết quả giơ tay",
    "vote.closed": "Kết thúc biểu quyết",
    "minutes.drafted": "Lập dự thảo biên bản",
    "minutes.section_saved": "Sửa một phần biên bản",
    "minutes.section_redrafted": "Soạn lại một phần biên bản",
    "minutes.facts_set": "Ghi thông tin biên bản",
    "minutes.approved": "Ký duyệt biên bản",
    "minutes.locked": "Khóa biên bản",
    "minutes.new_version": "Mở phiên bản biên bản mới",
    "announcement.sent": "Gửi thông báo",
    "announcement.withdrawn": "Thu hồi thông báo",
}

DETAIL_LABELS: dict[str, str] = {
    "role": "Vai trò",
    "old": "Trước",
    "new": "Sau",
    "reason": "Lý do",
    "ended_on": "Ngày thôi sinh hoạt",
    "note": "Ghi chú",
    "account_disabled": "Khóa tài khoản",
    "name": "Tên",
    "count": "Số người",
    "user_ids": "Tài khoản",
    "standing": "Loại đảng viên",
    "situation": "Tình trạng",
    "situation_from": "Từ ngày",
    "situation_until": "Đến ngày",
    "percent": "Tỷ lệ (%)",
    "day": "Ngày trong tháng",
    "days_ahead": "Nhắc trước (ngày)",
    "size": "Số byte",
    "downloads": "Số lần tải",
    "why": "Lý do",
    "self_check_in": "Cho tự điểm danh",
    "meeting_id": "Buổi sinh hoạt số",
    "mark": "Điểm danh",
    "at": "Thời điểm",
    "filename": "Tên tệp",
    "title": "Tiêu đề",
    "paragraph": "Đoạn",
    "page": "Trang",
    "ocr": "Văn bản quét",
    "login": "Tên đăng nhập",
    "seconds": "Chờ (giây)",
    "device": "Thiết bị",
    "total": "Tổng số",
    "secret": "Bỏ phiếu kín",
    "number": "Phiên bản",
    "version": "Phiên bản",
    "section": "Mục",
    "from_org": "Từ",
    "to_org": "Đến",
    "transferred_on": "Ngày chuyển sinh hoạt",
    "dropped_situation": "Tình trạng kết thúc khi chuyển",
}

TARGET_LABELS: dict[str, str] = {
    "User": "Tài khoản",
    "Organization": "Tổ chức",
    "Meeting": "Buổi sinh hoạt",
    "Document": "Tài liệu",
    "Comment": "Ý kiến",
    "Vote": "Biểu quyết",
    "Minutes": "Biên bản",
    "MemberImport": "Lượt nhập danh sách",
    "AttendanceSheet": "Điểm danh",
    "Attendance": "Điểm danh",
    "Announcement": "Thông báo",
}

#: Values named by their enum's label, by key (the roles in a role change, too).
_ENUMS: dict[str, dict[str, str]] = {
    "role": {r.value: r.label for r in Role},
    "standing": {s.value: s.label for s in Standing},
    "situation": {s.value: s.label for s in Situation},
    "dropped_situation": {s.value: s.label for s in Situation},
}
_ROLE_CHANGE = {"old": _ENUMS["role"], "new": _ENUMS["role"]}
_END_REASONS = {r.value: r.label for r in EndReason}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T")
#: A longer text is cut on the page (the export keeps it whole).
SHOWN_CHARS = 300


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def _value(action: str, key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, list):
        return f"{len(value)} mục" if len(value) > 5 else ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    names = _ROLE_CHANGE if action == "membership.role_changed" else _ENUMS
    if key in names:
        return names[key].get(text, text)
    if key == "reason" and action == "membership.ended":
        return _END_REASONS.get(text, text)
    if _ISO_DAY.fullmatch(text):
        return f"{date.fromisoformat(text):%d/%m/%Y}"
    if _ISO_MOMENT.match(text):
        return vn_datetime_iso(text)
    return text


def details(entry: AuditLog) -> list[tuple[str, str]]:
    """The entry's details as (label, value) pairs; empty ones left out."""
    return [
        (DETAIL_LABELS.get(key, key), _value(entry.action, key, value))
        for key, value in (entry.details or {}).items()
        if value is not None and value != ""
    ]


@dataclass(frozen=True)
class Row:
    """One entry as read: who, what, where, on what, with which details."""

    id: int
    when: datetime
    action: str
    label: str
    actor_id: int | None
    actor: str
    org_id: int | None
    org: str
    target: str
    details: list[tuple[str, str]]
    ip: str

    @property
    def when_text(self) -> str:
        return vn_datetime(self.when)


def rows(entries: Iterable[AuditLog]) -> list[Row]:
    """The entries in words, with the names of people and organisations read in two queries."""
    entries = list(entries)
    user_ids = {e.actor_id for e in entries if e.actor_id} | {
        e.target_id for e in entries if e.target_type == "User" and e.target_id
    }
    org_ids = {e.organization_id for e in entries if e.organization_id}
    names: dict[int, str] = {
        user_id: name
        for user_id, name in db.session.execute(
            sa.select(User.id, User.full_name).where(User.id.in_(user_ids))
        )
    }
    orgs: dict[int, str] = {
        org_id: name
        for org_id, name in db.session.execute(
            sa.select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))
        )
    }
    return [
        Row(
            id=e.id,
            when=e.created_at,
            action=e.action,
            label=action_label(e.action),
            actor_id=e.actor_id,
            actor=names.get(e.actor_id, "Tài khoản đã xóa") if e.actor_id else "Hệ thống",
            org_id=e.organization_id,
            org=orgs.get(e.organization_id, "") if e.organization_id else "",
            target=_target(e, names),
            details=details(e),
            ip=e.ip or "",
        )
        for e in entries
    ]


def _target(entry: AuditLog, names: dict[int, str]) -> str:
    if entry.target_type is None:
        return ""
    if entry.target_type == "User" and entry.target_id in names:
        return names[entry.target_id]
    kind = TARGET_LABELS.get(entry.target_type, entry.target_type)
    return f"{kind} số {entry.target_id}" if entry.target_id else kind
