"""Forms for organisations and their members."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3's; types-WTForms is 3.2
from wtforms.validators import DataRequired, Length, Optional

from handbook.orgs.models import OrgKind, Role


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
