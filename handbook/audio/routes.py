"""Listening: the MP3 (HTTP Range, only to readers), its timing map, "nghe tiếp", and a
meeting's playlist.

While a document's first track is being made, the part spoken so far is served in its place
(same URL, a new ``?v=`` each time it grows), so members can start listening at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, request, send_file
from flask_login import current_user, login_required

from docs_store.errors import StorageError
from handbook.audio import operations
from handbook.audio.jobs import queue_audio, track_payload
from handbook.audio.models import AudioTrack
from handbook.audio.playlist import playlist as meeting_playlist
from handbook.audio.storage import audio_store, early_path
from handbook.core import db
from handbook.core.downloads import content_disposition
from handbook.core.policy import Action, load
from handbook.documents.models import Document, DocumentStatus
from handbook.meetings.models import Meeting

bp = Blueprint("audio", __name__)


def _track(document: Document) -> AudioTrack | None:
    return db.session.scalar(sa.select(AudioTrack).where(AudioTrack.document_id == document.id))


def _playable(document_id: int) -> tuple[Document, AudioTrack]:
    document = load(Document, document_id, Action.DOCUMENT_VIEW)
    track = _track(document)
    if track is None or not track.playable:
        abort(404)
    return document, track


#: What Android, Windows or a memory card's file system refuse in a file's name.
def download_disposition(title: str, *, attachment: bool = True) -> str:
    """The recording named after the document ("Dự thảo Nghị quyết tháng 12.mp3": what the
    phone's Downloads list shows, also when saved from the player's own menu)."""
    return content_disposition(title, "mp3", fallback="Tài liệu", attachment=attachment)


@bp.get("/documents/<int:document_id>/audio.mp3")
@login_required
def mp3(document_id: int) -> Response:
    document, track = _playable(document_id)
    if track.complete:
        try:
            path = audio_store().path(track.blob_sha256 or "")
        except StorageError:
            abort(404)
        cache = "private, max-age=86400"  # the same bytes until remade (and then a new ?v=)
    else:
        path = early_path(track.id)
        if not path.is_file():
            abort(404)
        cache = "private, no-cache"  # grows while the voice reads on
    response = send_file(
        path, mimetype="audio/mpeg", conditional=True, etag=track.version, max_age=0
    )
    response.headers["Content-Disposition"] = download_disposition(
        document.title, attachment=request.args.get("download") is not None
    )
    response.headers["Cache-Control"] = cache
    return response


@bp.get("/documents/<int:document_id>/audio.json")
@login_required
def details(document_id: int) -> Response:
    document = load(Document, document_id, Action.DOCUMENT_VIEW)
    track = _track(document)
    if track is None:
        return jsonify(document=document.id, status="none")
    body = track_payload(track)
    if track.playable:
        body["timings"] = track.playable_timings
        body["position"] = operations.position_of(current_user, document.id)
        body["url"] = f"/documents/{document.id}/audio.mp3?v={track.version}"
    return jsonify(body)


@bp.post("/documents/<int:document_id>/listen")
@login_required
def listen(document_id: int) -> Response | tuple[Response, int]:
    _document, track = _playable(document_id)
    try:
        entry = operations.record(current_user, track, request.get_json(silent=True))
    except operations.ListenError as error:
        db.session.rollback()
        return jsonify(error={"status": 400, "message": str(error)}), 400
    db.session.commit()
    return jsonify(
        position=entry.position, heard=entry.heard, completed=entry.completed_at is not None
    )


@bp.post("/documents/<int:document_id>/audio")
@login_required
def regenerate(document_id: int) -> tuple[Response, int]:
    """Make the audio again, e.g. with the natural voice once the internet is back."""
    document = load(Document, document_id, Action.DOCUMENT_MANAGE)
    if document.status is not DocumentStatus.READY:
        return jsonify(error={"status": 409, "message": "Tài liệu chưa đọc xong nội dung."}), 409
    data = request.get_json(silent=True) or {}
    engine = data.get("engine", "auto") if isinstance(data, dict) else "auto"
    if engine not in {"auto", "gtts", "piper", "espeak"}:
        return jsonify(error={"status": 400, "message": "Giọng đọc không hợp lệ."}), 400
    track = queue_audio(document, engine=engine)
    db.session.expire_all()  # the job may have run inline, in its own session
    reloaded = db.session.get(AudioTrack, track.id)
    if reloaded is None:  # the document (and its track) was deleted meanwhile
        abort(404)
    return jsonify(track_payload(reloaded)), 202


@bp.get("/meetings/<int:meeting_id>/playlist.json")
@login_required
def playlist(meeting_id: int) -> Response:
    """The meeting's documents read aloud, in agenda order ("Nghe cả buổi họp")."""
    meeting = load(Meeting, meeting_id, Action.MEETING_VIEW)
    return jsonify(meeting_playlist(current_user, meeting))
