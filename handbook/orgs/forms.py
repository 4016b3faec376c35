"""Forms for organisations and their members."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3's; types-WTForms is 3.2
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from handbook.orgs.models import EndReason, OrgKind, Role, Situation, Standing


class MemberForm(FlaskForm):
    full_name = StringField(
        "Họ và tên", validators=[DataRequired("Vui lòng nhập họ và tên."), Length(max=120)]
    )
    phone = StringField(
        "Số điện thoại", validators=[DataRequired("Vui lòng nhập số điện thoại."), Length(max=20)]
    )
    role = SelectField(
        "Vai trò",
        choices=[SelectChoice(r.value, r.label) for r in (Role.MEMBER, Role.SECRETARY)],
        default=Role.MEMBER.value,
    )


class ImportForm(FlaskForm):
    file = FileField(
        "Tệp CSV danh sách đảng viên", validators=[FileRequired("Vui lòng chọn tệp CSV.")]
    )


class OrganizationForm(FlaskForm):
    name = StringField(
        "Tên tổ chức", validators=[DataRequired("Vui lòng nhập tên tổ chức."), Length(max=200)]
    )
    kind = SelectField(
        "Cấp", choices=[SelectChoice(k.value, k.label) for k in OrgKind], validators=[Optional()]
    )


class StandingForm(FlaskForm):
    """A member's standing and situation; the member list draws one per member."""

    standing = SelectField(
        "Loại đảng viên",
        choices=[SelectChoice(s.value, s.label) for s in Standing],
        default=Standing.OFFICIAL.value,
    )
    situation = SelectField(
        "Tình trạng",
        choices=[SelectChoice("", "Sinh hoạt bình thường")]
        + [SelectChoice(s.value, s.label) for s in Situation],
        default="",
    )
    situation_from = DateField(
        "Từ ngày",
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    situation_until = DateField(
        "Đến ngày (để trống nếu chưa rõ)", validators=[Optional()], format="%Y-%m-%d"
    )


class QuorumForm(FlaskForm):
    percent = IntegerField(
        "Tỷ lệ có mặt tối thiểu (%), nếu chi bộ có quy định",
        validators=[
            Optional(),
            NumberRange(1, 100, "Tỷ lệ có mặt tối thiểu phải từ 1 đến 100 phần trăm."),
        ],
    )


class RhythmForm(FlaskForm):
    """The branch's regular meeting day and how early its secretary is reminded."""

    day = IntegerField(
        "Ngày sinh hoạt thường kỳ hằng tháng (1 đến 31)",
        description="Để trống nếu chi bộ không có ngày cố định. Tháng không có ngày này "
        "(ví dụ ngày 31 của tháng 4) thì sinh hoạt vào ngày cuối tháng.",
        validators=[
            Optional(),
            NumberRange(1, 31, "Ngày sinh hoạt thường kỳ phải từ 1 đến 31."),
        ],
    )
    days_ahead = IntegerField(
        "Nhắc bí thư chuẩn bị tài liệu trước (số ngày)",
        default=5,
        validators=[
            InputRequired("Vui lòng nhập số ngày nhắc trước."),
            NumberRange(1, 30, "Số ngày nhắc trước phải từ 1 đến 30."),
        ],
    )


class RoleForm(FlaskForm):
    """A member's role; the member list draws one per member it may change, with only the
    roles the viewer may give (``orgs/policy.py`` ``assignable_roles``)."""

    role = SelectField("Vai trò", choices=[SelectChoice(r.value, r.label) for r in Role])


class EndForm(FlaskForm):
    """Ending a membership: why, since when, and a note (required for "Lý do khác")."""

    reason = SelectField(
        "Lý do",
        choices=[SelectChoice("", "— Chọn lý do —")]
        + [SelectChoice(r.value, r.label) for r in EndReason],
        default="",
        validators=[DataRequired("Vui lòng chọn lý do thôi sinh hoạt.")],
    )
    ended_on = DateField(
        # Not "Từ ngày": the member's situation, in the same row, has a field of that name.
        "Ngày thôi sinh hoạt",
        format="%Y-%m-%d",
        validators=[InputRequired("Vui lòng nhập ngày thôi sinh hoạt.")],
    )
    note = TextAreaField(
        "Ghi chú (số quyết định, nơi chuyển đến…)",
        validators=[Optional(), Length(max=500, message="Ghi chú tối đa 500 ký tự.")],
    )


class TransferForm(FlaskForm):
    """Moving a member to another branch (``orgs/transfer.py``): where, from when, a note.
    The branches offered are set by the route, grouped by commune; the choice is checked by
    the transfer itself (with its own words), not by WTForms."""

    destination = SelectField(
        "Chi bộ chuyển đến",
        validators=[DataRequired("Vui lòng chọn chi bộ chuyển đến.")],
        validate_choice=False,
    )
    transferred_on = DateField(
        "Ngày chuyển sinh hoạt",
        format="%Y-%m-%d",
        validators=[InputRequired("Vui lòng nhập ngày chuyển sinh hoạt.")],
    )
    note = TextAreaField(
        "Ghi chú (số quyết định, giấy giới thiệu…)",
        validators=[Optional(), Length(max=250, message="Ghi chú tối đa 250 ký tự.")],
    )
    #: The membership the form was drawn for: a form older than another officer's transfer
    #: is told so rather than acting on whatever membership is there now.
    membership = HiddenField()
