"""The domains, lowest first, and what each one brings to the app.

Importing this module imports every domain's models (so the metadata is whole for Alembic),
its policy rules, socket handlers, jobs and signal receivers. The order is the layering that
``pyproject.toml`` makes import-linter check: a domain imports only those before it here and
``handbook.core``; whatever must cross upward (a text is ready, a meeting is published, a page
wants more on it) goes by a signal the lower domain sends and the higher one receives.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from handbook.accounts import events as _accounts_events  # noqa: F401 - socket connect
from handbook.accounts import jobs as _accounts_jobs  # noqa: F401
from handbook.accounts import routes as accounts_routes
from handbook.accounts import sessions
from handbook.announcements import publishing as _announcements_publishing  # noqa: F401 - sweep
from handbook.announcements import routes as announcements_routes
from handbook.attendance import events as _attendance_events  # noqa: F401 - its socket room
from handbook.attendance import policy as _attendance_policy  # noqa: F401 - its rule
from handbook.attendance import routes as attendance_routes
from handbook.audio import jobs as _audio_jobs  # noqa: F401
from handbook.audio import routes as audio_routes
from handbook.audio import voices as _audio_voices  # noqa: F401 - the voice pages' answers
from handbook.audit import models as _audit_models  # noqa: F401
from handbook.comments import events as _comments_events  # noqa: F401
from handbook.comments import routes as comments_routes
from handbook.core import realtime as _realtime  # noqa: F401 - the socket register's model
from handbook.documents import events as _documents_events  # noqa: F401
from handbook.documents import jobs as _documents_jobs  # noqa: F401
from handbook.documents import policy as _documents_policy  # noqa: F401 - its rules
from handbook.documents import publishing as _documents_publishing  # noqa: F401
from handbook.documents import routes as documents_routes
from handbook.library import routes as library_routes
from handbook.meetings import policy as _meetings_policy  # noqa: F401 - its rules
from handbook.meetings import publishing as _publishing  # noqa: F401
from handbook.meetings import rhythm as _rhythm  # noqa: F401 - the secretary's monthly sweep
from handbook.meetings import routes as meetings_routes
from handbook.minutes import jobs as _minutes_jobs  # noqa: F401 - reading aloud, its sweep
from handbook.minutes import policy as _minutes_policy  # noqa: F401 - its rule
from handbook.minutes import reading as _minutes_reading  # noqa: F401 - exports, audio (on bp)
from handbook.minutes import routes as minutes_routes
from handbook.notifications import memberships as _memberships  # noqa: F401 - tells transfers
from handbook.notifications import routes as notifications_routes
from handbook.orgs import policy as _orgs_policy  # noqa: F401 - its rules
from handbook.orgs import routes as orgs_routes
from handbook.participation import reminders as _reminders  # noqa: F401 - its sweep
from handbook.participation import routes as participation_routes
from handbook.voices import policy as _voices_policy  # noqa: F401 - its rule
from handbook.voices import routes as voices_routes
from handbook.voting import events as _voting_events  # noqa: F401 - its socket room
from handbook.voting import models as _voting_models  # noqa: F401
from handbook.voting import policy as _voting_policy  # noqa: F401 - its rule
from handbook.voting import routes as voting_routes

#: The domains' doors, in their order.
BLUEPRINTS: tuple[Blueprint, ...] = (
    accounts_routes.bp,
    orgs_routes.bp,
    notifications_routes.bp,
    meetings_routes.bp,
    documents_routes.bp,
    voices_routes.bp,
    audio_routes.bp,
    comments_routes.bp,
    participation_routes.bp,
    library_routes.bp,
    announcements_routes.bp,
    attendance_routes.bp,
    voting_routes.bp,
    minutes_routes.bp,
)


def init_app(app: Flask) -> None:
    """Sign-in (before anything asks who is signed in), then every domain's routes."""
    sessions.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
