"""The secretary's record of a meeting's comments: grouped by agenda item, then by document.

A fixed handful of queries whatever the number of comments (comments with their authors,
the meeting's agenda and documents, and the pages of documents whose paragraphs were discussed),
so the overview page and both exports stay fast on a busy meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from handbook.accounts.models import User
from handbook.comments.models import Comment, Disposition
from handbook.comments.serialize import voice_json
from handbook.core import db
from handbook.core.templating import vn_datetime
from handbook.documents.models import Document, DocumentPage
from handbook.meetings.models import AgendaItem, Meeting
from handbook.orgs.models import Membership, Organization, Role

#: The heading of documents that belong to the meeting but to no agenda item.
GENERAL = "Tài liệu chung"
#: How much of a discussed paragraph the record quotes.
EXCERPT_CHARS = 160


@dataclass
class Entry:
    """One comment as the record shows it, with its replies (one level)."""

    id: int
    author: str
    created_at: datetime
    body: str
    paragraph: int | None = None
    excerpt: str = ""
    disposition: Disposition = Disposition.NONE
    edited: bool = False
    hidden: bool = False
    hidden_reason: str = ""
    #: Only a deleted comment that still has replies keeps its place, without its words.
    deleted: bool = False
    #: A voice comment's recording (a path on this site) and its length in seconds.
    voice_url: str = ""
    voice_seconds: int = 0
    replies: list[Entry] = field(default_factory=list)

    @property
    def voice_label(self) -> str:
        """``Góp ý bằng giọng nói (0:42)``: what stands for the words of a voice comment."""
        if not self.voice_url:
            return ""
        minutes, seconds = divmod(self.voice_seconds, 60)
        return f"Góp ý bằng giọng nói ({minutes}:{seconds:02d})"

    @property
    def when(self) -> str:
        return vn_datetime(self.created_at)

    @property
    def hidden_label(self) -> str:
        if not self.hidden:
            return ""
        return f"đã ẩn: {self.hidden_reason}" if self.hidden_reason else "đã ẩn"

    def with_replies(self) -> list[Entry]:
        """This entry and its replies, in order."""
        return [self, *self.replies]


@dataclass
class Topic:
    """The comments on one document, or on the agenda item itself (``document`` is None)."""

    title: str
    document: Document | None
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Group:
    """One agenda item (in agenda order), or the meeting's general documents at the end."""

    title: str
    agenda_item: AgendaItem | None
    topics: list[Topic] = field(default_factory=list)

    @property
    def heading(self) -> str:
        if self.agenda_item is None:
            return self.title
        return f"{self.agenda_item.position}. {self.title}"


@dataclass(frozen=True)
class Summary:
    total: int
    accepted: int
    explain: int


def summarize(groups: list[Group]) -> Summary:
    """Counts for the record: every comment kept (replies and hidden ones included)."""
    kept = [
        entry
        for group in groups
        for topic in group.topics
        for top in topic.entries
        for entry in top.with_replies()
        if not entry.deleted
    ]
    return Summary(
        total=len(kept),
        accepted=sum(e.disposition is Disposition.ACCEPTED for e in kept),
        explain=sum(e.disposition is Disposition.EXPLAIN for e in kept),
    )


def meeting_comments(meeting: Meeting) -> list[Group]:
    """Every comment of the meeting, grouped for the secretary; deleted ones are left out."""
    comments = db.session.scalars(
        sa.select(Comment)
        .where(Comment.meeting_id == meeting.id)
        .options(so.joinedload(Comment.author))
        .order_by(Comment.id)
    ).all()
    if not comments:
        return []
    agenda = db.session.scalars(
        sa.select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position)
    ).all()
    documents = {
        d.id: d
        for d in db.session.scalars(
            sa.select(Document).where(Document.meeting_id == meeting.id).order_by(Document.id)
        )
    }
    texts = _paragraph_texts(
        {c.document_id for c in comments if c.document_id is not None and c.paragraph}
    )
    entries = _threads(comments, texts)

    groups = {item.id: Group(item.title, item) for item in agenda}
    general = Group(GENERAL, None)
    topics: dict[tuple[str, int], Topic] = {}
    for comment in comments:
        entry = entries.get(comment.id)
        if entry is None:
            continue
        document = documents.get(comment.document_id) if comment.document_id else None
        if document is not None:
            key = ("document", document.id)
            group = groups.get(document.agenda_item_id or 0, general)
        elif comment.agenda_item_id in groups:
            key = ("item", comment.agenda_item_id)
            group = groups[comment.agenda_item_id]
        else:  # pragma: no cover - a comment always has a document or an agenda item
            continue
        topic = topics.get(key)
        if topic is None:
            topic = topics[key] = Topic(
                document.title if document else "Góp ý chung về nội dung", document
            )
            group.topics.append(topic)
        topic.entries.append(entry)

    ordered = [*groups.values(), general]
    for group in ordered:
        # On an agenda item: its own discussion first, then its documents in upload order.
        group.topics.sort(
            key=lambda t: (t.document is not None, t.document.id if t.document else 0)
        )
    return [g for g in ordered if g.topics]


def _threads(comments: Sequence[Comment], texts: dict[tuple[int, int], str]) -> dict[int, Entry]:
    """Top-level entries by comment id, with their replies attached. Deleted comments are left
    out, except a deleted comment that still has replies: it keeps its place, not its words."""
    entries: dict[int, Entry] = {}
    for comment in comments:
        deleted = comment.deleted_at is not None
        if deleted and comment.parent_id is not None:
            continue
        voice = voice_json(comment)
        entries[comment.id] = Entry(
            id=comment.id,
            author=comment.author.full_name,
            created_at=comment.created_at,
            body="" if deleted else comment.body,
            paragraph=comment.paragraph,
            excerpt=_excerpt(texts.get((comment.document_id or 0, comment.paragraph or 0), "")),
            disposition=comment.disposition,
            edited=comment.edited_at is not None,
            hidden=comment.hidden_at is not None,
            hidden_reason=comment.hidden_reason or "",
            deleted=deleted,
            voice_url=voice["url"] if voice and not deleted else "",
            voice_seconds=voice["seconds"] if voice else 0,
        )
    tops: dict[int, Entry] = {}
    for comment in comments:
        entry = entries.get(comment.id)
        if entry is None:
            continue
        parent = entries.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            entry.paragraph, entry.excerpt = None, ""  # a reply's paragraph is its parent's
            parent.replies.append(entry)
        elif comment.parent_id is None:
            tops[comment.id] = entry
    return {i: e for i, e in tops.items() if not (e.deleted and not e.replies)}


def _paragraph_texts(document_ids: set[int]) -> dict[tuple[int, int], str]:
    """``(document id, paragraph number) → text`` for the documents whose paragraphs were
    discussed; one query, reading only the blocks."""
    if not document_ids:
        return {}
    rows = db.session.execute(
        sa.select(DocumentPage.document_id, DocumentPage.blocks).where(
            DocumentPage.document_id.in_(document_ids)
        )
    )
    texts: dict[tuple[int, int], str] = {}
    for document_id, blocks in rows:
        for block in blocks or []:
            number = block.get("n") if isinstance(block, dict) else None
            if isinstance(number, int):
                texts[(document_id, number)] = str(block.get("text", ""))
    return texts


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"


def branch_secretary(org: Organization) -> str:
    """The name the record prints under "BÍ THƯ": the organisation's secretary when it has
    exactly one (with an active account); otherwise nothing, written by hand on paper."""
    names = db.session.scalars(
        sa.select(User.full_name)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organization_id == org.id,
            Membership.role == Role.SECRETARY,
            User.active.is_(True),
        )
        .limit(2)
    ).all()
    return names[0] if len(names) == 1 else ""
