"""Browser tests: the real production server (``python -m handbook serve``) driven by Debian's
chromium through Playwright, on a cheap phone's screen.

Playwright never downloads a browser here; it launches ``/usr/bin/chromium`` (``scripts/setup
test`` installs it). Screenshots and the server's log go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

# The suite shares a 2-core machine with a real server, OCR and a voice: give the pages time.
expect.set_options(timeout=15_000)

HERE = Path(__file__).resolve().parent

#: A cheap Android phone: the smallest screen the app must fit without sideways scrolling.
PHONE_VIEWPORT = {"width": 360, "height": 740}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
]

# Belt and braces: nothing in this run may fetch a browser.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser with ``browser`` (select or skip them with -m)."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item so ``page`` can screenshot a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless; skipped when missing outside CI, a failure in CI."""
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        reason = (
            f"chromium not found ({executable}); install it with `scripts/setup test` "
            "(Debian package `chromium`)"
        )
        if _in_ci():
            pytest.fail(reason)
        pytest.skip(reason)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, artifacts_dir: Path) -> Iterator[Any]:
    """A fresh context (no cookies) and page on a 360 px phone screen, in Vietnamese."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            name = request.node.name.replace("/", "_")
            try:
                page.screenshot(path=artifacts_dir / f"failed-{name}.png", full_page=True)
            except Exception:  # noqa: BLE001, S110 - a debugging aid must not hide the failure
                pass
        context.close()
