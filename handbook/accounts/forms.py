"""Sign-in and password forms (CSRF-protected through Flask-WTF)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    login = StringField(
        "Số điện thoại hoặc tên đăng nhập",
        validators=[
            DataRequired("Vui lòng nhập số điện thoại hoặc tên đăng nhập."),
            Length(max=64),
        ],
    )
    password = PasswordField(
        "Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu."), Length(max=128)]
    )
    remember = BooleanField("Ghi nhớ đăng nhập trên máy này")


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        "Mật khẩu hiện tại", validators=[DataRequired("Vui lòng nhập mật khẩu hiện tại.")]
    )
    new = PasswordField("Mật khẩu mới", validators=[DataRequired("Vui lòng nhập mật khẩu mới.")])
    confirm = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[
            DataRequired("Vui lòng nhập lại mật khẩu mới."),
            EqualTo("new", "Hai lần nhập mật khẩu mới không khớp nhau."),
        ],
    )
