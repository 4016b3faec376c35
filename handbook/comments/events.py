"""Socket.IO events for comments: join (with resync), post, edit, delete, hide, unhide,
disposition.

Every event answers through its ack: ``{"ok": true, ...}`` or ``{"ok": false, "status",
"error"}`` with a Vietnamese message; nothing a client sends can raise past this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import request, session
from flask_socketio import join_room

from handbook.accounts.models import Device, User
from handbook.accounts.sessions import DEVICE, LIVE_SESSION
from handbook.comments import service
from handbook.comments.operations import CommentError
from handbook.core import db
from handbook.core.extensions import socketio
from handbook.core.realtime import forget_request
from handbook.core.timeutil import utcnow
from handbook.orgs.models import Membership, Organization

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=Exception)

_SIGNED_OUT = {
    "ok": False,
    "status": 401,
    "error": "Phiên đăng nhập đã hết. Vui lòng đăng nhập lại.",
}


_USERS = User.__table__.c
_MEMBERSHIPS, _ORGANIZATIONS = Membership.__table__.c, Organization.__table__.c
#: What the policy reads about a member, as plain rows (built once: composing a statement
#: costs more than running it; of table columns, so it runs as Core, without the ORM's
#: compiling and loading steps). Memberships in id order; none gives one row of Nones.
_FACTS = (
    sa.select(
        _USERS.is_admin,
        _USERS.full_name,
        _MEMBERSHIPS.id,
        _MEMBERSHIPS.role,
        _ORGANIZATIONS.id,
        _ORGANIZATIONS.path,
    )
    .select_from(User.__table__)
    .join(Device.__table__, LIVE_SESSION)
    .outerjoin(Membership.__table__, _MEMBERSHIPS.user_id == _USERS.id)
    .outerjoin(Organization.__table__, _ORGANIZATIONS.id == _MEMBERSHIPS.organization_id)
    .where(_USERS.id == sa.bindparam("user"))
    .order_by(_MEMBERSHIPS.id)
)
_MEMBER = (
    sa.select(User)
    .join(Device.__table__, LIVE_SESSION)
    .where(_USERS.id == sa.bindparam("user"))
    .options(so.joinedload(User.memberships))
)
#: Members loaded before, with the facts they were loaded with (at most ``_KNOWN_MAX``).
_known: dict[tuple[int, int], tuple[tuple[Any, ...], User]] = {}
_KNOWN_MAX = 10_000


def member() -> User | None:
    """The member behind this socket, still signed in on its device.

    The socket's session is the one its connection was accepted with, credential checked
    (``accounts/events.py``); what can change since is the account (disabled, password changed:
    a new session version), the device (signed out, expired) and the memberships the policy
    reads, and that is what is asked here, as plain rows, at every event. When those facts are
    what they were last time, the member loaded then is used again: loaded in a session of its
    own, with its memberships and their organisations, and never attached to a request's
    session, it is only read (by the policy, and for the author's name). Flask-Login's loader
    would load user, device and memberships (three queries and their objects) every time.
    """
    user_id, _, version = str(session.get("_user_id", "")).partition(".")
    device_id = str(session.get(DEVICE, "")).partition(".")[0]
    if not (user_id.isdigit() and version.isdigit() and device_id.isdigit()):
        return None
    params: dict[str, Any] = {
        "user": int(user_id),
        "version": int(version),
        "device": int(device_id),
        "now": utcnow(),
    }
    facts = tuple(tuple(row) for row in db.session.execute(_FACTS, params))
    if not facts:
        return None
    engine = db.session.get_bind()
    key = (id(engine), params["user"])  # one app's database, not another's (tests)
    known = _known.get(key)
    if known is not None and known[0] == facts:
        return known[1]
    with so.Session(engine, expire_on_commit=False) as own:
        found = own.execute(_MEMBER, params).unique().scalar_one_or_none()
    if found is None:
        return None
    if len(_known) >= _KNOWN_MAX:
        del _known[next(iter(_known))]
    _known[key] = (facts, found)
    return found


def handle(
    work: Callable[[User], dict[str, Any]],
    refused: type[E],
    refusal: Callable[[E], dict[str, Any]],
    what: str,
) -> dict[str, Any]:
    """Run a socket event's ``work`` for the member behind the socket: a refusal (``refused``)
    is answered as ``refusal`` words it, anything else as a 500 with its traceback logged (the
    traceback is the code's, never the payload's). Shared by every domain's socket events."""
    try:
        user = member()
        if user is None:
            return _SIGNED_OUT
        return work(user)
    except refused as error:
        db.session.rollback()
        return refusal(error)
    except Exception:
        db.session.rollback()
        logger.exception("%s event failed", what)
        return {"ok": False, "status": 500, "error": "Hệ thống gặp sự cố, vui lòng gửi lại sau."}
    finally:
        forget_request()


def _handle(work: Callable[[User], dict[str, Any]]) -> dict[str, Any]:
    return handle(work, CommentError, service.refusal, "comment")


@socketio.on("comments.join")
def _join(data: Any = None) -> dict[str, Any]:
    def work(user: User) -> dict[str, Any]:
        room, result = service.sync(user, data)
        join_room(room, sid=request.sid)  # type: ignore[attr-defined]
        return result

    return _handle(work)


@socketio.on("comment.post")
def _post(data: Any = None) -> dict[str, Any]:
    return _handle(lambda user: service.post(user, data))


def _change(action: str) -> Callable[[Any], dict[str, Any]]:
    def handler(data: Any = None) -> dict[str, Any]:
        return _handle(lambda user: service.change(user, action, data))

    return handler


for _action in ("edit", "delete", "hide", "unhide", "disposition"):
    socketio.on_event(f"comment.{_action}", _change(_action))
