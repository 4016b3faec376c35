"""What a push says: the JSON the service worker reads (``static/js/sw.js``), for each kind of
notice, built from what the callers of ``operations.push_after_commit`` pass.

``{"title", "body", "url", "tag", "kind"}``, and ``pack`` (the meeting's pages and recordings
to fetch) for a newly published meeting. The tag names what the notice is about; the push
service's ``Topic`` comes from it, so a newer push about the same thing replaces one not yet
delivered, and the phone shows one notice for it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

#: The push services' ``Topic`` header: at most 32 characters of the URL-safe base64 alphabet.
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True)
class Message:
    """One push: the JSON the service worker reads, and how the push service treats it."""

    data: dict[str, Any]
    urgency: str = "normal"

    @property
    def topic(self) -> str:
        return topic(str(self.data["tag"]))

    def body(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))


def topic(tag: str) -> str:
    """The ``Topic`` header for a tag (a newer push with it replaces one not yet delivered)."""
    plain = tag.replace(":", "-")
    if _TOPIC.fullmatch(plain):
        return plain
    return base64.urlsafe_b64encode(hashlib.sha256(tag.encode()).digest()).decode()[:32]


#: Which preference (``PushPreference`` column) each kind of notice answers to.
PREFERENCE = {
    "meeting.published": "meetings",
    "document.published": "meetings",
    "announcement.published": "meetings",
    "meeting.changed": "meetings",
    "meeting.cancelled": "meetings",
    "reminder": "reminders",
    "meeting.prepare": "reminders",
    "participation.idle": "reminders",
    "comment.reply": "replies",
    "comment.mention": "mentions",
    # Where the member's meetings now come from, and who came to the secretary's branch.
    "membership.transferred": "meetings",
    "membership.arrived": "meetings",
}


def message(kind: str, payload: dict[str, Any]) -> Message | None:
    """The push for a notice (what callers of ``push_after_commit`` pass); ``None`` for kinds
    that are not pushed."""
    url = str(payload.get("url") or "/notifications")
    title = str(payload.get("title") or "")
    where = " · ".join(str(p) for p in (payload.get("when"), payload.get("place")) if p)
    meeting = payload.get("meeting")
    data: dict[str, Any] = {"kind": kind, "url": url}
    urgency = "normal"
    if kind == "meeting.published":
        data |= {
            "title": f"Lịch sinh hoạt mới: {title}",
            "body": where,
            "tag": f"meeting:{meeting}",
        }
        data["pack"] = f"/meetings/{meeting}/pack"
    elif kind == "meeting.changed":
        data |= {"title": f"Thay đổi lịch: {title}", "body": where, "tag": f"meeting:{meeting}"}
    elif kind == "meeting.cancelled":
        reason = payload.get("reason")
        body = f"Lý do: {reason}" if reason else where
        data |= {"title": f"Đã hủy buổi sinh hoạt: {title}", "body": body}
        data["tag"] = f"meeting:{meeting}"
    elif kind == "document.published":
        body = " · ".join(str(p) for p in (payload.get("meeting_title"), payload.get("when")) if p)
        data |= {
            "title": f"Tài liệu mới: {title}",
            "body": body or str(payload.get("organization") or ""),
        }
        data["tag"] = f"document:{payload.get('document')}"
    elif kind == "announcement.published":  # a committee's or branch's word (announcements)
        data |= {
            "title": f"Thông báo: {title}",
            "body": str(payload.get("excerpt") or payload.get("organization") or ""),
            "tag": f"announcement:{payload.get('announcement')}",
        }
    elif kind == "reminder":
        data |= {
            "title": f"Nhắc đọc tài liệu: {title}",
            "body": where,
            "tag": f"reminder:{meeting}",
        }
        urgency = "high"
    elif kind == "participation.idle":  # the secretary's or committee's nudge (participation)
        data |= {
            "title": f"Mời đồng chí tham gia: {title}",
            "body": "Đồng chí chưa đọc, nghe hay góp ý tài liệu của buổi sinh hoạt này.",
            "tag": f"reminder:{meeting}",
        }
    elif kind == "meeting.prepare":  # the secretary's monthly reminder (meetings.rhythm)
        data |= {
            "title": "Sắp đến ngày sinh hoạt chi bộ thường kỳ",
            "body": title,
            "tag": f"prepare:{payload.get('day')}",
        }
    elif kind in ("comment.reply", "comment.mention"):
        data |= {
            "title": title,
            "body": str(payload.get("excerpt") or ""),
            "tag": f"comment:{payload.get('comment')}",
        }
    elif kind in ("membership.transferred", "membership.arrived"):  # orgs.transfer
        data |= {
            "title": title,
            "body": str(payload.get("when") or ""),
            "tag": f"{kind}:{payload.get('url')}",
        }
    else:
        return None
    return Message(data=data, urgency=urgency)
