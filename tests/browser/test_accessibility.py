"""axe-core on every page a member and a secretary reach, at 360 × 740, in light and in dark
mode: no serious or critical violation anywhere (colour contrast, names of controls, landmarks,
language)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import axe_violations, phone_page, sign_in
from tests.browser.look import member_pages, open_page, secretary_pages

SERIOUS = {"serious", "critical"}


def _check(page: Any, url: str, artifacts_dir: Path, name: str) -> list[str]:
    open_page(page, url)
    page.screenshot(path=artifacts_dir / f"axe-{name}.png", full_page=True)
    return [
        f"{url}: {rule} ({impact}) at {targets}"
        for rule, impact, targets in axe_violations(page)
        if impact in SERIOUS
    ]


def _violations(page: Any, base: str, artifacts_dir: Path, who: str, paths: dict[str, str]) -> str:
    found = [
        problem
        for name, path in paths.items()
        for problem in _check(page, f"{base}{path}", artifacts_dir, f"{who}-{name}")
    ]
    return "\n".join(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    ("who", "login", "pages"),
    [
        ("member", "0912000003", member_pages),
        ("secretary", "0912000001", secretary_pages),
        ("admin", "admin", lambda _page, _base: {"tree": "/admin/tree", "voices": "/admin/voices"}),
    ],
)
def test_no_page_they_reach_has_a_serious_violation(
    browser: Any,
    live_server: str,
    artifacts_dir: Path,
    scheme: str,
    who: str,
    login: str,
    pages: Callable[[Any, str], dict[str, str]],
) -> None:
    page = phone_page(browser, color_scheme=scheme)
    sign_in(page, live_server, login)
    found = _violations(
        page, live_server, artifacts_dir, f"{who}-{scheme}", pages(page, live_server)
    )
    assert found == ""
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_sign_in_page_and_the_open_menus_have_no_serious_violation(
    browser: Any, live_server: str, artifacts_dir: Path, scheme: str
) -> None:
    page = phone_page(browser, color_scheme=scheme)
    found = _check(page, f"{live_server}/login", artifacts_dir, f"anonymous-{scheme}-login")
    sign_in(page, live_server, "0912000003")
    for menu in ("#menu", "#text-size-menu"):
        page.locator(f"{menu} > summary").click()
        found += [f"{menu}: {rule} ({impact}) at {where}" for rule, impact, where in
                  axe_violations(page) if impact in SERIOUS]  # fmt: skip
    assert found == []
    page.context.close()
