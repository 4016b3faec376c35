"""A publication to a commune's or a province's whole tree: told in the database, once each.

A committee's meeting reaches every member below it, tens of thousands in a province. The
audience is counted, told and searched for mentions by queries whose number does not grow with
it (one ``INSERT … SELECT``), never by an object and a bound id per member, which stalled the
whole server for seconds while a province was told.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.core import db
from handbook.core.timeutil import utcnow
from handbook.meetings.models import Meeting
from handbook.meetings.publishing import plan, publish_now
from handbook.notifications.models import Notification
from handbook.orgs.models import Membership, Organization, OrgKind, Role
from tests.conftest import login
from tests.helpers import create_meeting

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


@contextmanager
def _statements() -> Iterator[list[tuple[str, int]]]:
    """Each statement run meanwhile, with how many values were bound to it."""
    seen: list[tuple[str, int]] = []

    def listen(_conn, _cursor, statement, params, _context, many) -> None:  # noqa: ANN001
        rows = params if many else [params]
        seen.append((statement, sum(len(row or ()) for row in rows)))

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)


def _branch_of(parent: Organization, name: str, members: int) -> list[int]:
    """A branch under ``parent`` with ``members`` plain members, inserted in bulk."""
    branch = Organization(name=name, kind=OrgKind.BRANCH, parent_id=parent.id, path="", depth=0)
    db.session.add(branch)
    db.session.flush()
    branch.path, branch.depth = f"{parent.path}{branch.id}/", parent.depth + 1
    first = int(db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
    ids = list(range(first, first + members))
    db.session.execute(
        sa.insert(User),
        [
            {"id": uid, "phone": f"0977{uid:06d}", "full_name": f"Đảng viên {uid}"}
            | {"password_hash": "x"}
            for uid in ids
        ],
    )
    db.session.execute(
        sa.insert(Membership),
        [{"user_id": uid, "organization_id": branch.id, "role": Role.MEMBER} for uid in ids],
    )
    db.session.commit()
    return ids


def _told(meeting: Meeting) -> list[int]:
    db.session.expire_all()
    return sorted(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.dedupe_key == f"meeting:{meeting.id}:published"
            )
        )
    )


def _committee_meeting(client, tree) -> Meeting:  # noqa: ANN001
    login(client, tree.committee_c)
    return create_meeting(client, tree.commune, subtree="y", title="Hội nghị quán triệt")


def test_everyone_below_is_told_once_in_a_fixed_number_of_statements(client, tree) -> None:
    small = _branch_of(tree.commune, "Chi bộ thôn Bốn", 20)
    meeting = _committee_meeting(client, tree)
    meeting_id = meeting.id
    # One of them was told already (a run that stopped after storing part of it).
    db.session.add(
        Notification(
            user_id=small[0],
            kind="meeting.published",
            payload={},
            dedupe_key=f"meeting:{meeting_id}:published",
            created_at=utcnow(),
        )
    )
    disabled = db.session.get(User, small[1])
    assert disabled is not None
    disabled.active = False
    meeting.publish_at, meeting.published_by_id = utcnow(), tree.committee_c.id
    db.session.commit()
    with _statements() as small_run:
        assert publish_now(meeting_id) == 18 + 4  # the 18 left of the 20, and the tree's own 4

    big = _branch_of(tree.commune, "Chi bộ thôn Năm", 600)
    second = create_meeting(client, tree.commune, subtree="y", title="Hội nghị lần hai")
    second.publish_at, second.published_by_id = utcnow(), tree.committee_c.id
    db.session.commit()
    with _statements() as big_run:
        assert publish_now(second.id) == 20 - 1 + 600 + 4

    # Everyone below once; not the committee officer who published, nor the disabled member,
    # nor the other commune's member.
    below = {tree.member_b1.id, tree.secretary_b1.id, tree.member_b2.id, tree.secretary_b2.id}
    assert _told(second) == sorted((below | set(small) | set(big)) - {small[1]})
    first = db.session.get(Meeting, meeting_id)
    assert first is not None
    assert _told(first) == sorted((below | set(small)) - {small[1]})
    assert tree.committee_c.id not in _told(second)
    assert tree.member_b3.id not in _told(second)
    # The same statements, binding the same number of values, for thirty times the audience:
    # no row and no id per member goes through Python.
    # (The Web Push job, run inline here, reads the subscriptions of those told: by the few
    # thousand, in a worker.)
    told_in_request = [bound for st, bound in big_run if "push_" not in st]
    assert told_in_request == [bound for st, bound in small_run if "push_" not in st]
    inserts = [s for s, _b in big_run if s.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS")]
    assert len(inserts) == 1
    # Telling again tells nobody twice.
    second.notified_at = None
    db.session.commit()
    assert publish_now(second.id) == 0
    assert len(_told(second)) == 20 - 1 + 600 + 4


def test_the_publish_screen_counts_what_telling_tells(client, tree) -> None:
    _branch_of(tree.commune, "Chi bộ thôn Bốn", 40)
    meeting = _committee_meeting(client, tree)
    counted = plan(meeting, tree.committee_c.id, utcnow() + timedelta(hours=1)).count
    meeting.publish_at, meeting.published_by_id = utcnow(), tree.committee_c.id
    db.session.commit()
    assert publish_now(meeting.id) == counted == 40 + 4


def test_a_mention_in_a_large_audience_finds_only_the_named(app, client, tree) -> None:
    ids = _branch_of(tree.commune, "Chi bộ thôn Bốn", 300)
    named = db.session.get(User, ids[7])
    assert named is not None
    named.full_name = "Lò Văn Sáng"
    # A name holding LIKE's wildcards matches only itself.
    odd = db.session.get(User, ids[8])
    assert odd is not None
    odd.full_name = "Lò Văn_S%"
    db.session.commit()
    meeting = _committee_meeting(client, tree)
    client.post(f"/meetings/{meeting.id}/publish", data={"when": "now", "confirm": "1"})
    item = meeting.agenda[0]
    response = client.post(
        f"/meetings/{meeting.id}/agenda/{item.id}/comments",
        data={"body": "Đề nghị @Lò Văn Sáng báo cáo thêm.", "client_id": "mention-large-1"},
    )
    assert response.status_code in (200, 201, 302), response.get_data(as_text=True)
    db.session.expire_all()
    mentioned = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "comment.mention")
    ).all()
    assert mentioned == [named.id]
