"""The access policy, as a table: role × action × own or other organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from handbook.accounts.operations import set_active
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.core.timeutil import utcnow
from handbook.documents.models import Document
from handbook.documents.policy import documents_where
from handbook.meetings.models import Meeting
from handbook.orgs.models import Reach, Role
from handbook.orgs.operations import add_membership

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

A = Action
# Who, on which organisation, may do what. Organisation names refer to the ``tree`` fixture:
# b1 is the actor's own branch (for branch people), b2 a sibling branch under the same
# commune, b3 a branch under another commune, commune the commune above b1 and b2.
ORG_TABLE = [
    # (actor, organisation, action, allowed)
    ("member_b1", "b1", A.ORG_VIEW, True),
    ("member_b1", "commune", A.ORG_VIEW, True),  # names of the levels above
    ("member_b1", "b2", A.ORG_VIEW, False),
    ("member_b1", "b1", A.ORG_VIEW_MEMBERS, False),
    ("member_b1", "b1", A.ORG_MANAGE_MEMBERS, False),
    ("secretary_b1", "b1", A.ORG_VIEW_MEMBERS, True),
    ("secretary_b1", "b1", A.ORG_MANAGE_MEMBERS, True),
    ("secretary_b1", "b1", A.ORG_MANAGE_TREE, False),
    ("secretary_b1", "b2", A.ORG_VIEW, False),
    ("secretary_b1", "b2", A.ORG_VIEW_MEMBERS, False),
    ("secretary_b1", "b2", A.ORG_MANAGE_MEMBERS, False),
    ("secretary_b1", "commune", A.ORG_VIEW_MEMBERS, False),
    ("committee_c", "commune", A.ORG_VIEW, True),
    ("committee_c", "b1", A.ORG_VIEW, True),
    ("committee_c", "b2", A.ORG_VIEW_MEMBERS, True),
    ("committee_c", "b2", A.ORG_MANAGE_MEMBERS, False),
    ("committee_c", "b3", A.ORG_VIEW, False),
    ("committee_c", "b3", A.ORG_VIEW_MEMBERS, False),
    ("committee_c", "district", A.ORG_VIEW_MEMBERS, False),
    ("admin_district", "b3", A.ORG_MANAGE_MEMBERS, True),
    ("admin_district", "commune", A.ORG_MANAGE_TREE, True),
    ("admin_district", "province", A.ORG_VIEW, True),
    ("admin_district", "province", A.ORG_MANAGE_TREE, False),
    ("admin_district", "province", A.ORG_VIEW_MEMBERS, False),
    ("platform_admin", "province", A.ORG_MANAGE_TREE, True),
    ("platform_admin", "b3", A.ORG_MANAGE_MEMBERS, True),
]


@pytest.mark.parametrize(("actor", "org", "action", "allowed"), ORG_TABLE)
def test_organisation_actions(tree, actor: str, org: str, action: Action, allowed: bool) -> None:
    assert can(getattr(tree, actor), action, getattr(tree, org)) is allowed


USER_TABLE = [
    # (actor, target, action, allowed)
    ("secretary_b1", "member_b1", A.USER_MANAGE, True),
    ("secretary_b1", "member_b2", A.USER_MANAGE, False),
    ("secretary_b1", "member_b2", A.USER_VIEW, False),
    ("member_b1", "secretary_b1", A.USER_MANAGE, False),
    ("member_b1", "member_b1", A.USER_VIEW, True),
    ("member_b1", "member_b1", A.USER_MANAGE, False),  # own password goes through its own page
    ("committee_c", "member_b2", A.USER_VIEW, True),
    ("committee_c", "member_b2", A.USER_MANAGE, False),
    ("admin_district", "member_b3", A.USER_MANAGE, True),
    ("admin_district", "platform_admin", A.USER_MANAGE, False),
    ("platform_admin", "member_b3", A.USER_MANAGE, True),
]


@pytest.mark.parametrize(("actor", "target", "action", "allowed"), USER_TABLE)
def test_account_actions(tree, actor: str, target: str, action: Action, allowed: bool) -> None:
    assert can(getattr(tree, actor), action, getattr(tree, target)) is allowed


def test_a_secretary_cannot_take_over_an_officer_who_sits_in_the_branch(tree) -> None:
    add_membership(tree.committee_c, tree.b1, Role.MEMBER)
    db.session.commit()
    assert not can(tree.secretary_b1, Action.USER_MANAGE, tree.committee_c)
    assert can(tree.admin_district, Action.USER_MANAGE, tree.committee_c)


def test_nobody_without_a_session_may_do_anything(tree) -> None:
    anonymous = AnonymousUserMixin()
    for action in Action:
        assert not can(anonymous, action, tree.b1)
        assert not can(None, action, tree.b1)


def test_a_disabled_account_loses_every_right(tree) -> None:
    set_active(tree.platform_admin, tree.secretary_b1, False)
    db.session.commit()
    assert not can(tree.secretary_b1, Action.ORG_VIEW, tree.b1)


def _meeting(org, publish_in: timedelta | None) -> Meeting:
    now = utcnow()
    meeting = Meeting(
        organization=org,
        title="Sinh hoạt chi bộ tháng 12",
        starts_at=now + timedelta(days=10),
        publish_at=None if publish_in is None else now + publish_in,
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


MEETING_TABLE = [
    # (actor, published, action, allowed): the meeting belongs to b1
    ("member_b1", True, A.MEETING_VIEW, True),
    ("member_b1", False, A.MEETING_VIEW, False),
    ("member_b2", True, A.MEETING_VIEW, False),
    ("secretary_b1", False, A.MEETING_VIEW, True),
    ("secretary_b2", False, A.MEETING_VIEW, False),
    ("secretary_b2", True, A.MEETING_VIEW, False),
    ("committee_c", True, A.MEETING_VIEW, True),
    ("committee_c", False, A.MEETING_VIEW, False),
    ("member_b3", True, A.MEETING_VIEW, False),
    ("admin_district", False, A.MEETING_MANAGE, True),
    ("secretary_b1", False, A.MEETING_MANAGE, True),
    ("member_b1", True, A.MEETING_MANAGE, False),
    ("committee_c", True, A.MEETING_MANAGE, False),  # a branch's own meeting, not the committee's
    ("secretary_b2", True, A.MEETING_MANAGE, False),
]


@pytest.mark.parametrize(("actor", "published", "action", "allowed"), MEETING_TABLE)
def test_meeting_actions(tree, actor: str, published: bool, action: Action, allowed: bool) -> None:
    meeting = _meeting(tree.b1, timedelta(minutes=-1) if published else timedelta(hours=2))
    assert can(getattr(tree, actor), action, meeting) is allowed


def test_a_draft_meeting_is_hidden_from_members(tree) -> None:
    meeting = _meeting(tree.b1, None)
    assert not can(tree.member_b1, Action.MEETING_VIEW, meeting)
    assert can(tree.secretary_b1, Action.MEETING_VIEW, meeting)


# --- documents, and a committee publishing to its whole subtree ----------------------------


def _document(org, *, publish_in: timedelta | None, reach=Reach.SELF, meeting=None) -> Document:
    now = utcnow()
    doc = Document(
        organization=org,
        meeting=meeting,
        reach=reach,
        title="Dự thảo nghị quyết",
        filename="du-thao.pdf",
        kind="pdf",
        blob_sha256="a" * 64,
        size=10,
        publish_at=None if publish_in is None else now + publish_in,
    )
    db.session.add(doc)
    db.session.commit()
    return doc


DOCUMENT_TABLE = [
    # (actor, owner, reach, published, action, allowed)
    ("member_b1", "b1", "self", True, A.DOCUMENT_VIEW, True),
    ("member_b1", "b1", "self", False, A.DOCUMENT_VIEW, False),
    ("member_b2", "b1", "self", True, A.DOCUMENT_VIEW, False),
    ("secretary_b1", "b1", "self", False, A.DOCUMENT_MANAGE, True),
    ("secretary_b2", "b1", "self", False, A.DOCUMENT_VIEW, False),
    ("member_b1", "commune", "self", True, A.DOCUMENT_VIEW, False),  # the committee's own
    ("member_b1", "commune", "subtree", True, A.DOCUMENT_VIEW, True),  # sent to every branch
    ("member_b2", "commune", "subtree", True, A.DOCUMENT_VIEW, True),
    ("member_b3", "commune", "subtree", True, A.DOCUMENT_VIEW, False),  # another commune
    ("member_b1", "commune", "subtree", False, A.DOCUMENT_VIEW, False),  # not yet published
    ("secretary_b1", "commune", "subtree", True, A.DOCUMENT_MANAGE, False),
    ("committee_c", "commune", "subtree", False, A.DOCUMENT_MANAGE, True),
    ("committee_c", "b1", "self", True, A.DOCUMENT_VIEW, True),
    ("committee_c", "b1", "self", False, A.DOCUMENT_VIEW, False),
    ("member_b3", "district", "subtree", True, A.DOCUMENT_VIEW, True),
    ("admin_district", "b3", "self", False, A.DOCUMENT_MANAGE, True),
]


@pytest.mark.parametrize(
    ("actor", "owner", "reach", "published", "action", "allowed"), DOCUMENT_TABLE
)
def test_document_actions(tree, actor, owner, reach, published, action, allowed) -> None:
    doc = _document(
        getattr(tree, owner),
        publish_in=timedelta(minutes=-1) if published else timedelta(days=1),
        reach=Reach(reach),
    )
    assert can(getattr(tree, actor), action, doc) is allowed


def test_a_document_waits_for_its_meeting(tree) -> None:
    meeting = _meeting(tree.b1, timedelta(days=1))
    doc = _document(tree.b1, publish_in=timedelta(minutes=-5), meeting=meeting)
    assert not can(tree.member_b1, Action.DOCUMENT_VIEW, doc)
    meeting.publish_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert can(tree.member_b1, Action.DOCUMENT_VIEW, doc)


def test_the_sql_filter_agrees_with_can_for_everyone(tree) -> None:
    """``documents_where`` (for lists and search) must never show what ``can`` refuses."""
    docs = []
    for owner in ("b1", "b2", "b3", "commune", "district"):
        for reach in Reach:
            for publish_in in (timedelta(minutes=-1), timedelta(days=1), None):
                docs.append(_document(getattr(tree, owner), publish_in=publish_in, reach=reach))
    late_meeting = _meeting(tree.b1, timedelta(days=1))
    docs.append(_document(tree.b1, publish_in=timedelta(minutes=-1), meeting=late_meeting))
    for name in (
        "member_b1",
        "member_b2",
        "member_b3",
        "secretary_b1",
        "committee_c",
        "admin_district",
        "platform_admin",
    ):
        user = getattr(tree, name)
        by_sql = set(db.session.scalars(sa.select(Document.id).where(documents_where(user))))
        by_can = {d.id for d in docs if can(user, Action.DOCUMENT_VIEW, d)}
        assert by_sql == by_can, name


DISCUSS_TABLE = [
    # (actor, publication state, allowed): a document of b1's meeting
    ("member_b1", "published", True),
    ("member_b1", "scheduled", False),
    ("member_b1", "cancelled", False),
    ("secretary_b1", "scheduled", True),  # managers discuss a draft before it goes out
    ("secretary_b1", "cancelled", False),  # a cancelled meeting is read-only for everyone
    ("platform_admin", "cancelled", False),
    ("member_b2", "published", False),
    ("committee_c", "published", True),
    ("committee_c", "scheduled", False),
]


@pytest.mark.parametrize(("actor", "state", "allowed"), DISCUSS_TABLE)
def test_who_may_discuss(tree, actor: str, state: str, allowed: bool) -> None:
    meeting = _meeting(tree.b1, timedelta(minutes=-1))
    doc = _document(
        tree.b1,
        publish_in=timedelta(days=1) if state == "scheduled" else timedelta(minutes=-1),
        meeting=meeting,
    )
    if state == "cancelled":
        meeting.cancelled_at = utcnow()
        db.session.commit()
    user = getattr(tree, actor)
    assert can(user, Action.DISCUSS, doc) is allowed
    # The meeting's own agenda: open to whoever sees the meeting, until it is cancelled.
    expected = state != "cancelled" and can(user, Action.MEETING_VIEW, meeting)
    assert can(user, Action.DISCUSS, meeting) is expected
