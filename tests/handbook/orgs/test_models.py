"""The organisation tree, accounts and memberships as stored, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from handbook.accounts.models import User
from handbook.core import db
from handbook.orgs.models import Membership, Organization, OrgKind, Role
from handbook.orgs.operations import TreeError, create_organization, subtree

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def test_materialised_path_selects_the_subtree(tree) -> None:
    assert tree.b1.path == f"{tree.commune.path}{tree.b1.id}/"
    assert tree.b1.ancestor_ids == [tree.province.id, tree.district.id, tree.commune.id, tree.b1.id]
    below_commune = db.session.scalars(
        sa.select(Organization.name).where(Organization.path.startswith(tree.commune.path))
    ).all()
    assert sorted(below_commune) == sorted([tree.commune.name, tree.b1.name, tree.b2.name])
    ordered = [o.name for o in subtree(tree.district, sa.true())]
    assert ordered[0] == tree.district.name
    assert ordered.index(tree.b3.name) == ordered.index(tree.commune2.name) + 1


def test_levels_stay_in_order_but_may_be_skipped(tree) -> None:
    with pytest.raises(TreeError, match="không thể nằm dưới"):
        create_organization("Huyện Sai", OrgKind.DISTRICT, tree.commune)
    with pytest.raises(TreeError, match="phải thuộc"):
        create_organization("Chi bộ mồ côi", OrgKind.BRANCH, None)
    # Since the 2025 reform a commune may sit straight under its province.
    commune = create_organization("Xã Mới", OrgKind.COMMUNE, tree.province)
    assert commune.depth == 1


def test_sibling_names_are_unique(tree) -> None:
    with pytest.raises(TreeError, match="Đã có"):
        create_organization("Chi bộ  thôn   Một", OrgKind.BRANCH, tree.commune)
    create_organization("Chi bộ thôn Một", OrgKind.BRANCH, tree.commune2)  # elsewhere is fine


def test_one_membership_per_user_and_organisation(tree) -> None:
    db.session.add(Membership(user=tree.member_b1, organization=tree.b1, role=Role.SECRETARY))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_usernames_are_unique_whatever_their_case(make_user) -> None:
    make_user(username="BiThu")
    db.session.add(User(username="bithu", full_name="X", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_account_needs_a_phone_or_a_username(app) -> None:
    db.session.add(User(full_name="Không tên", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_times_come_back_in_utc(tree) -> None:
    db.session.expire_all()
    org = db.session.get(Organization, tree.b1.id)
    assert org.created_at.utcoffset() is not None
    assert org.created_at.utcoffset().total_seconds() == 0
