"""Reading a document aloud in the background, once for all its listeners.

Claimed like extraction (``handbook.claims``): a crash or restart leaves the job to be taken
up again, and chunks already spoken are in the cache, so it resumes rather than starts over.
The MP3 is written aside and stored whole: never a half file.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from handbook import claims, db
from handbook.audio.models import AudioStatus, AudioTrack
from handbook.documents.models import Document, DocumentPage, DocumentStatus
from handbook.documents.storage import audio_store
from handbook.jobs import job, on_recover, periodic
from handbook.realtime import document_room, push

logger = logging.getLogger(__name__)

_INTERNAL_ERROR = "Chưa tạo được bản đọc do lỗi hệ thống. Vui lòng thử lại sau."


def track_payload(track: AudioTrack) -> dict[str, object]:
    return {
        "document": track.document_id,
        "status": track.status.value,
        "progress": track.progress,
        "engine": track.engine,
        "voice": track.voice,
        "fell_back": track.fell_back,
        "duration": track.duration,
        "error": track.error_message,
    }


def queue_audio(document: Document, *, engine: str | None = None) -> AudioTrack:
    """Ask for the document read aloud (again, with ``engine``); commits, then queues."""
    track = db.session.scalar(sa.select(AudioTrack).where(AudioTrack.document_id == document.id))
    if track is None:
        track = AudioTrack(document_id=document.id)
        db.session.add(track)
    elif engine is None and track.status is not AudioStatus.FAILED:
        return track  # made (or being made) already: never again for a listener
    track.status, track.progress, track.error_message = AudioStatus.QUEUED, 0, None
    track.requested_engine = engine or current_app.config["TTS_ENGINE"]
    track.claimed_at = track.claimed_by = None
    db.session.commit()
    synthesize_audio(track.id)
    return track


@job()
def synthesize_audio(track_id: int) -> None:
    from tts.cache import ChunkCache
    from tts.engines import choose_engine, fallback_for
    from tts.pipeline import synthesize_document
    from tts.result import PipelineError, Section

    if not claims.claim(AudioTrack, track_id):
        return
    track = db.session.get(AudioTrack, track_id)
    assert track is not None
    push("audio.status", track_payload(track), to=document_room(track.document_id))
    pages = db.session.scalars(
        sa.select(DocumentPage)
        .join(Document, DocumentPage.document_id == Document.id)
        .where(Document.id == track.document_id, Document.status == DocumentStatus.READY)
        .order_by(DocumentPage.number)
    ).all()
    sections = [
        Section(title=f"Trang {page.number}", paragraphs=[(b["n"], b["text"]) for b in page.blocks])
        for page in pages
    ]
    instance = Path(current_app.instance_path)
    out_path = instance / "audio-work" / f"{track_id}.mp3"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    last = {"percent": 0, "at": time.monotonic()}

    def progress(done: int, total: int) -> None:
        percent = min(99, done * 100 // total) if total else 0
        now = time.monotonic()
        if percent >= last["percent"] + 5 or now - last["at"] >= 20:
            last.update(percent=percent, at=now)
            claims.renew(AudioTrack, track_id, progress=percent)
            push(
                "audio.status",
                {"document": track.document_id, "status": "processing", "progress": percent},
                to=document_room(track.document_id),
            )

    try:
        engine = choose_engine(track.requested_engine)
        result = synthesize_document(
            sections,
            engine=engine,
            fallback=fallback_for(engine),
            cache=ChunkCache(instance / "tts-cache"),
            out_path=out_path,
            progress=progress,
        )
        with out_path.open("rb") as stream:
            blob = audio_store().save(stream)
    except PipelineError as error:
        _fail(track_id, str(error))
        return
    except Exception:
        logger.exception("reading document %s aloud failed", track.document_id)
        _fail(track_id, _INTERNAL_ERROR)
        return
    finally:
        out_path.unlink(missing_ok=True)
    track = db.session.get(AudioTrack, track_id)
    assert track is not None
    track.status, track.progress = AudioStatus.READY, 100
    track.engine, track.voice, track.fell_back = result.engine, result.voice, result.fell_back
    track.blob_sha256, track.duration, track.size = blob.sha256, result.duration, blob.size
    track.timings = result.to_dict()
    db.session.commit()
    logger.info(
        "document %s read aloud: %.0f s, %s", track.document_id, result.duration, result.engine
    )
    push("audio.status", track_payload(track), to=document_room(track.document_id))


def _fail(track_id: int, message: str) -> None:
    db.session.rollback()
    track = db.session.get(AudioTrack, track_id)
    if track is None:
        return
    track.status, track.error_message = AudioStatus.FAILED, message[:500]
    db.session.commit()
    push("audio.status", track_payload(track), to=document_room(track.document_id))


@on_recover
def sweep() -> None:
    for track_id in claims.unfinished(AudioTrack):
        synthesize_audio(track_id)


@periodic(minute="*/5")
def _sweep_periodically() -> None:
    sweep()
