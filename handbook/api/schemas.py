"""What the API answers, as pydantic models: the OpenAPI schemas of ``/api/v1/openapi.json``
are generated from these, and in tests every answer is checked against them before it leaves.

Answers are strict and closed: a field the description lacks, a missing one, a number sent as
text or a time without its zone fails the check, so the answers and their description cannot
drift apart. The enums are the domain's own, so a new value appears in the description at once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from docs_store.extract.model import BlockKind
from handbook.comments.models import Disposition
from handbook.documents.models import DocumentStatus
from handbook.meetings.models import MeetingKind
from handbook.orgs.models import Reach, Role


class Answer(BaseModel):
    """Base of every answer: strict types, no field beyond those described."""

    model_config = ConfigDict(strict=True, extra="forbid")


class ErrorDetail(Answer):
    status: int
    message: Annotated[str, Field(description="in Vietnamese, for the member")]


class Error(Answer):
    """Every refusal: ``{"error": {"status", "message"}}``."""

    error: ErrorDetail


class OrganizationRef(Answer):
    id: int
    name: str


class AgendaItem(Answer):
    id: int
    position: int
    title: str


class Document(Answer):
    id: int
    title: str
    filename: str
    kind: Literal["pdf", "docx", "txt"]
    size: int
    meeting_id: int | None
    agenda_item_id: int | None
    organization_id: int
    reach: Reach
    status: DocumentStatus
    progress: Annotated[int, Field(ge=0, le=100)]
    error: str | None
    page_count: int
    publish_at: AwareDatetime | None
    published: bool
    file_url: str


class Meeting(Answer):
    """A meeting as listed: without its documents."""

    id: int
    organization: OrganizationRef
    title: str
    kind: MeetingKind
    starts_at: AwareDatetime
    place: str
    reach: Reach
    publish_at: AwareDatetime | None
    published: bool
    cancelled_at: AwareDatetime | None
    cancel_reason: str | None
    agenda: list[AgendaItem]


class MeetingDetail(Meeting):
    """A meeting with the documents the signed-in member may see."""

    documents: list[Document]


class MeetingList(Answer):
    meetings: list[Meeting]


class Block(Answer):
    n: Annotated[int, Field(description="paragraph number, anchor #p-n")]
    kind: BlockKind
    level: int = 0
    text: str


class Page(Answer):
    number: int
    ocr: bool
    blocks: list[Block]


class Pages(Answer):
    document: Document
    pages: list[Page]


class Notification(Answer):
    id: int
    kind: str
    payload: dict[str, Any]
    created_at: AwareDatetime
    read_at: AwareDatetime | None


class Notifications(Answer):
    notifications: list[Notification]
    unread: Annotated[int, Field(ge=0)]


class MarkedRead(Answer):
    marked: Annotated[int, Field(ge=0)]
    unread: Literal[0]


class Membership(Answer):
    organization: OrganizationRef
    role: Role


class Me(Answer):
    id: int
    full_name: str
    phone: str | None
    memberships: list[Membership]
    unread_notifications: int
    csrf_token: Annotated[str, Field(description="send it in X-CSRFToken with every write")]


class CommentAuthor(Answer):
    id: int
    name: str


class CommentVoice(Answer):
    url: Annotated[str, Field(description="the recording (Opus in WebM or Ogg), with Range")]
    seconds: Annotated[int, Field(description="its length, measured by the server")]


class Comment(Answer):
    id: int
    version: int
    meeting: int
    document: int | None
    agenda_item: int | None
    paragraph: Annotated[int | None, Field(description="the #p-n anchor")]
    parent: int | None
    author: CommentAuthor
    body: Annotated[
        str | None, Field(description="null when deleted, or hidden for anyone but its author")
    ]
    created_at: AwareDatetime
    edited: bool
    deleted: bool
    hidden: bool
    hidden_reason: str | None
    disposition: Disposition
    client_id: str | None
    voice: Annotated[
        CommentVoice | None, Field(description="a voice comment's recording (no transcript)")
    ] = None


class CommentList(Answer):
    document: int | None
    agenda_item: int | None
    comments: list[Comment]
    changed: list[Comment]
    now: Annotated[AwareDatetime, Field(description="send it back as ?since= next time")]


class CommentStored(Answer):
    comment: Comment
    created: Annotated[bool, Field(description="false: stored before with this client_id")]


class CommentChanged(Answer):
    """What edit, delete, hide and disposition answer: the Socket.IO ack's ``comment``, wrapped
    the same way as a new comment, so one client code path reads all of them."""

    comment: Comment


class OpenAPIDocument(BaseModel):
    """This description itself (only its outline is checked)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]
