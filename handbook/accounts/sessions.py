"""How a browser holds its signed-in device: in the session, and in the remember cookie.

Flask-Login keeps ``<user id>.<session version>`` in the session as before (a password change
or a disabled account still ends every session at once); beside it the session holds the
device's credential, and every request and socket connection checks that record
(``accounts.devices``). "Remember me" is a cookie of our own that names the same device and
slides 30 days from its last use; Flask-Login's own remember cookie, which named only the user
and lived until the password changed, is not used.
"""

from __future__ import annotations

import functools
from typing import Any

import flask
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, Request, abort, current_app, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import current_user, login_user, logout_user
from itsdangerous import URLSafeTimedSerializer
from werkzeug.wrappers import Response

from handbook.accounts import devices
from handbook.accounts.devices import Credential
from handbook.accounts.models import Device, User
from handbook.core import db
from handbook.core.extensions import login_manager
from handbook.core.timeutil import utcnow

#: The session key holding the device credential.
DEVICE = "_device"
REMEMBER_COOKIE = "remember_device"


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the request came over HTTPS (through the
    proxy's ``X-Forwarded-Proto`` when ``PROXY_COUNT`` is set), not only when configured.

    A static file does not depend on who asks: its answer neither varies by cookie nor carries
    one. Flask adds ``Vary: Cookie`` to any answer whose request touched the session
    (Flask-Login's after-request hook does, on every request) and sends a refreshed permanent
    session again: a phone's cache would miss at every re-signed cookie, and each file would
    cost 3G a cookie header."""

    #: The signing serializer and the keys it was built with (see ``get_signing_serializer``).
    _signing: tuple[tuple[Any, ...], URLSafeTimedSerializer] | None = None

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, built once per set of keys instead of at every request and
        socket event (building it, a trial ``dumps`` included, cost as much as checking the
        cookie's signature)."""
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._signing is None or self._signing[0] != keys:
            serializer = super().get_signing_serializer(app)
            if serializer is None:
                return None
            self._signing = (keys, serializer)
        return self._signing[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """A Socket.IO event after the connection's first runs with the session its connection
        was accepted with, kept in the socket's environ (Flask-SocketIO's ``saved_session``,
        which it puts in place of whatever is opened here): the cookie is not checked and
        decoded again for nothing at every event."""
        saved = request.environ.get("saved_session")
        if saved is not None:
            return saved  # type: ignore[no-any-return]
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: flask.Response) -> None:
        if request.endpoint != "static":
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    app.session_interface = SessionInterface()
    # The device record binds the session; Flask-Login's "strong" protection bound it to the
    # exact User-Agent and signed out members whose browser had updated itself.
    login_manager.session_protection = None
    app.after_request(_remember_cookie)


@login_manager.unauthorized_handler
def _unauthorized() -> Response:
    """Pages send the visitor to sign in; the API answers 401 in JSON."""
    if request.path.startswith("/api/"):
        abort(401)
    flash(login_manager.login_message, "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


@functools.cache
def _user_with_device() -> sa.Select[User, Device]:
    """Every request's first query, built once (building a statement costs as much as running
    it), at first use (the memberships' model must be mapped by then): the user with their
    memberships (every page's policy reads them) and, when it is theirs, the session's device."""
    return (
        sa.select(User, Device)
        .outerjoin(
            Device, sa.and_(Device.id == sa.bindparam("device_id"), Device.user_id == User.id)
        )
        .where(User.id == sa.bindparam("user_id"))
        .options(so.joinedload(User.memberships))
    )


def _user(session_id: str, device_id: int | None) -> tuple[User | None, Device | None]:
    """The session's user and device in one query (``devices.check`` then finds it loaded)."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None, None
    params = {"user_id": int(user_id), "device_id": device_id or 0}  # ids start at 1
    row = db.session.execute(_user_with_device(), params).unique().first()
    if row is None:
        return None, None
    user, device = row
    if not user.active or user.session_version != int(version):
        return None, None
    return user, device


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The session's user, if its version is current and its device still signed in."""
    credential = Credential.parse(session.get(DEVICE))
    # The device is held here while it is checked: the session keeps loaded rows only as long
    # as something refers to them, and ``devices.check`` finds it by id.
    user, _device = _user(session_id, credential.device_id if credential else None)
    if user is None:
        return None
    checked = devices.check(credential, user.id)
    if checked is None:
        return None
    g.device = checked.device
    if checked.slid and checked.device.remember:
        g.remember_credential = session.get(DEVICE)  # its expiry slid: so does the cookie's
    return user


@login_manager.request_loader
def _load_remembered(req: Request) -> User | None:
    """A browser that was closed comes back through its remember cookie, if that device is
    still signed in; the session is then filled again as at sign-in."""
    raw = req.cookies.get(REMEMBER_COOKIE)
    if raw is None:
        return None
    credential = Credential.parse(raw)
    device = devices.find(credential)
    user = db.session.get(User, device.user_id) if device is not None else None
    if device is None or not device.remember or user is None or not user.active:
        g.forget_remember = True
        return None
    if devices.check(credential, user.id) is None:  # expired or revoked
        g.forget_remember = True
        return None
    session["_user_id"] = user.get_id()
    session["_fresh"] = False
    session[DEVICE] = str(credential)
    g.device = device
    g.remember_credential = str(credential)
    return user


def sign_in(user: User, *, remember: bool) -> Device:
    """Record the device and sign this browser in on it; the caller has checked the password."""
    credential = devices.start(
        user,
        remember=remember,
        user_agent=request.user_agent.string,
        address=request.remote_addr or "",
    )
    db.session.commit()
    login_user(user)
    session[DEVICE] = str(credential)
    if remember:
        g.remember_credential = str(credential)
    device = db.session.get(Device, credential.device_id)
    assert device is not None
    g.device = device
    return device


_USERS, _DEVICES = User.__table__.c, Device.__table__.c
#: A live session, in SQL, for what reads it as plain rows (a socket's acceptance and each of
#: its events): the account active, the session's version current (``:version``), its device
#: (``:device``) the user's, not signed out, not expired (``:now``).
LIVE_SESSION = sa.and_(
    _USERS.active.is_(True),
    _USERS.session_version == sa.bindparam("version"),
    _DEVICES.id == sa.bindparam("device"),
    _DEVICES.user_id == _USERS.id,
    _DEVICES.revoked_at.is_(None),
    _DEVICES.expires_at > sa.bindparam("now"),
)
#: What accepting a socket reads of a live session (a Core statement of table columns: no
#: ORM objects, no memberships, which the socket's events ask for themselves).
_SOCKET_FACTS = (
    sa.select(
        _USERS.must_change_password, _DEVICES.secret_hash, _DEVICES.remember, _DEVICES.last_seen_at
    )
    .select_from(User.__table__)
    .join(Device.__table__, LIVE_SESSION)
    .where(_USERS.id == sa.bindparam("user"))
)


def socket_member() -> int | None:
    """The member a Socket.IO connection is opened for, or None: signed in on a live session
    (``LIVE_SESSION``) whose device secret the session holds, with the one-time password
    changed. The same checks as a page's (``_load_user``, then ``must_change_password``) in one
    query of plain columns, where Flask-Login's loader builds the user, the device and the
    memberships as objects; the device's use is recorded as a page's is. A session that does
    not pass (none at all, a browser back through its remember cookie, a signed-out device) is
    asked again the pages' way, so whatever a page would let in, and only that, opens a
    socket."""
    user_id, _, version = str(session.get("_user_id", "")).partition(".")
    credential = Credential.parse(session.get(DEVICE))
    if credential is not None and user_id.isdigit() and version.isdigit():
        now = utcnow()
        params = {
            "user": int(user_id),
            "version": int(version),
            "device": credential.device_id,
            "now": now,
        }
        row = db.session.execute(_SOCKET_FACTS, params).first()
        if (
            row is not None
            and not row.must_change_password
            and devices.holds_secret(row.secret_hash, credential)
        ):
            devices.touch(credential.device_id, row.remember, row.last_seen_at, now)
            return int(user_id)
    if not current_user.is_authenticated or current_user.must_change_password:
        return None
    return int(current_user.id)


def current_device() -> Device | None:
    return g.get("device")


def device_key() -> str:
    """The key this browser's sockets are filed under: its signed-in device."""
    device_id = str(session.get(DEVICE, "")).partition(".")[0]
    return f"device-{device_id}"


def sign_out() -> None:
    """End this browser's session and forget its remember cookie (the caller revokes)."""
    logout_user()
    session.pop(DEVICE, None)
    g.forget_remember = True


def _remember_cookie(response: Response) -> Response:
    config: dict[str, Any] = {
        "httponly": True,
        "samesite": "Lax",
        "secure": bool(request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]),
        "path": "/",
    }
    if g.get("forget_remember"):
        response.delete_cookie(REMEMBER_COOKIE, **config)
    elif g.get("remember_credential"):
        max_age = int(devices.REMEMBER_FOR.total_seconds())
        response.set_cookie(REMEMBER_COOKIE, g.remember_credential, max_age=max_age, **config)
    return response
