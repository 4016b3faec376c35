"""Organisation pages: the tree, an organisation, its members, import and account care."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from handbook.accounts import operations as accounts
from handbook.accounts.models import User
from handbook.accounts.phone import normalize_phone
from handbook.core import db, realtime
from handbook.core.policy import Action, can, load
from handbook.core.timeutil import to_local, utcnow
from handbook.orgs import import_views, operations, rhythm
from handbook.orgs.forms import (
    MemberForm,
    OrganizationForm,
    QuorumForm,
    RhythmForm,
    StandingForm,
)
from handbook.orgs.models import Membership, Organization, OrgKind, Role, Situation, Standing
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


def _standing_forms(memberships: list[Membership]) -> dict[int, StandingForm]:
    """One form per member, filled with what is recorded (a prefix keeps their ids apart)."""
    forms = {}
    for m in memberships:
        form = StandingForm(prefix=f"m{m.user_id}", formdata=None)
        form.standing.data = m.standing.value
        form.situation.data = m.situation.value if m.situation else ""
        form.situation_from.data, form.situation_until.data = m.situation_from, m.situation_until
        forms[m.user_id] = form
    return forms


def _members_page(org: Organization, rhythm_form: RhythmForm | None = None, **extra: object) -> str:
    memberships = operations.members_of(org)
    may_manage = can(current_user, Action.ORG_MANAGE_MEMBERS, org)
    quorum = QuorumForm(formdata=None)
    quorum.percent.data = org.quorum_percent
    if rhythm_form is None:  # not what was just typed: what is kept
        rhythm_form = RhythmForm(formdata=None)
        rhythm_form.day.data = org.regular_meeting_day
        rhythm_form.days_ahead.data = org.prepare_days_ahead
    parts: dict[str, object] = {
        "org": org,
        "memberships": memberships,
        "form": MemberForm(),
        "may_manage": may_manage,
        "standing_forms": _standing_forms(memberships) if may_manage else {},
        "quorum_form": quorum,
        "rhythm_form": rhythm_form,
        "next_regular_day": _next_regular_day(org),
        **extra,
    }
    return render_template("orgs/members.html", **parts)


def _next_regular_day(org: Organization) -> date | None:
    if org.regular_meeting_day is None:
        return None
    return rhythm.next_regular_day(to_local(utcnow()).date(), org.regular_meeting_day)


@bp.get("/org/<int:org_id>/members")
@login_required
def members(org_id: int) -> str:
    org = load(Organization, org_id, Action.ORG_VIEW_MEMBERS)
    return _members_page(org)


@bp.post("/org/<int:org_id>/members/<int:user_id>/standing")
@login_required
def set_standing(org_id: int, user_id: int) -> Response | tuple[str, int]:
    """The secretary records a member's standing (official or probationary) and situation."""
    org = load(Organization, org_id, Action.ORG_MANAGE_MEMBERS)
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.organization_id == org.id, Membership.user_id == user_id
        )
    )
    if membership is None:
        abort(404)
    form = StandingForm(prefix=f"m{user_id}")
    try:
        if not form.validate_on_submit():
            raise operations.StandingError(_first_error(form))
        operations.set_standing(
            membership,
            Standing(form.standing.data),
            Situation(form.situation.data) if form.situation.data else None,
            form.situation_from.data,
            form.situation_until.data,
            actor=current_user,
        )
    except (operations.StandingError, ValueError) as exc:
        db.session.rollback()
        return _members_page(org, error=f"{membership.user.full_name}: {exc}"), 400
    db.session.commit()
    flash(f"Đã lưu tư cách của đảng viên {membership.user.full_name}.", "success")
    return redirect(url_for("orgs.members", org_id=org.id) + f"#m{user_id}")


@bp.post("/org/<int:org_id>/quorum")
@login_required
def set_quorum(org_id: int) -> Response | tuple[str, int]:
    """The branch's own quorum, if its practice has one (none is set by default)."""
    org = load(Organization, org_id, Action.ORG_MANAGE_MEMBERS)
    form = QuorumForm()
    try:
        if not form.validate_on_submit():
            raise operations.StandingError(_first_error(form))
        operations.set_quorum(org, form.percent.data, actor=current_user)
    except operations.StandingError as exc:
        db.session.rollback()
        return _members_page(org, error=str(exc)), 400
    db.session.commit()
    flash("Đã lưu tỷ lệ có mặt tối thiểu.", "success")
    return redirect(url_for("orgs.members", org_id=org.id))


@bp.post("/org/<int:org_id>/rhythm")
@login_required
def set_rhythm(org_id: int) -> Response | tuple[str, int]:
    """The branch's regular meeting day, from which its secretary is reminded to prepare."""
    org = load(Organization, org_id, Action.ORG_MANAGE_MEMBERS)
    form = RhythmForm()
    try:
        if not form.validate_on_submit():
            raise rhythm.RhythmError(_first_error(form))
        assert form.days_ahead.data is not None
        rhythm.set_rhythm(org, form.day.data, form.days_ahead.data, actor=current_user)
    except rhythm.RhythmError as exc:
        db.session.rollback()
        return _members_page(org, error=str(exc), rhythm_form=form), 400
    db.session.commit()
    if org.regular_meeting_day is None:
        flash("Đã bỏ ngày sinh hoạt thường kỳ.", "success")
    else:
        flash(
            f"Đã lưu: chi bộ sinh hoạt thường kỳ ngày {org.regular_meeting_day} hằng tháng.",
            "success",
        )
    return redirect(url_for("orgs.members", org_id=org.id) + "#rhythm-title")


def _first_error(form: StandingForm | QuorumForm | RhythmForm) -> str:
    """The first error in Vietnamese (WTForms' own date and number messages are English)."""
    for name, errors in form.errors.items():
        if name.endswith(("situation_from", "situation_until")):
            return "Ngày không hợp lệ (ngày/tháng/năm)."
        if name.endswith("percent") and errors and not str(errors[0]).startswith("Tỷ lệ"):
            return "Tỷ lệ có mặt tối thiểu phải là số nguyên."
        if name == "day" and errors and not str(errors[0]).startswith("Ngày"):
            return "Ngày sinh hoạt thường kỳ phải là một số từ 1 đến 31."
        if name == "days_ahead" and errors and not str(errors[0]).startswith(("Số", "Vui")):
            return "Số ngày nhắc trước phải là một số từ 1 đến 30."
        if name.endswith("csrf_token"):
            return "Phiên làm việc đã hết hạn, vui lòng tải lại trang."
        return str(errors[0])
    return "Dữ liệu không hợp lệ."


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
        return _members_page(org, form=form, error=error), 400
    user, password = accounts.create_user(
        full_name=" ".join((form.full_name.data or "").split()), phone=phone
    )
    operations.add_membership(user, org, Role(form.role.data), actor=current_user)
    db.session.commit()
    return render_template("orgs/new_accounts.html", org=org, accounts=[(user, password)])


# The member import (a background job, its page and its password sheet): ``import_views``.
for _rule, _endpoint, _view, _methods in import_views.RULES:
    bp.add_url_rule(_rule, _endpoint, _view, methods=_methods)


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
