"""The announcement's form: its words, whom it goes to, and when (the meetings' publish form's
"now or at a time", checked the same way)."""

from __future__ import annotations

from typing import Any

from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3's; types-WTForms is 3.2
from wtforms.validators import DataRequired, Length, StopValidation

from handbook.announcements.models import BODY_MAX, TITLE_MAX
from handbook.meetings.forms import PublishForm
from handbook.orgs.models import Reach

CHOOSE_REACH = "Vui lòng chọn nơi nhận thông báo."


def _reach_chosen(_form: Any, field: RadioField) -> None:
    if field.data not in (Reach.SELF.value, Reach.SUBTREE.value):
        raise StopValidation(CHOOSE_REACH)


class AnnouncementForm(PublishForm):
    title = StringField(
        "Tiêu đề",
        validators=[
            DataRequired("Vui lòng nhập tiêu đề thông báo."),
            Length(max=TITLE_MAX, message=f"Tiêu đề dài tối đa {TITLE_MAX} ký tự."),
        ],
    )
    body = TextAreaField(
        "Nội dung",
        description="Mỗi đoạn một dòng.",
        render_kw={"rows": 8},
        validators=[
            DataRequired("Vui lòng nhập nội dung thông báo."),
            Length(max=BODY_MAX, message="Nội dung dài tối đa 20.000 ký tự."),
        ],
    )
    reach = RadioField(
        "Gửi tới",
        choices=[SelectChoice(Reach.SELF.value, ""), SelectChoice(Reach.SUBTREE.value, "")],
        default=Reach.SELF.value,
        validate_choice=False,  # ``_reach_chosen`` says it in Vietnamese
        validators=[_reach_chosen],
    )

    def first_problem(self) -> str:
        """The first error in one sentence, for the top of the page."""
        for field in (self.title, self.body, self.reach):
            if field.errors:
                return str(field.errors[0])
        csrf = getattr(self, "csrf_token", None)
        if csrf is not None and csrf.errors:
            return "Phiên làm việc đã hết hạn, vui lòng tải lại trang."
        return self.problem()
