"""Renaming and moving organisations (issue #14 item 8): a moved branch keeps its history and
its members see what their new ancestors send to the subtree, no longer what the old ones
send; a move that would break the tree, or reach outside what the actor manages, is refused
with its message and changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handbook.announcements.models import Announcement
from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.documents.models import Document
from handbook.documents.policy import documents_where
from handbook.meetings.models import Meeting
from handbook.orgs.models import Membership, Organization, OrgKind, Role
from tests.conftest import login
from tests.handbook.announcements.helpers import attached, sent, text_file
from tests.helpers import create_meeting, response_text

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _fresh(org: Organization) -> Organization:
    db.session.expire_all()
    found = db.session.get(Organization, org.id)
    assert found is not None
    return found


def _shape() -> dict[str, tuple[str, int, int | None]]:
    db.session.expire_all()
    return {
        o.name: (o.path, o.depth, o.parent_id) for o in db.session.scalars(sa.select(Organization))
    }


def _audit(action: str) -> list[AuditLog]:
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action)))


def test_renaming_keeps_names_unique_among_siblings(client, tree) -> None:
    login(client, tree.admin_district)
    response = client.post(f"/admin/tree/{tree.b1.id}/rename", data={"name": "  Chi bộ  Nà Phìa "})
    assert response.status_code == 302
    assert _fresh(tree.b1).name == "Chi bộ Nà Phìa"
    [entry] = _audit("org.renamed")
    assert entry.details == {"old": "Chi bộ thôn Một", "new": "Chi bộ Nà Phìa"}
    assert entry.actor_id == tree.admin_district.id

    taken = client.post(f"/admin/tree/{tree.b1.id}/rename", data={"name": "Chi bộ thôn Hai"})
    assert taken.status_code == 400
    assert "Đã có tổ chức “Chi bộ thôn Hai” ở cấp này." in response_text(taken)
    empty = client.post(f"/admin/tree/{tree.b1.id}/rename", data={"name": "   "})
    assert empty.status_code == 400
    assert "Tên tổ chức không được để trống." in response_text(empty)
    assert _fresh(tree.b1).name == "Chi bộ Nà Phìa"
    # A branch of another commune may bear the same name: unique among siblings only.
    assert (
        client.post(f"/admin/tree/{tree.b3.id}/rename", data={"name": "Chi bộ Nà Phìa"}).status_code
        == 302
    )


@BOTH
def test_a_commune_moves_with_its_branches_and_keeps_its_history(
    client, tree, make_org, make_user
) -> None:
    """Paths and depths of the whole subtree follow in one transaction; meetings, documents
    and memberships keep their organisation; the audit says where from and where to."""
    district2 = make_org("Huyện Hai", OrgKind.DISTRICT, tree.province)
    secretary = client.application.test_client()
    login(secretary, tree.secretary_b1)
    meeting = create_meeting(secretary, tree.b1)
    province_admin = make_user(tree.province, Role.ADMIN, full_name="Hà Văn Tỉnh")
    login(client, province_admin)

    response = client.post(f"/admin/tree/{tree.commune.id}/move", data={"parent_id": district2.id})
    assert response.status_code == 302, response_text(response)
    shape = _shape()
    base = f"/{tree.province.id}/{district2.id}/{tree.commune.id}/"
    assert shape["Xã Tân Tiến"] == (base, 2, district2.id)
    assert shape["Chi bộ thôn Một"] == (f"{base}{tree.b1.id}/", 3, tree.commune.id)
    assert shape["Chi bộ thôn Hai"] == (f"{base}{tree.b2.id}/", 3, tree.commune.id)
    assert shape["Xã Bình Minh"][0] == f"/{tree.province.id}/{tree.district.id}/{tree.commune2.id}/"
    assert db.session.get(Meeting, meeting.id).organization_id == tree.b1.id
    assert db.session.scalars(
        sa.select(Membership.organization_id).where(Membership.user_id == tree.member_b1.id)
    ).all() == [tree.b1.id]
    [entry] = _audit("org.moved")
    assert entry.details == {
        "old_parent_id": tree.district.id,
        "old_parent": "Huyện Một",
        "new_parent_id": district2.id,
        "new_parent": "Huyện Hai",
        "old_path": f"/{tree.province.id}/{tree.district.id}/{tree.commune.id}/",
        "new_path": base,
    }
    # The branch's secretary still manages the branch's meeting; the old district's admin
    # no longer reaches the commune, the new one's tree shows it.
    assert secretary.get(f"/meetings/{meeting.id}/edit").status_code == 200
    old_admin = client.application.test_client()
    login(old_admin, tree.admin_district)
    assert old_admin.get(f"/admin/tree/{tree.commune.id}").status_code == 404
    assert "Xã Tân Tiến" in response_text(client.get("/admin/tree"))


@BOTH
@pytest.mark.parametrize("target", ["commune", "b1"])
def test_moving_under_itself_or_its_own_descendant_is_refused(client, tree, target) -> None:
    login(client, tree.platform_admin)
    before = _shape()
    destination = getattr(tree, target)
    response = client.post(
        f"/admin/tree/{tree.commune.id}/move", data={"parent_id": destination.id}
    )
    assert response.status_code == 400
    page = response_text(response)
    assert "Không thể chuyển “Xã Tân Tiến” vào chính nó hoặc một tổ chức trực thuộc nó." in page
    assert _shape() == before and _audit("org.moved") == []
    # A district under its own commune, the same.
    deeper = client.post(f"/admin/tree/{tree.district.id}/move", data={"parent_id": tree.b1.id})
    assert deeper.status_code == 400 and _shape() == before


def test_a_parent_of_the_same_or_a_lower_level_is_refused(client, tree) -> None:
    login(client, tree.admin_district)
    before = _shape()
    same = client.post(f"/admin/tree/{tree.commune.id}/move", data={"parent_id": tree.commune2.id})
    assert same.status_code == 400
    assert "Xã / Phường không thể nằm dưới Xã / Phường." in response_text(same)
    lower = client.post(f"/admin/tree/{tree.b1.id}/move", data={"parent_id": tree.b3.id})
    assert lower.status_code == 400
    assert "Chi bộ không thể nằm dưới Chi bộ." in response_text(lower)
    nothing = client.post(f"/admin/tree/{tree.b1.id}/move", data={"parent_id": ""})
    assert nothing.status_code == 400
    assert "Vui lòng chọn tổ chức cấp trên mới." in response_text(nothing)
    assert _shape() == before


def test_a_parent_outside_what_the_actor_manages_is_refused(client, tree, make_org) -> None:
    """Another district is not the district admin's to move into (not even seen); a branch
    secretary moves nothing; nor does an admin of a commune take a branch from its parent."""
    elsewhere = make_org(
        "Xã Ngoài Huyện", OrgKind.COMMUNE, make_org("Huyện Ba", OrgKind.DISTRICT, tree.province)
    )
    before = _shape()
    login(client, tree.admin_district)
    assert (
        client.post(f"/admin/tree/{tree.b1.id}/move", data={"parent_id": elsewhere.id}).status_code
        == 404
    )
    secretary = client.application.test_client()
    login(secretary, tree.secretary_b1)
    assert secretary.get(f"/admin/tree/{tree.b1.id}").status_code == 403
    assert (
        secretary.post(
            f"/admin/tree/{tree.b1.id}/move", data={"parent_id": tree.commune2.id}
        ).status_code
        == 403
    )
    assert secretary.post(f"/admin/tree/{tree.b1.id}/rename", data={"name": "X"}).status_code == 403
    assert _shape() == before and _audit("org.moved") == []


def test_the_node_page_offers_only_the_places_it_may_go(client, tree) -> None:
    login(client, tree.admin_district)
    page = response_text(client.get(f"/admin/tree/{tree.b1.id}"))
    offered = page.split('id="parent_id"')[1].split("</select>")[0]
    assert f'value="{tree.commune2.id}"' in offered  # the other commune
    assert f'value="{tree.district.id}"' in offered  # straight under the district
    for not_there in (tree.commune, tree.b1, tree.b2, tree.b3, tree.province):
        assert f'value="{not_there.id}"' not in offered
    assert 'value="top"' not in offered  # the top level is the platform administrators'
    tree_page = response_text(client.get("/admin/tree"))
    assert f'href="/admin/tree/{tree.b1.id}"' in tree_page


@BOTH
def test_after_a_move_members_see_their_new_ancestors_subtree_publications(
    app, client, tree, make_user
) -> None:
    """B1 moves from commune C to commune C2: its member reads what C2 sends to its subtree,
    and no longer what C sends (announcements, their documents, the library, the SQL twin)."""
    committee_c2 = make_user(tree.commune2, Role.COMMITTEE, full_name="Sùng A Dinh")
    sent_by: dict[int, int] = {}
    for sender, commune in ((tree.committee_c, tree.commune), (committee_c2, tree.commune2)):
        browser = app.test_client()
        login(browser, sender)
        announcement = sent(
            browser, commune, reach="subtree", files=text_file(), title=f"Gửi từ {commune.name}"
        )
        sent_by[commune.id] = announcement.id
    old, new = sent_by[tree.commune.id], sent_by[tree.commune2.id]
    member = app.test_client()
    login(member, tree.member_b1)

    def sees(announcement_id: int) -> bool:
        announcement = db.session.get(Announcement, announcement_id)
        [document_id] = attached(announcement)
        page = member.get(f"/announcements/{announcement_id}").status_code == 200
        document = member.get(f"/documents/{document_id}").status_code == 200
        library = f"/documents/{document_id}" in response_text(
            member.get(f"/org/{tree.b1.id}/library")
        )
        listed = f"/announcements/{announcement_id}" in response_text(member.get("/announcements"))
        db.session.expire_all()
        user = db.session.get(type(tree.member_b1), tree.member_b1.id)
        twin = (
            document_id
            in db.session.scalars(sa.select(Document.id).where(documents_where(user))).all()
        )
        rule = can(user, Action.DOCUMENT_VIEW, db.session.get(Document, document_id))
        assert page == document == library == listed == twin == rule
        return page

    assert sees(old) and not sees(new)
    login(client, tree.admin_district)
    moved = client.post(f"/admin/tree/{tree.b1.id}/move", data={"parent_id": tree.commune2.id})
    assert moved.status_code == 302
    assert not sees(old) and sees(new)
