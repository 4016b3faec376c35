"""The minutes read aloud for the reading-back, by the documents' own voice: the same engines
and order (``voices.settings``), the same spoken-sentence cache, the same pipeline and MP3, and
the same claimed-job skeleton; one recording per text (its hash), made once by a job and kept
in the recordings' store. A text changed by one word is a new text, read anew (the sentences
that did not change come from the cache).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from docs_store.base import BlobInfo
from handbook.audio.storage import audio_store, remove_stale, work_dir
from handbook.core import claims, db
from handbook.core.aftercommit import after_commit
from handbook.core.claimed_job import ClaimedJob
from handbook.core.jobs import job, on_recover, periodic
from handbook.minutes import record
from handbook.minutes.models import MinutesAudio
from handbook.voices.settings import engine_settings
from tts.cache import ChunkCache
from tts.result import PipelineError, Section

logger = logging.getLogger(__name__)

_INTERNAL_ERROR = "Chưa đọc được biên bản do lỗi hệ thống. Vui lòng thử lại sau."


def room(minutes_id: int) -> str:
    return f"minutes:{minutes_id}"


def payload(audio: MinutesAudio) -> dict[str, Any]:
    """What the page is told of a reading: its state and, once made, where it plays from."""
    ready = audio.blob_sha256 is not None
    return {
        "id": audio.id,
        "sha256": audio.text_sha256,
        "status": audio.status,
        "progress": audio.progress,
        "engine": audio.engine,
        "duration": audio.duration,
        "error": audio.error_message,
        "url": f"/minutes/audio/{audio.id}.mp3?v={audio.blob_sha256[:16]}"
        if ready and audio.blob_sha256
        else None,
    }


def reading_of(minutes_id: int, spoken: list[list[Any]]) -> MinutesAudio | None:
    sha = record.spoken_sha256(spoken)
    return db.session.scalar(
        sa.select(MinutesAudio).where(
            MinutesAudio.minutes_id == minutes_id, MinutesAudio.text_sha256 == sha
        )
    )


def queue_reading(minutes_id: int, spoken: list[list[Any]]) -> MinutesAudio:
    """The reading of this text: made already, being made, or queued now (after the commit);
    a failed one is tried again."""
    audio = reading_of(minutes_id, spoken)
    if audio is None:
        audio = MinutesAudio(
            minutes_id=minutes_id,
            text_sha256=record.spoken_sha256(spoken),
            sections=spoken,
            requested_engine=current_app.config["TTS_ENGINE"],
        )
        try:
            with db.session.begin_nested():  # two taps at once: one reading
                db.session.add(audio)
                db.session.flush()
        except IntegrityError:
            found = reading_of(minutes_id, spoken)
            assert found is not None
            return found
    elif audio.status != "failed":
        return audio
    audio.status, audio.progress, audio.error_message = claims.QUEUED, 0, None
    audio.claimed_at = audio.claimed_by = None
    db.session.flush()
    after_commit(read_minutes_aloud, audio.id)
    return audio


def _run(audio_id: int) -> ClaimedJob:
    return ClaimedJob(
        MinutesAudio,
        audio_id,
        event="minutes.audio",
        payload=payload,
        room=lambda audio: room(audio.minutes_id),
        every=5.0,
    )


@job()
def read_minutes_aloud(audio_id: int) -> None:
    # Imported here: the voices and the MP3 encoder load in the job worker only (cold start).
    from tts.engines import choose_engine, fallback_for
    from tts.pipeline import synthesize_document

    run = _run(audio_id)
    audio = run.start()
    if audio is None:
        return
    paragraphs, sections = 0, []
    for title, lines in audio.sections:
        numbered = list(enumerate(lines, paragraphs + 1))
        paragraphs += len(lines)
        sections.append(Section(str(title), [(n, str(line)) for n, line in numbered]))
    instance = Path(current_app.instance_path)
    # The run's own file (see ``audio.jobs``): a run that stalled past its lease may still be
    # writing when another takes the reading over.
    work = work_dir()
    out_path = work / f"minutes-{audio_id}.{claims.run_tag(MinutesAudio, audio_id)}.mp3"
    work.mkdir(parents=True, exist_ok=True)
    for pattern in (f"minutes-{audio_id}.*.mp3", f".minutes-{audio_id}.*.tmp"):
        remove_stale(work, pattern, claims.STALE_AFTER.total_seconds(), claims.run_gone)
    try:
        settings = engine_settings()
        engine = choose_engine(audio.requested_engine, **settings)
        result = synthesize_document(
            sections,
            engine=engine,
            fallback=fallback_for(engine, **settings),
            cache=ChunkCache(instance / "tts-cache"),
            out_path=out_path,
            progress=lambda done, total: run.progress(done, total),
            title="Biên bản",
        )
        blob = _store(audio_id, out_path)
    except PipelineError as error:
        _fail(run, str(error))
        return
    except Exception:
        logger.exception("reading minutes audio %s aloud failed", audio_id)
        _fail(run, _INTERNAL_ERROR)
        return
    finally:
        out_path.unlink(missing_ok=True)
    # Recorded only while the reading is still this run's: one that stalled past its lease
    # lost it to the run that took it over (and the minutes may have been deleted meanwhile).
    db.session.rollback()
    stored = blob is not None and claims.settle(
        MinutesAudio,
        audio_id,
        status="ready",
        progress=100,
        engine=result.engine,
        blob_sha256=blob.sha256,
        duration=result.duration,
        size=blob.size,
    )
    audio = db.session.get(MinutesAudio, audio_id, populate_existing=True) if stored else None
    if audio is None:
        db.session.rollback()
        claims.forget(MinutesAudio, audio_id)
        logger.info("minutes audio %s: this reading was superseded", audio_id)
        return
    run.finish(audio)
    logger.info("minutes audio %s read aloud: %.0f s, %s", audio_id, result.duration, result.engine)


def _store(audio_id: int, out_path: Path) -> BlobInfo | None:
    """Keep the run's MP3 with the recordings unless the reading is no longer this run's (as
    ``audio.jobs._store``: ``settle`` checks again as the result is recorded)."""
    held = claims.renew(MinutesAudio, audio_id)
    db.session.commit()
    if not held:
        return None
    with out_path.open("rb") as stream:
        return audio_store().save(stream)


def _fail(run: ClaimedJob, message: str) -> None:
    """Record the failure if the reading is still this run's (not another run's made one)."""
    run.fail("failed", error_message=message[:500])


@on_recover
def sweep() -> int:
    """Queue the readings waiting in the database but not in the queue (see audio.jobs)."""
    return claims.requeue_unfinished(MinutesAudio, read_minutes_aloud, what="minutes readings")


@periodic(minute="*")
def _sweep_periodically() -> None:
    sweep()
