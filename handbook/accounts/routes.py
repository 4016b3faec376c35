"""Sign-in, sign-out, the account page, password change and the larger-text switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from handbook import db, realtime
from handbook.accounts import operations
from handbook.accounts.forms import LoginForm, PasswordChangeForm
from handbook.accounts.operations import LoginFailure
from handbook.audit.operations import record
from handbook.extensions import limiter

bp = Blueprint("accounts", __name__)

#: Endpoints a user who must change their password may still reach.
_ALLOWED_BEFORE_CHANGE = {"accounts.password", "accounts.logout", "static"}


@bp.before_app_request
def _file_sockets_under_this_browser() -> None:
    """Sockets are filed under a key of the browser session; make it during an HTTP request,
    since what a socket handler writes into the session is never saved to the cookie."""
    if current_user.is_authenticated:
        realtime.session_key()


@bp.before_app_request
def _force_password_change() -> Response | None:
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _ALLOWED_BEFORE_CHANGE
    ):
        return redirect(url_for("accounts.password"))
    return None


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("accounts/login.html", form=form), status
    result = operations.authenticate(form.login.data or "", form.password.data or "")
    db.session.commit()
    if result.user is None:
        return render_template("accounts/login.html", form=form, error=_failure_message(result)), (
            429 if result.failure is LoginFailure.LOCKED else 401
        )
    login_user(result.user, remember=form.remember.data)
    if result.user.must_change_password:
        flash("Đây là lần đăng nhập đầu tiên: vui lòng đặt mật khẩu mới của riêng bạn.", "info")
        return redirect(url_for("accounts.password"))
    return redirect(_safe_next(request.args.get("next")))


def _failure_message(result: operations.LoginResult) -> str:
    if result.failure is LoginFailure.LOCKED:
        return (
            "Tài khoản tạm thời bị khóa do nhập sai mật khẩu nhiều lần. "
            f"Vui lòng thử lại sau {result.retry_minutes} phút hoặc liên hệ bí thư chi bộ."
        )
    if result.failure is LoginFailure.DISABLED:
        return "Tài khoản đã bị vô hiệu hóa. Vui lòng liên hệ bí thư chi bộ."
    return "Số điện thoại, tên đăng nhập hoặc mật khẩu không đúng."


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site, never to another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("pages.home")


@bp.post("/logout")
@login_required
def logout() -> Response:
    record("auth.logout", actor_id=current_user.id, target=current_user)
    db.session.commit()
    realtime.end_sessions(current_user.id, session_key=realtime.session_key())
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("accounts.login"))


@bp.get("/account")
@login_required
def account() -> str:
    return render_template("accounts/account.html")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> Response | str | tuple[str, int]:
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return render_template("accounts/password.html", form=form), (
            400 if request.method == "POST" else 200
        )
    problem = operations.change_password(current_user, form.current.data, form.new.data)
    if problem:
        db.session.rollback()
        return render_template("accounts/password.html", form=form, error=problem), 400
    db.session.commit()
    realtime.end_sessions(current_user.id)  # every device; this one reconnects by itself
    # The session version moved on: sign this browser in again under the new one.
    login_user(
        current_user._get_current_object(),
        remember=request.cookies.get("remember_token") is not None,
    )
    flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã được đăng xuất.", "success")
    return redirect(url_for("pages.home"))


@bp.post("/account/text-size")
@login_required
def text_size() -> Response:
    current_user.large_text = not current_user.large_text
    db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
