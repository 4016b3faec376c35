"""Editing section by section, two secretaries at once (the second is told, nothing is lost),
the chair's and the minute-taker's approvals, the lock and its hash, and what follows: editing
approved minutes refused, or a new version with the approved one kept."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.minutes.models import Minutes, MinutesApproval, MinutesSection, MinutesVersion
from tests.conftest import login
from tests.handbook.minutes.conftest import Held
from tests.helpers import response_text

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


def _stored(section_id: int) -> MinutesSection:
    db.session.expire_all()
    found = db.session.get(MinutesSection, section_id)
    assert found is not None
    return found


def test_two_secretaries_on_one_section_the_second_is_told_and_keeps_their_text(
    held: Held,
) -> None:
    section = held.section("conclusions")
    url = f"{held.api()}/sections/{section['id']}"
    first = "Chi bộ thống nhất thông qua nghị quyết tháng 12."
    second = "Giao đồng chí Sơn theo dõi việc số hóa hồ sơ."
    assert (
        held.secretary.patch(url, json={"body": first, "version": section["version"]}).status_code
        == 200
    )
    clash = held.second.patch(url, json={"body": second, "version": section["version"]})
    assert clash.status_code == 409
    assert "vừa được đồng chí Hoàng Văn Thắng lưu" in clash.json["error"]["message"]
    assert clash.json["yours"] == second  # given back, to merge
    assert clash.json["section"]["body"] == first
    assert clash.json["section"]["version"] == section["version"] + 1
    assert _stored(section["id"]).body == first  # the first is not overwritten

    # The second merges and saves on the version they were given.
    merged = f"{first}\n{second}"
    saved = held.second.patch(
        url, json={"body": merged, "version": clash.json["section"]["version"]}
    )
    assert saved.status_code == 200, saved.json
    assert _stored(section["id"]).body == merged


def test_the_page_gives_a_clashing_secretary_both_texts(held: Held) -> None:
    held.secretary.get(held.url)
    section = held.section("conclusions")
    url = f"{held.url}/sections/{section['id']}"
    version = str(section["version"])
    assert (
        held.secretary.post(url, data={"body": "Bản của bí thư.", "version": version}).status_code
        == 302
    )
    clash = held.second.post(url, data={"body": "Bản của phó bí thư.", "version": version})
    assert clash.status_code == 409
    page = response_text(clash)
    assert 'id="min-conflict"' in page and "vừa được đồng chí Hoàng Văn Thắng lưu" in page
    assert "Bản của bí thư." in page  # what was saved, above
    assert ">Bản của phó bí thư.</textarea>" in page  # theirs, still in the box
    assert f'name="version" value="{section["version"] + 1}"' in page


def test_only_the_chair_and_the_minute_taker_approve_then_it_is_locked_and_hashed(
    held: Held,
) -> None:
    held.choose_signers(held.tree.member_b1)
    revision = held.minutes()["drafting"]["revision"]
    # The other secretary manages the meeting but does not sign: refused, with the reason.
    refused = held.second.post(f"{held.api()}/approve", json={"revision": revision})
    assert refused.status_code == 403
    assert refused.json["error"]["message"] == (
        "Chỉ đồng chí chủ trì và thư ký cuộc họp mới duyệt được biên bản."
    )
    page = held.second.post(f"{held.url}/approve", data={"revision": str(revision)})
    assert page.status_code == 403 and "chủ trì và thư ký" in response_text(page)
    # A platform administrator cannot sign for them either.
    admin = held.app.test_client()
    login(admin, held.tree.platform_admin)
    assert admin.post(f"{held.api()}/approve", json={"revision": revision}).status_code == 403
    # A member who is not a signer does not even see the draft.
    quang = held.app.test_client()
    login(quang, held.probationary)
    assert quang.post(f"{held.api()}/approve", json={"revision": revision}).status_code == 404

    chair = held.secretary.post(f"{held.api()}/approve", json={"revision": revision})
    assert chair.status_code == 200 and chair.json["draft"] is True
    [given] = chair.json["drafting"]["approvals"]
    assert (given["signer"], given["name"], given["stands"]) == ("chair", "Hoàng Văn Thắng", True)
    taker = held.member.post(f"{held.api()}/approve", json={"revision": revision})
    assert taker.status_code == 200 and taker.json["draft"] is False
    db.session.expire_all()
    minutes = db.session.scalars(sa.select(Minutes)).one()
    version = db.session.scalars(sa.select(MinutesVersion)).one()
    assert minutes.locked_at is not None and version.number == 1
    assert version.text_sha256 == hashlib.sha256(version.text.encode()).hexdigest()
    assert minutes.text_sha256 == version.text_sha256 == taker.json["sha256"]
    assert "THƯ KÝ: Lò Thị Mai" in version.text and "CHỦ TRÌ: Hoàng Văn Thắng" in version.text
    actions = set(db.session.scalars(sa.select(AuditLog.action)))
    assert {"minutes.approved", "minutes.locked"} <= actions
    shown = response_text(held.member.get(held.url))
    assert version.text_sha256 in shown and "Đã duyệt và khóa" in shown


def test_an_approval_of_a_text_changed_since_is_refused_and_an_old_one_no_longer_stands(
    held: Held,
) -> None:
    held.choose_signers(held.tree.member_b1)
    read = held.minutes()["drafting"]["revision"]
    assert held.secretary.post(f"{held.api()}/approve", json={"revision": read}).status_code == 200
    section = held.section("conclusions")
    held.secretary.patch(
        f"{held.api()}/sections/{section['id']}",
        json={"body": "Kết luận bổ sung.", "version": section["version"]},
    )
    late = held.member.post(f"{held.api()}/approve", json={"revision": read})
    assert late.status_code == 409
    assert "vừa được sửa sau khi đồng chí mở ra" in late.json["error"]["message"]
    now = held.minutes()
    assert [a["stands"] for a in now["drafting"]["approvals"]] == [False]
    taker = held.member.post(
        f"{held.api()}/approve", json={"revision": now["drafting"]["revision"]}
    )
    assert taker.status_code == 200 and taker.json["draft"] is True  # the chair must again
    assert db.session.scalar(sa.select(sa.func.count(MinutesVersion.id))) == 0


def test_approved_minutes_refuse_edits_and_a_new_version_keeps_the_approved_one(
    held: Held,
) -> None:
    held.choose_signers(held.tree.member_b1)
    first = held.approve_both()
    section = held.section("conclusions")
    edit = {"body": "Sửa sau khi đã duyệt.", "version": section["version"]}
    refused = held.secretary.patch(f"{held.api()}/sections/{section['id']}", json=edit)
    assert refused.status_code == 409
    assert "đã được chủ trì và thư ký duyệt nên không sửa được" in refused.json["error"]["message"]
    assert refused.json["yours"] == "Sửa sau khi đã duyệt."
    page = held.secretary.post(
        f"{held.url}/sections/{section['id']}",
        data={"body": "Sửa sau khi đã duyệt.", "version": str(section["version"])},
    )
    assert page.status_code == 302
    assert _stored(section["id"]).body != "Sửa sau khi đã duyệt."
    facts = held.secretary.patch(held.api(), json={"place": "Nơi khác", "revision": 99})
    assert facts.status_code == 409

    # Explicitly: a new version; the approved one stays readable with its hash.
    started = held.secretary.post(f"{held.api()}/new-version")
    assert started.status_code == 200 and started.json["draft"] is True
    assert started.json["record"]["number"] == 2
    assert (
        held.secretary.patch(f"{held.api()}/sections/{section['id']}", json=edit).status_code == 200
    )
    # Mai (a member and the minute-taker) reads the draft; Quang reads the approved version.
    quang = held.app.test_client()
    login(quang, held.probationary)
    kept = quang.get(f"{held.api()}/versions/1")
    assert kept.status_code == 200
    assert kept.json["sha256"] == first["sha256"]
    assert hashlib.sha256(kept.json["text"].encode()).hexdigest() == first["sha256"]
    assert "Sửa sau khi đã duyệt." not in kept.json["text"]
    reading = quang.get(held.api()).json
    assert reading["draft"] is False and reading["drafting"] is None
    assert reading["sha256"] == first["sha256"]
    second = held.approve_both()
    assert second["sha256"] != first["sha256"]
    assert [v["number"] for v in second["versions"]] == [1, 2]
    assert db.session.scalar(sa.select(sa.func.count(MinutesApproval.id))) == 4


def test_the_signers_must_be_two_members_of_the_branch(held: Held) -> None:
    revision = held.minutes()["drafting"]["revision"]
    same = held.secretary.patch(
        held.api(),
        json={
            "chair_id": held.tree.member_b1.id,
            "taker_id": held.tree.member_b1.id,
            "revision": revision,
        },
    )
    assert same.status_code == 400
    assert same.json["error"]["message"] == "Chủ trì và thư ký phải là hai đồng chí khác nhau."
    outsider = held.secretary.patch(
        held.api(), json={"taker_id": held.tree.member_b3.id, "revision": revision}
    )
    assert outsider.status_code == 400
    assert "đảng viên của chi bộ" in outsider.json["error"]["message"]
    assert held.member.get(held.url).status_code == 404  # a draft: not for members yet
