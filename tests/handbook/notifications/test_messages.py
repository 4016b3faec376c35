"""What each kind of notice says on the phone (the service worker's contract), and its Topic."""

from __future__ import annotations

import re

import pytest

from handbook.notifications.messages import message, topic

FACTS = {
    "meeting": 5,
    "title": "Sinh hoạt chi bộ tháng 12",
    "when": "19:30 ngày 10/12/2026",
    "place": "Nhà văn hóa thôn",
    "url": "/meetings/5",
}


@pytest.mark.parametrize(
    ("kind", "payload", "expected", "urgency"),
    [
        (
            "meeting.published",
            FACTS,
            {
                "title": "Lịch sinh hoạt mới: Sinh hoạt chi bộ tháng 12",
                "body": "19:30 ngày 10/12/2026 · Nhà văn hóa thôn",
                "tag": "meeting:5",
                "pack": "/meetings/5/pack",
            },
            "normal",
        ),
        (
            "reminder",
            FACTS,
            {
                "title": "Nhắc đọc tài liệu: Sinh hoạt chi bộ tháng 12",
                "body": "19:30 ngày 10/12/2026 · Nhà văn hóa thôn",
                "tag": "reminder:5",
            },
            "high",
        ),
        (
            "meeting.cancelled",
            FACTS | {"reason": "Trùng lịch họp xã"},
            {
                "title": "Đã hủy buổi sinh hoạt: Sinh hoạt chi bộ tháng 12",
                "body": "Lý do: Trùng lịch họp xã",
                "tag": "meeting:5",
            },
            "normal",
        ),
        (
            "document.published",
            {
                "document": 7,
                "title": "Nghị quyết số 12",
                "url": "/documents/7",
                "organization": "Chi bộ thôn Một",
            },
            {
                "title": "Tài liệu mới: Nghị quyết số 12",
                "body": "Chi bộ thôn Một",
                "tag": "document:7",
            },
            "normal",
        ),
        (
            "comment.reply",
            {
                "comment": 12,
                "title": "Hoàng Văn Thắng trả lời góp ý của bạn",
                "excerpt": "Sẽ bổ sung ạ",
                "url": "/documents/7#c-12",
            },
            {
                "title": "Hoàng Văn Thắng trả lời góp ý của bạn",
                "body": "Sẽ bổ sung ạ",
                "tag": "comment:12",
            },
            "normal",
        ),
    ],
)
def test_each_kind_says_what_happened_in_vietnamese(kind, payload, expected, urgency) -> None:
    pushed = message(kind, payload)
    assert pushed is not None
    assert pushed.data == {"kind": kind, "url": payload["url"], **expected}
    assert pushed.urgency == urgency
    assert "pack" not in pushed.data or kind == "meeting.published"


def test_kinds_not_pushed_give_no_message() -> None:
    assert message("account.something", {"title": "x"}) is None


def test_topics_are_short_url_safe_and_collapse_the_same_tag() -> None:
    assert topic("meeting:5") == "meeting-5"
    long = topic("comment:" + "9" * 40)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", long)
    assert long == topic("comment:" + "9" * 40) != topic("comment:" + "8" * 40)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", topic("tag with spaces/and:ü"))
