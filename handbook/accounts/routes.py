"""Sign-in, sign-out, the account page, password change and the reading size."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from handbook.accounts import devices, operations, sessions
from handbook.accounts.forms import LoginForm, PasswordChangeForm
from handbook.accounts.models import Device, TextSize
from handbook.accounts.operations import LoginFailure
from handbook.audit.operations import record
from handbook.core import db, realtime
from handbook.core.extensions import limiter

bp = Blueprint("accounts", __name__)

#: Endpoints a user who must change their password may still reach.
_ALLOWED_BEFORE_CHANGE = {"accounts.password", "accounts.logout", "static"}


@bp.before_app_request
def _force_password_change() -> Response | None:
    # The endpoint first: a static file never loads the user (a query, and the session read,
    # which would make the file's answer vary by cookie).
    if request.endpoint in _ALLOWED_BEFORE_CHANGE:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        # Where they were going comes back after the change (a check-in code's link, say).
        wanted = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(_password_url(wanted))
    return None


def _password_url(wanted: str | None) -> str:
    """The password page, with ``next`` when there is somewhere on this site to return to."""
    target = _safe_next(wanted)
    if target == url_for("pages.home"):
        return url_for("accounts.password")
    return url_for("accounts.password", next=target)


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
    result = operations.authenticate(
        form.login.data or "", form.password.data or "", address=request.remote_addr or ""
    )
    db.session.commit()
    if result.user is None:
        return render_template("accounts/login.html", form=form, error=_failure_message(result)), (
            429 if result.failure is LoginFailure.WAIT else 401
        )
    sessions.sign_in(result.user, remember=bool(form.remember.data))
    if result.user.must_change_password:
        flash("Đây là lần đăng nhập đầu tiên: vui lòng đặt mật khẩu mới của riêng bạn.", "info")
        return redirect(_password_url(request.args.get("next")))
    return redirect(_safe_next(request.args.get("next")))


def _failure_message(result: operations.LoginResult) -> str:
    wait = _duration(result.retry_seconds)
    if result.failure is LoginFailure.WAIT:
        return f"Đăng nhập sai nhiều lần. Vui lòng chờ {wait} rồi thử lại."
    if result.failure is LoginFailure.DISABLED:
        return "Tài khoản đã bị vô hiệu hóa. Vui lòng liên hệ bí thư chi bộ."
    message = "Số điện thoại, tên đăng nhập hoặc mật khẩu không đúng."
    if result.retry_seconds:
        message += f" Vui lòng chờ {wait} trước khi thử lại."
    return message


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} giây"
    return f"{-(-seconds // 60)} phút"


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
    device = sessions.current_device()
    record("auth.logout", actor_id=current_user.id, target=current_user)
    if device is not None:
        devices.revoke(device)
    db.session.commit()
    realtime.end_sessions(current_user.id, session_key=sessions.device_key())
    sessions.sign_out()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("accounts.login"))


@bp.get("/account")
@login_required
def account() -> str:
    return render_template(
        "accounts/account.html",
        devices=devices.live_devices(current_user),
        this_device=sessions.current_device(),
    )


@bp.post("/account/devices/<int:device_id>/sign-out")
@login_required
def sign_out_device(device_id: int) -> Response:
    """ "Đăng xuất thiết bị này": one of the member's own devices, this one or another."""
    device = db.session.get(Device, device_id)
    if device is None or device.user_id != current_user.id:
        abort(404)
    this = sessions.current_device()
    if this is not None and device.id == this.id:
        return logout()
    devices.revoke(device)
    record(
        "auth.device_signed_out", actor_id=current_user.id, target=current_user, device=device.id
    )
    db.session.commit()
    realtime.end_sessions(current_user.id, session_key=device.key)
    flash(f"Đã đăng xuất “{device.name}”.", "success")
    return redirect(url_for("accounts.account"))


@bp.post("/account/devices/sign-out-all")
@login_required
def sign_out_everywhere() -> Response:
    """ "Đăng xuất mọi thiết bị", this one included: for a lost or shared phone."""
    user_id = current_user.id
    revoked = devices.revoke_all(user_id)
    record("auth.signed_out_everywhere", actor_id=user_id, target=current_user, count=len(revoked))
    db.session.commit()
    realtime.end_sessions(user_id)
    sessions.sign_out()
    flash("Đã đăng xuất trên mọi thiết bị.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> Response | str | tuple[str, int]:
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return render_template("accounts/password.html", form=form), (
            400 if request.method == "POST" else 200
        )
    this = sessions.current_device()
    problem = operations.change_password(
        current_user,
        form.current.data or "",
        form.new.data or "",
        keep_device=this.id if this is not None else None,
    )
    if problem:
        db.session.rollback()
        return render_template("accounts/password.html", form=form, error=problem), 400
    db.session.commit()
    realtime.end_sessions(current_user.id)  # every device; this one reconnects by itself
    # The session version moved on: sign this browser in again under the new one, same device.
    login_user(current_user._get_current_object())
    flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã được đăng xuất.", "success")
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/account/text-size")
@login_required
def text_size() -> Response:
    """The reading size ("size": normal, large or xlarge; none names the next one), kept on
    the account. A form post goes back to ``next``; the header's script, which has already
    drawn the page at that size, asks for JSON and gets the size it stored."""
    chosen = request.form.get("size")
    try:
        size = TextSize(chosen) if chosen else current_user.text_size.following()
    except ValueError:
        abort(400)
    current_user.text_size = size
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(size=size.value)
    return redirect(_safe_next(request.form.get("next")))
