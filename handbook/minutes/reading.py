"""Reading the minutes: an approved version's page, the DOCX and PDF, the reading aloud (asked
for, followed, played), and the meeting page's way in.

Each reader gets what they may read (``approval.readable``): the draft for its managers and
signers, else the last approved version; ``?version=N`` asks for an approved one. A recording
plays for whoever may read the text it is of.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, render_template, request, send_file
from flask_login import current_user, login_required

from docs_store.errors import StorageError
from handbook.attendance import operations as attendance
from handbook.audio.storage import audio_store
from handbook.core import db
from handbook.core.policy import Action, can, reads, require
from handbook.core.timeutil import utcnow
from handbook.meetings.models import Meeting
from handbook.meetings.routes import meeting_page
from handbook.minutes import approval, jobs, operations, record
from handbook.minutes.models import Minutes, MinutesAudio
from handbook.minutes.policy import reads_draft
from handbook.minutes.record import Copy
from handbook.minutes.routes import bp, loaded, signed_notes

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.get("/meetings/<int:meeting_id>/minutes/versions/<int:number>")
@login_required
def version(meeting_id: int, number: int) -> Any:
    """An approved version as it was approved, with its hash."""
    minutes = loaded(meeting_id)
    kept = approval.version_of(minutes, number)
    return render_template(
        "minutes/version.html",
        meeting=minutes.meeting,
        minutes=minutes,
        kept=kept,
        copy=record.Record.from_json(kept.record),
        signed=signed_notes(minutes, kept.text_sha256, kept.number),
        numbered=record.numbered,
    )


def copy_for(minutes: Minutes) -> Copy:
    """What the export draws for this reader: ``?version=N``, else what they read."""
    asked = request.args.get("version", "")
    if asked:
        if not asked.isdigit() or len(asked) > 9:
            abort(404)
        kept = approval.version_of(minutes, int(asked))
        return Copy(
            record.Record.from_json(kept.record),
            kept.text_sha256,
            signed_notes(minutes, kept.text_sha256, kept.number),
        )
    reading = approval.readable(minutes, current_user)
    sha = None if reading.draft else reading.sha256
    number = reading.version.number if reading.version else None
    return Copy(reading.record, sha, signed_notes(minutes, reading.sha256, number))


def _download(body: bytes, mimetype: str, minutes: Minutes, suffix: str, number: int) -> Response:
    response = Response(body, mimetype=mimetype)
    name = f"bien-ban-sinh-hoat-{minutes.meeting_id}-v{number}.{suffix}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/meetings/<int:meeting_id>/minutes.docx")
@login_required
def export_docx(meeting_id: int) -> Response:
    # Imported here: python-docx and reportlab load only for an export (cold start).
    from handbook.minutes.export import to_docx

    minutes = loaded(meeting_id)
    copy = copy_for(minutes)
    return _download(to_docx(copy), DOCX, minutes, "docx", copy.record.number)


@bp.get("/meetings/<int:meeting_id>/minutes.pdf")
@login_required
def export_pdf(meeting_id: int) -> Response:
    from handbook.minutes.export import to_pdf

    minutes = loaded(meeting_id)
    copy = copy_for(minutes)
    return _download(to_pdf(copy), "application/pdf", minutes, "pdf", copy.record.number)


def spoken_now(minutes: Minutes) -> list[list[Any]]:
    """What this reader's copy sounds like (its hash names its recording)."""
    return record.spoken(approval.readable(minutes, current_user).record)


@bp.post("/meetings/<int:meeting_id>/minutes/audio")
@login_required
def read_aloud(meeting_id: int) -> tuple[Response, int]:
    """Read the minutes aloud (as this reader reads them): made once per text, by a job."""
    minutes = loaded(meeting_id)
    audio = jobs.queue_reading(minutes.id, spoken_now(minutes))
    audio_id = audio.id
    db.session.commit()
    db.session.expire_all()  # the job may have run inline, in its own session
    made = db.session.get(MinutesAudio, audio_id)
    if made is None:
        abort(404)
    return jsonify(jobs.payload(made)), 202


@bp.get("/meetings/<int:meeting_id>/minutes/audio.json")
@login_required
def audio_status(meeting_id: int) -> Response:
    minutes = loaded(meeting_id)
    spoken = spoken_now(minutes)
    audio = jobs.reading_of(minutes.id, spoken)
    if audio is None:
        return jsonify(status="none", sha256=record.spoken_sha256(spoken))
    return jsonify(jobs.payload(audio))


@bp.get("/minutes/audio/<int:audio_id>.mp3")
@login_required
def mp3(audio_id: int) -> Response:
    """A recording, to whoever may read the text it is of (HTTP Range, as documents')."""
    audio = db.session.get(MinutesAudio, audio_id)
    minutes = db.session.get(Minutes, audio.minutes_id, options=reads(Minutes)) if audio else None
    if audio is None or minutes is None:
        abort(404)
    require(current_user, Action.MINUTES_VIEW, minutes)
    if not reads_draft(current_user, minutes):
        approved = {
            record.spoken_sha256(record.spoken(record.Record.from_json(v.record)))
            for v in approval.versions(minutes)
        }
        if audio.text_sha256 not in approved:
            abort(404)
    if audio.blob_sha256 is None:
        abort(404)
    try:
        path = audio_store().path(audio.blob_sha256)
    except StorageError:
        abort(404)
    response = send_file(
        path, mimetype="audio/mpeg", conditional=True, etag=audio.blob_sha256[:16], max_age=0
    )
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@meeting_page.connect
def _on_meeting_page(meeting: Meeting, **_: Any) -> dict[str, object]:
    """The meeting's page: the secretary's way to the minutes; a member's, once approved."""
    found = operations.minutes_of(meeting)
    stored = operations.stored(found)
    edit = can(current_user, Action.MINUTES_EDIT, found) and meeting.cancelled_at is None
    read = stored and can(current_user, Action.MINUTES_VIEW, found)
    # Ending is offered once the meeting is under way: its time came, or check-in opened.
    due = edit and (
        meeting.starts_at <= utcnow() or attendance.started(attendance.sheet_of(meeting))
    )
    return {"minutes_entry": {"edit": edit, "read": read, "stored": stored, "due": due}}
