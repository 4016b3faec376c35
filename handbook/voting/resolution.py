"""An adopted resolution becomes a document of its meeting (issue #13 item 5).

The draft resolution's text, then the result of the vote and its date, as a plain text file
added the way an upload is (``documents.operations.add_document``): it is read, published with
the meeting to the branch's members, searchable, read aloud and open to comments like any other
document. A secret ballot's result is its totals only.
"""

from __future__ import annotations

import io

from handbook.accounts.models import User
from handbook.core.timeutil import to_local
from handbook.documents.jobs import queue_after_commit
from handbook.documents.models import Document
from handbook.documents.operations import Upload, add_document
from handbook.voting.models import Method, Vote
from handbook.voting.results import Result


def text_of(vote: Vote, result: Result) -> str:
    """The resolution as it is published: title, text, and the vote that adopted it."""
    assert vote.closed_at is not None
    day = to_local(vote.closed_at).strftime("%d/%m/%Y")
    how = (
        "giơ tay"
        if vote.method is Method.HANDS
        else ("bỏ phiếu kín" if vote.secret else "biểu quyết công khai")
    )
    lines = ["NGHỊ QUYẾT", vote.title, ""]
    if vote.text:
        lines += [vote.text, ""]
    lines.append(f"Kết quả biểu quyết ({how}) tại {vote.meeting.title}, ngày {day}:")
    lines += [f"- {t.label}: {t.count}" for t in result.tallies]
    lines += ["", result.verdict, ""]
    return "\n".join(lines)


def adopt(vote: Vote, result: Result, actor: User) -> Document:
    """The resolution's document, in the vote's meeting and agenda item; read after commit."""
    data = text_of(vote, result).encode("utf-8")
    document = add_document(
        Upload(f"nghi-quyet-bieu-quyet-{vote.id}.txt", io.BytesIO(data)),
        organization=vote.meeting.organization,
        actor=actor,
        meeting=vote.meeting,
        agenda_item=vote.agenda_item,
        title=vote.title,
    )
    queue_after_commit(document)
    return document
