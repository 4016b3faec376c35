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


def _first_link(page: Any, base: str, path: str, pattern: str) -> str:
    """The first link on ``path`` whose address matches ``pattern``."""
    page.goto(f"{base}{path}")
    found = _links(page, pattern)
    assert found, f"no {pattern} on {path}"
    return found[0]


def _violations(page: Any, base: str, artifacts_dir: Path, who: str, paths: dict[str, str]) -> str:
    found = [
        problem
        for name, path in paths.items()
        for problem in _check(page, f"{base}{path}", artifacts_dir, f"{who}-{name}")
    ]
    return "\n".join(found)


def test_no_page_a_member_reaches_has_a_serious_violation(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    page = phone_page(browser)
    sign_in(page, live_server, "0912000003")
    meeting = _first_link(page, live_server, "/", r"/meetings/\d+")
    document = _first_link(page, live_server, meeting, r"/documents/\d+")
    paths = {
        "home": "/",
        "meeting": meeting,
        "document": document,
        "notifications": "/notifications",
        "push-settings": "/notifications/settings",
        "search": "/search?q=chuyen+doi+so",
        "account": "/account",
        "offline": "/offline",
    }
    assert _violations(page, live_server, artifacts_dir, "member", paths) == ""
    page.context.close()


def test_no_page_a_secretary_reaches_has_a_serious_violation(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    page = phone_page(browser)
    sign_in(page, live_server, "0912000001")
    meeting = _first_link(page, live_server, "/", r"/meetings/\d+")
    org = _first_link(page, live_server, "/", r"/org/\d+")
    paths = {
        "home": "/",
        "meeting": meeting,
        "meeting-edit": f"{meeting}/edit",
        "participation": f"{meeting}/participation",
        "comments": f"{meeting}/comments",
        "org": org,
        "org-meetings": f"{org}/meetings",
        "meeting-new": f"{org}/meetings/new",
        "members": f"{org}/members",
        "import": f"{org}/members/import",
    }
    assert _violations(page, live_server, artifacts_dir, "secretary", paths) == ""
    page.context.close()
