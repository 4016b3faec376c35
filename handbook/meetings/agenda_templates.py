"""Built-in agenda templates: a regular monthly meeting and a thematic one.

A secretary writes the same outline every month; the template pre-fills the new-meeting form
with it (title for the month, kind, agenda), and the secretary edits what differs. The order
follows the branch meeting procedure of the Central Organisation Committee's guidance,
Hướng dẫn số 12-HD/BTCTW ngày 18/10/2018 của Ban Tổ chức Trung ương "Một số vấn đề về nâng
cao chất lượng sinh hoạt chi bộ" (which replaced Hướng dẫn 09-HD/BTCTW of 2012). The wording
below is a short paraphrase written without access to the official text: it is to be checked
against that text before a branch relies on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from handbook.meetings.models import MeetingKind

#: Shown to the secretary when a template would leave the agenda empty.
EMPTY_TEMPLATE = (
    "Mẫu chương trình phải có ít nhất một nội dung. "
    "Vui lòng nhập chương trình, mỗi nội dung một dòng."
)
UNKNOWN_TEMPLATE = "Không có mẫu chương trình này. Vui lòng chọn một mẫu trong danh sách."


class TemplateError(ValueError):
    """A template that cannot fill a meeting; the message is for the secretary."""


@dataclass(frozen=True)
class AgendaTemplate:
    key: str
    #: The button's words and the title's start ("Sinh hoạt chi bộ thường kỳ tháng 12/2026").
    name: str
    kind: MeetingKind
    items: tuple[str, ...]

    def __post_init__(self) -> None:
        # A template with no items would pre-fill nothing and make a meeting with no agenda.
        if not [item for item in self.items if item.strip()]:
            raise TemplateError(EMPTY_TEMPLATE)

    def title_for(self, day: date) -> str:
        return f"{self.name} tháng {day.month}/{day.year}"

    @property
    def agenda_text(self) -> str:
        """The textarea's content: one item a line, as the form reads it."""
        return "\n".join(self.items)


# Source: Hướng dẫn 12-HD/BTCTW (18/10/2018), part on the procedure of a regular branch
# meeting: opening (order, attendance, who chairs and who keeps the minutes), news and
# documents from above, review of last month, tasks for next month, discussion and vote,
# closing (the minutes read and adopted). To be checked against the official text.
REGULAR = AgendaTemplate(
    key="regular",
    name="Sinh hoạt chi bộ thường kỳ",
    kind=MeetingKind.REGULAR,
    items=(
        "Phần mở đầu: ổn định tổ chức, thông báo số đảng viên có mặt, vắng mặt và lý do; "
        "giới thiệu đồng chí chủ trì và thư ký",
        "Thông tin thời sự, phổ biến và quán triệt văn bản mới của cấp trên",
        "Đánh giá tình hình lãnh đạo thực hiện nhiệm vụ tháng trước",
        "Phương hướng, nhiệm vụ tháng tới",
        "Thảo luận, cho ý kiến",
        "Kết luận và biểu quyết nghị quyết",
        "Kết thúc: thông qua biên bản cuộc họp",
    ),
)

# Source: Hướng dẫn 12-HD/BTCTW (18/10/2018), part on thematic meetings (at least once a
# quarter): opening, the theme presented by the member assigned to prepare it, discussion,
# the chair's conclusion and what the branch resolves, closing. To be checked against the
# official text.
THEMATIC = AgendaTemplate(
    key="thematic",
    name="Sinh hoạt chuyên đề",
    kind=MeetingKind.THEMATIC,
    items=(
        "Phần mở đầu: ổn định tổ chức, thông báo số đảng viên có mặt, vắng mặt và lý do; "
        "giới thiệu đồng chí chủ trì và thư ký",
        "Trình bày chuyên đề (đồng chí được phân công chuẩn bị)",
        "Thảo luận, làm rõ nội dung chuyên đề",
        "Kết luận chuyên đề, thống nhất chủ trương và giải pháp thực hiện",
        "Kết thúc: thông qua biên bản cuộc họp",
    ),
)

TEMPLATES: dict[str, AgendaTemplate] = {t.key: t for t in (REGULAR, THEMATIC)}


def get(key: str) -> AgendaTemplate:
    """The template named ``key``; ``TemplateError`` (in Vietnamese) for any other key."""
    try:
        return TEMPLATES[key]
    except KeyError:
        raise TemplateError(UNKNOWN_TEMPLATE) from None
