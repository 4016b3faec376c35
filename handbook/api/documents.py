"""Documents: upload into a meeting, status and text by page, and publication."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.api import serializers
from handbook.api.blueprint import bp
from handbook.api.contract import TOO_LARGE, BadRequest, form, operation, optional_body
from handbook.api.inputs import Publication, UploadForm
from handbook.api.schemas import Document as DocumentAnswer
from handbook.api.schemas import Pages
from handbook.core import db
from handbook.core.policy import Action, load
from handbook.documents import operations as documents
from handbook.documents.jobs import queue_after_commit
from handbook.documents.models import Document, DocumentPage
from handbook.meetings.models import Meeting
from handbook.meetings.publishing import schedule


@bp.post("/meetings/<int:meeting_id>/documents")
@login_required
@operation(
    DocumentAnswer,
    status=201,
    description="Đã nhận; đang đọc nội dung",
    form=UploadForm,
    also=TOO_LARGE,
)
def upload_document(meeting_id: int) -> tuple[Response, int]:
    """Upload one file (PDF, DOCX, TXT) into the meeting; its text is read in the background."""
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    data = form(UploadForm)
    item = next((i for i in meeting.agenda if i.id == data.agenda_item_id), None)
    if data.agenda_item_id is not None and item is None:
        raise BadRequest("Nội dung chương trình không thuộc buổi sinh hoạt này.")
    filename = data.file.filename
    assert filename  # the form's contract refuses a part without one
    try:
        document = documents.add_document(
            documents.Upload(filename, data.file.stream),
            organization=meeting.organization,
            actor=current_user,
            meeting=meeting,
            agenda_item=item,
            title=data.title,
        )
    except documents.UploadRefused as exc:
        db.session.rollback()
        raise BadRequest(str(exc)) from exc
    queue_after_commit(document)
    db.session.commit()
    db.session.expire_all()  # read back what the jobs wrote (attributes reload on access)
    return jsonify(serializers.document(document)), 201


@bp.get("/documents/<int:document_id>")
@login_required
@operation(DocumentAnswer)
def get_document(document_id: int) -> Response:
    """The document and how far the reading of its text has come."""
    return jsonify(serializers.document(load(Document, document_id, Action.DOCUMENT_VIEW)))


@bp.get("/documents/<int:document_id>/pages")
@login_required
@operation(Pages)
def get_pages(document_id: int) -> Response:
    """The document's text by page, in numbered headings and paragraphs (anchors #p-n)."""
    document = load(Document, document_id, Action.DOCUMENT_VIEW)
    pages = db.session.scalars(
        sa.select(DocumentPage)
        .where(DocumentPage.document_id == document.id)
        .order_by(DocumentPage.number)
    )
    return jsonify(
        document=serializers.document(document), pages=[serializers.page(p) for p in pages]
    )


@bp.post("/documents/<int:document_id>/publish")
@login_required
@operation(DocumentAnswer, json=Publication)
def publish_document(document_id: int) -> Response:
    """Publish the document now, or at ``publish_at``."""
    document = load(Document, document_id, Action.DOCUMENT_MANAGE)
    try:
        at = documents.set_publication(
            document, current_user, optional_body(Publication).publish_at
        )
    except documents.UploadRefused as exc:
        db.session.rollback()
        raise BadRequest(str(exc)) from exc
    db.session.commit()
    schedule(at)
    db.session.expire_all()  # read back what the jobs wrote (attributes reload on access)
    return jsonify(serializers.document(document))
