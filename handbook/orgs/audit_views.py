"""The audit log's doors: an organisation's log (``/org/<id>/audit``, for those with
``AUDIT_VIEW`` there: its entries and those of the subtree below where the policy grants it),
the whole log (``/admin/audit``, platform administrators), and each one's CSV export of what
the filters select. ``orgs.routes`` registers the views on its blueprint.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.core import db
from handbook.core.downloads import content_disposition
from handbook.core.policy import Action, load, require
from handbook.core.timeutil import to_local, utcnow
from handbook.orgs import audit_labels, audit_log, operations
from handbook.orgs.models import Organization
from handbook.orgs.policy import WHOLE_AUDIT_LOG

#: The most organisations the filter's list offers: the scope's upper levels first (a lower
#: one is reached by tapping its name on an entry).
ORG_CHOICES_MAX = 300


def _org_choices(scope: audit_log.Scope, chosen: int | None) -> list[Organization]:
    """The scope's organisations in tree order, down to the deepest level that keeps the list
    within ``ORG_CHOICES_MAX`` (the chosen one always among them)."""
    where = scope.organizations()
    per_depth = db.session.execute(
        sa.select(Organization.depth, sa.func.count(Organization.id))
        .where(where)
        .group_by(Organization.depth)
        .order_by(Organization.depth)
    )
    deepest, total = -1, 0
    for depth, count in per_depth:
        if total + count > ORG_CHOICES_MAX and deepest >= 0:
            break
        deepest, total = depth, total + count
    shown = sa.or_(Organization.depth <= deepest, Organization.id == (chosen or 0))
    return operations.subtree(scope.root, sa.and_(where, shown))


def _page(scope: audit_log.Scope, title: str, export_endpoint: str, **ids: int) -> Response:
    error, filters, found = None, audit_log.Filters(), None
    try:
        filters = audit_log.parse(request.args)
        found = audit_log.page(scope, filters)
    except audit_log.FilterError as exc:
        error = str(exc)

    def link(*, export: bool = False, clear: bool = False, **change: object) -> str:
        """This page (or its export) with the filters changed by ``change``, or with none."""
        values: dict[str, Any] = {**ids, **({} if clear else filters.args(**change))}
        return url_for(export_endpoint if export else str(request.endpoint), **values)

    body = render_template(
        "orgs/audit.html",
        org=scope.root,
        title=title,
        filters=filters,
        args=request.args,
        error=error,
        rows=audit_labels.rows(found.entries) if found else [],
        next_before=found.next_before if found else None,
        groups=audit_labels.GROUPS,
        orgs=_org_choices(scope, filters.org_id),
        page_size=audit_log.PAGE_SIZE,
        show_ip=current_user.is_admin,
        link=link,
    )
    response = Response(body, status=400 if error else 200, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _export(scope: audit_log.Scope, name: str) -> Response:
    try:
        filters = audit_log.parse(request.args)
        chunks = list(_csv_chunks(scope, filters))
    except audit_log.FilterError as exc:
        return Response(str(exc), status=400, mimetype="text/plain")
    today = to_local(utcnow()).date()
    response = Response("".join(chunks).encode(), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition(
        f"Nhật ký hoạt động – {name} – {today:%d-%m-%Y}", "csv", fallback="Nhat ky"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _csv_chunks(scope: audit_log.Scope, filters: audit_log.Filters) -> Iterator[str]:
    """The CSV for Excel (UTF-8 with a byte-order mark), a chunk of entries at a time."""
    show_ip = current_user.is_admin
    out = io.StringIO()
    writer = csv.writer(out)
    head = ["Thời gian (giờ Việt Nam)", "Người thực hiện", "Hoạt động", "Mã hoạt động"]
    head += ["Tổ chức", "Đối tượng", "Chi tiết"] + (["Địa chỉ IP"] if show_ip else [])
    writer.writerow(head)
    yield "\ufeff" + out.getvalue()
    for batch in audit_log.export(scope, filters):
        out.seek(0)
        out.truncate()
        for row in audit_labels.rows(batch):
            details = "; ".join(f"{label}: {value}" for label, value in row.details)
            line = [f"{to_local(row.when):%d/%m/%Y %H:%M:%S}", row.actor, row.label, row.action]
            line += [row.org, row.target, details] + ([row.ip] if show_ip else [])
            writer.writerow(line)
        yield out.getvalue()


@login_required
def org_audit(org_id: int) -> Response:
    org = load(Organization, org_id, Action.AUDIT_VIEW)
    scope = audit_log.Scope.of(current_user, org)
    return _page(scope, f"Nhật ký hoạt động · {org.name}", "orgs.org_audit_csv", org_id=org.id)


@login_required
def org_audit_csv(org_id: int) -> Response:
    org = load(Organization, org_id, Action.AUDIT_VIEW)
    return _export(audit_log.Scope.of(current_user, org), org.name)


@login_required
def whole_audit() -> Response:
    require(current_user, Action.AUDIT_VIEW, WHOLE_AUDIT_LOG)
    return _page(audit_log.Scope.of(current_user, None), "Nhật ký hoạt động", "orgs.audit_csv")


@login_required
def whole_audit_csv() -> Response:
    require(current_user, Action.AUDIT_VIEW, WHOLE_AUDIT_LOG)
    return _export(audit_log.Scope.of(current_user, None), "Toàn hệ thống")


RULES = (
    ("/org/<int:org_id>/audit", "org_audit", org_audit, ["GET"]),
    ("/org/<int:org_id>/audit.csv", "org_audit_csv", org_audit_csv, ["GET"]),
    ("/admin/audit", "audit", whole_audit, ["GET"]),
    ("/admin/audit.csv", "audit_csv", whole_audit_csv, ["GET"]),
)
