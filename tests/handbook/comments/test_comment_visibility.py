"""What a resync returns is only ever what the policy lets the asker see.

A property over a small world with every kind of publication (published, scheduled, draft,
cancelled, a committee's subtree meeting): for every user, every target and every way of asking
(all, ``after``, ``since``), each comment returned lies on that target and on something
``policy.can(user, VIEW, …)`` allows.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest

from handbook.comments import service
from handbook.comments.models import Comment
from handbook.comments.operations import CommentError
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document, DocumentStatus
from handbook.meetings.models import AgendaItem, Meeting
from handbook.orgs.models import Organization, Reach
from tests.conftest import login, socket_for

_counter = itertools.count(1)


@dataclass
class World:
    documents: list[Document]
    agenda_items: list[AgendaItem]
    before_edits: str


def _meeting(org: Organization, *, published: bool, reach: Reach = Reach.SELF) -> Meeting:
    now = utcnow()
    meeting = Meeting(
        organization_id=org.id,
        title=f"Sinh hoạt {next(_counter)}",
        starts_at=now + timedelta(days=3),
        reach=reach,
        publish_at=now - timedelta(hours=1) if published else None,
    )
    meeting.agenda = [AgendaItem(position=1, title="Thảo luận")]
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _document(meeting: Meeting, publish_at: object) -> Document:
    document = Document(
        organization_id=meeting.organization_id,
        meeting_id=meeting.id,
        reach=meeting.reach,
        title=f"Tài liệu {next(_counter)}",
        filename="tai-lieu.txt",
        kind="txt",
        blob_sha256="0" * 64,
        size=1,
        status=DocumentStatus.READY,
        publish_at=publish_at,
    )
    db.session.add(document)
    db.session.flush()
    return document


def _comment(author_id: int, meeting: Meeting, **where: int) -> Comment:
    comment = Comment(
        meeting_id=meeting.id,
        author_id=author_id,
        client_id=f"world-{next(_counter):08d}",
        body="Ý kiến",
        **where,
    )
    db.session.add(comment)
    return comment


@pytest.fixture
def world(tree) -> World:
    """Every kind of publication, each with a comment made before and edited after a moment."""
    now = utcnow()
    b1 = _meeting(tree.b1, published=True)
    cancelled = _meeting(tree.b1, published=True)
    cancelled.cancelled_at = now
    b2 = _meeting(tree.b2, published=True)
    draft = _meeting(tree.b2, published=False)
    subtree = _meeting(tree.commune, published=True, reach=Reach.SUBTREE)
    documents = [
        _document(b1, now - timedelta(hours=1)),  # published
        _document(b1, now + timedelta(days=1)),  # scheduled
        _document(b1, None),  # a draft in a published meeting
        _document(cancelled, now - timedelta(hours=1)),
        _document(b2, now - timedelta(hours=1)),
        _document(draft, None),
        _document(subtree, now - timedelta(hours=1)),
        _document(subtree, None),
    ]
    meetings = [b1, cancelled, b2, draft, subtree]
    comments = [
        _comment(tree.secretary_b1.id, d.meeting, document_id=d.id, paragraph=1)
        for d in documents
        if d.meeting is not None
    ]
    comments += [
        _comment(tree.platform_admin.id, m, agenda_item_id=m.agenda[0].id) for m in meetings
    ]
    db.session.commit()
    before_edits = utcnow().isoformat()
    later = utcnow() + timedelta(seconds=1)
    for comment in comments:
        comment.edited_at, comment.version = later, 2
    db.session.commit()
    return World(documents, [m.agenda[0] for m in meetings], before_edits)


def _people(tree) -> list:
    return [
        tree.member_b1,
        tree.secretary_b1,
        tree.member_b2,
        tree.secretary_b2,
        tree.committee_c,
        tree.admin_district,
        tree.member_b3,
        tree.platform_admin,
    ]


def _visible(user, comment: dict) -> bool:
    if comment["document"] is not None:
        return can(user, Action.DOCUMENT_VIEW, db.session.get(Document, comment["document"]))
    return can(user, Action.MEETING_VIEW, db.session.get(Meeting, comment["meeting"]))


def test_a_resync_returns_only_what_the_asker_may_see(tree, world) -> None:
    asked = returned = 0
    for user, (kind, target), ask in itertools.product(
        _people(tree),
        [("document", d.id) for d in world.documents]
        + [("agenda_item", a.id) for a in world.agenda_items],
        [
            {},
            {"after": 0},
            {"since": world.before_edits},
            {"after": 0, "since": "2000-01-01T00:00:00+00:00"},
        ],
    ):
        asked += 1
        try:
            _room, result = service.sync(user, {kind: target, **ask})
        except CommentError as refusal:
            assert refusal.status == 404
            continue
        for comment in result["comments"] + result["changed"]:
            returned += 1
            assert _visible(user, comment), (user, kind, target, ask, comment)
            if kind == "document":
                assert comment["document"] == target
            else:
                assert comment["document"] is None and comment["agenda_item"] == target
    assert asked == 8 * 13 * 4 and returned > 100  # the property was exercised, not vacuous


def test_an_agenda_resync_does_not_leak_a_draft_documents_comments(app, tree, world) -> None:
    """The reported leak, through both transports: a member asks what changed on an agenda item
    of their published meeting and must get only that item's comments."""
    item = world.agenda_items[0]
    draft = world.documents[2]
    live = socket_for(app, tree.member_b1)
    ack = live.emit(
        "comments.join", {"agenda_item": item.id, "since": world.before_edits}, callback=True
    )
    assert ack["ok"]
    assert {c["agenda_item"] for c in ack["changed"]} == {item.id}
    assert draft.id not in {c["document"] for c in ack["changed"]}
    browser = app.test_client()
    login(browser, tree.member_b1)
    answer = browser.get(
        f"/api/v1/agenda-items/{item.id}/comments", query_string={"since": world.before_edits}
    ).json
    assert [c["agenda_item"] for c in answer["changed"]] == [item.id]
