"""Reading an uploaded file in the background, run twice at once: a worker stalls past its
lease (a frozen machine), another run takes the document over and reads it, the secretary
corrects a paragraph; then the stalled run wakes and ends, by reading the file or by failing
(its deadline passed while it was frozen). What the taker stored, and the correction, stay."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from handbook.core import db
from handbook.core.jobs import huey
from handbook.documents import correction, jobs
from handbook.documents.models import Document, DocumentPage, DocumentStatus
from tests.conftest import login
from tests.handbook.audio.stalling import lapse
from tests.helpers import create_meeting, upload_document

TEXT = (
    "NGHỊ QUYẾT\n\n"
    "Chỉ bộ thống nhất triển khai chuyển đổi số trong sinh hoạt đảng.\n\n"
    "Mỗi đảng viên đọc tài liệu trước buổi sinh hoạt.\n"
)
FIXED = "Chi bộ thống nhất triển khai chuyển đổi số trong sinh hoạt đảng."


@pytest.mark.parametrize("wakes_to", ["read", "fail"])
def test_a_reading_that_stalled_past_its_lease_changes_nothing_when_it_wakes(
    app, tree, monkeypatch, wakes_to
) -> None:
    real = jobs.extract_sandboxed
    go, reached, calls = threading.Event(), threading.Event(), []

    def stalls_first(path: Any, kind: Any, **limits: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:  # the first run: its worker freezes here
            reached.set()
            assert go.wait(120), "the test never let the run go on"
            if wakes_to == "fail":  # its deadline passed while it was frozen
                limits["timeout"] = 0.001
        return real(path, kind, **limits)

    monkeypatch.setattr(jobs, "extract_sandboxed", stalls_first)
    told: list[int] = []

    def heard(document: Document) -> None:
        told.append(document.id)

    jobs.text_ready.connect(heard)
    secretary = app.test_client()
    login(secretary, tree.secretary_b1)
    meeting = create_meeting(secretary, tree.b1)
    huey.immediate = False  # queued as a worker would find it, run below by hand
    try:
        assert upload_document(secretary, meeting, data=TEXT.encode()).status_code == 201
    finally:
        huey.immediate = True
        huey.flush()
    document = db.session.scalars(sa.select(Document)).one()
    errors: list[BaseException] = []

    def stalled_run() -> None:
        try:
            with app.app_context():
                jobs.extract_document.call_local(document.id)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)

    stalled = threading.Thread(target=stalled_run)
    try:
        stalled.start()
        assert reached.wait(60), "the first run never reached the extraction"
        lapse(Document, document.id)
        with app.app_context():
            jobs.extract_document.call_local(document.id)  # the run that takes it over
        db.session.expire_all()
        assert document.status is DocumentStatus.READY  # the taker's
        with app.app_context():
            taken = db.session.get(Document, document.id)
            assert taken is not None
            seen = correction.fingerprint(correction.paragraph(taken, 2)[1]["text"])
            assert correction.correct(taken, tree.secretary_b1, 2, FIXED, seen)
            db.session.commit()
        go.set()
        stalled.join(120)
    finally:
        go.set()
        jobs.text_ready.disconnect(heard)
    assert not stalled.is_alive() and errors == [] and len(calls) == 2

    db.session.expire_all()
    found = db.session.get(Document, document.id)
    assert found is not None
    assert (found.status, found.error_code, found.error_message) == (
        DocumentStatus.READY,
        None,
        None,
    )
    texts = [
        block["text"]
        for page in db.session.scalars(sa.select(DocumentPage).order_by(DocumentPage.number))
        for block in page.blocks
    ]
    assert texts[1] == FIXED, texts
    assert told == [document.id]  # the voice was asked once, for the taker's text
