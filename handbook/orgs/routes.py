"""Organisation pages: the tree, an organisation, its members, import and account care."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.accounts import operations as accounts
from handbook.accounts.models import User
from handbook.accounts.phone import normalize_phone
from handbook.core import db, realtime
from handbook.core.policy import Action, can, load
from handbook.orgs import member_import, operations
from handbook.orgs.forms import ImportForm, MemberForm, OrganizationForm
from handbook.orgs.models import Organization, OrgKind, Role
from handbook.orgs.policy import organizations_where

bp = Blueprint("orgs", __name__)


@bp.get("/org/<int:org_id>")
@login_required
def show(org_id: int) -> str:
    org = load(Organization, org_id, Action.ORG_VIEW)
    ancestors = db.session.scalars(
        sa.select(Organization)
        .where(Organization.id.in_(org.ancestor_ids[:-1]))
        .order_by(Organization.depth)
    ).all()
    children = operations.children_of(org, organizations_where(current_user, Action.ORG_VIEW))
    return render_template("orgs/show.html", org=org, ancestors=ancestors, children=children)


@bp.get("/org/<int:org_id>/members")
@login_required
def members(org_id: int) -> str:
    org = load(Organization, org_id, Action.ORG_VIEW_MEMBERS)
    return render_template(
        "orgs/members.html",
        org=org,
        memberships=operations.members_of(org),
        form=MemberForm(),
        may_manage=can(current_user, Action.ORG_MANAGE_MEMBERS, org),
    )


@bp.post("/org/<int:org_id>/members")
@login_required
def add_member(org_id: int) -> Response | str | tuple[str, int]:
    org = load(Organization, org_id, Action.ORG_MANAGE_MEMBERS)
    form = MemberForm()
    error = None
    phone = normalize_phone(form.phone.data or "")
    if not form.validate_on_submit():
        error = next(iter(form.errors.values()))[0]
    elif phone is None:
        error = "Số điện thoại không hợp lệ."
    elif db.session.scalar(sa.select(User.id).where(User.phone == phone)) is not None:
        error = f"Số điện thoại {phone} đã có tài khoản trong hệ thống."
    if error:
        return render_template(
            "orgs/members.html",
            org=org,
            memberships=operations.members_of(org),
            form=form,
            may_manage=True,
            error=error,
        ), 400
    user, password = accounts.create_user(
        full_name=" ".join((form.full_name.data or "").split()), phone=phone
    )
    operations.add_membership(user, org, Role(form.role.data), actor=current_user)
    db.session.commit()
    return render_template("orgs/new_accounts.html", org=org, accounts=[(user, password)])


@bp.route("/org/<int:org_id>/members/import", methods=["GET", "POST"])
@login_required
def import_members(org_id: int) -> str | tuple[str, int]:
    org = load(Organization, org_id, Action.ORG_MANAGE_MEMBERS)
    form = ImportForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("orgs/import.html", org=org, form=form), status
    result = member_import.import_members(
        form.file.data.read(),
        org,
        actor=current_user,
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
    )
    if not result.ok:
        db.session.rollback()
        return render_template("orgs/import.html", org=org, form=form, errors=result.errors), 400
    db.session.commit()
    accounts_made = [(new.user, new.one_time_password) for new in result.created]
    return render_template("orgs/new_accounts.html", org=org, accounts=accounts_made)


@bp.post("/users/<int:user_id>/reset-password")
@login_required
def reset_password(user_id: int) -> str:
    user = load(User, user_id, Action.USER_MANAGE)
    password = accounts.reset_password(current_user, user)
    db.session.commit()
    realtime.end_sessions(user.id)
    return render_template("orgs/new_accounts.html", org=None, accounts=[(user, password)])


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id: int) -> Response:
    user = load(User, user_id, Action.USER_MANAGE)
    accounts.set_active(current_user, user, request.form.get("active") == "1")
    db.session.commit()
    if not user.active:
        realtime.end_sessions(user.id)
    flash(f"Đã {'mở lại' if user.active else 'khóa'} tài khoản của {user.full_name}.", "success")
    return redirect(request.referrer or url_for("pages.home"))


@bp.get("/admin/tree")
@login_required
def tree() -> str:
    where = organizations_where(current_user, Action.ORG_MANAGE_TREE)
    nodes = operations.subtree(None, where)
    if not nodes and not current_user.is_admin:
        abort(403)
    return render_template(
        "orgs/tree.html", nodes=nodes, form=OrganizationForm(), kinds=list(OrgKind)
    )


@bp.post("/admin/tree")
@login_required
def create_org() -> Response | tuple[str, int]:
    form = OrganizationForm()
    parent_id = request.form.get("parent_id", type=int)
    parent = load(Organization, parent_id, Action.ORG_MANAGE_TREE) if parent_id else None
    if parent is None and not current_user.is_admin:
        abort(403)
    try:
        if not form.validate_on_submit():
            raise operations.TreeError(next(iter(form.errors.values()))[0])
        kind = OrgKind(form.kind.data)
        org = operations.create_organization(form.name.data or "", kind, parent, actor=current_user)
    except (operations.TreeError, ValueError) as exc:
        db.session.rollback()
        nodes = operations.subtree(None, organizations_where(current_user, Action.ORG_MANAGE_TREE))
        return render_template(
            "orgs/tree.html", nodes=nodes, form=form, kinds=list(OrgKind), error=str(exc)
        ), 400
    db.session.commit()
    flash(f"Đã tạo {org.kind.label.lower()} “{org.name}”.", "success")
    return redirect(url_for("orgs.tree"))
