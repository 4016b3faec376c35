"""The notification centre."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.accounts.sessions import current_device
from handbook.core import db
from handbook.notifications import operations, subscriptions

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


@bp.get("/notifications/settings")
@login_required
def settings() -> str:
    """What to push to the phone, and push on or off for this device."""
    device = current_device()
    here = subscriptions.for_device(current_user.id, device.id) if device is not None else []
    return render_template(
        "notifications/settings.html",
        choices=subscriptions.CHOICES,
        wanted=subscriptions.preferences(current_user.id),
        subscribed_here=bool(here),
    )


@bp.post("/notifications/settings")
@login_required
def save_settings() -> Response:
    subscriptions.set_preferences(current_user.id, request.form.getlist("push"))
    db.session.commit()
    flash("Đã lưu lựa chọn thông báo.", "success")
    return redirect(url_for("notifications.settings"))


@bp.app_context_processor
def _unread() -> dict[str, object]:
    """The unread count in the header of every page."""
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": operations.unread_count(current_user.id)}
