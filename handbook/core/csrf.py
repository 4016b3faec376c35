"""One CSRF token per session for an hour, so that a page that has not changed renders to the
same bytes and its ETag holds (a revisit is a 304: ``core.compression``).

Flask-WTF signs the session's secret anew, with the time, at every request, which made every
page differ from the last. The signed token is kept in the session and reused while it is
younger than ``REUSE`` and still signs the session's present secret; tokens are valid for
``WTF_CSRF_TIME_LIMIT`` (4 hours), so any page drawn holds one valid for three more hours.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request, session
from itsdangerous import BadData, URLSafeTimedSerializer

REUSE = 3600
_KEPT = "_csrf_signed"


def init_app(app: Flask) -> None:
    app.before_request(_reuse)
    app.after_request(_keep)


def _signer() -> URLSafeTimedSerializer:
    # The same signer Flask-WTF uses (flask_wtf.csrf.generate_csrf / validate_csrf).
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    assert secret is not None  # create_app always sets one
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token")


def _reuse() -> None:
    if request.endpoint == "static":
        return  # no form there; and reading the session would make the file vary by cookie
    signed, secret = session.get(_KEPT), session.get("csrf_token")
    if not signed or not secret:
        return
    try:
        if _signer().loads(signed, max_age=REUSE) == secret:
            g.csrf_token = signed
    except BadData:
        pass  # older than an hour, or made for a secret this session no longer has


def _keep(response: Response) -> Response:
    signed = g.get("csrf_token")
    if signed and signed != session.get(_KEPT):
        session[_KEPT] = signed
    return response
