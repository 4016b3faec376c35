"""The branch's library ("Thư viện chi bộ"), a member's own shelf ("Tài liệu của tôi"), and
on a document's page the member's "Lưu tài liệu" and private notes.

The document's page gets what it shows from here by its ``document_page`` signal, for the
signed-in reader alone: the shared, cached text of the document never holds a note.
"""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.core import db
from handbook.core.policy import Action, load
from handbook.documents.models import Document
from handbook.documents.routes import document_page
from handbook.library import operations
from handbook.library.kinds import Kind
from handbook.library.models import NOTE_MAX_CHARS
from handbook.orgs.models import Organization

bp = Blueprint("library", __name__)


@bp.get("/org/<int:org_id>/library")
@login_required
def branch(org_id: int) -> str:
    """Grouped by year, newest first; ``?kind=`` and ``?year=`` filter (plain links, no JS)."""
    org = load(Organization, org_id, Action.ORG_VIEW)
    found = operations.shelf(current_user, org)
    kind = next((k for k in Kind if k.value == request.args.get("kind")), None)
    year = request.args.get("year", type=int)
    by_kind = Counter(found.kinds.values())
    years = sorted(set(found.years.values()), reverse=True)
    shown = [
        d
        for d in found.documents
        if (kind is None or found.kinds[d.id] is kind)
        and (year is None or found.years[d.id] == year)
    ]
    groups: dict[int, list[Document]] = {}
    for document in shown:
        groups.setdefault(found.years[document.id], []).append(document)
    return render_template(
        "library/branch.html",
        org=org,
        groups=groups,
        count=len(shown),
        total=len(found.documents),
        kinds=found.kinds,
        by_kind=by_kind,
        years=years,
        kind=kind,
        year=year,
        all_kinds=list(Kind),
    )


@bp.get("/library/mine")
@login_required
def mine() -> str:
    return render_template("library/mine.html", shelf=operations.my_shelf(current_user))


def _back(document: Document, anchor: str = "") -> Response:
    if request.form.get("back") == "mine":
        return redirect(url_for("library.mine"))
    return redirect(url_for("documents.show", document_id=document.id) + anchor)


@bp.post("/documents/<int:document_id>/bookmark")
@login_required
def bookmark(document_id: int) -> Response:
    document = load(Document, document_id, Action.DOCUMENT_VIEW)
    saved = request.form.get("saved") != "0"
    operations.set_saved(current_user, document, saved)
    db.session.commit()
    flash("Đã lưu vào Tài liệu của tôi." if saved else "Đã bỏ lưu tài liệu.", "success")
    return _back(document)


@bp.post("/documents/<int:document_id>/notes")
@login_required
def note(document_id: int) -> Response:
    """Add, edit (the same paragraph again) or delete (``delete``, or an emptied note)."""
    document = load(Document, document_id, Action.DOCUMENT_VIEW)
    body = "" if request.form.get("delete") else request.form.get("body")
    try:
        kept = operations.save_note(current_user, document, request.form.get("paragraph"), body)
    except operations.NoteRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(document, "#notes")
    db.session.commit()
    if kept is None:
        flash("Đã xóa ghi chú riêng.", "success")
        return _back(document, "#notes")
    flash("Đã lưu ghi chú riêng.", "success")
    return _back(document, f"#note-{kept.paragraph}")


@document_page.connect
def _on_the_document_page(document: Document) -> dict[str, object]:
    """The reader's own: whether they saved it, and their notes (nobody else's)."""
    return {
        "saved": operations.is_saved(current_user, document),
        "my_notes": operations.notes_on(current_user, document),
        "note_max_chars": NOTE_MAX_CHARS,
    }
