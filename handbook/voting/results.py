"""A closed vote's result in words: the tallies, the base, and the rule's verdict
("Thông qua: 9/12 đảng viên chính thức được triệu tập, trên một nửa").

Read by the vote screens, the API and the minutes alike, so a result is worded one way
everywhere. Nothing here reads who voted: a secret ballot's result is its tallies only.
"""

from __future__ import annotations

from dataclasses import dataclass

from handbook.attendance.rules import Rule, needed, passes
from handbook.voting.models import Choice, Vote, VoteKind


@dataclass(frozen=True)
class Tally:
    label: str
    choice: str
    count: int
    #: For a list of options: whether this option reached the rule.
    passed: bool = False


@dataclass(frozen=True)
class Result:
    vote_id: int
    title: str
    rule: Rule
    secret: bool
    tallies: tuple[Tally, ...]
    #: The rule's base ``n`` and how many could vote, frozen at closing.
    base: int
    eligible: int
    #: How many ballots were cast (for a show of hands, the counts entered).
    cast: int
    passed: bool
    #: "Thông qua: 9/12 đảng viên chính thức được triệu tập, trên một nửa".
    verdict: str


def base_words(rule: Rule) -> str:
    """What the base ``n`` counts, in the verdict's words."""
    if rule is Rule.RESOLUTION:
        return "đảng viên chính thức được triệu tập"
    return "đảng viên chính thức"


def verdict(rule: Rule, yes: int, n: int, *, option: str | None = None) -> tuple[bool, str]:
    """Whether ``yes`` of ``n`` passes ``rule``, and the sentence that says so."""
    ok = passes(rule, yes, n)
    head = "Thông qua" if ok else "Không thông qua"
    if option is not None:
        head = f"{head} phương án “{option}”"
    words = f"{yes}/{n} {base_words(rule)} tán thành"
    if ok:
        return True, f"{head}: {words}, {rule.threshold}."
    return False, f"{head}: {words}, cần {needed(rule, n)} ({rule.threshold})."


def result_of(vote: Vote) -> Result:
    """The result of a closed vote (its options loaded)."""
    if vote.closed_at is None or vote.base is None:
        raise ValueError(f"vote {vote.id} is not closed")
    n = vote.base
    options = list(vote.options)
    cast = sum(o.tally for o in options)
    if vote.kind is VoteKind.OPTIONS:
        counted = [o for o in options if o.choice is Choice.OPTION]
        best = max((o.tally for o in counted), default=0)
        leaders = [o for o in counted if o.tally == best]
        winner = leaders[0] if len(leaders) == 1 and passes(vote.rule, best, n) else None
        tallies = tuple(
            Tally(o.label, o.choice.value, o.tally, passed=o is winner) for o in options
        )
        if winner is not None:
            ok, text = verdict(vote.rule, winner.tally, n, option=winner.label)
        elif len(leaders) > 1 and best > 0:
            ok, text = (
                False,
                (
                    f"Không thông qua: các phương án bằng phiếu nhau ({best}/{n} "
                    f"{base_words(vote.rule)})."
                ),
            )
        else:
            ok, text = verdict(vote.rule, best, n)
            text = text.replace("Không thông qua", "Không phương án nào được thông qua", 1)
    else:
        yes = sum(o.tally for o in options if o.choice is Choice.YES)
        tallies = tuple(Tally(o.label, o.choice.value, o.tally) for o in options)
        ok, text = verdict(vote.rule, yes, n)
    return Result(
        vote_id=vote.id,
        title=vote.title,
        rule=vote.rule,
        secret=vote.secret,
        tallies=tallies,
        base=n,
        eligible=vote.eligible_count or 0,
        cast=cast,
        passed=ok,
        verdict=text,
    )
