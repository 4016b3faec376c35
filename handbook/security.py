"""Sign-in plumbing and response hardening: Flask-Login, the user loader, security headers."""

from __future__ import annotations

from flask import Flask, Response, request

from handbook.accounts import sessions
from handbook.extensions import login_manager

#: No inline script or style anywhere: every asset is a file served by us.
_CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    sessions.init_app(app)
    app.after_request(_harden)


@login_manager.unauthorized_handler
def _unauthorized() -> Response:
    """Pages send the visitor to sign in; the API answers 401 in JSON."""
    from flask import abort, flash, redirect, url_for

    if request.path.startswith("/api/"):
        abort(401)
    flash(login_manager.login_message, "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _harden(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint and request.endpoint != "static":
        # Pages carry personal data: never keep them in shared caches.
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response
