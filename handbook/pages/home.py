"""The home page: what was published since I last looked, my next meeting, my organisations."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from handbook.announcements import operations as announcements
from handbook.core import db
from handbook.core.policy import Action, can, reads
from handbook.core.timeutil import utcnow
from handbook.meetings.models import Meeting
from handbook.notifications.models import Notification
from handbook.orgs.models import Membership

bp = Blueprint("pages", __name__)

#: A meeting stays "next" for a few hours after it starts, while it is going on.
_STILL_CURRENT = timedelta(hours=4)
#: Publications older than this are no longer "new", read or not.
_NEW_FOR = timedelta(days=60)
#: Announcements on the home page; the rest are on their list.
_ANNOUNCEMENTS = 3


@bp.get("/")
def home() -> Response | str:
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    memberships: list[Membership] = sorted(
        current_user.memberships, key=lambda m: (m.organization.depth, m.organization.name)
    )
    fresh = _newly_published()
    return render_template(
        "home.html",
        memberships=memberships,
        next_meeting=_next_meeting(memberships),
        new_meetings=fresh,
        new_ids={m.id for m in fresh},
        # The newest announcements out to me, "mới" while unread (announcements domain).
        announcements=announcements.listed(current_user, limit=_ANNOUNCEMENTS, readers_only=True),
        unread_announcements=announcements.unread_ids(current_user.id),
        may_announce=bool(announcements.senders(current_user)),
    )


def _newly_published() -> list[Meeting]:
    """Meetings whose publication I have not looked at yet (its notice unread: opening the
    meeting or the notification centre reads it), soonest first, still visible to me."""
    notices = db.session.scalars(
        sa.select(Notification.payload).where(
            Notification.user_id == current_user.id,
            Notification.kind == "meeting.published",
            Notification.read_at.is_(None),
            Notification.created_at >= utcnow() - _NEW_FOR,
        )
    )
    ids = {payload.get("meeting") for payload in notices} - {None}
    if not ids:
        return []
    meetings = db.session.scalars(
        sa.select(Meeting)
        .options(*reads(Meeting))
        .where(Meeting.id.in_(ids), Meeting.cancelled_at.is_(None))
        .order_by(Meeting.starts_at)
    )
    return [m for m in meetings if can(current_user, Action.MEETING_VIEW, m)]


def _next_meeting(memberships: list[Membership]) -> Meeting | None:
    """The soonest meeting of my organisations, or one a committee above sent to all of us."""
    org_ids = {org_id for m in memberships for org_id in m.organization.ancestor_ids}
    if not org_ids:
        return None
    now = utcnow()
    candidates = db.session.scalars(
        sa.select(Meeting)
        .options(*reads(Meeting))
        .where(
            Meeting.organization_id.in_(org_ids),
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at >= now - _STILL_CURRENT,
        )
        .order_by(Meeting.starts_at)
        .limit(10)
    )
    return next((m for m in candidates if can(current_user, Action.MEETING_VIEW, m)), None)
