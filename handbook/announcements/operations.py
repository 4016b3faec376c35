"""Sending announcements (with their documents), withdrawing them, and what each member sees.

The documents sent with an announcement go through the documents' own upload
(``documents.operations.add_document``): each is read, indexed and read aloud as any other,
is owned by the announcement's organisation with its reach and publish time, and so appears
in every recipient branch's library. They are told with the announcement, in its one notice,
never on their own (their ``notified_at`` is set when they are attached), and withdrawn with it.

There is no editing: an announcement is an official word its audience may already have read.
A wrong one is withdrawn, with a reason its readers are shown, and sent again. Before its time
comes, withdrawing it cancels it: nobody is told.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.announcements.models import (
    BODY_MAX,
    REASON_MAX,
    TITLE_MAX,
    Announcement,
    AnnouncementDocument,
)
from handbook.announcements.policy import SUBTREE_REFUSED, may_send
from handbook.audit.operations import record
from handbook.core import db
from handbook.core.policy import Action, can, reads
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document
from handbook.documents.operations import Upload, add_document
from handbook.meetings.publishing import PAST_PUBLISH_TIME, resolve_publish_time
from handbook.notifications.models import Notification
from handbook.orgs.models import Organization, OrgKind, Reach

logger = logging.getLogger(__name__)

#: The notice's kind, and the start of its key (``announcement:<id>:published``).
NOTICE_KIND = "announcement.published"


class AnnouncementRefused(ValueError):
    """What cannot be sent or withdrawn as asked; the message is for the user."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def clean_body(text: str | None) -> str:
    """NFC, Unix line breaks, no spaces at line ends, at most one empty line in a row."""
    lines = [
        " ".join(line.split())
        for line in unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").split("\n")
    ]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


def send(
    org: Organization,
    actor: User,
    *,
    title: str,
    body: str,
    reach: Reach,
    at: datetime | None,
    uploads: Sequence[Upload] = (),
) -> tuple[Announcement, list[Document]]:
    """A new announcement of ``org``, out at ``at`` (``None``: now), with its documents.

    Refused (``AnnouncementRefused``, or the documents' ``UploadRefused`` for a file) before
    anything is kept; the caller rolls back on a refusal, queues the documents' reading,
    commits, then tells now (``publishing.publish_now``) or at its time (``schedule``).
    """
    title = " ".join(unicodedata.normalize("NFC", title or "").split())
    body = clean_body(body)
    if not title:
        raise AnnouncementRefused("Vui lòng nhập tiêu đề thông báo.")
    if len(title) > TITLE_MAX:
        raise AnnouncementRefused(f"Tiêu đề dài tối đa {TITLE_MAX} ký tự.")
    if not body:
        raise AnnouncementRefused("Vui lòng nhập nội dung thông báo.")
    if len(body) > BODY_MAX:
        raise AnnouncementRefused(f"Nội dung dài tối đa {BODY_MAX:,} ký tự.".replace(",", "."))
    if not may_send(actor, org, reach):
        if reach is Reach.SUBTREE and may_send(actor, org, Reach.SELF):
            raise AnnouncementRefused(SUBTREE_REFUSED, 403)
        raise AnnouncementRefused("Đồng chí không có quyền gửi thông báo của tổ chức này.", 403)
    if reach is Reach.SUBTREE and org.kind is OrgKind.BRANCH:
        raise AnnouncementRefused("Chi bộ không có tổ chức đảng trực thuộc để gửi tới.")
    publish_at = resolve_publish_time(at, utcnow())
    if publish_at is None:
        raise AnnouncementRefused(PAST_PUBLISH_TIME)
    announcement = Announcement(
        organization=org,
        reach=reach,
        title=title,
        body=body,
        created_by_id=actor.id,
        publish_at=publish_at,
    )
    db.session.add(announcement)
    db.session.flush()
    documents = []
    for upload in uploads:
        document = add_document(
            upload, organization=org, actor=actor, reach=reach, publish_at=publish_at
        )
        # Told with the announcement, in its notice: never on their own.
        document.notified_at = publish_at
        db.session.add(
            AnnouncementDocument(announcement_id=announcement.id, document_id=document.id)
        )
        documents.append(document)
    record(
        "announcement.sent",
        actor_id=actor.id,
        target=announcement,
        organization_id=org.id,
        title=title,
        reach=reach.value,
        publish_at=publish_at.isoformat(),
        documents=[d.id for d in documents],
    )
    logger.info("announcement %s of %s sent by %s", announcement.id, org, actor)
    return announcement, documents


def withdraw(announcement: Announcement, actor: User, reason: str | None) -> bool:
    """Take it back, with its documents; returns whether it had gone out (its readers then
    see the reason, which is required). Before its time it is cancelled and nobody is told:
    the sweep tells only what is not withdrawn, and one UPDATE decides between the two."""
    reason = " ".join((reason or "").split())
    if announcement.withdrawn_at is not None:
        raise AnnouncementRefused("Thông báo này đã được thu hồi.", 409)
    now = utcnow()
    went_out = announcement.notified_at is not None or announcement.is_published(now)
    if went_out and not reason:
        raise AnnouncementRefused(
            "Vui lòng ghi lý do thu hồi: người đã nhận thông báo sẽ thấy lý do này."
        )
    if len(reason) > REASON_MAX:
        raise AnnouncementRefused(f"Lý do thu hồi dài tối đa {REASON_MAX} ký tự.")
    not_yet = sa.and_(Announcement.notified_at.is_(None), Announcement.publish_at > now)
    done = db.session.execute(
        sa.update(Announcement)
        .where(Announcement.id == announcement.id, Announcement.withdrawn_at.is_(None))
        .values(
            withdrawn_at=now,
            withdrawn_by_id=actor.id,
            withdraw_reason=reason,
            publish_at=sa.case((not_yet, None), else_=Announcement.publish_at),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(announcement)
    if not done.rowcount:  # type: ignore[attr-defined]
        raise AnnouncementRefused("Thông báo này đã được thu hồi.", 409)
    went_out = announcement.publish_at is not None
    attached = sa.select(AnnouncementDocument.document_id).where(
        AnnouncementDocument.announcement_id == announcement.id
    )
    db.session.execute(
        sa.update(Document)
        .where(Document.id.in_(attached))
        .values(publish_at=None)
        .execution_options(synchronize_session=False)
    )
    record(
        "announcement.withdrawn",
        actor_id=actor.id,
        target=announcement,
        organization_id=announcement.organization_id,
        reason=reason,
        had_gone_out=went_out,
    )
    logger.info("announcement %s withdrawn by %s", announcement.id, actor)
    return went_out


# --- what a member sees ------------------------------------------------------------------------


def _addressed_to(user: Any) -> sa.ColumnElement[bool]:
    """Announcements of the user's own organisations and those sent from above to a whole
    subtree they are in: a few ids, read from the organisation's index (an administrator
    above who sends for a branch reads it there, not in their own list)."""
    own: set[int] = set()
    above: set[int] = set()
    for membership in user.memberships:
        own.add(membership.organization_id)
        above.update(membership.organization.ancestor_ids)
    return sa.or_(
        Announcement.organization_id.in_(own),
        sa.and_(Announcement.reach == Reach.SUBTREE, Announcement.organization_id.in_(above)),
    )


def listed(user: Any, *, limit: int = 50, readers_only: bool = False) -> list[Announcement]:
    """Newest first, as the policy lets ``user`` see them. Its readers see what went out and
    was not withdrawn; those who manage one also see it scheduled or withdrawn (unless
    ``readers_only``, as on the home page)."""
    newest = sa.func.coalesce(Announcement.publish_at, Announcement.created_at)
    found = db.session.scalars(
        sa.select(Announcement)
        .options(*reads(Announcement))
        .where(_addressed_to(user))
        .order_by(newest.desc(), Announcement.id.desc())
        .limit(limit * 2)
    ).all()
    shown = []
    for announcement in found:
        if not can(user, Action.ANNOUNCEMENT_VIEW, announcement):
            continue
        out = announcement.state() == "published"
        if out or (not readers_only and can(user, Action.ANNOUNCEMENT_MANAGE, announcement)):
            shown.append(announcement)
    return shown[:limit]


def unread_ids(user_id: int) -> set[int]:
    """Announcements whose notice this member has not read (opening it reads it)."""
    keys = db.session.scalars(
        sa.select(Notification.dedupe_key).where(
            Notification.user_id == user_id,
            Notification.kind == NOTICE_KIND,
            Notification.read_at.is_(None),
        )
    )
    return {int(key.split(":")[1]) for key in keys if key.count(":") == 2}


def senders(user: Any) -> list[Organization]:
    """The user's organisations they may send announcements from."""
    orgs = {m.organization.id: m.organization for m in user.memberships}
    return sorted(
        (o for o in orgs.values() if can(user, Action.ORG_PUBLISH, o)),
        key=lambda o: (o.depth, o.name),
    )
