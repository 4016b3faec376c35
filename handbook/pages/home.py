"""The home page: my organisations and my next meeting."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from handbook.core import db
from handbook.core.policy import Action, can
from handbook.core.timeutil import utcnow
from handbook.meetings.models import Meeting
from handbook.orgs.models import Membership

bp = Blueprint("pages", __name__)

#: A meeting stays "next" for a few hours after it starts, while it is going on.
_STILL_CURRENT = timedelta(hours=4)


@bp.get("/")
def home() -> Response | str:
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    memberships: list[Membership] = sorted(
        current_user.memberships, key=lambda m: (m.organization.depth, m.organization.name)
    )
    return render_template(
        "home.html", memberships=memberships, next_meeting=_next_meeting(memberships)
    )


def _next_meeting(memberships: list[Membership]) -> Meeting | None:
    """The soonest meeting of my organisations, or one a committee above sent to all of us."""
    org_ids = {org_id for m in memberships for org_id in m.organization.ancestor_ids}
    if not org_ids:
        return None
    now = utcnow()
    candidates = db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.organization_id.in_(org_ids),
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at >= now - _STILL_CURRENT,
        )
        .order_by(Meeting.starts_at)
        .limit(10)
    )
    return next((m for m in candidates if can(current_user, Action.MEETING_VIEW, m)), None)
