"""Demo data: a province down to two branches, their people, a meeting in each with sample
documents, and a study session the commune committee sends to every branch.

Every object is looked up by its natural key before it is made, so running ``demo`` twice
changes nothing the second time. The names are invented; the documents are ours
(``handbook/demo/documents``, made by ``scripts/make_demo_documents.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.accounts.operations import create_user
from handbook.core import db
from handbook.core.timeutil import VIETNAM_TZ, utcnow
from handbook.documents.models import Document
from handbook.documents.operations import Upload, add_document
from handbook.meetings.models import AgendaItem, Meeting, MeetingKind
from handbook.orgs.models import Membership, Organization, OrgKind, Reach, Role
from handbook.orgs.operations import add_membership, create_organization

#: Shared by every demo account; shown by ``demo`` and README, never used outside a demo.
DEMO_PASSWORD = "demo@2026"  # noqa: S105 - published demo credential

_TREE = [
    ("Tỉnh Sơn Lâm", OrgKind.PROVINCE),
    ("Huyện Bản Mây", OrgKind.DISTRICT),
    ("Xã Tân Tiến", OrgKind.COMMUNE),
]
_BRANCHES = ["Chi bộ thôn Nà Phìa", "Chi bộ thôn Khuổi Luông"]

#: (login, full name, where, role): where is a branch index, or "commune".
_PEOPLE: list[tuple[str, str, int | str, Role]] = [
    ("0912000001", "Hoàng Văn Thắng", 0, Role.SECRETARY),
    ("0912000002", "Lò Thị Mai", 0, Role.MEMBER),
    ("0912000003", "Nông Văn Dũng", 0, Role.MEMBER),
    ("0912000004", "Triệu Thị Hoa", 0, Role.MEMBER),
    ("0912000011", "Ma Văn Hùng", 1, Role.SECRETARY),
    ("0912000012", "Lục Thị Lan", 1, Role.MEMBER),
    ("0912000013", "Vàng A Páo", 1, Role.MEMBER),
    ("0912000021", "Đinh Thị Hạnh", "commune", Role.COMMITTEE),
]

DOCUMENTS_DIR = Path(__file__).resolve().parent / "documents"
#: (file, title, agenda position or None) for the first branch's meeting.
_BRANCH_DOCUMENTS = [
    ("bao-cao-thang-11.docx", "Báo cáo kết quả thực hiện nhiệm vụ tháng 11", 1),
    ("du-thao-nghi-quyet-thang-12.pdf", "Dự thảo Nghị quyết tháng 12", 4),
]
_COMMUNE_NOTICE = ("thong-bao-hoc-tap-nghi-quyet.pdf", "Thông báo học tập, quán triệt nghị quyết")

_AGENDA = [
    "Đánh giá kết quả thực hiện nghị quyết tháng trước",
    "Phổ biến văn bản mới của cấp trên",
    "Thảo luận kế hoạch chuyển đổi số của thôn",
    "Bàn nhiệm vụ tháng tới và biểu quyết nghị quyết",
]


def load() -> tuple[str, list[Document]]:
    """Create what is missing; returns the sign-in details to show and the documents whose
    reading the caller queues once it has committed."""
    parent: Organization | None = None
    for name, kind in _TREE:
        parent = _organization(name, kind, parent)
    commune = parent
    assert commune is not None
    branches = [_organization(name, OrgKind.BRANCH, commune) for name in _BRANCHES]

    if db.session.scalar(sa.select(User).where(User.username == "admin")) is None:
        create_user(
            full_name="Quản trị hệ thống", username="admin", password=DEMO_PASSWORD, is_admin=True
        )
    for phone, full_name, where, role in _PEOPLE:
        user = db.session.scalar(sa.select(User).where(User.phone == phone))
        if user is None:
            user, _ = create_user(full_name=full_name, phone=phone, password=DEMO_PASSWORD)
        org = commune if where == "commune" else branches[int(where)]
        exists = db.session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == user.id, Membership.organization_id == org.id
            )
        )
        if exists is None:
            add_membership(user, org, role)

    secretary = db.session.scalar(sa.select(User).where(User.phone == _PEOPLE[0][0]))
    officer = db.session.scalar(sa.select(User).where(User.phone == _PEOPLE[-1][0]))
    assert secretary is not None and officer is not None
    meetings = [_meeting(branch) for branch in branches]
    added: list[Document | None] = []
    for filename, title, position in _BRANCH_DOCUMENTS:
        item = next((i for i in meetings[0].agenda if i.position == position), None)
        added.append(_document(meetings[0], filename, title, secretary, item))
    study = _meeting(
        commune,
        title="Hội nghị học tập, quán triệt nghị quyết",
        reach=Reach.SUBTREE,
        place="Hội trường Ủy ban nhân dân xã",
        agenda=["Quán triệt nghị quyết", "Thảo luận"],
    )
    added.append(_document(study, *_COMMUNE_NOTICE, officer, None))
    return _summary(branches), [d for d in added if d is not None]


def _organization(name: str, kind: OrgKind, parent: Organization | None) -> Organization:
    parent_clause = (
        Organization.parent_id == parent.id if parent else Organization.parent_id.is_(None)
    )
    found = db.session.scalar(
        sa.select(Organization).where(Organization.name == name, parent_clause)
    )
    return found or create_organization(name, kind, parent)


def _meeting(
    org: Organization,
    *,
    title: str | None = None,
    reach: Reach = Reach.SELF,
    place: str | None = None,
    agenda: list[str] = _AGENDA,
) -> Meeting:
    now_local = utcnow().astimezone(VIETNAM_TZ)
    # The regular meeting falls early in the month: the 5th of next month, 19:30 local time.
    first_next = (now_local.replace(day=1) + timedelta(days=32)).replace(day=1)
    starts = datetime(first_next.year, first_next.month, 5, 19, 30, tzinfo=VIETNAM_TZ)
    if title is None:
        title = f"Sinh hoạt chi bộ thường kỳ tháng {starts.month}/{starts.year}"
    else:
        starts = starts.replace(day=10, hour=7, minute=30)
    found = db.session.scalar(
        sa.select(Meeting).where(Meeting.organization_id == org.id, Meeting.title == title)
    )
    if found is not None:
        return found
    meeting = Meeting(
        organization=org,
        title=title,
        kind=MeetingKind.REGULAR if reach is Reach.SELF else MeetingKind.THEMATIC,
        reach=reach,
        starts_at=starts,
        place=place or f"Nhà văn hóa {org.name.removeprefix('Chi bộ ')}",
        publish_at=utcnow(),
        agenda=[AgendaItem(position=i, title=t) for i, t in enumerate(agenda, start=1)],
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _document(
    meeting: Meeting, filename: str, title: str, actor: User, item: AgendaItem | None
) -> Document | None:
    """Attach a sample file once; returns it when it is new."""
    found = db.session.scalar(
        sa.select(Document).where(Document.meeting_id == meeting.id, Document.filename == filename)
    )
    if found is not None:
        return None
    with (DOCUMENTS_DIR / filename).open("rb") as stream:
        document = add_document(
            Upload(filename, stream),
            organization=meeting.organization,
            actor=actor,
            meeting=meeting,
            agenda_item=item,
            title=title,
        )
    return document


def _summary(branches: list[Organization]) -> str:
    lines = ["Dữ liệu mẫu đã sẵn sàng. Đăng nhập với mật khẩu: " + DEMO_PASSWORD]
    lines.append("  admin        quản trị hệ thống")
    for phone, full_name, where, role in _PEOPLE:
        place = "Xã Tân Tiến" if where == "commune" else branches[int(where)].name
        lines.append(f"  {phone}   {full_name} — {role.label}, {place}")
    return "\n".join(lines)
