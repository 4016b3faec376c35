"""The signed-in member: who they are (and the CSRF token for writes), and their notifications."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from handbook.api import serializers
from handbook.api.blueprint import bp
from handbook.api.contract import operation, query
from handbook.api.inputs import NotificationsQuery
from handbook.api.schemas import MarkedRead, Me, Notifications
from handbook.core import db
from handbook.notifications import operations as notifications


@bp.get("/me")
@login_required
@operation(Me)
def me() -> Response:
    """The signed-in member, their organisations, and the CSRF token every write needs."""
    return jsonify(
        id=current_user.id,
        full_name=current_user.full_name,
        phone=current_user.phone,
        memberships=[
            {
                "organization": {"id": m.organization_id, "name": m.organization.name},
                "role": m.role.value,
            }
            for m in current_user.memberships
        ],
        unread_notifications=notifications.unread_count(current_user.id),
        csrf_token=generate_csrf(),
    )


@bp.get("/notifications")
@login_required
@operation(Notifications, query=NotificationsQuery)
def list_notifications() -> Response:
    """Recent notifications, newest first, and how many are unread."""
    limit = query(NotificationsQuery).limit
    items = notifications.recent(current_user.id, limit=limit)
    return jsonify(
        notifications=[serializers.notification(n) for n in items],
        unread=notifications.unread_count(current_user.id),
    )


@bp.post("/notifications/read")
@login_required
@operation(MarkedRead)
def read_notifications() -> Response:
    """Mark every notification read."""
    count = notifications.mark_all_read(current_user.id)
    db.session.commit()
    return jsonify(marked=count, unread=0)
