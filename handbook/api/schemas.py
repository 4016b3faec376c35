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
from handbook.attendance.rules import Rule
from handbook.comments.models import Disposition
from handbook.documents.models import DocumentStatus
from handbook.meetings.models import MeetingKind
from handbook.minutes.models import SectionKind, Signer
from handbook.orgs.models import Reach, Role
from handbook.voting.models import Choice, Method, VoteKind


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


# --- votes (handbook/api/voting.py): no tally before closing, no secret choice ever ---


class VoteOptionAnswer(Answer):
    id: int
    label: str
    choice: Choice


class TallyAnswer(Answer):
    label: str
    choice: str
    count: int
    passed: bool


class VoteResult(Answer):
    verdict: Annotated[str, Field(description="Thông qua: 9/12 … trên một nửa.")]
    passed: bool
    rule: Rule
    secret: bool
    base: Annotated[int, Field(description="the rule's n, frozen at closing")]
    eligible: int
    cast: int
    tallies: list[TallyAnswer]


class MyBallot(Answer):
    voted: bool
    option: Annotated[
        int | None, Field(description="an open ballot's choice; never a secret one's")
    ]
    may_vote: bool
    reason: Annotated[str | None, Field(description="why not, in Vietnamese")]


class HandCountAnswer(Answer):
    option: int
    count: int


class VoteAnswer(Answer):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    title: str
    text: str
    kind: VoteKind
    kind_label: str
    rule: Rule
    rule_label: str
    secret: bool
    method: Method
    method_label: str
    status: Literal["draft", "open", "closed"]
    status_label: str
    version: int
    options: list[VoteOptionAnswer]
    cast: Annotated[int, Field(description="how many have voted (never what they chose)")]
    eligible: Annotated[int, Field(description="who may vote now; frozen at closing")]
    result: Annotated[VoteResult | None, Field(description="only once closed")]
    document_id: Annotated[int | None, Field(description="an adopted resolution's document")]
    mine: MyBallot
    hand_counts: Annotated[
        list[HandCountAnswer] | None, Field(description="a show of hands being entered (secretary)")
    ]


class VoteList(Answer):
    meeting_id: int
    votes: list[VoteAnswer]


class BallotStored(Answer):
    created: Annotated[bool, Field(description="false: recorded before with this client_id")]
    vote: VoteAnswer


class VoterEntry(Answer):
    user_id: int
    name: str
    option: Annotated[int | None, Field(description="open ballots, once closed; never secret")]


class VoterList(Answer):
    vote_id: int
    secret: bool
    voters: list[VoterEntry]


# --- minutes (handbook/api/minutes.py): the record read, the draft for its editors and signers ---


class MinutesPart(Answer):
    title: str
    body: str


class MinutesRecord(Answer):
    number: int
    header: list[str]
    place_date: str
    subtitle: str
    meeting_title: str
    parts: list[MinutesPart]
    chair: str
    taker: str


class MinutesSectionAnswer(Answer):
    id: int
    kind: SectionKind
    title: str
    body: str
    auto_body: Annotated[str, Field(description="the system's latest draft of this section")]
    edited: bool
    auto_newer: Annotated[bool, Field(description="the system's draft changed since the edit")]
    version: int


class MinutesApprovalAnswer(Answer):
    signer: Signer
    name: str
    approved_at: AwareDatetime
    sha256: str
    stands: Annotated[bool, Field(description="of the text as it is now")]


class MinutesDraft(Answer):
    revision: int
    chair_id: int | None
    taker_id: int | None
    started_at: AwareDatetime | None
    ended_at: AwareDatetime | None
    place: str
    sections: list[MinutesSectionAnswer]
    approvals: list[MinutesApprovalAnswer]


class MinutesVersionRef(Answer):
    number: int
    locked_at: AwareDatetime
    sha256: str


class MinutesAnswer(Answer):
    meeting_id: int
    draft: Annotated[bool, Field(description="not yet approved by both signers")]
    sha256: Annotated[str, Field(description="of the canonical text shown")]
    record: MinutesRecord
    drafting: Annotated[
        MinutesDraft | None, Field(description="for the managers and the two signers")
    ]
    versions: list[MinutesVersionRef]


class MinutesVersionAnswer(Answer):
    number: int
    locked_at: AwareDatetime
    sha256: str
    text: Annotated[str, Field(description="the canonical text the hash is of")]
    record: MinutesRecord


class MinutesSectionSaved(Answer):
    section: MinutesSectionAnswer
    revision: int


class MinutesConflict(Answer):
    error: ErrorDetail
    section: Annotated[MinutesSectionAnswer | None, Field(description="as it is now")]
    yours: Annotated[str | None, Field(description="the text sent, given back to merge")]


class OpenAPIDocument(BaseModel):
    """This description itself (only its outline is checked)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]
