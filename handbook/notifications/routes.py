"""The notification centre."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.core import db
from handbook.notifications import operations

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index() -> str:
    items = operations.recent(current_user.id)
    return render_template("notifications/index.html", items=items)


@bp.post("/notifications/read")
@login_required
def read_all() -> Response:
    operations.mark_all_read(current_user.id)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(unread=0)
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def _unread() -> dict[str, object]:
    """The unread count in the header of every page."""
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": operations.unread_count(current_user.id)}
