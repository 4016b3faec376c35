"""Forms for meetings: details and agenda, publication time, cancellation, uploads."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3's; types-WTForms is 3.2
from wtforms.validators import DataRequired, Length, Optional

from handbook.core.timeutil import VIETNAM_TZ
from handbook.meetings.models import MeetingKind


class MeetingForm(FlaskForm):
    title = StringField(
        "Tên buổi sinh hoạt",
        validators=[DataRequired("Vui lòng nhập tên buổi sinh hoạt."), Length(max=300)],
    )
    kind = SelectField(
        "Loại", choices=[SelectChoice(k.value, k.label) for k in MeetingKind], default="regular"
    )
    date = DateField("Ngày", validators=[DataRequired("Vui lòng chọn ngày sinh hoạt.")])
    time = TimeField("Giờ", validators=[DataRequired("Vui lòng chọn giờ sinh hoạt.")])
    place = StringField("Địa điểm", validators=[Length(max=300)])
    agenda = TextAreaField("Chương trình (mỗi nội dung một dòng)", validators=[Length(max=20_000)])
    subtree = BooleanField("Gửi tới mọi chi bộ trực thuộc")

    def starts_at(self) -> datetime:
        assert self.date.data is not None and self.time.data is not None
        return datetime.combine(self.date.data, self.time.data, tzinfo=VIETNAM_TZ)


class PublishForm(FlaskForm):
    when = RadioField(
        "Công bố",
        choices=[SelectChoice("now", "Công bố ngay"), SelectChoice("later", "Hẹn giờ công bố")],
        default="now",
    )
    date = DateField("Ngày công bố", validators=[Optional()])
    time = TimeField("Giờ công bố", validators=[Optional()])

    def publish_at(self) -> datetime | None:
        """``None`` for now; the chosen moment otherwise (``ValueError`` when incomplete)."""
        if self.when.data != "later":
            return None
        if self.date.data is None or self.time.data is None:
            raise ValueError("Vui lòng chọn ngày và giờ công bố.")
        return datetime.combine(self.date.data, self.time.data, tzinfo=VIETNAM_TZ)


class CancelForm(FlaskForm):
    reason = StringField("Lý do hủy", validators=[Length(max=500)])
