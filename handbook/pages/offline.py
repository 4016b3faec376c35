"""Working without network: the service worker (served from the site's root so that it controls
every page), the page it shows offline for what was never opened, and a meeting's pack (what
the worker keeps so the whole meeting reads and plays offline). See static/js/sw.js."""

from __future__ import annotations

import fnmatch
import hashlib
import json
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify, render_template, url_for
from flask_login import current_user, login_required

from handbook.audio.models import AudioTrack
from handbook.core import assets, db
from handbook.core.policy import Action, load
from handbook.documents.operations import visible_documents
from handbook.meetings.models import Meeting

bp = Blueprint("offline", __name__)

#: Static files kept when the worker installs: the stylesheet and scripts of the pages a
#: member's phone keeps without the member opening them (a meeting's pack: its meeting and
#: document pages, with their comments, voice, notes and votes) and of the offline page. A
#: kept page must never wait on the network for one of them (a deferred script that stalls
#: holds back every script after it, app.js with its "kept copy" notice included). Every
#: other file is kept as it is first used: the managers' stylesheet and scripts (publishing,
#: uploads, the agenda, check-in, the minutes, imports: pages opened online, never kept for a
#: member), the worker itself, the home page's install hint, the settings' push switch and the
#: meeting page's pack card (after app.js on its page, and only a convenience offline).
#: Keeping every file at install had grown a member's first visit by 9 KB of managers' files.
PRECACHED = (
    "css/app.css",
    "vendor/*.js",
    "js/app.js",
    "js/reader.js",
    "js/comments.js",
    "js/player.js",
    "js/notes.js",
    "js/voice.js",
    "js/voting.js",
    "js/offline.js",
)
#: The notification's picture (made for the installable app); computed, never precached.
ICON = "icons/icon-192.png"


@bp.get("/sw.js")
def service_worker() -> Response:
    """The worker with this deployment's static URLs and settings written in. Its VERSION comes
    from those URLs, which name each file's content (core/assets.py), so a new deploy starts a
    new static cache and the old one is dropped. Written once per app and set of files: every
    navigation of every phone asks for it."""
    urls = [url_for("offline.offline")] + [url_for("static", filename=f) for f in _precached()]
    written = current_app.extensions.setdefault("handbook.worker", {})
    key = tuple(urls)
    if key not in written:
        written[key] = _worker(urls)
    text = written[key]
    response = Response(text, mimetype="text/javascript")
    # Browsers check for a new worker at every visit anyway; never let a cache pin an old one.
    response.headers["Cache-Control"] = "no-cache"
    return response


def _precached() -> list[str]:
    """Every stylesheet and script the worker keeps at install, from the table of static
    files made at start."""
    names = current_app.extensions["handbook.assets"].by_name
    return [name for pattern in PRECACHED for name in sorted(fnmatch.filter(names, pattern))]


def _worker(urls: list[str]) -> str:
    config = current_app.config
    values = {
        "__VERSION__": json.dumps(hashlib.sha256("\n".join(urls).encode()).hexdigest()[:16]),
        "__PRECACHE__": json.dumps(urls),
        "__DEADLINE_MS__": str(int(config["OFFLINE_NETWORK_DEADLINE_S"] * 1000)),
        "__GIVE_UP_MS__": str(int(config["OFFLINE_NETWORK_GIVE_UP_S"] * 1000)),
        "__AUDIO_BUDGET__": str(int(config["OFFLINE_AUDIO_BUDGET_MB"] * 1024 * 1024)),
        "__ICON__": json.dumps(url_for("static", filename=ICON)),
    }
    static = Path(current_app.static_folder or "")
    text = assets.minified("js/sw.js", (static / "js" / "sw.js").read_bytes()).decode()
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


@bp.get("/offline")
def offline() -> str:
    """The same for everyone (it is kept in the shared part of the worker's cache): nothing
    personal here; offline.js lists what this phone kept."""
    return render_template("offline.html")


@bp.get("/meetings/<int:meeting_id>/pack")
@login_required
def meeting_pack(meeting_id: int) -> Response:
    """What the worker keeps for a meeting: its page and its playlist, and for each document
    this member may read its reading page, its timing map and, when the whole recording is
    made, the recording's URL (at its version, as the player asks for it) and size in bytes."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    documents = visible_documents(current_user, meeting)
    tracks = {
        t.document_id: t
        for t in db.session.scalars(
            sa.select(AudioTrack).where(AudioTrack.document_id.in_([d.id for d in documents]))
        )
    }
    items = []
    for document in documents:
        track = tracks.get(document.id)
        audio = None
        if track is not None and track.complete:
            audio = {
                "url": url_for("audio.mp3", document_id=document.id, v=track.version),
                "version": track.version,
                "size": track.size,
            }
        items.append(
            {
                "id": document.id,
                "title": document.title,
                "page": url_for("documents.show", document_id=document.id),
                "audio_json": url_for("audio.details", document_id=document.id),
                "audio": audio,
            }
        )
    return jsonify(
        meeting=meeting.id,
        page=url_for("meetings.show", meeting_id=meeting.id),
        playlist=url_for("audio.playlist", meeting_id=meeting.id),
        documents=items,
    )
