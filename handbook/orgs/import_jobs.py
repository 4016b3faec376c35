"""Member import as a background job, and the life of its password sheet.

The upload is stored and queued (``start_import``); a worker claims it (``core.claimed_job``),
checks every row, makes each one-time password and its hash, draws the sheet, then stores
every account in ONE short transaction with the sealed sheet and the status "done": all or
nothing, and nothing half done after a crash (the next run starts over from the stored file,
which is dropped only with that final commit or a failure). Progress is pushed to the import's
room as it goes. A request used to do all of it, 73 s for 10,000 members.

The sheet holds the only copy of the passwords (their hashes are stored, not them): it is kept
sealed (``import_sheet``) for those who manage the organisation's members to download, as often
as needed (a download cut off on 3G, a printer jam), for ``SHEET_KEEP`` at most, and erased at
once when they say it is printed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from handbook.accounts.models import User
from handbook.audit.operations import record
from handbook.core import claims, db
from handbook.core.aftercommit import after_commit
from handbook.core.claimed_job import ClaimedJob
from handbook.core.jobs import job, on_recover, periodic
from handbook.core.templating import vn_datetime
from handbook.core.timeutil import utcnow
from handbook.orgs.import_models import ImportStatus, MemberImport
from handbook.orgs.member_import import (
    RowError,
    check,
    conflicts_with_database,
    make_passwords,
    store,
)
from handbook.orgs.models import Organization

logger = logging.getLogger(__name__)

#: The longest a password sheet is kept: a secretary who imports in the evening prints at the
#: office the next morning; after that the passwords are given again one by one.
SHEET_KEEP = timedelta(hours=24)
#: Progress is recorded and pushed at least this often (seconds), else every 5 %.
_HEARTBEAT_S = 2.0
#: How much of the bar each step takes: checking, passwords, the sheet, storing.
_CHECK, _HASH, _SHEET = 10, 65, 15
_INTERNAL_ERROR = (
    "Không nhập được do lỗi hệ thống; chưa nhập đảng viên nào. "
    "Vui lòng tải tệp lên lại hoặc báo quản trị."
)
_TAKEN_MEANWHILE = "Một tài khoản trong tệp vừa được tạo ở nơi khác; chưa nhập đảng viên nào."


class ImportBusy(Exception):
    """An import of this organisation is still running; a second one waits for it."""

    def __init__(self, running: MemberImport) -> None:
        self.running = running
        super().__init__(
            "Đang có một lượt nhập danh sách cho tổ chức này, chưa xong. "
            "Vui lòng đợi lượt đó xong rồi hãy tải tệp khác lên."
        )


def import_room(import_id: int) -> str:
    return f"member_import:{import_id}"


def status_payload(found: MemberImport) -> dict[str, Any]:
    return {
        "import": found.id,
        "status": found.status.value,
        "label": found.status.label,
        "progress": found.progress,
        "total": found.row_count,
        "checked": found.checked,
        "prepared": found.prepared,
        "stored": found.stored,
        "errors": len(found.errors or ()),
        "error": found.error_message,
    }


def running_import(org: Organization) -> MemberImport | None:
    return db.session.scalar(
        sa.select(MemberImport).where(
            MemberImport.organization_id == org.id,
            MemberImport.status.in_((ImportStatus.QUEUED, ImportStatus.PROCESSING)),
        )
    )


def start_import(
    org: Organization, raw: bytes, *, file_name: str, app_url: str, actor: User
) -> MemberImport:
    """Store the upload and queue its import after the caller's commit; ``ImportBusy`` while
    another import of ``org`` runs (the unique index decides a race)."""
    running = running_import(org)
    if running is not None:
        raise ImportBusy(running)
    found = MemberImport(
        organization_id=org.id,
        created_by_id=actor.id,
        file_name=file_name[:255] or "danh-sach.csv",
        app_url=app_url[:300],
        source=raw,
        status=ImportStatus.QUEUED,
    )
    db.session.add(found)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        running = running_import(org)
        if running is None:
            raise
        raise ImportBusy(running) from None
    record(
        "members.import_started",
        actor_id=actor.id,
        target=found,
        organization_id=org.id,
        size=len(raw),
    )
    after_commit(run_import, found.id)
    return found


def _run(import_id: int) -> ClaimedJob:
    return ClaimedJob(
        MemberImport,
        import_id,
        event="member_import.status",
        payload=status_payload,
        room=lambda found: import_room(found.id),
        every=_HEARTBEAT_S,
    )


@job()
def run_import(import_id: int) -> None:
    run = _run(import_id)
    found = run.start()
    if found is None:
        return
    try:
        _import(run, found)
    except Exception:
        logger.exception("member import %s failed", import_id)
        run.fail(
            ImportStatus.FAILED,
            error_message=_INTERNAL_ERROR,
            source=None,
            finished_at=utcnow(),
        )


def _step(run: ClaimedJob, before: int, share: int, name: str) -> Callable[[int, int], None]:
    """A progress callback for one step, which takes ``share`` percent of the bar after
    ``before``; it records ``done`` as the column ``name``, and ``total`` as ``row_count``."""

    def tell(done: int, total: int) -> None:
        run.progress(before * total + share * done, 100 * total, row_count=total, **{name: done})

    return tell


def _import(run: ClaimedJob, found: MemberImport) -> None:
    import_id, org, actor = found.id, found.organization, found.created_by
    rows, errors = check(
        found.source or b"",
        org,
        actor_is_admin=actor is not None and actor.is_admin,
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
        progress=_step(run, 0, _CHECK, "checked"),
    )
    if errors:
        _refuse(run, errors)
        return
    total = len(rows)
    run.report(progress=_CHECK, row_count=total, checked=total)
    passwords, hashes = make_passwords(total, _step(run, _CHECK, _HASH, "prepared"))
    run.report(progress=_CHECK + _HASH, prepared=total)

    # Imported here: reportlab and cryptography load only for an import (serve's cold start).
    from handbook.orgs import import_sheet

    slips = [
        import_sheet.Slip(row.full_name, row.phone, password)
        for row, password in zip(rows, passwords, strict=True)
    ]
    del passwords
    pdf = import_sheet.render(org.name, found.app_url, slips, vn_datetime(utcnow()))
    del slips
    sealed = import_sheet.seal(pdf, secret_key=_secret(), import_id=import_id)
    del pdf
    run.report(progress=_CHECK + _HASH + _SHEET)

    # The one transaction: every account, the sheet and "done", or none of them.
    try:
        store(rows, hashes, org, actor_id=found.created_by_id)
    except IntegrityError:  # a phone or name taken since the check (another import, a form)
        db.session.rollback()
        _refuse(run, conflicts_with_database(rows) or [RowError(0, _TAKEN_MEANWHILE)])
        return
    now = utcnow()
    found.status, found.progress, found.stored = ImportStatus.DONE, 100, total
    found.source, found.finished_at = None, now
    found.sheet, found.sheet_until = sealed, now + SHEET_KEEP
    run.finish(found)
    logger.info("member import %s: %s accounts in organisation %s", import_id, total, org.id)


def _secret() -> str | bytes:
    key: str | bytes | None = current_app.secret_key
    if not key:
        raise RuntimeError("SECRET_KEY is not set")
    return key


def _refuse(run: ClaimedJob, errors: list[RowError]) -> None:
    """Nothing stored: the errors by line, and the file dropped (the secretary sends it again)."""
    run.fail(
        ImportStatus.FAILED,
        errors=[[e.line, e.message] for e in errors],
        source=None,
        finished_at=utcnow(),
    )


# --- the sheet -------------------------------------------------------------------------------


def take_sheet(found: MemberImport, *, actor: User) -> bytes | None:
    """The sheet's PDF for ``actor`` (the policy has said yes), counted and audited; ``None``
    once it is erased, past its time (erased now), or sealed under a secret since changed.
    The caller commits."""
    if found.sheet_until is None or found.sheet_erased_at is not None:
        return None
    if found.sheet_until <= utcnow() or found.sheet is None:
        erase_sheet(found, actor=None, why="expired")
        return None
    from handbook.orgs import import_sheet  # here: cryptography only for a download

    pdf = import_sheet.unseal(found.sheet, secret_key=_secret(), import_id=found.id)
    if pdf is None:
        erase_sheet(found, actor=None, why="unreadable")
        return None
    found.sheet_downloads += 1
    record(
        "members.sheet_downloaded",
        actor_id=actor.id,
        target=found,
        organization_id=found.organization_id,
        downloads=found.sheet_downloads,
    )
    return pdf


def erase_sheet(found: MemberImport, *, actor: User | None, why: str) -> None:
    """Drop the sheet now (``why``: printed, expired, unreadable); the caller commits."""
    if found.sheet_erased_at is not None or found.sheet_until is None:
        return
    found.sheet, found.sheet_erased_at = None, utcnow()
    record(
        "members.sheet_erased",
        actor_id=actor.id if actor else None,
        target=found,
        organization_id=found.organization_id,
        why=why,
    )


def erase_expired_sheets() -> int:
    """Erase every sheet past its time; returns how many."""
    now = utcnow()
    expired = db.session.scalars(
        sa.select(MemberImport).where(
            MemberImport.sheet_until <= now, MemberImport.sheet_erased_at.is_(None)
        )
    ).all()
    for found in expired:
        erase_sheet(found, actor=None, why="expired")
    db.session.commit()
    return len(expired)


# --- sweeps ----------------------------------------------------------------------------------


@on_recover
def sweep() -> int:
    """Queue every import waiting in the database but not in the queue (never queued, or left
    half done by a crash); returns how many were queued."""
    return claims.requeue_unfinished(MemberImport, run_import, what="member imports")


@periodic(minute="*")
def _every_minute() -> None:
    sweep()
    erase_expired_sheets()
