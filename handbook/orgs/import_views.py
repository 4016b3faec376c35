"""The member import's doors: the upload form, the import's page (live progress, its errors
by line, its password sheet), the sheet's download and erasure, and the socket room that
carries the progress. ``orgs.routes`` registers the views on its blueprint.

Each asks the policy: whoever manages the organisation's members (``MemberImport``'s rule).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_socketio import join_room
from werkzeug.wrappers import Response

from handbook.core import db
from handbook.core.extensions import socketio
from handbook.core.inputs import is_id
from handbook.core.policy import Action, can, load
from handbook.core.templating import human_size
from handbook.orgs import import_jobs
from handbook.orgs.forms import ImportForm
from handbook.orgs.import_models import MemberImport
from handbook.orgs.models import Organization

#: The largest upload taken: 10,000 rows of every column fit in 2 MB; a bigger file is not a
#: member list (or is one of more rows than allowed).
_BYTES_PER_ROW = 512
#: How many of an import's errors the page lists (all are counted).
ERRORS_SHOWN = 200


def _page(org: Organization, form: ImportForm, status: int = 200, **extra: Any) -> tuple[str, int]:
    recent = db.session.scalars(
        sa.select(MemberImport)
        .where(MemberImport.organization_id == org.id)
        .order_by(MemberImport.id.desc())
        .limit(5)
    ).all()
    extra.setdefault("running", import_jobs.running_import(org))
    return render_template("orgs/import.html", org=org, form=form, recent=recent, **extra), status


@login_required
def import_members(org_id: int) -> Response | tuple[str, int]:
    """The form (GET), or the upload: stored, queued, and on to the import's page (POST)."""
    org = load(Organization, org_id, Action.ORG_MANAGE_MEMBERS)
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(org, form, 400 if request.method == "POST" else 200)
    raw = form.file.data.read()
    limit = current_app.config["IMPORT_MAX_ROWS"] * _BYTES_PER_ROW
    if len(raw) > limit:
        rows = f"{current_app.config['IMPORT_MAX_ROWS']:,}".replace(",", ".")
        error = (
            f"Tệp quá lớn ({human_size(len(raw))}): mỗi lần nhập tối đa {rows} dòng "
            f"(khoảng {human_size(limit)}). Vui lòng chia nhỏ tệp."
        )
        return _page(org, form, 400, error=error)
    try:
        found = import_jobs.start_import(
            org,
            raw,
            file_name=form.file.data.filename or "",
            app_url=request.host_url,
            actor=current_user,
        )
    except import_jobs.ImportBusy as busy:
        return _page(org, form, 409, error=str(busy), running=busy.running)
    db.session.commit()
    return redirect(url_for("orgs.import_progress", org_id=org.id, import_id=found.id), 303)


def _load(org_id: int, import_id: int) -> MemberImport:
    found = load(MemberImport, import_id, Action.ORG_MANAGE_MEMBERS)
    if found.organization_id != org_id:
        abort(404)
    return found


@login_required
def import_progress(org_id: int, import_id: int) -> str:
    """The import's page: progress while it runs, then its errors or its password sheet."""
    found = _load(org_id, import_id)
    errors = [(line, message) for line, message in (found.errors or [])[:ERRORS_SHOWN]]
    return render_template(
        "orgs/import_progress.html",
        org=found.organization,
        found=found,
        errors=errors,
        error_count=len(found.errors or []),
        keep_hours=int(import_jobs.SHEET_KEEP.total_seconds() // 3600),
    )


@login_required
def import_status(org_id: int, import_id: int) -> Response:
    """The progress as JSON, for a page without a live connection."""
    response = jsonify(import_jobs.status_payload(_load(org_id, import_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@login_required
def import_sheet(org_id: int, import_id: int) -> Response | tuple[str, int]:
    """The password sheet (PDF), while it is kept; 410 once erased or past its time."""
    found = _load(org_id, import_id)
    pdf = import_jobs.take_sheet(found, actor=current_user)
    db.session.commit()
    if pdf is None:
        page = render_template(
            "orgs/import_progress.html",
            org=found.organization,
            found=found,
            errors=[],
            error_count=0,
            keep_hours=0,
            error="Bảng mật khẩu không còn nữa: đã được xóa.",
        )
        return page, 410
    response = Response(pdf, mimetype="application/pdf")
    name = f"mat-khau-dung-mot-lan-{found.organization_id}-{found.id}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # Passwords: no copy in any cache, the browser's included.
    response.headers["Cache-Control"] = "no-store"
    return response


@login_required
def erase_sheet(org_id: int, import_id: int) -> Response:
    """The secretary has printed it ("Đã in xong"): the sheet is erased now."""
    found = _load(org_id, import_id)
    if found.has_sheet:
        import_jobs.erase_sheet(found, actor=current_user, why="printed")
        db.session.commit()
        flash("Đã xóa bảng mật khẩu khỏi hệ thống.", "success")
    return redirect(url_for("orgs.import_progress", org_id=org_id, import_id=import_id), 303)


@socketio.on("member_import.join")
def _join(data: Any = None) -> dict[str, Any]:
    """Follow an import's progress; only those who may see the import."""
    if not current_user.is_authenticated:
        return {"ok": False, "status": 401, "error": "Vui lòng đăng nhập lại."}
    import_id = data.get("import") if isinstance(data, dict) else None
    if not is_id(import_id):
        return {"ok": False, "status": 400, "error": "Yêu cầu không hợp lệ."}
    found = db.session.get(MemberImport, import_id)
    if found is None or not can(current_user, Action.ORG_MANAGE_MEMBERS, found):
        return {"ok": False, "status": 404, "error": "Không tìm thấy lượt nhập này."}
    join_room(import_jobs.import_room(found.id), sid=request.sid)  # type: ignore[attr-defined]
    return {"ok": True, **import_jobs.status_payload(found)}


#: (rule, endpoint, view, methods) for ``orgs.routes`` to register.
RULES = (
    ("/org/<int:org_id>/members/import", "import_members", import_members, ["GET", "POST"]),
    (
        "/org/<int:org_id>/members/imports/<int:import_id>",
        "import_progress",
        import_progress,
        ["GET"],
    ),
    (
        "/org/<int:org_id>/members/imports/<int:import_id>/status",
        "import_status",
        import_status,
        ["GET"],
    ),
    (
        "/org/<int:org_id>/members/imports/<int:import_id>/sheet.pdf",
        "import_sheet",
        import_sheet,
        ["GET"],
    ),
    (
        "/org/<int:org_id>/members/imports/<int:import_id>/erase",
        "import_erase_sheet",
        erase_sheet,
        ["POST"],
    ),
)
