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
from handbook.core.policy import Action, can, load, require
from handbook.core.timeutil import to_local, utcnow
from handbook.orgs import audit_views, import_views, operations, rhythm, roles, transfer
from handbook.orgs.forms import (
    EndForm,
    MemberForm,
    OrganizationForm,
    QuorumForm,
    RhythmForm,
    RoleForm,
    StandingForm,
    TransferForm,
)
from handbook.orgs.models import (
    EndReason,
    Membership,
    Organization,
    OrgKind,
    Role,
    Situation,
    Standing,
)
from handbook.orgs.policy import assignable_roles, organizations_where

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


def _role_forms(org: Organization, memberships: list[Membership]) -> dict[int, RoleForm]:
    """A role form for each member whose role the viewer may change, offering only the roles
    the viewer may give; none for the viewer's own membership."""
    allowed = assignable_roles(current_user, org)
    forms = {}
    for m in memberships:
        if m.user_id == current_user.id or m.role not in allowed:
            continue
        form = RoleForm(prefix=f"r{m.user_id}", formdata=None)
        form.role.choices = [(r.value, r.label) for r in Role if r in allowed]
        form.role.data = m.role.value
        forms[m.user_id] = form
    return forms


def _members_page(org: Organization, rhythm_form: RhythmForm | None = None, **extra: object) -> str:
    memberships = operations.members_of(org)
    may_manage = can(current_user, Action.ORG_MANAGE_MEMBERS, org)
    role_forms = _role_forms(org, memberships) if may_manage else {}
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
        "role_forms": role_forms,
        "end_forms": {uid: EndForm(prefix=f"e{uid}", formdata=None) for uid in role_forms},
        "ended": roles.ended_of(org),
        "may_audit": can(current_user, Action.AUDIT_VIEW, org),
        "may_transfer": transfer.may_start(current_user, org),
        "transfer_roles": transfer.movable_roles(current_user, org),
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


def _membership(org: Organization, user_id: int) -> Membership | None:
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.organization_id == org.id, Membership.user_id == user_id
        )
    )


@bp.post("/org/<int:org_id>/members/<int:user_id>/standing")
@login_required
def set_standing(org_id: int, user_id: int) -> Response | tuple[str, int]:
    """The secretary records a member's standing (official or probationary) and situation."""
    org = load(Organization, org_id, Action.ORG_MANAGE_MEMBERS)
    membership = _membership(org, user_id)
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


def _current_or_ended(org: Organization, user_id: int) -> Membership | tuple[str, int]:
    """The member's membership; if it has ended, the page saying so (409); else 404."""
    membership = _membership(org, user_id)
    if membership is not None:
        return membership
    gone = roles.last_ended(org.id, user_id)
    if gone is None:
        abort(404)
    name = gone.user.full_name
    error = f"{name} đã thôi sinh hoạt ở {org.name} từ ngày {gone.ended_on:%d/%m/%Y}."
    return _members_page(org, error=error), 409


def _after_change(user_id: int) -> None:
    """The member's open pages reconnect with what they may now see: a room joined under the
    old role or membership would otherwise keep being told (broadcasts are framed once)."""
    realtime.end_sessions(user_id)


@bp.post("/org/<int:org_id>/members/<int:user_id>/role")
@login_required
def set_role(org_id: int, user_id: int) -> Response | tuple[str, int]:
    """A manager of the organisation's members changes one member's role (``orgs/roles.py``)."""
    org = load(Organization, org_id, Action.ORG_MANAGE_MEMBERS)
    found = _current_or_ended(org, user_id)
    if not isinstance(found, Membership):
        return found
    form = RoleForm(prefix=f"r{user_id}")
    try:
        if not form.validate_on_submit():
            raise roles.RoleError(_first_error(form))
        old = found.role
        roles.change_role(current_user, found, Role(form.role.data))
    except roles.RoleError as exc:
        db.session.rollback()
        return _members_page(org, error=f"{found.user.full_name}: {exc}"), exc.status
    db.session.commit()
    _after_change(user_id)
    flash(
        f"Đã đổi vai trò của {found.user.full_name}: {old.label} → {found.role.label}.", "success"
    )
    return redirect(url_for("orgs.members", org_id=org.id) + f"#m{user_id}")


@bp.post("/org/<int:org_id>/members/<int:user_id>/end")
@login_required
def end_membership(org_id: int, user_id: int) -> Response | tuple[str, int]:
    """A member leaves the organisation (moved away, died, left the Party), kept on record."""
    org = load(Organization, org_id, Action.ORG_MANAGE_MEMBERS)
    found = _current_or_ended(org, user_id)
    if not isinstance(found, Membership):
        return found
    form = EndForm(prefix=f"e{user_id}")
    name = found.user.full_name
    try:
        if not form.validate_on_submit():
            raise roles.RoleError(_first_error(form))
        assert form.ended_on.data is not None
        ended = roles.end_membership(
            current_user,
            found,
            form.ended_on.data,
            EndReason(form.reason.data),
            form.note.data or "",
        )
    except roles.RoleError as exc:
        db.session.rollback()
        return _members_page(org, error=f"{name}: {exc}"), exc.status
    db.session.commit()
    _after_change(user_id)
    message = f"{name} đã thôi sinh hoạt ở {org.name} từ ngày {ended.record.ended_on:%d/%m/%Y}."
    if ended.account_disabled:
        message += " Tài khoản đã được khóa vì không còn sinh hoạt ở tổ chức nào."
    flash(message, "success")
    return redirect(url_for("orgs.members", org_id=org.id) + "#ended-title")


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


def _first_error(form: StandingForm | QuorumForm | RhythmForm | RoleForm | EndForm) -> str:
    """The first error in Vietnamese (WTForms' own date and number messages are English)."""
    for name, errors in form.errors.items():
        if name.endswith(("situation_from", "situation_until")):
            return "Ngày không hợp lệ (ngày/tháng/năm)."
        if name.endswith("ended_on") and errors and not str(errors[0]).startswith("Vui"):
            return "Ngày thôi sinh hoạt không hợp lệ (ngày/tháng/năm)."
        if name.endswith("role"):
            return "Vai trò không hợp lệ."
        if name.endswith("reason") and errors and not str(errors[0]).startswith("Vui"):
            return "Lý do thôi sinh hoạt không hợp lệ."
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


# The member import (a background job, its page and its password sheet): ``import_views``;
# the audit log's pages and exports: ``audit_views``.
for _rule, _endpoint, _view, _methods in (*import_views.RULES, *audit_views.RULES):
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


def _may_move(org: Organization) -> bool:
    """Moving takes a node from its parent: the actor manages that parent too (the top level
    is the platform administrators')."""
    if org.parent is None:
        return bool(current_user.is_admin)
    return can(current_user, Action.ORG_MANAGE_TREE, org.parent)


def _node_page(org: Organization, **extra: object) -> str:
    where = organizations_where(current_user, Action.ORG_MANAGE_TREE)
    may_move = _may_move(org)
    return render_template(
        "orgs/tree_node.html",
        org=org,
        may_move=may_move,
        targets=operations.move_targets(org, where) if may_move else [],
        may_make_top=may_move
        and current_user.is_admin
        and org.parent is not None
        and org.kind is not OrgKind.BRANCH,
        **extra,
    )


@bp.get("/admin/tree/<int:org_id>")
@login_required
def tree_node(org_id: int) -> str:
    """One organisation's name and place in the tree, to rename or move it."""
    return _node_page(load(Organization, org_id, Action.ORG_MANAGE_TREE))


@bp.post("/admin/tree/<int:org_id>/rename")
@login_required
def rename_org(org_id: int) -> Response | tuple[str, int]:
    org = load(Organization, org_id, Action.ORG_MANAGE_TREE)
    typed = request.form.get("name") or ""
    old = org.name
    try:
        changed = operations.rename_organization(org, typed, actor=current_user)
    except operations.TreeError as exc:
        db.session.rollback()
        return _node_page(org, error=str(exc), typed_name=typed), 400
    db.session.commit()
    if changed:
        flash(f"Đã đổi tên “{old}” thành “{org.name}”.", "success")
    return redirect(url_for("orgs.tree_node", org_id=org.id))


@bp.post("/admin/tree/<int:org_id>/move")
@login_required
def move_org(org_id: int) -> Response | tuple[str, int]:
    """The organisation and everything below it go under another parent; their meetings,
    documents and members go with them."""
    org = load(Organization, org_id, Action.ORG_MANAGE_TREE)
    if not _may_move(org):
        abort(403)
    chosen = request.form.get("parent_id", "")
    try:
        if chosen == "top" and current_user.is_admin:
            parent = None
        elif chosen.isdigit():
            parent = load(Organization, int(chosen), Action.ORG_MANAGE_TREE)
        else:
            raise operations.TreeError("Vui lòng chọn tổ chức cấp trên mới.")
        operations.move_organization(org, parent, actor=current_user)
    except operations.TreeError as exc:
        db.session.rollback()
        db.session.refresh(org)
        return _node_page(org, error=str(exc)), 400
    db.session.commit()
    where = f"“{parent.name}”" if parent is not None else "cấp cao nhất"
    flash(f"Đã chuyển “{org.name}” và các tổ chức trực thuộc về {where}.", "success")
    return redirect(url_for("orgs.tree_node", org_id=org.id))


# --- moving a member to another branch (chuyển sinh hoạt đảng, ``orgs/transfer.py``) ---------


def _transfer_page(
    org: Organization, membership: Membership, form: TransferForm, **extra: object
) -> str:
    """The form (or, with ``plan``, its confirmation): the branches offered are those the
    viewer may move the member into, grouped by commune."""
    groups = transfer.destinations(current_user, membership)
    choices: dict[str | None, list[tuple[str, str]]] = {None: [("", "— Chọn chi bộ —")]}
    for parent_name, branches in groups:
        choices[parent_name or "Khác"] = [(str(b.id), b.name) for b in branches]
    form.destination.choices = choices  # type: ignore[assignment]
    return render_template(
        "orgs/transfer.html",
        org=org,
        membership=membership,
        form=form,
        offered=sum(len(branches) for _name, branches in groups),
        **extra,
    )


def _transfer_gone(org: Organization, user_id: int) -> tuple[str, int]:
    """The member no longer belongs here (ended, or moved by someone else meanwhile): 409
    with what happened; 404 for someone who never did."""
    if roles.last_ended(org.id, user_id) is None:
        abort(404)
    return _members_page(org, error=transfer.gone_message(org, user_id)), 409


@bp.get("/org/<int:org_id>/members/<int:user_id>/transfer")
@login_required
def transfer_form(org_id: int, user_id: int) -> str | tuple[str, int]:
    """ "Chuyển sinh hoạt": choose the branch, the date and a note (prefilled from the query
    when the confirmation sends the officer back to change something)."""
    org = load(Organization, org_id, Action.ORG_TRANSFER_MEMBERS)
    membership = _membership(org, user_id)
    if membership is None:
        return _transfer_gone(org, user_id)
    form = TransferForm(formdata=request.args or None)
    if not request.args:
        form.transferred_on.data = to_local(utcnow()).date()
        form.membership.data = str(membership.id)
    if membership.user_id == current_user.id:
        error = "Đồng chí không thể tự chuyển sinh hoạt của mình; hãy đề nghị cấp ủy cấp trên."
        return _transfer_page(org, membership, form, error=error, refused=True), 403
    return _transfer_page(org, membership, form)


@bp.post("/org/<int:org_id>/members/<int:user_id>/transfer")
@login_required
def transfer_member(org_id: int, user_id: int) -> Response | str | tuple[str, int]:
    """Check the transfer and show what it will do; with ``confirm``, do it."""
    org = load(Organization, org_id, Action.ORG_TRANSFER_MEMBERS)
    membership = _membership(org, user_id)
    if membership is None:
        return _transfer_gone(org, user_id)
    form = TransferForm()
    name = membership.user.full_name
    try:
        if not form.validate_on_submit():
            raise transfer.TransferError(_transfer_error(form))
        if form.membership.data != str(membership.id):
            raise transfer.StaleTransfer(
                f"Sinh hoạt của {name} ở {org.name} đã thay đổi từ khi trang này được mở; "
                "hãy xem lại rồi chuyển."
            )
        chosen = form.destination.data or ""
        if not chosen.isdigit():
            raise transfer.TransferError("Vui lòng chọn chi bộ chuyển đến.")
        destination = load(Organization, int(chosen), Action.ORG_VIEW)
        transfer.check_destination(org, destination)
        require(current_user, Action.ORG_TRANSFER_MEMBERS, destination)
        on, note = form.transferred_on.data, form.note.data or ""
        assert on is not None
        if request.form.get("confirm") != "1":
            planned = transfer.plan(current_user, membership, destination, on, note)
            return _transfer_page(org, membership, form, plan=planned)
        done = transfer.transfer(current_user, membership, destination, on, note)
    except transfer.TransferError as exc:
        db.session.rollback()
        return _transfer_page(org, membership, form, error=str(exc)), exc.status
    except sa.exc.IntegrityError:  # the member joined there at the same moment
        db.session.rollback()
        error = f"{name} vừa được chuyển sinh hoạt bởi người khác; hãy tải lại trang."
        return _members_page(org, error=error), 409
    db.session.commit()
    _after_change(user_id)
    flash(
        f"Đã chuyển đồng chí {name} từ {org.name} sang {destination.name} "
        f"từ ngày {done.plan.on:%d/%m/%Y}.",
        "success",
    )
    return redirect(url_for("orgs.members", org_id=org.id) + "#ended-title")


def _transfer_error(form: TransferForm) -> str:
    """The form's first error in Vietnamese (WTForms' own date message is English)."""
    for name, errors in form.errors.items():
        if name == "csrf_token":
            return "Phiên làm việc đã hết hạn, vui lòng tải lại trang."
        if name == "transferred_on" and errors and not str(errors[0]).startswith("Vui"):
            return "Ngày chuyển sinh hoạt không hợp lệ (ngày/tháng/năm)."
        return str(errors[0])
    return "Dữ liệu không hợp lệ."
