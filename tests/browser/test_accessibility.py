"""axe-core on every page a member and a secretary reach, at 360 × 740: no serious or critical
violation anywhere (colour contrast, names of controls, landmarks, language)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.helpers import axe_violations, phone_page, sign_in

SERIOUS = {"serious", "critical"}


def _links(page: Any, pattern: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
    return sorted({h for h in hrefs if re.fullmatch(pattern, h)})


def _check(page: Any, url: str, artifacts_dir: Path, name: str) -> list[str]:
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # what scripts fill in (the pack card, the player) is drawn
    page.screenshot(path=artifacts_dir / f"axe-{name}-360.png", full_page=True)
    return [
        f"{url}: {rule} ({impact}) at {targets}"
        for rule, impact, targets in axe_violations(page)
        if impact in SERIOUS
    ]


def test_no_page_a_member_reaches_has_a_serious_violation(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    page = phone_page(browser)
    sign_in(page, live_server, "0912000003")
    found: list[str] = []
    found += _check(page, f"{live_server}/", artifacts_dir, "member-home")
    meetings = _links(page, r"/meetings/\d+")
    assert meetings, "no meeting on the home page"
    found += _check(page, f"{live_server}{meetings[0]}", artifacts_dir, "member-meeting")
    documents = _links(page, r"/documents/\d+")
    assert documents, "no document on the meeting page"
    found += _check(page, f"{live_server}{documents[0]}", artifacts_dir, "member-document")
    for path, name in (
        ("/notifications", "member-notifications"),
        ("/notifications/settings", "member-push-settings"),
        ("/search?q=chuyen+doi+so", "member-search"),
        ("/account", "member-account"),
        ("/offline", "offline"),
    ):
        found += _check(page, f"{live_server}{path}", artifacts_dir, name)
    assert found == [], "\n".join(found)
    page.context.close()


def test_no_page_a_secretary_reaches_has_a_serious_violation(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    page = phone_page(browser)
    sign_in(page, live_server, "0912000001")
    found: list[str] = []
    found += _check(page, f"{live_server}/", artifacts_dir, "secretary-home")
    meetings = _links(page, r"/meetings/\d+")
    assert meetings, "no meeting on the home page"
    meeting = meetings[0]
    found += _check(page, f"{live_server}{meeting}", artifacts_dir, "secretary-meeting")
    for suffix, name in (
        ("/edit", "secretary-meeting-edit"),
        ("/participation", "secretary-participation"),
        ("/comments", "secretary-comments"),
    ):
        found += _check(page, f"{live_server}{meeting}{suffix}", artifacts_dir, name)
    page.goto(f"{live_server}/")
    orgs = _links(page, r"/org/\d+")
    assert orgs, "no organisation on the home page"
    for suffix, name in (
        ("", "secretary-org"),
        ("/meetings", "secretary-org-meetings"),
        ("/meetings/new", "secretary-meeting-new"),
        ("/members", "secretary-members"),
        ("/members/import", "secretary-import"),
    ):
        found += _check(page, f"{live_server}{orgs[0]}{suffix}", artifacts_dir, name)
    assert found == [], "\n".join(found)
    page.context.close()
