"""Originals in a real browser, from the real server: a PDF still opens in Chromium's own
viewer under the sandbox policy, and a PDF/HTML polyglot shows as a PDF, never as a page that
runs its script on our origin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import create_meeting, phone_page, sign_in
from tests.helpers import polyglot_pdf

#: Chromium's PDF viewer (a component extension): its frame is there once a PDF is shown.
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"


#: Read inside the viewer's own frame (Chromium 156's PDF viewer).
VIEWER_STATE = """() => {
    const viewer = document.querySelector('pdf-viewer');
    const root = viewer && viewer.shadowRoot;
    const toolbar = root && root.querySelector('viewer-toolbar');
    return {
        pages: toolbar ? toolbar.docLength : 0,
        error: Boolean(root && root.querySelector('viewer-error-dialog')),
    };
}"""


def _viewer_state(page: Any, attempts: int = 150) -> dict[str, Any]:
    """The PDF viewer's state once it has drawn the file or given up (polled: it loads
    asynchronously)."""
    state: dict[str, Any] = {"frames": [frame.url for frame in page.frames]}
    for _ in range(attempts):
        for frame in page.frames:
            if frame.url.startswith(PDF_VIEWER):
                state = frame.evaluate(VIEWER_STATE)
                if state["pages"] or state["error"]:
                    return state
        page.wait_for_timeout(200)
    return state


def test_a_pdf_opens_inline_and_a_polyglot_runs_no_script(
    browser: Any, live_server: str, tmp_path: Path, artifacts_dir: Path
) -> None:
    page = phone_page(browser)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        sign_in(page, live_server, "0912000001")
        create_meeting(
            page,
            live_server,
            title="Sinh hoạt kiểm tra tệp gốc",
            day="2099-12-07",
            place="Nhà văn hóa thôn Nà Phìa",
            agenda="Đọc tài liệu",
        )
        upload = tmp_path / "da-nang.pdf"
        upload.write_bytes(polyglot_pdf(tmp_path))
        page.locator("#files").set_input_files(str(upload))
        page.get_by_role("button", name="Tải lên").click()
        expect(page.locator("li.doc")).to_have_count(1, timeout=60_000)
        document = page.locator("li.doc").get_attribute("data-document")

        url = f"{live_server}/documents/{document}/file"
        # What the server sends (Chromium reports a PDF navigation's headers as its viewer
        # rewrites them, so ask with the page's own cookies, outside the navigation).
        sent = page.request.get(url)
        assert sent.headers["content-type"] == "application/pdf"
        assert sent.headers["content-security-policy"].startswith("sandbox;")
        assert sent.headers["x-content-type-options"] == "nosniff"
        response = page.goto(url)
        assert response is not None and response.status == 200
        # Chromium's viewer shows it (the sandbox does not stop inline PDFs): its toolbar
        # knows the page count once the file is drawn, and no error dialog is up.
        assert _viewer_state(page) == {"pages": 1, "error": False}
        page.screenshot(path=artifacts_dir / "original-pdf-inline.png")
        # ... and the page inside the file never ran.
        assert not [seen for seen in requested if "/pwned" in seen]
    finally:
        page.context.close()
