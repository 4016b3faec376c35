"""Reading a document aloud in the background, once for all its listeners.

Claimed like extraction (``handbook.core.claims``): a crash or restart leaves the job to be taken
up again, and chunks already spoken are in the cache, so it resumes rather than starts over.
The MP3 is written aside and stored whole: never a half file. Each run writes files of its own
and records its track, its early part or its failure only while the claim is its own
(``claims.settle``): a run that stalled past its lease, and was taken over, leaves nothing.
While a document's first track is made, its beginning is already playable: the pipeline hands
out early parts (prefixes of the same stream), kept with the stored audio, so a member can
listen seconds after publishing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from docs_store.base import BlobInfo
from handbook.audio import chapters
from handbook.audio.models import AudioStatus, AudioTrack
from handbook.audio.storage import audio_store, early_path, remove_stale, work_dir
from handbook.core import claims, db
from handbook.core.aftercommit import after_commit
from handbook.core.claimed_job import ClaimedJob
from handbook.core.jobs import job, on_recover, periodic
from handbook.core.realtime import document_room
from handbook.documents.correction import text_corrected
from handbook.documents.jobs import text_ready
from handbook.documents.models import Document, DocumentPage, DocumentStatus
from handbook.voices.settings import engine_settings
from tts.atomic import AtomicWriter
from tts.cache import ChunkCache
from tts.result import EarlyAudio, PipelineError

logger = logging.getLogger(__name__)

_INTERNAL_ERROR = "Chưa tạo được bản đọc do lỗi hệ thống. Vui lòng thử lại sau."


def track_payload(track: AudioTrack) -> dict[str, object]:
    """What readers are told of a track, live (``audio.status``) and in ``audio.json``."""
    return {
        "document": track.document_id,
        "status": track.status.value,
        "progress": track.progress,
        "sentences_done": track.sentences_done,
        "sentences_total": track.sentences_total,
        "engine": track.engine,
        "voice": track.voice,
        "fell_back": track.fell_back,
        "duration": track.playable_duration,
        "playable": track.playable,
        "complete": track.complete,
        "version": track.version,
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
    track.sentences_done = 0
    track.requested_engine = engine or current_app.config["TTS_ENGINE"]
    track.claimed_at = track.claimed_by = None
    db.session.flush()  # its id
    after_commit(synthesize_audio, track.id)  # queued once the track is stored
    db.session.commit()
    return track


@text_ready.connect
def _read_aloud_when_text_is_ready(document: Document) -> None:
    """Every document read aloud as soon as its text is ready (``AUDIO_AUTO``)."""
    if current_app.config["AUDIO_AUTO"]:
        queue_audio(document)


@text_corrected.connect
def _read_aloud_again_when_corrected(document: Document) -> None:
    """A corrected paragraph is heard corrected: the document is read again, and only the
    sentences whose words changed are new to the speech cache (the rest is heard from it).
    A document never read aloud is left alone: it will be read from the corrected text."""
    track = db.session.scalar(sa.select(AudioTrack).where(AudioTrack.document_id == document.id))
    if track is not None:
        queue_audio(document, engine=track.requested_engine)


def _run(track_id: int) -> ClaimedJob:
    return ClaimedJob(
        AudioTrack,
        track_id,
        event="audio.status",
        payload=track_payload,
        room=lambda track: document_room(track.document_id),
        every=5.0,
    )


@job(long_running=True)  # minutes: never ahead of reading a file, never on every worker
def synthesize_audio(track_id: int) -> None:
    # Imported here: the voices and the MP3 encoder load in the job worker only (cold start).
    from tts.engines import choose_engine, fallback_for
    from tts.pipeline import synthesize_document

    run = _run(track_id)
    track = run.start()
    if track is None:
        return
    pages = db.session.scalars(
        sa.select(DocumentPage)
        .join(Document, DocumentPage.document_id == Document.id)
        .where(Document.id == track.document_id, Document.status == DocumentStatus.READY)
        .order_by(DocumentPage.number)
    ).all()
    title = db.session.scalar(sa.select(Document.title).where(Document.id == track.document_id))
    sections = chapters.sections([(page.number, page.blocks) for page in pages], title or "")
    instance = Path(current_app.instance_path)
    # A run's own files: a stalled run whose lease lapsed may still be writing when another
    # run takes the track over (``claims``), so nothing is shared between the two but the row.
    work = work_dir()
    out_path = work / f"{track_id}.{claims.run_tag(AudioTrack, track_id)}.mp3"
    work.mkdir(parents=True, exist_ok=True)
    early_path(track_id).parent.mkdir(parents=True, exist_ok=True)
    _remove_killed_runs_files(track_id)

    def progress(done: int, total: int) -> None:
        run.progress(done, total, sentences_done=done, sentences_total=total)

    def early(part: EarlyAudio) -> None:
        _keep_early(run, track_id, part)

    try:
        settings = engine_settings()  # the engines' order, the installed Piper voice
        engine = choose_engine(track.requested_engine, **settings)
        result = synthesize_document(
            sections,
            engine=engine,
            fallback=fallback_for(engine, **settings),
            cache=ChunkCache(instance / "tts-cache"),
            out_path=out_path,
            progress=progress,
            early=None if track.complete else early,  # a remake: the old file plays meanwhile
        )
        blob = _store(track_id, out_path)
    except PipelineError as error:
        _fail(run, track_id, str(error))
        return
    except Exception:
        logger.exception("reading document %s aloud failed", track.document_id)
        _fail(run, track_id, _INTERNAL_ERROR)
        return
    finally:
        out_path.unlink(missing_ok=True)
    # Stored only if the track is still this run's: a correction made while it was read queues
    # it again (``queue_audio``), and the run of the corrected text has the last word; a run
    # that stalled past its lease lost the track to the run that took it over.
    db.session.rollback()  # a fresh look, past what this run last committed
    stored = blob is not None and claims.settle(
        AudioTrack,
        track_id,
        status=AudioStatus.READY,
        progress=100,
        sentences_done=len(result.sentences),
        sentences_total=len(result.sentences),
        engine=result.engine,
        voice=result.voice,
        fell_back=result.fell_back,
        blob_sha256=blob.sha256,
        duration=result.duration,
        size=blob.size,
        timings=result.to_dict(),
        early_size=0,
        early_duration=0.0,
        early_timings=None,
    )
    if not stored:
        db.session.rollback()
        claims.forget(AudioTrack, track_id)
        logger.info("document %s: this reading aloud was superseded", track.document_id)
        return
    track = db.session.get(AudioTrack, track_id, populate_existing=True)
    assert track is not None
    run.finish(track)
    early_path(track_id).unlink(missing_ok=True)
    logger.info(
        "document %s read aloud: %.0f s, %s", track.document_id, result.duration, result.engine
    )


def _store(track_id: int, out_path: Path) -> BlobInfo | None:
    """Keep the run's MP3 with the recordings, unless the track is no longer this run's
    (then ``None``: nothing of it is kept). ``settle`` checks again as the result is recorded;
    a run that loses the track between the two leaves an MP3 no track names, never served."""
    held = claims.renew(AudioTrack, track_id)  # and the lease is fresh for the copy
    db.session.commit()
    if not held:
        return None
    with out_path.open("rb") as stream:
        return audio_store().save(stream)


def _remove_killed_runs_files(track_id: int) -> None:
    """The files of the track's earlier runs, killed or stalled past their lease: only those
    not written for that long (a run that lost its lease but still writes keeps its own)."""
    older_than = claims.STALE_AFTER.total_seconds()
    for folder, pattern in (
        (work_dir(), f"{track_id}.*.mp3"),
        (work_dir(), f".{track_id}.*.tmp"),
        (early_path(track_id).parent, f".{track_id}.*.tmp"),
    ):
        remove_stale(folder, pattern, older_than, claims.run_gone)


def _keep_early(run: ClaimedJob, track_id: int, part: EarlyAudio) -> None:
    """Copy the part heard so far to where every server process serves it (atomically: a
    reader gets the old part or the new one, never a torn one), then tell the readers. Put in
    place only while the track is held for this run (the row's UPDATE holds it until the
    commit), so a run that lost the track never replaces the part of the run that has it."""
    target = early_path(track_id)
    with part.path.open("rb") as source, AtomicWriter(target) as out:
        remaining = part.size
        while remaining > 0:
            block = source.read(min(remaining, 1 << 20))
            if not block:
                raise OSError(f"{part.path} is shorter than {part.size} bytes")
            out.write(block)
            remaining -= len(block)
        assert out.fd is not None
        os.fsync(out.fd)  # on disk before the row is held: the commit below only renames
        held = claims.renew(
            AudioTrack,
            track_id,
            early_size=part.size,
            early_duration=part.duration,
            early_timings=part.timings,
            sentences_done=part.done,
            sentences_total=part.total,
        )
        if not held:
            db.session.rollback()
            return  # the writer drops its temp file
        try:
            out.commit()
        except BaseException:
            db.session.rollback()  # no part recorded that is not in place
            raise
    run.report()


def _fail(run: ClaimedJob, track_id: int, message: str) -> None:
    """Record the failure (what the run wrote taken back), if the track is still this run's:
    a run that lost it must not mark failed the track another run made or is making."""
    failed = run.fail(
        AudioStatus.FAILED,
        error_message=message[:500],
        early_size=0,
        early_duration=0.0,
        early_timings=None,
    )
    if failed is not None:
        with contextlib.suppress(OSError):
            early_path(track_id).unlink(missing_ok=True)


@on_recover
def sweep() -> int:
    """Queue every track waiting in the database but not in the queue (never queued because
    the queue was down, or left half made by a crash); returns how many were queued."""
    return claims.requeue_unfinished(AudioTrack, synthesize_audio, what="audio tracks")


@periodic(minute="*")
def _sweep_periodically() -> None:
    sweep()


def prune_speech_cache() -> int:
    """Keep the spoken-sentence cache under ``TTS_CACHE_MAX_MB``, and drop early parts that no
    job will finish (their document was deleted mid-way); returns the bytes freed."""
    instance = Path(current_app.instance_path)
    limit = int(current_app.config["TTS_CACHE_MAX_MB"] * 1024 * 1024)
    freed = ChunkCache(instance / "tts-cache").prune(limit)
    live = set(db.session.scalars(sa.select(AudioTrack.id).where(AudioTrack.early_size > 0)).all())
    old = time.time() - 3600  # a part being written right now is not recorded yet
    for path in early_path(0).parent.glob("*.mp3"):
        with contextlib.suppress(OSError, ValueError):
            if int(path.stem) not in live and path.stat().st_mtime < old:
                size = path.stat().st_size
                path.unlink()
                freed += size
    # What killed runs left (tracks' and the minutes' readings): a live run writes its own.
    freed += remove_stale(work_dir(), "*", 3600, claims.run_gone)
    freed += remove_stale(early_path(0).parent, ".*.tmp", 3600)
    if freed:
        logger.info("speech cache: freed %s bytes", freed)
    return freed


@periodic(minute="41")
def _prune_hourly() -> None:
    prune_speech_cache()
