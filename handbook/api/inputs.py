"""What the API accepts, as pydantic models: spectree validates each request's JSON body, form or
query string with these before the view runs, and the OpenAPI description shows their schemas.

JSON bodies are strict, as JSON Schema reads them (``"5"`` is no integer, ``true`` no number);
unknown keys are ignored. Query strings and forms are text, so their numbers are read from plain
decimals only. Times are ISO 8601 with a zone, read by :func:`datetime.fromisoformat` as the
pages read them. The domain still checks what only it can (a time already past, a blank title).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError
from werkzeug.datastructures import FileStorage

from handbook.comments.models import Disposition
from handbook.comments.moderation import HIDE_REASON_MAX
from handbook.comments.operations import MAX_BODY
from handbook.core.inputs import MAX_ID
from handbook.meetings.models import MeetingKind
from handbook.orgs.models import Reach

#: Notifications one request may list.
MAX_NOTIFICATIONS = 200
#: Titles and places, as the pages bound them.
MAX_LINE = 300


def _moment(value: Any) -> datetime:
    """An ISO 8601 time with its zone that has a UTC time (``0001-01-01T00:00+07:00`` has none)."""
    if not isinstance(value, str):
        raise PydanticCustomError("moment_format", "an ISO 8601 time with its zone")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("moment_format", "an ISO 8601 time with its zone") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PydanticCustomError("moment_zone", "the time needs its zone")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("moment_range", "the time is out of range") from None
    return moment


def _decimal(value: Any) -> Any:
    """Query and form numbers: plain ASCII digits only (no sign, space, ``_`` or ``.``); one too
    long for any id becomes 10**19, which every bound refuses, without reading it whole."""
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()):
            raise PydanticCustomError("int_parsing", "plain decimal digits")
        digits = value.lstrip("0") or "0"
        return int(digits) if len(digits) <= 19 else 10**19
    return value


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


def _upload(value: Any) -> FileStorage:
    if isinstance(value, FileStorage) and value.filename:
        return value
    raise PydanticCustomError("file_missing", "a file in the field")


_TIME_SCHEMA = {"type": "string", "format": "date-time"}
#: A time in a JSON body or a query string.
Moment = Annotated[datetime, PlainValidator(_moment), WithJsonSchema(_TIME_SCHEMA)]
#: A row id in a JSON body: larger ones name nothing any database holds.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: A paragraph number of a document, as the comment service bounds it.
Paragraph = Annotated[int, Field(ge=1, le=10**6)]
#: Comment text, as the comment service bounds it.
CommentText = Annotated[str, Field(min_length=1, max_length=MAX_BODY)]


class Body(BaseModel):
    """A JSON request body."""

    model_config = ConfigDict(strict=True)


class NewMeeting(Body):
    title: Annotated[str, Field(min_length=1, max_length=MAX_LINE)]
    kind: Annotated[MeetingKind, Field(strict=False)] = MeetingKind.REGULAR
    starts_at: Moment
    place: Annotated[str, Field(max_length=MAX_LINE)] | None = None
    agenda: Annotated[list[str], Field(description="one title each; 50 at most are kept")] = []
    reach: Annotated[
        Reach, Field(strict=False, description="subtree: branches below too (not for a branch)")
    ] = Reach.SELF


class Publication(Body):
    publish_at: Annotated[Moment | None, Field(description="omit to publish now")] = None


class NewComment(Body):
    client_id: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z0-9_-]{8,64}$",
            description="made by the device; the same one again returns the stored comment",
        ),
    ]
    body: CommentText
    parent: Annotated[Id | None, Field(description="the comment this one replies to")] = None


class NewDocumentComment(NewComment):
    paragraph: Annotated[Paragraph | None, Field(description="n of the #p-n anchor")] = None


class CommentEdit(Body):
    body: CommentText


class Hiding(Body):
    reason: Annotated[
        str,
        Field(
            min_length=1,
            max_length=HIDE_REASON_MAX,
            description="why, in a few words: the author is shown it; required",
        ),
    ]


class DispositionChange(Body):
    value: Annotated[Disposition, Field(strict=False)]


class Query(BaseModel):
    """A query string: text, read field by field; unknown parameters are ignored."""


#: Read from text (query strings, forms) as plain decimal digits; the bounds go before it in
#: ``Annotated`` (``Annotated[int, Field(ge=…), DECIMAL]``), else the schema names them wrongly.
DECIMAL = BeforeValidator(_decimal)


class CommentsQuery(Query):
    after: Annotated[
        int,
        Field(ge=0, le=MAX_ID, description="only comments with a larger id (the last one held)"),
        DECIMAL,
    ] = 0
    since: Annotated[
        datetime | None,
        PlainValidator(_moment),
        WithJsonSchema(
            {**_TIME_SCHEMA, "description": "also those changed after this time (the last `now`)"}
        ),
    ] = None


class NotificationsQuery(Query):
    limit: Annotated[
        int, Field(ge=1, le=MAX_NOTIFICATIONS, description="how many, newest first"), DECIMAL
    ] = 50


class UploadForm(BaseModel):
    """One file per request (PDF, DOCX or TXT), with an optional agenda item and title."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    file: Annotated[
        FileStorage, PlainValidator(_upload), WithJsonSchema({"type": "string", "format": "binary"})
    ]
    agenda_item_id: Annotated[
        Annotated[int, Field(ge=1, le=MAX_ID), DECIMAL] | None, BeforeValidator(_blank_is_none)
    ] = None
    title: Annotated[str, Field(max_length=MAX_LINE)] | None = None
