"""The Party's counting rules for a branch meeting, as integer arithmetic (no Flask, no database).

Sources, each rule beside its code:

- Điều lệ Đảng, Điều 5: a probationary member (đảng viên dự bị) has every right of a member
  except voting, electing and standing for election. Only official members vote.
- Quy định 24-QĐ/TW (30 July 2021) §9.3, on the number of members convened (số đảng viên được
  triệu tập) used to count a vote: not counted are members temporarily working or studying
  elsewhere, members exempted from Party work and meetings (miễn công tác và sinh hoạt đảng) who
  are absent, members being prosecuted, detained or suspended from Party activity, and members
  absent for the whole meeting with a reason the committee approved; an exempted member who comes
  (and votes) is counted.
- Điều lệ Đảng, Điều 10 and Quy định 24 §9.3: a resolution passes with more than half of the
  official members convened voting for it.
- Quy định 69-QĐ/TW (2022): a branch's discipline decision (reprimand, warning, dismissal) needs
  more than half of its official members; expulsion at least two thirds.

Checked so far: §9.3.2's list above against lawnet.vn's rendering of Quy định 24 (a secondary
source; the official text was out of reach). Quy định 24 was replaced from 1 July 2025 by
Quy định 294-QĐ/TW (26 May 2025) on the same subject; by Dân trí's report of its publication
(2 June 2025) it again holds "một số quy định về thực hiện nguyên tắc tập trung dân chủ", the
section that carried §9.3, and the rules on exemption from Party work and meetings. Its text,
and Quy định 69's articles, were not reachable from here (no internet; no copy in the
reference library): they are to be read in the official texts, and the section numbers in
these citations updated, before a branch relies on these verdicts. The arithmetic is the
issue's, and each rule is one line below.

Votes (a later part of issue #13) choose a ``Rule`` and ask ``passes``; the attendance sheet
builds ``MemberAtMeeting`` rows and asks ``count``. Every comparison is on integers
(``yes * 2 > n``, ``yes * 3 >= 2 * n``): a ratio in floating point can land on the wrong side of
a boundary.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MemberAtMeeting:
    """One member's facts for a meeting, as the counting rules read them."""

    #: Official (chính thức); a probationary member (dự bị) is ``False``.
    official: bool
    #: Came for some of the meeting: present in the room, online, or late.
    attending: bool = False
    #: Exempted from meetings (miễn sinh hoạt) on the meeting's day.
    exempt: bool = False
    #: Temporarily working or studying elsewhere.
    elsewhere: bool = False
    #: Suspended from Party activity, or being prosecuted or detained.
    suspended: bool = False
    #: Absent for the whole meeting with a reason the committee approved.
    excused: bool = False


def convened(member: MemberAtMeeting) -> bool:
    """Whether the member counts among those convened (Quy định 24-QĐ/TW §9.3)."""
    if member.elsewhere or member.suspended:
        return False
    if member.attending:  # an exempted member who comes is counted
        return True
    return not (member.exempt or member.excused)


def may_vote(member: MemberAtMeeting) -> bool:
    """Official, convened and there (Điều lệ Đảng, Điều 5: probationary members do not vote)."""
    return member.official and member.attending and convened(member)


@dataclass(frozen=True)
class Counts:
    """What the attendance screen shows, and what a vote's result is measured against."""

    #: Every member on the branch's list.
    members: int
    #: Came, official or probationary.
    present: int
    #: Convened (§9.3), official or probationary: the attendance ratio's base.
    convened: int
    #: Official members convened: the base ``n`` of a resolution.
    official_convened: int
    #: Official members, convened and present: who may vote now.
    eligible: int


def count(members: Iterable[MemberAtMeeting]) -> Counts:
    """Tally a meeting's members by the rules above."""
    rows = list(members)
    return Counts(
        members=len(rows),
        present=sum(1 for m in rows if m.attending and not (m.elsewhere or m.suspended)),
        convened=sum(1 for m in rows if convened(m)),
        official_convened=sum(1 for m in rows if m.official and convened(m)),
        eligible=sum(1 for m in rows if may_vote(m)),
    )


class Rule(enum.StrEnum):
    """Which majority a vote needs."""

    #: A resolution: more than half of the official members convened (Quy định 24 §9.3).
    RESOLUTION = "resolution"
    #: Reprimand, warning, dismissal: more than half of the official members (Quy định 69).
    DISCIPLINE = "discipline"
    #: Expulsion: at least two thirds of the official members (Quy định 69).
    EXPULSION = "expulsion"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def threshold(self) -> str:
        """The rule in words, for a verdict ("trên một nửa")."""
        return "ít nhất hai phần ba" if self is Rule.EXPULSION else "trên một nửa"


_LABELS = {
    Rule.RESOLUTION: "Nghị quyết (trên một nửa đảng viên chính thức được triệu tập)",
    Rule.DISCIPLINE: "Kỷ luật khiển trách, cảnh cáo, cách chức (trên một nửa)",
    Rule.EXPULSION: "Kỷ luật khai trừ (ít nhất hai phần ba)",
}


def passes(rule: Rule, yes: int, n: int) -> bool:
    """Whether ``yes`` votes in favour out of a base of ``n`` official members pass ``rule``.

    A base of none passes nothing (two thirds of nobody is not a decision).
    """
    if n < 0 or yes < 0 or yes > n:
        raise ValueError(f"yes={yes} must lie between 0 and n={n}")
    if n == 0:
        return False
    if rule is Rule.EXPULSION:
        return yes * 3 >= 2 * n
    return yes * 2 > n


def needed(rule: Rule, n: int) -> int:
    """The fewest votes in favour that pass ``rule`` on a base of ``n`` (``n + 1`` for none)."""
    if n <= 0:
        return n + 1
    if rule is Rule.EXPULSION:
        return (2 * n + 2) // 3
    return n // 2 + 1


def quorum_met(present: int, convened: int, percent: int | None) -> bool | None:
    """Whether a branch's own quorum (at least ``percent`` % of those convened present) is met;
    ``None`` when the branch set none: the Party's texts set no meeting quorum, so we do not."""
    if percent is None:
        return None
    if convened == 0:
        return False
    return present * 100 >= percent * convened
