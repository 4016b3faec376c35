"""Reading a document, downloading the original, its processing status, and search."""

from __future__ import annotations

import functools
import secrets
from typing import NamedTuple
from urllib.parse import quote

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from docs_store.errors import StorageError
from handbook import db
from handbook.audit.operations import record
from handbook.documents import search as search_ops
from handbook.documents.jobs import status_payload
from handbook.documents.models import Document, DocumentPage, DocumentStatus
from handbook.documents.operations import content_type, mark_read
from handbook.documents.storage import blob_store
from handbook.policy import Action, can, load
from handbook.timeutil import utcnow

bp = Blueprint("documents", __name__)


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
    """The parts of a document; computed once, since pages never change once read."""
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
        mark_read(current_user, document)
        db.session.commit()
    parts: list[Part] = []
    pages: list[tuple[int, list[dict[str, object]]]] = []
    if document.status is DocumentStatus.READY:
        parts = _parts(document.id, f"{document.blob_sha256}:{document.page_count}")
    index = _part_index(parts)
    if parts:
        part = parts[index]
        for page in db.session.scalars(
            sa.select(DocumentPage)
            .where(
                DocumentPage.document_id == document.id,
                DocumentPage.number.between(*part.pages),  # only what this screen shows
            )
            .order_by(DocumentPage.number)
        ):
            blocks = [b for b in page.blocks if part.first <= b["n"] <= part.last]
            if blocks:
                pages.append((page.number, blocks))
    discussion = _discussion(document)
    return render_template(
        "documents/show.html",
        document=document,
        manage=manage,
        pages=pages,
        parts=parts,
        part=index,
        **discussion,
    )


def _discussion(document: Document) -> dict[str, object]:
    """The comments as the page first shows them; live updates take over from ``now``."""
    from handbook.comments import operations as comment_ops
    from handbook.comments.service import document_target

    if document.meeting_id is None or document.status is not DocumentStatus.READY:
        return {"comments": None}
    target = document_target(current_user, document.id)
    comments = comment_ops.since(target)
    counts: dict[int, int] = {}
    replies: dict[int, list[object]] = {}
    for comment in comments:
        if comment.paragraph and comment.deleted_at is None:
            counts[comment.paragraph] = counts.get(comment.paragraph, 0) + 1
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    return {
        "comments": comments,
        "replies": replies,
        "paragraph_counts": counts,
        "may_comment": comment_ops.may_post(current_user, target),
        "moderator": can(current_user, Action.MEETING_MANAGE, target.meeting),
        "last_comment_id": max((c.id for c in comments), default=0),
        "synced_at": utcnow().isoformat(),
        "new_client_id": secrets.token_urlsafe(18),
        "edit_minutes": int(comment_ops.EDIT_WINDOW.total_seconds() // 60),
    }


@bp.post("/documents/<int:document_id>/comments")
@login_required
def post_comment(document_id: int) -> Response:
    """The form without JavaScript: the same service, a client_id fixed when the page was drawn
    (so submitting twice stores one comment)."""
    from handbook.comments.forms import post_and_return

    data = {
        "document": document_id,
        "client_id": request.form.get("client_id"),
        "body": request.form.get("body"),
        "paragraph": request.form.get("paragraph", type=int),
        "parent": request.form.get("parent", type=int),
    }
    page = url_for("documents.show", document_id=document_id)
    return post_and_return(data, page, on_error_anchor="#comments")


@bp.post("/documents/<int:document_id>/title")
@login_required
def rename(document_id: int) -> Response:
    """File names make poor titles ("thong-bao-hoc-tap.pdf"): the secretary gives a real one."""
    document = load(Document, document_id, Action.DOCUMENT_MANAGE)
    title = " ".join((request.form.get("title") or "").split())[:300]
    if not title:
        flash("Vui lòng nhập tên tài liệu.", "error")
    else:
        record(
            "document.renamed",
            actor_id=current_user.id,
            target=document,
            organization_id=document.organization_id,
            old=document.title,
            new=title,
        )
        document.title = title
        db.session.commit()
        flash("Đã đổi tên tài liệu.", "success")
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
