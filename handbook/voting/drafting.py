"""A vote before it opens: the secretary writes it (the motion, or a draft resolution, or a list
of options; the rule; open or secret ballot; phones or a show of hands) and may change it until
it opens. Input comes from the page's form (text) and the API (typed) alike, and is checked
here, once, with a Vietnamese message for each thing wrong."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.attendance.rules import Rule
from handbook.audit.operations import record
from handbook.core import db
from handbook.meetings.models import AgendaItem, Meeting
from handbook.voting.models import CHOICE_LABELS, Choice, Method, Vote, VoteKind, VoteOption
from handbook.voting.operations import VoteError, bump, check_seen

MAX_TITLE = 300
MAX_TEXT = 20_000
MAX_LABEL = 300
#: A list of options has 2 to 20 (plus "Không biểu quyết").
MIN_OPTIONS, MAX_OPTIONS = 2, 20

KIND_LABELS = {
    VoteKind.MOTION: "Biểu quyết thông qua",
    VoteKind.RESOLUTION: "Dự thảo nghị quyết",
    VoteKind.OPTIONS: "Lựa chọn phương án",
}
METHOD_LABELS = {Method.PHONES: "Trên điện thoại", Method.HANDS: "Giơ tay tại phòng họp"}


@dataclass(frozen=True)
class Draft:
    """A vote's settings, checked."""

    title: str
    text: str
    kind: VoteKind
    rule: Rule
    secret: bool
    method: Method
    options: tuple[str, ...]
    agenda_item: AgendaItem | None


def _line(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise VoteError(f"{name} phải là văn bản.")
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        raise VoteError(f"{name} đang để trống.")
    if len(text) > limit:
        raise VoteError(f"{name} dài quá {limit} ký tự.")
    return text


def _enum(cls: Any, value: Any, name: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        raise VoteError(f"{name} không hợp lệ.") from None


def check(
    meeting: Meeting,
    *,
    title: Any,
    text: Any = "",
    kind: Any = VoteKind.MOTION,
    rule: Any = Rule.RESOLUTION,
    secret: Any = False,
    method: Any = Method.PHONES,
    options: Any = (),
    agenda_item_id: Any = None,
) -> Draft:
    """The settings as the secretary gave them, or the first thing wrong with them."""
    name = _line(title, "Tên biểu quyết", MAX_TITLE)
    body = unicodedata.normalize("NFC", text if isinstance(text, str) else "").strip()
    if len(body) > MAX_TEXT:
        raise VoteError(f"Nội dung dài quá {MAX_TEXT:,} ký tự.".replace(",", "."))
    vote_kind = _enum(VoteKind, kind, "Loại biểu quyết")
    how = _enum(Method, method, "Hình thức biểu quyết")
    if secret and how is Method.HANDS:
        raise VoteError("Biểu quyết giơ tay không thể là bỏ phiếu kín: hãy chọn “Trên điện thoại”.")
    labels: tuple[str, ...] = ()
    if vote_kind is VoteKind.OPTIONS:
        given = [o for o in (options or []) if not (isinstance(o, str) and not o.strip())]
        labels = tuple(_line(o, f"Phương án {i}", MAX_LABEL) for i, o in enumerate(given, 1))
        if not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS:
            raise VoteError(f"Cần từ {MIN_OPTIONS} đến {MAX_OPTIONS} phương án, mỗi dòng một.")
        if len({label.casefold() for label in labels}) != len(labels):
            raise VoteError("Có hai phương án trùng nhau.")
    item = None
    if agenda_item_id not in (None, ""):
        item = next((i for i in meeting.agenda if str(i.id) == str(agenda_item_id)), None)
        if item is None:
            raise VoteError("Nội dung chương trình không thuộc buổi sinh hoạt này.")
    return Draft(
        title=name,
        text=body,
        kind=vote_kind,
        rule=_enum(Rule, rule, "Quy tắc tính kết quả"),
        secret=bool(secret),
        method=how,
        options=labels,
        agenda_item=item,
    )


def _options(draft: Draft) -> list[VoteOption]:
    """The three answers to a motion, or the list and "Không biểu quyết"."""
    if draft.kind is VoteKind.OPTIONS:
        pairs = [(Choice.OPTION, label) for label in draft.options]
        pairs.append((Choice.ABSTAIN, CHOICE_LABELS[Choice.ABSTAIN]))
    else:
        pairs = [
            (choice, CHOICE_LABELS[choice]) for choice in (Choice.YES, Choice.NO, Choice.ABSTAIN)
        ]
    return [
        VoteOption(position=i, choice=choice, label=label, tally=0)
        for i, (choice, label) in enumerate(pairs, 1)
    ]


def _refuse_cancelled(meeting: Meeting) -> None:
    if meeting.cancelled_at is not None:
        raise VoteError("Buổi sinh hoạt đã bị hủy: không biểu quyết được.", 409)


def create(meeting: Meeting, actor: User, draft: Draft) -> Vote:
    """A new draft vote, last among the meeting's; the caller commits."""
    _refuse_cancelled(meeting)
    last = db.session.scalar(
        sa.select(sa.func.max(Vote.position)).where(Vote.meeting_id == meeting.id)
    )
    vote = Vote(
        meeting=meeting,
        agenda_item=draft.agenda_item,
        position=(last or 0) + 1,
        title=draft.title,
        text=draft.text,
        kind=draft.kind,
        rule=draft.rule,
        secret=draft.secret,
        method=draft.method,
        created_by_id=actor.id,
        options=_options(draft),
    )
    db.session.add(vote)
    db.session.flush()
    record(
        "vote.created",
        actor_id=actor.id,
        target=vote,
        organization_id=meeting.organization_id,
        meeting_id=meeting.id,
        kind=draft.kind.value,
        rule=draft.rule.value,
        secret=draft.secret,
        method=draft.method.value,
    )
    return vote


def edit(vote: Vote, actor: User, draft: Draft, seen: int) -> Vote:
    """Change a draft (``seen``: the version the secretary edited); once open it is fixed."""
    _refuse_cancelled(vote.meeting)
    check_seen(vote, seen)
    if vote.opened_at is not None:
        raise VoteError("Biểu quyết đã mở nên không sửa được nữa.", 409)
    bump(
        vote,
        seen,
        title=draft.title,
        text=draft.text,
        kind=draft.kind,
        rule=draft.rule,
        secret=draft.secret,
        method=draft.method,
        agenda_item_id=draft.agenda_item.id if draft.agenda_item else None,
    )
    # A draft has no ballots: its options are replaced (deleted first, so the new positions
    # never meet the old ones in the unique key).
    db.session.execute(sa.delete(VoteOption).where(VoteOption.vote_id == vote.id))
    db.session.expire(vote, ["options"])
    vote.options = _options(draft)
    db.session.flush()
    record(
        "vote.edited",
        actor_id=actor.id,
        target=vote,
        organization_id=vote.meeting.organization_id,
        meeting_id=vote.meeting_id,
    )
    return vote
