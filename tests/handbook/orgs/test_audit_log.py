"""The audit log's pages and exports: who reads which part of it, its filters (and their bad
input), its pages, its CSV, and the words it is shown in."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest

from handbook.audit.models import AuditLog
from handbook.core import db
from handbook.core.timeutil import VIETNAM_TZ
from handbook.orgs.models import Role
from tests.conftest import login
from tests.helpers import response_text

#: The tests whose queries differ by database run on both; the refusals on SQLite alone.
BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

#: Where each marked entry was made (the tree's organisations, and none: a sign-in).
PLACES = ("b1", "b2", "b3", "commune", "commune2", "district", None)


def _entry(action: str, org, *, actor=None, at: datetime | None = None, **details) -> None:
    entry = AuditLog(
        action=action,
        actor_id=actor.id if actor else None,
        organization_id=org.id if org else None,
        ip="203.0.113.9",
        details=details,
    )
    if at is not None:
        entry.created_at = at
    db.session.add(entry)


@pytest.fixture
def marked(tree) -> dict[str | None, str]:
    """One entry in each place, its note a marker found nowhere else."""
    marks = {}
    for place in PLACES:
        marks[place] = f"dấu-{place or 'hệ-thống'}-hết"
        org = getattr(tree, place) if place else None
        _entry("test.marked", org, actor=tree.secretary_b1, note=marks[place])
    db.session.commit()
    return marks


def _browser(app, user):
    browser = app.test_client()
    login(browser, user)
    return browser


def _seen(page: str, marks: dict[str | None, str]) -> set[str | None]:
    return {place for place, mark in marks.items() if mark in page}


@BOTH
def test_each_reads_the_part_of_the_log_the_policy_gives(app, tree, marked) -> None:
    cases = [
        # (who, page, places seen)
        ("secretary_b1", f"/org/{tree.b1.id}/audit", {"b1"}),
        ("committee_c", f"/org/{tree.commune.id}/audit", {"b1", "b2", "commune"}),
        ("committee_c", f"/org/{tree.b2.id}/audit", {"b2"}),
        ("admin_district", f"/org/{tree.district.id}/audit", set(PLACES) - {None}),
        ("platform_admin", "/admin/audit", set(PLACES)),
        ("platform_admin", f"/org/{tree.commune2.id}/audit", {"commune2", "b3"}),
    ]
    for who, url, places in cases:
        response = _browser(app, getattr(tree, who)).get(url)
        assert response.status_code == 200, (who, url)
        assert _seen(response_text(response), marked) == places, (who, url)
        assert response.headers["Cache-Control"] == "private, no-store"


def test_a_secretary_of_a_commune_reads_the_commune_not_its_branches(
    app, tree, marked, make_user
) -> None:
    """Its grant is "here" only: the subtree's entries are narrowed by the policy."""
    secretary = make_user(tree.commune, Role.SECRETARY, full_name="Lương Văn Xã")
    page = response_text(_browser(app, secretary).get(f"/org/{tree.commune.id}/audit"))
    assert _seen(page, marked) == {"commune"}
    # Filtering by one of the branches below is filtering by an organisation out of reach.
    refused = _browser(app, secretary).get(f"/org/{tree.commune.id}/audit?org={tree.b1.id}")
    assert refused.status_code == 400
    assert marked["b1"] not in response_text(refused)


@pytest.mark.parametrize(
    ("who", "place", "status"),
    [
        ("member_b2", "b1", 404),  # a member of branch B reads branch A's log: not there
        ("secretary_b2", "b1", 404),
        ("member_b1", "b1", 403),  # sees the branch, not its log
        ("member_b3", "commune", 404),
        ("committee_c", "commune2", 404),
        ("admin_district", None, 404),  # the whole log: platform administrators only
        ("committee_c", None, 404),
    ],
)
def test_those_not_allowed_read_nothing(app, tree, marked, who, place, status) -> None:
    browser = _browser(app, getattr(tree, who))
    base = f"/org/{getattr(tree, place).id}/audit" if place else "/admin/audit"
    for url in (base, base + ".csv"):
        response = browser.get(url)
        assert response.status_code == status, url
        assert not _seen(response_text(response), marked)


def test_a_role_change_reads_in_words(app, tree) -> None:
    secretary = _browser(app, tree.secretary_b1)
    changed = secretary.post(
        f"/org/{tree.b1.id}/members/{tree.member_b1.id}/role",
        data={f"r{tree.member_b1.id}-role": "secretary"},
    )
    assert changed.status_code == 302
    _entry("weird.thing", tree.b1, colour="đỏ")
    db.session.commit()
    members = response_text(secretary.get(f"/org/{tree.b1.id}/members"))
    assert f'href="/org/{tree.b1.id}/audit"' in members
    page = response_text(secretary.get(f"/org/{tree.b1.id}/audit"))
    assert "<strong>Đổi vai trò</strong> · Lò Thị Mai" in page
    assert "Trước:</dt> <dd>Đảng viên</dd>" in page and "Sau:</dt> <dd>Bí thư chi bộ</dd>" in page
    assert "Hoàng Văn Thắng" in page  # who did it
    assert "membership.role_changed" in page
    # An action with no Vietnamese name shows its code; a detail without one, its key.
    assert "<strong>weird.thing</strong>" in page and "colour:</dt> <dd>đỏ</dd>" in page
    # Newest first: the unnamed action came last.
    assert page.index("weird.thing") < page.index("Đổi vai trò")
    # Addresses are the platform administrators' to see.
    assert "IP 203.0.113.9" not in page
    admin_page = response_text(_browser(app, tree.platform_admin).get("/admin/audit"))
    assert "IP 203.0.113.9" in admin_page
    assert 'name="viewport"' in page and 'type="date"' in page and "Lọc nhật ký" in page


@BOTH
def test_filters_by_action_person_date_and_organisation(app, tree, marked) -> None:
    late = datetime(2026, 11, 15, 23, 30, tzinfo=VIETNAM_TZ)
    early_next = datetime(2026, 11, 16, 0, 30, tzinfo=VIETNAM_TZ)
    _entry("membership.standing", tree.b1, actor=tree.secretary_b1, at=late, note="trong-ngày")
    _entry("auth.login", tree.b1, actor=tree.member_b1, at=early_next, note="hôm-sau")
    db.session.commit()
    committee = _browser(app, tree.committee_c)
    url = f"/org/{tree.commune.id}/audit"

    def seen(**args) -> str:
        response = committee.get(url, query_string=args)
        assert response.status_code == 200, args
        return response_text(response)

    by_action = seen(action="membership.")
    assert "trong-ngày" in by_action and "hôm-sau" not in by_action
    assert not _seen(by_action, marked)
    # One local day: 23:30 in, 00:30 of the next day out (Vietnam's time, not UTC's).
    one_day = seen(since="2026-11-15", until="15/11/2026")
    assert "trong-ngày" in one_day and "hôm-sau" not in one_day
    assert "hôm-sau" in seen(since="2026-11-16")
    # A person, by a name typed without diacritics, by phone, or by the link on their name.
    by_name = seen(person="lo thi mai")
    assert "hôm-sau" in by_name and "trong-ngày" not in by_name
    assert "hôm-sau" in seen(person="0912 000 002")
    by_link = seen(actor=str(tree.member_b1.id))
    assert "hôm-sau" in by_link and "Chỉ hoạt động của <strong>Lò Thị Mai</strong>" in by_link
    assert "Không có hoạt động nào khớp với bộ lọc" in seen(person="không ai tên này")
    # An organisation of the subtree, and what lies below it.
    only_b2 = seen(org=str(tree.b2.id))
    assert _seen(only_b2, marked) == {"b2"}
    assert _seen(seen(org=str(tree.commune.id)), marked) == {"b1", "b2", "commune"}
    # The page's own links keep the filters.
    assert f"org={tree.b2.id}" in only_b2.split("Tải CSV")[0].rsplit("href=", 1)[1]


@BOTH
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"since": "31/02/2026"}, "Ngày bắt đầu “31/02/2026” không hợp lệ (ngày/tháng/năm)."),
        ({"until": "hôm qua"}, "Ngày kết thúc “hôm qua” không hợp lệ"),
        ({"since": "2026-12-02", "until": "2026-12-01"}, "Ngày bắt đầu phải trước"),
        ({"org": "b3"}, "Không tìm thấy tổ chức này trong phạm vi nhật ký bạn được xem."),
        ({"org": "999999"}, "Không tìm thấy tổ chức này trong phạm vi nhật ký bạn được xem."),
        ({"org": "abc"}, "Mã tổ chức “abc” không hợp lệ."),
        ({"org": "99999999999999999999"}, "Mã tổ chức"),
        ({"action": "auth.%"}, "Loại hoạt động “auth.%” không hợp lệ."),
        ({"before": "-1"}, "Trang “-1” không hợp lệ."),
    ],
)
def test_bad_filters_are_refused_and_show_nothing(app, tree, marked, args, message) -> None:
    if args.get("org") == "b3":
        args = {"org": str(tree.b3.id)}
    committee = _browser(app, tree.committee_c)
    response = committee.get(f"/org/{tree.commune.id}/audit", query_string=args)
    assert response.status_code == 400
    page = response_text(response)
    assert message in page
    assert not _seen(page, marked)  # nothing listed, from outside or inside
    export = committee.get(f"/org/{tree.commune.id}/audit.csv", query_string=args)
    assert export.status_code == 400 and message in response_text(export)


@BOTH
def test_pages_of_fifty_newest_first(app, tree) -> None:
    for n in range(120):
        _entry("test.page", tree.b1, n=f"số-{n:03d}")
    db.session.commit()
    secretary = _browser(app, tree.secretary_b1)
    url = f"/org/{tree.b1.id}/audit?action=test.page"
    seen: list[str] = []
    pages = 0
    while url:
        page = response_text(secretary.get(url))
        numbers = re.findall(r"số-(\d{3})", page)
        assert len(numbers) == (50 if pages < 2 else 20)
        seen += numbers
        pages += 1
        following = re.search(r'href="([^"]+)" rel="next"', page)
        url = following.group(1).replace("&amp;", "&") if following else ""
        if pages > 1:
            assert "Mới nhất" in page
    assert pages == 3
    assert seen == [f"{n:03d}" for n in range(119, -1, -1)]


@BOTH
def test_the_csv_export_holds_what_the_filters_select(app, tree, marked) -> None:
    _entry("membership.ended", tree.b2, actor=tree.secretary_b2, reason="moved", note="ở-b2")
    db.session.commit()
    committee = _browser(app, tree.committee_c)
    response = committee.get(f"/org/{tree.commune.id}/audit.csv?action=membership.")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "Nh%E1%BA%ADt%20k%C3%BD" in response.headers["Content-Disposition"]
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == [
        "Thời gian (giờ Việt Nam)",
        "Người thực hiện",
        "Hoạt động",
        "Mã hoạt động",
        "Tổ chức",
        "Đối tượng",
        "Chi tiết",
    ]
    ended = [row for row in rows[1:] if row[3] == "membership.ended"]
    assert len(ended) == 1
    assert ended[0][1:3] == ["Ma Văn Hùng", "Thôi sinh hoạt"]
    assert ended[0][4] == "Chi bộ thôn Hai"
    assert "Lý do: Chuyển sinh hoạt đảng đi nơi khác" in ended[0][6]
    assert all(row[3].startswith("membership.") for row in rows[1:])
    # Unfiltered, the committee's export holds its subtree, nothing else.
    whole = committee.get(f"/org/{tree.commune.id}/audit.csv").get_data().decode()
    assert _seen(whole, marked) == {"b1", "b2", "commune"}
    # The platform administrators' export adds the address.
    admin = _browser(app, tree.platform_admin).get("/admin/audit.csv").get_data().decode()
    assert "Địa chỉ IP" in admin and "203.0.113.9" in admin
    assert _seen(admin, marked) == set(PLACES)
