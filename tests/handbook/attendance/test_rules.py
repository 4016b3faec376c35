"""The counting rules (handbook/attendance/rules.py) at every boundary, against an oracle in
exact fractions: the code under test uses integers only."""

from __future__ import annotations

from fractions import Fraction

import pytest

from handbook.attendance.rules import (
    MemberAtMeeting,
    Rule,
    convened,
    count,
    may_vote,
    needed,
    passes,
    quorum_met,
)

_SHARE = {
    Rule.RESOLUTION: (Fraction(1, 2), False),  # more than half
    Rule.DISCIPLINE: (Fraction(1, 2), False),  # more than half
    Rule.EXPULSION: (Fraction(2, 3), True),  # at least two thirds
}


def _oracle(rule: Rule, yes: int, n: int) -> bool:
    share, inclusive = _SHARE[rule]
    ratio = Fraction(yes, n)
    return ratio >= share if inclusive else ratio > share


@pytest.mark.parametrize("rule", list(Rule))
@pytest.mark.parametrize("n", range(1, 41))
def test_every_count_of_yes_for_n_from_1_to_40(rule: Rule, n: int) -> None:
    assert [passes(rule, yes, n) for yes in range(n + 1)] == [
        _oracle(rule, yes, n) for yes in range(n + 1)
    ]
    least = needed(rule, n)
    assert passes(rule, least, n) and not passes(rule, least - 1, n)


#: Hand-checked boundaries: (rule, n, the fewest votes that pass).
BOUNDARIES = [
    (Rule.RESOLUTION, 1, 1),
    (Rule.RESOLUTION, 2, 2),
    (Rule.RESOLUTION, 3, 2),
    (Rule.RESOLUTION, 4, 3),
    (Rule.RESOLUTION, 12, 7),
    (Rule.RESOLUTION, 13, 7),
    (Rule.DISCIPLINE, 10, 6),
    (Rule.DISCIPLINE, 39, 20),
    (Rule.EXPULSION, 1, 1),
    (Rule.EXPULSION, 2, 2),
    (Rule.EXPULSION, 3, 2),
    (Rule.EXPULSION, 4, 3),
    (Rule.EXPULSION, 6, 4),
    (Rule.EXPULSION, 7, 5),
    (Rule.EXPULSION, 9, 6),
    (Rule.EXPULSION, 40, 27),
]


@pytest.mark.parametrize(("rule", "n", "least"), BOUNDARIES)
def test_hand_checked_boundaries(rule: Rule, n: int, least: int) -> None:
    assert needed(rule, n) == least
    assert passes(rule, least, n)
    assert not passes(rule, least - 1, n)


@pytest.mark.parametrize("rule", list(Rule))
def test_nobody_convened_passes_nothing(rule: Rule) -> None:
    assert not passes(rule, 0, 0)


@pytest.mark.parametrize(("yes", "n"), [(-1, 3), (4, 3), (0, -1)])
def test_impossible_counts_are_refused(yes: int, n: int) -> None:
    with pytest.raises(ValueError):
        passes(Rule.RESOLUTION, yes, n)


def _m(**facts: bool) -> MemberAtMeeting:
    return MemberAtMeeting(**{"official": True, **facts})


#: (situation, convened, may vote) under Quy định 24-QĐ/TW §9.3 and Điều lệ Điều 5.
SITUATIONS = [
    ("official, present", _m(attending=True), True, True),
    ("official, absent without reason", _m(), True, False),
    ("official, absent with approved reason", _m(excused=True), False, False),
    ("official, exempt and absent", _m(exempt=True), False, False),
    ("official, exempt and comes", _m(exempt=True, attending=True), True, True),
    ("official, working elsewhere", _m(elsewhere=True), False, False),
    ("official, working elsewhere, drops in", _m(elsewhere=True, attending=True), False, False),
    ("official, suspended or prosecuted", _m(suspended=True), False, False),
    ("official, suspended, present", _m(suspended=True, attending=True), False, False),
    ("probationary, present", _m(official=False, attending=True), True, False),
    ("probationary, absent", _m(official=False), True, False),
    ("probationary, excused", _m(official=False, excused=True), False, False),
]


@pytest.mark.parametrize(
    ("member", "is_convened", "votes"),
    [(m, c, v) for _name, m, c, v in SITUATIONS],
    ids=[name for name, *_ in SITUATIONS],
)
def test_who_is_convened_and_who_votes(
    member: MemberAtMeeting, is_convened: bool, votes: bool
) -> None:
    assert convened(member) is is_convened
    assert may_vote(member) is votes


def test_counts_over_a_branch() -> None:
    branch = [m for _name, m, _c, _v in SITUATIONS]
    counts = count(branch)
    assert counts.members == 12
    # present: official present, exempt who came, probationary present (not elsewhere/suspended)
    assert counts.present == 3
    # convened: present 1, absent 1, exempt-came 1, probationary present 1, probationary absent 1
    assert counts.convened == 5
    assert counts.official_convened == 3
    assert counts.eligible == 2


def test_quorum_only_when_the_branch_set_one() -> None:
    assert quorum_met(5, 7, None) is None
    assert quorum_met(5, 7, 70) is True  # 500 >= 490
    assert quorum_met(4, 6, 67) is False  # 400 < 402
    assert quorum_met(0, 0, 50) is False
