"""Uploading documents to a meeting, reading one, downloading the original, its processing
status, and search.

A document's page shows what higher domains add to it (comments): each answers the
``document_page`` signal with the template variables it adds.
"""

from __future__ import annotations

import functools
from typing import NamedTuple, cast
from urllib.parse import quote

import sqlalchemy as sa
from blinker import Namespace
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3's; types-WTForms is 3.2

from docs_store.errors import StorageError
from docs_store.extract.photos import sniff_photo
from handbook.core import db
from handbook.core.policy import Action, can, load
from handbook.documents import correction, operations
from handbook.documents import search as search_ops
from handbook.documents.forms import UploadForm
from handbook.documents.jobs import queue_after_commit, status_payload
from handbook.documents.models import Document, DocumentPage, DocumentStatus, TitleSource
from handbook.documents.operations import content_type, mark_read
from handbook.documents.outline import outline
from handbook.documents.storage import blob_store
from handbook.meetings.models import Meeting
from handbook.meetings.routes import meeting_page
from handbook.notifications.operations import read_about

bp = Blueprint("documents", __name__)

#: Sent to draw a document's page: each receiver returns the template variables it adds.
document_page = Namespace().signal("document.page")


#: For original files: a sandbox (no script, an opaque origin) and nothing to load or frame.
ORIGINAL_CSP = (
    "sandbox; default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

#: Text per screen: a long document comes in parts, so each page stays light on 3G.
PART_CHARS = 60_000


class Part(NamedTuple):
    """A screenful of the document: paragraphs ``first``–``last``, on pages ``pages``."""

    first: int
    last: int
    pages: tuple[int, int]


@functools.lru_cache(maxsize=256)
def _parts(document_id: int, _version: str) -> list[Part]:
    """The parts of a document; computed once per ``Document.text_key`` (a correction changes
    a paragraph's length, so where the parts end)."""
    parts: list[Part] = []
    size = PART_CHARS
    rows = db.session.execute(
        sa.select(DocumentPage.number, DocumentPage.blocks)
        .where(DocumentPage.document_id == document_id)
        .order_by(DocumentPage.number)
    )
    for number, blocks in rows:
        for block in blocks:
            if size + len(block["text"]) > PART_CHARS and size:
                parts.append(Part(block["n"], block["n"], (number, number)))
                size = 0
            parts[-1] = Part(parts[-1].first, block["n"], (parts[-1].pages[0], number))
            size += len(block["text"]) + 1
    return parts


def _part_index(parts: list[Part]) -> int:
    """The part asked for (``?part=``), or the one holding paragraph ``?at=``."""
    if not parts:
        return 0
    at = request.args.get("at", type=int)
    if at is not None:
        return next((i for i, part in enumerate(parts) if part.first <= at <= part.last), 0)
    return min(max(request.args.get("part", 0, type=int), 0), len(parts) - 1)


@bp.get("/documents/<int:document_id>")
@login_required
def show(document_id: int) -> str:
    document = load(Document, document_id, Action.DOCUMENT_VIEW)
    manage = can(current_user, Action.DOCUMENT_MANAGE, document)
    if document.status is DocumentStatus.READY and document.is_published():
        wrote = mark_read(current_user, document)
        if read_about(current_user.id, f"document:{document.id}") or wrote:
            db.session.commit()  # only then: a commit is round trips and a new transaction
    parts_of_text: list[Part] = []
    scan = None
    unsure: dict[int, tuple[tuple[int, int], ...]] = {}
    if document.status is DocumentStatus.READY:
        parts_of_text = _parts(document.id, document.text_key)
        scan = correction.scan(document.id, document.text_key)
        if manage:  # the words OCR was unsure of: never read, nor drawn, for members
            unsure = correction.unsure(document.id, document.text_key)
    index = _part_index(parts_of_text)
    parts: dict[str, object] = {"comments": None}
    for _receiver, part in document_page.send(document):
        parts.update(part)
    text = Markup()
    if parts_of_text:
        counts = cast(dict[int, int], parts.get("paragraph_counts") or {})
        text = _text(
            document.id,
            document.text_key,
            index,
            document.kind,
            tuple(sorted(counts.items())),
            manage=manage,
        )
    return render_template(
        "documents/show.html",
        document=document,
        manage=manage,
        text=text,
        parts=parts_of_text,
        part=index,
        toc=outline(document.id, document.text_key).headings if parts_of_text else (),
        scan=scan,
        unsure_count=sum(len(found) for found in unsure.values()),
        unsure_first=min(unsure, default=None),
        **parts,
    )


@functools.lru_cache(maxsize=128)
def _part_pages(
    document_id: int, version: str, index: int
) -> tuple[tuple[int, list[dict[str, object]]], ...]:
    """The blocks one part shows, page by page: read once, whichever of the two drawings of
    the text (for readers, for managers) is asked first."""
    part = _parts(document_id, version)[index]
    pages: list[tuple[int, list[dict[str, object]]]] = []
    for number, blocks in db.session.execute(
        sa.select(DocumentPage.number, DocumentPage.blocks)
        .where(
            DocumentPage.document_id == document_id,
            DocumentPage.number.between(*part.pages),  # only what this screen shows
        )
        .order_by(DocumentPage.number)
    ):
        shown = [b for b in blocks if part.first <= b["n"] <= part.last]
        if shown:
            pages.append((number, shown))
    return tuple(pages)


@functools.lru_cache(maxsize=128)
def _text(
    document_id: int,
    version: str,
    index: int,
    kind: str,
    counts: tuple[tuple[int, int], ...],
    *,
    manage: bool = False,
) -> Markup:
    """One part of a document's text as HTML: the same for every reader until the text or the
    paragraphs' comment counts change, so it is drawn once, not at every view. Those who
    manage the document get a link to correct each paragraph and the words OCR was unsure of
    marked (the same for all of them; ``version`` is ``text_key``, which a correction
    changes)."""
    pages = _part_pages(document_id, version, index)
    marked: dict[object, list[tuple[str, bool]]] = {}
    if manage:
        unsure = correction.unsure(document_id, version)
        marked = {
            block["n"]: correction.segments(str(block["text"]), unsure[block["n"]])
            for _number, blocks in pages
            for block in blocks
            if block["n"] in unsure
        }
    # The template alone, without the context processors: nothing per reader may enter.
    template = current_app.jinja_env.get_template("documents/_text.html")
    html = template.render(
        pages=pages,
        kind=kind,
        paragraph_counts=dict(counts),
        manage=manage,
        marked=marked,
        document_id=document_id,
    )
    return Markup(html)  # noqa: S704 - the output of an autoescaped template


def _correction_form(
    document: Document,
    n: int,
    page: DocumentPage,
    block: dict[str, object],
    *,
    text: str,
    seen: str,
    error: str = "",
) -> str:
    found = correction.marks(page.blocks, page.unsure).get(n, [])
    return render_template(
        "documents/correct.html",
        document=document,
        n=n,
        block=block,
        text=text,
        seen=seen,
        error=error,
        limit=correction.MAX_CHARS,
        # The words OCR was unsure of, as read: what the secretary checks against the paper.
        unsure=[str(block["text"])[start:end] for start, end in found],
        pieces=correction.segments(str(block["text"]), found) if found else [],
    )


@bp.get("/documents/<int:document_id>/paragraphs/<int:paragraph>")
@login_required
def correction_form(document_id: int, paragraph: int) -> str | tuple[str, int]:
    """The paragraph in a box to correct: a plain form, so any phone can do it."""
    document = load(Document, document_id, Action.DOCUMENT_MANAGE)
    try:
        page, block = correction.paragraph(document, paragraph)
    except correction.CorrectionRefused as refused:
        return render_template("documents/correct.html", document=document, error=str(refused)), (
            refused.status
        )
    text = str(block["text"])
    return _correction_form(
        document, paragraph, page, block, text=text, seen=correction.fingerprint(text)
    )


@bp.post("/documents/<int:document_id>/paragraphs/<int:paragraph>")
@login_required
def correct(document_id: int, paragraph: int) -> Response | tuple[str, int]:
    """Save the secretary's words for a paragraph; members read and hear them from now on."""
    document = load(Document, document_id, Action.DOCUMENT_MANAGE)
    typed = request.form.get("text")
    try:
        changed = correction.correct(
            document, current_user, paragraph, typed, request.form.get("seen")
        )
    except correction.CorrectionRefused as refused:
        db.session.rollback()
        if refused.status == 404 or document.status is not DocumentStatus.READY:
            body = render_template("documents/correct.html", document=document, error=str(refused))
            return body, refused.status
        page, block = correction.paragraph(document, paragraph)
        current = str(block["text"])
        # A conflict shows the words saved meanwhile; bad input keeps what was typed.
        text = current if refused.status == 409 else (typed or "")
        body = _correction_form(
            document,
            paragraph,
            page,
            block,
            text=text[: correction.MAX_CHARS * 2],
            seen=correction.fingerprint(current),
            error=str(refused),
        )
        return body, refused.status
    db.session.commit()
    if changed:
        # Kept under the unchanged text_version by "Đọc tiếp" (participation): drawn again here;
        # other processes keep the old opening words until their cache lets them go.
        outline.cache_clear()
        correction.text_corrected.send(document)
        flash(f"Đã sửa đoạn {paragraph}. Đảng viên sẽ đọc và nghe đoạn đã sửa.", "success")
    else:
        flash(f"Đoạn {paragraph} được giữ nguyên (đã soát).", "success")
    return redirect(
        url_for("documents.show", document_id=document.id, at=paragraph) + f"#p-{paragraph}"
    )


@bp.post("/documents/<int:document_id>/title")
@login_required
def rename(document_id: int) -> Response | tuple[Response, int]:
    """File names make poor titles ("thong-bao-hoc-tap.pdf"): the secretary gives a real one,
    or confirms the one read from the document (the upload screen asks for JSON)."""
    document = load(Document, document_id, Action.DOCUMENT_MANAGE)
    title = operations.clean_title(request.form.get("title"))
    wants_json = request.accept_mimetypes.best == "application/json"
    if not title:
        message = "Vui lòng nhập tên tài liệu."
        if wants_json:
            return jsonify(error={"status": 400, "message": message}), 400
        flash(message, "error")
    else:
        operations.rename(document, current_user, title)
        db.session.commit()
        if wants_json:
            return jsonify(status_payload(document))
        flash("Đã đổi tên tài liệu.", "success")
    if request.form.get("back") == "meeting" and document.meeting_id is not None:
        # Confirmed on the upload card: back to it, for the next title.
        return redirect(url_for("meetings.show", meeting_id=document.meeting_id) + "#titles")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/documents/<int:document_id>/status")
@login_required
def status(document_id: int) -> Response:
    document = load(Document, document_id, Action.DOCUMENT_VIEW)
    return jsonify(status_payload(document))


@bp.get("/documents/<int:document_id>/file")
@login_required
def original(document_id: int) -> Response:
    """The uploaded file, with HTTP Range (resumable on weak connections), only to readers."""
    document = load(Document, document_id, Action.DOCUMENT_VIEW)
    try:
        path = blob_store().path(document.blob_sha256)
    except StorageError:
        abort(404)
    inline = document.kind == "pdf" and request.args.get("download") is None
    response = send_file(
        path,
        mimetype=content_type(document.kind),
        conditional=True,
        etag=document.blob_sha256,
        max_age=0,
    )
    # Exactly our type: given "text/plain; charset=utf-8", Werkzeug appends a second charset.
    response.headers["Content-Type"] = content_type(document.kind)
    disposition = "inline" if inline else "attachment"
    ascii_name = document.filename.encode("ascii", "replace").decode().replace('"', "")
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(document.filename)}"
    )
    response.headers["Cache-Control"] = "private, no-cache"
    # An upload is someone else's content on our origin: whatever a browser makes of it
    # (a PDF/HTML polyglot, say), it runs in an opaque origin with no script, cookies or
    # storage of ours. Chromium's PDF viewer still shows PDFs inline under this policy.
    response.headers["Content-Security-Policy"] = ORIGINAL_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@bp.get("/search")
@login_required
def search() -> str:
    query = (request.args.get("q") or "").strip()[:200]
    results = search_ops.search(current_user, query) if query else []
    return render_template("documents/search.html", query=query, results=results)


@bp.app_template_global("document_scan")
def document_scan(document: Document) -> correction.Scan | None:
    """For lists of documents (``_document_item.html``): which pages of a read document came
    from a scan, or None."""
    if document.status is not DocumentStatus.READY:
        return None
    found = correction.scan(document.id, document.text_key)
    return found if found.pages else None


@meeting_page.connect
def _on_the_meeting_page(meeting: Meeting, *, manage: bool) -> dict[str, object]:
    """The meeting's documents this user may see, and the upload form for its managers."""
    upload = UploadForm()
    upload.agenda_item.choices = [SelectChoice("", "Cả buổi sinh hoạt")] + [
        SelectChoice(str(i.id), f"{i.position}. {i.title}") for i in meeting.agenda
    ]
    documents = operations.visible_documents(current_user, meeting)
    return {
        "documents": documents,
        "upload_form": upload if manage else None,
        # Titles no person has chosen yet: the upload card asks the secretary to confirm them.
        "titles_to_confirm": [
            d
            for d in documents
            if manage
            and d.title_source is not TitleSource.TYPED
            and d.status is not DocumentStatus.FAILED
        ],
    }


def _is_photo(upload: operations.Upload) -> bool:
    head = upload.stream.read(16)
    upload.stream.seek(0)
    return sniff_photo(head) is not None


@bp.post("/meetings/<int:meeting_id>/documents")
@login_required
def upload(meeting_id: int) -> Response | tuple[Response, int]:
    """Several files at once; each is kept or refused on its own, with its own message. The
    photos among them (by their bytes) are pages of ONE document, in the order sent."""
    meeting = load(Meeting, meeting_id, Action.MEETING_MANAGE)
    as_photos = [f for f in request.files.getlist("photos") if f and f.filename]
    files = [f for f in request.files.getlist("files") if f and f.filename] + as_photos
    wants_json = request.accept_mimetypes.best == "application/json"
    if not files:
        message = "Vui lòng chọn ít nhất một tệp."
        if wants_json:
            return jsonify(error={"status": 400, "message": message}), 400
        flash(message, "error")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    item_id = request.form.get("agenda_item", type=int)
    item = next((i for i in meeting.agenda if i.id == item_id), None)
    kept: list[Document] = []
    refused: list[dict[str, str]] = []
    # Kept is kept: with the job queue down (Redis) they wait, and the sweep queues them.
    waiting: list[int] = []
    uploads = [(operations.Upload(f.filename or "", f.stream), f in as_photos) for f in files]
    # Sent as photos, they are pages whatever they hold (one that is not a photo refuses them
    # all); sent as files, the photos among them are known by their bytes.
    photos = [u for u, sent_as_photo in uploads if sent_as_photo or _is_photo(u)]
    batches = [[u] for u, _ in uploads if u not in photos] + ([photos] if photos else [])
    for batch in batches:
        try:
            if batch is photos:
                document = operations.add_photos(
                    batch, organization=meeting.organization, actor=current_user,
                    meeting=meeting, agenda_item=item,
                )  # fmt: skip
            else:
                document = operations.add_document(
                    batch[0], organization=meeting.organization, actor=current_user,
                    meeting=meeting, agenda_item=item,
                )  # fmt: skip
        except operations.UploadRefused as exc:
            db.session.rollback()
            refused.append({"filename": batch[0].filename, "message": str(exc)})
            continue
        queue_after_commit(document, waiting)
        db.session.commit()
        kept.append(document)
    if wants_json:
        db.session.expire_all()  # jobs may have run inline, in their own session
        body: dict[str, object] = {
            "documents": [
                status_payload(fresh)
                for d in kept
                # reloaded (the jobs may have run); one deleted meanwhile is no longer kept
                if (fresh := db.session.get(Document, d.id)) is not None
            ],
            "refused": refused,
        }
        if waiting:
            body["notice"] = operations.WAITING_FOR_QUEUE
        return jsonify(body), (201 if kept else 400)
    if waiting:
        flash(f"Đã nhận {len(kept)} tệp. {operations.WAITING_FOR_QUEUE}", "success")
    elif kept:
        flash(f"Đã nhận {len(kept)} tệp; hệ thống đang đọc nội dung.", "success")
    for item_error in refused:
        flash(item_error["message"], "error")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))
