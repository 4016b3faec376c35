"""Forms for meetings: details and agenda, publication time, cancellation, uploads."""

from __future__ import annotations

import datetime as dt
import re
from datetime import date, datetime, time
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3's; types-WTForms is 3.2
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation

from handbook.core.timeutil import VIETNAM_TZ
from handbook.meetings import agenda_templates
from handbook.meetings.models import MeetingKind

# --- dates and times as Vietnamese write them, whatever the browser's language ---------------
# A native <input type=date> shows the phone's own format (mm/dd/yyyy on an English phone, a
# 12-hour clock): these are text inputs with the number pad, and the server reads what people
# type: 05/12/2026, 5/12/2026, 05.12.2026, 05-12-2026, 05122026 (and 2026-12-05, what a date
# input or the API sends, or 2026/12/05); 19:30, 19h30, 19g30, 19.30, 1930, 19.

_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4}|\d{2})")
_DIGITS_DATE = re.compile(r"(\d{2})(\d{2})(\d{4})")
_YEAR_FIRST = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})")
_HOURS_MINUTES = re.compile(r"(\d{1,2})(?:\s*[:hHgG.]\s*(\d{2})?(?::\d{2})?)?")
_DIGITS_TIME = re.compile(r"(\d{1,2})(\d{2})")

DATE_HINT = "Ngày/tháng/năm, ví dụ 05/12/2026"
TIME_HINT = "Giờ:phút theo 24 giờ, ví dụ 19:30"


def parse_vn_date(text: str) -> date:
    """``05/12/2026`` (and the other ways above) → 5 December 2026; ``ValueError`` in
    Vietnamese otherwise."""
    text = text.strip()
    if found := _YEAR_FIRST.fullmatch(text):
        year, month, day = (int(g) for g in found.groups())
    elif found := _DAY_MONTH_YEAR.fullmatch(text) or _DIGITS_DATE.fullmatch(text):
        day, month, year = (int(g) for g in found.groups())
        if year < 100:
            year += 2000
    else:
        raise ValueError("Ngày cần viết theo dạng ngày/tháng/năm, ví dụ 05/12/2026.")
    try:
        return date(year, month, day)
    except ValueError:
        wrong = f"{day:02d}/{month:02d}/{year}"
        raise ValueError(f"Không có ngày {wrong}: vui lòng kiểm tra lại.") from None


def parse_vn_time(text: str) -> time:
    """``19:30`` (and the other ways above) → 19:30; ``ValueError`` in Vietnamese otherwise."""
    text = text.strip()
    found = _HOURS_MINUTES.fullmatch(text) or _DIGITS_TIME.fullmatch(text)
    if found is None:
        raise ValueError("Giờ cần viết theo dạng giờ:phút (24 giờ), ví dụ 19:30.")
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    if hour > 23 or minute > 59:
        raise ValueError("Giờ không hợp lệ: giờ từ 0 đến 23, phút từ 00 đến 59.")
    return time(hour, minute)


class _TypedField(StringField):
    """A text input the number pad fills; ``data`` is the parsed value (or ``None``)."""

    data: Any
    shown = ""
    hint = ""
    pattern = ""
    placeholder = ""

    def __init__(self, label: str, validators: Any = None, **kwargs: Any) -> None:
        render_kw = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "pattern": self.pattern,
            "placeholder": self.placeholder,
            "maxlength": "10",
            **kwargs.pop("render_kw", {}),
        }
        kwargs.setdefault("description", self.hint)
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])  # what was typed, to be corrected
        return self.data.strftime(self.shown) if self.data else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist and str(valuelist[0]).strip():
            self.data = self.parse(str(valuelist[0]))

    def parse(self, text: str) -> Any:
        raise NotImplementedError


class VnDateField(_TypedField):
    """A date typed as ``dd/mm/yyyy``."""

    shown = "%d/%m/%Y"
    hint = DATE_HINT
    pattern = r"\d{1,2}/\d{1,2}/\d{4}"
    placeholder = "ngày/tháng/năm"

    def parse(self, text: str) -> date:
        return parse_vn_date(text)


class VnTimeField(_TypedField):
    """A time of day typed as ``HH:MM``, 24-hour."""

    shown = "%H:%M"
    hint = TIME_HINT
    pattern = r"\d{1,2}:\d{2}"
    placeholder = "giờ:phút"

    def __init__(self, label: str, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"maxlength": "5"})
        super().__init__(label, validators, **kwargs)

    def parse(self, text: str) -> time:
        return parse_vn_time(text)


class MeetingForm(FlaskForm):
    title = StringField(
        "Tên buổi sinh hoạt",
        validators=[DataRequired("Vui lòng nhập tên buổi sinh hoạt."), Length(max=300)],
    )
    kind = SelectField(
        "Loại", choices=[SelectChoice(k.value, k.label) for k in MeetingKind], default="regular"
    )
    # InputRequired, not DataRequired: what was typed but not understood keeps its own message.
    date = VnDateField("Ngày", validators=[InputRequired("Vui lòng nhập ngày sinh hoạt.")])
    time = VnTimeField("Giờ", validators=[InputRequired("Vui lòng nhập giờ sinh hoạt.")])
    place = StringField("Địa điểm", validators=[Length(max=300)])
    agenda = TextAreaField("Chương trình (mỗi nội dung một dòng)", validators=[Length(max=20_000)])
    subtree = BooleanField("Gửi tới mọi chi bộ trực thuộc")
    #: The agenda template the form was pre-filled from (``agenda_templates``), if any.
    template = HiddenField()

    def validate_template(self, field: HiddenField) -> None:
        if field.data and field.data not in agenda_templates.TEMPLATES:
            raise StopValidation(agenda_templates.UNKNOWN_TEMPLATE)

    def validate_agenda(self, field: TextAreaField) -> None:
        """A meeting made from a template keeps at least one of its items (or the secretary's)."""
        if self.template.data and not any(c.isalpha() for c in field.data or ""):
            raise StopValidation(agenda_templates.EMPTY_TEMPLATE)

    def prefill(self, template: agenda_templates.AgendaTemplate, day: dt.date) -> None:
        """Fill the form from ``template`` for a meeting in ``day``'s month."""
        self.template.data = template.key
        self.title.data = template.title_for(day)
        self.kind.data = template.kind.value
        self.agenda.data = template.agenda_text

    def starts_at(self) -> datetime:
        assert self.date.data is not None and self.time.data is not None
        return datetime.combine(self.date.data, self.time.data, tzinfo=VIETNAM_TZ)


#: The publication's two ways; neither is chosen for the secretary.
PUBLISH_NOW, PUBLISH_LATER = "now", "later"
CHOOSE_WHEN = "Vui lòng chọn “Công bố ngay” hoặc “Hẹn giờ công bố”."


def _chosen(_form: Any, field: RadioField) -> None:
    """A choice was made, and it is one of the two (a forged value gets the same words)."""
    if field.data not in (PUBLISH_NOW, PUBLISH_LATER):
        raise StopValidation(CHOOSE_WHEN)


class PublishForm(FlaskForm):
    """Now, or at a date and time that are asked (and checked) only for "later". A meeting
    without documents, or with one still being read, needs ``confirm`` (the second step)."""

    when = RadioField(
        "Thời điểm công bố",
        choices=[
            SelectChoice(PUBLISH_NOW, "Công bố ngay"),
            SelectChoice(PUBLISH_LATER, "Hẹn giờ công bố"),
        ],
        validate_choice=False,  # ``_chosen`` says it in Vietnamese
        validators=[_chosen],
    )
    date = VnDateField("Ngày công bố")
    time = VnTimeField("Giờ công bố")
    #: Sent by the confirmation step's "Vẫn công bố".
    confirm = HiddenField()

    def validate(self, extra_validators: Any = None) -> bool:
        later = self.when.data == PUBLISH_LATER
        if not later:  # what the hidden date and time hold does not matter for "now"
            for typed in (self.date, self.time):
                typed.process_errors, typed.data = [], None
        valid = super().validate(extra_validators)
        if later:
            for typed, missing in (
                (self.date, "Vui lòng nhập ngày công bố."),
                (self.time, "Vui lòng nhập giờ công bố."),
            ):
                if typed.data is None and not typed.errors:
                    typed.errors = [*typed.errors, missing]
                    valid = False
        return valid

    def problem(self) -> str:
        """The errors in one sentence, for the top of the page (each field also has its own)."""
        if self.when.errors:
            return str(self.when.errors[0])
        typed = [f for f in (self.date, self.time) if f.raw_data and str(f.raw_data[0]).strip()]
        if not typed:
            return "Vui lòng chọn ngày và giờ công bố."
        return " ".join(str(e) for f in (self.date, self.time) for e in f.errors)

    def publish_at(self) -> datetime | None:
        """``None`` for now; the chosen moment otherwise (call after ``validate``)."""
        if self.when.data != PUBLISH_LATER:
            return None
        assert self.date.data is not None and self.time.data is not None
        return datetime.combine(self.date.data, self.time.data, tzinfo=VIETNAM_TZ)

    @property
    def confirmed(self) -> bool:
        return self.confirm.data == "1"


class CancelForm(FlaskForm):
    reason = StringField("Lý do hủy", validators=[Length(max=500)])
