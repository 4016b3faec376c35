"""Search in the documents a user may read, with or without Vietnamese diacritics, best first.

Pages keep a folded copy of their text (``textfold``); the query is folded the same way, so
"chuyen doi so" and "chuyển đổi số" find the same pages. SQLite answers with FTS5, PostgreSQL
with its full-text search on the folded text (a stored vector and its GIN index); both go
through the policy's ``documents_where``.

Ranking is per paragraph: the exact phrase first, then all the words, then some of them (more
before fewer); whole words before a word's mere beginning ("tin" before "tỉnh", folded
"tinh"); body text before a heading that matches as well; then the newer document. The
database finds candidate pages in the same tiers (phrase, all words, any word), the newest
first, and stops at a few dozen; Python ranks their paragraphs. Figures on 156,000 pages:
docs/architecture.md, "Search finds the passage".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from handbook.core import db
from handbook.core.textfold import fold
from handbook.documents.models import Document, DocumentPage, DocumentStatus
from handbook.documents.policy import documents_where

#: A word as both indexes cut text: letters and digits (FTS5's unicode61, PostgreSQL's parser).
_WORD = re.compile(r"[^\W_]+")
_SNIPPET_RADIUS = 90
#: At most this many query words count (a pasted paragraph is not a query).
MAX_TERMS = 12
#: Candidate pages read per search, as a multiple of the results shown.
CANDIDATES_PER_RESULT = 2
#: A phrase is looked for among this many of the newest pages holding all its words.
PHRASE_WINDOW = 1000
#: Between the words of a phrase: spaces or a hyphen, not a sentence's punctuation.
_GAP = r"[\s\-\u2010\u2011]+"
_NOT_AFTER_WORD = r"(?<![^\W_])"
_NOT_BEFORE_WORD = r"(?![^\W_])"

PHRASE, ALL, SOME = 3, 2, 1
#: PostgreSQL: each page's ``to_tsvector('simple', folded)``, a stored column the GIN index
#: covers (migration 0020; not in the models, like SQLite's FTS5 table). Checking a phrase
#: against it reads the page's words and positions instead of parsing its text again.
_STORED_VECTOR: sa.ColumnElement[Any] = sa.literal_column("document_pages.document_pages_fts")


@dataclass(frozen=True)
class Hit:
    document: Document
    page: int
    paragraph: int
    #: (before, match, after) of the original text, for highlighting.
    snippet: tuple[str, str, str]


def _is_prefix(term: str) -> bool:
    """Longer words also match as a beginning (the last word may be unfinished); one or two
    letters only as a whole word, or "đ" would find every "đảng"."""
    return len(term) > 2


class _Query:
    """The folded words of a query and the patterns that grade a paragraph against them."""

    def __init__(self, text: str) -> None:
        self.terms = _WORD.findall(fold(text))[:MAX_TERMS]
        self.unique = list(dict.fromkeys(self.terms))
        self.whole = [
            re.compile(_NOT_AFTER_WORD + re.escape(t) + _NOT_BEFORE_WORD) for t in self.unique
        ]
        self.start = [
            re.compile(
                _NOT_AFTER_WORD + re.escape(t) + (r"[^\W_]*" if _is_prefix(t) else _NOT_BEFORE_WORD)
            )
            for t in self.unique
        ]
        self.phrase_whole = self._phrase(prefix=False)
        self.phrase_start = self._phrase(prefix=True)

    def _phrase(self, *, prefix: bool) -> re.Pattern[str]:
        words = [
            re.escape(t) + (r"[^\W_]*" if prefix and _is_prefix(t) else _NOT_BEFORE_WORD)
            for t in self.terms
        ]
        return re.compile(_NOT_AFTER_WORD + _GAP.join(words))

    def grade(self, folded: str, heading: bool) -> tuple[int, ...] | None:
        """How well a paragraph matches, to sort on (greater is better); None: not at all.

        By whole words first, then allowing beginnings of words, then body text before a
        heading: ``(class by whole words, class by beginnings, whole words found, words found
        by their beginning, body)``, each class being PHRASE, ALL, SOME or 0.
        """
        starts = sum(bool(p.search(folded)) for p in self.start)
        if not starts:
            return None
        wholes = sum(bool(p.search(folded)) for p in self.whole)
        return (
            self._class(wholes, self.phrase_whole, folded),
            self._class(starts, self.phrase_start, folded),
            wholes,
            starts,
            int(not heading),
        )

    def _class(self, found: int, phrase: re.Pattern[str], folded: str) -> int:
        if not found:
            return 0
        if found < len(self.unique):
            return SOME
        return PHRASE if phrase.search(folded) else ALL

    def span(self, folded: str) -> tuple[int, int]:
        """What to highlight: the phrase, else the first word found (whole words preferred)."""
        for pattern in (self.phrase_whole, self.phrase_start):
            match = pattern.search(folded)
            if match:
                return match.span()
        for patterns in (self.whole, self.start):
            found = [m for p in patterns if (m := p.search(folded))]
            if found:
                return min(found, key=lambda m: m.start()).span()
        return 0, 0  # pragma: no cover - grade() said it matches

    def tiers(self) -> list[str]:
        """The page-level searches, best first: the phrase, all the words, any word."""
        if len(self.unique) == 1:
            return ["all"]
        return ["phrase", "all", "any"]


def _matches(query: _Query, tier: str) -> sa.ColumnElement[bool]:
    """Pages whose text matches ``tier`` of the query, found through the text index."""
    dialect = db.session.get_bind().dialect.name
    terms = query.terms if tier == "phrase" else query.unique
    if dialect == "sqlite":
        words = [f'"{t}"*' if _is_prefix(t) else f'"{t}"' for t in terms]
        expression = {"phrase": " + ", "all": " AND ", "any": " OR "}[tier].join(words)
        # unique: a statement may hold two of these (the phrase within its window).
        return DocumentPage.id.in_(
            sa.text("SELECT rowid FROM document_pages_fts WHERE document_pages_fts MATCH :q")
            .bindparams(sa.bindparam("q", expression, unique=True))
            .columns(sa.column("rowid"))
        )
    words = [f"{t}:*" if _is_prefix(t) else t for t in terms]
    expression = {"phrase": " <-> ", "all": " & ", "any": " | "}[tier].join(words)
    return _STORED_VECTOR.op("@@")(sa.func.to_tsquery(sa.literal_column("'simple'"), expression))


def _readable(user: Any, match: sa.ColumnElement[bool]) -> sa.Select[DocumentPage, Document]:
    """Pages matching ``match`` in documents the user may read, the newest first: by page id
    (pages are stored as their document is read), which a wide reach walks backwards through
    the primary key and stops, instead of sorting every document in reach by date."""
    return (
        sa.select(DocumentPage, Document)
        .join(Document, DocumentPage.document_id == Document.id)
        .where(match, Document.status == DocumentStatus.READY, documents_where(user))
        .order_by(DocumentPage.id.desc())
    )


def _candidates(
    user: Any, query: _Query, tier: str, exclude: list[int], limit: int
) -> list[tuple[DocumentPage, Document]]:
    """Up to ``limit`` pages the user may read that match ``tier``, the newest first.

    A phrase is looked for among the newest ``PHRASE_WINDOW`` pages that hold all its words:
    checking a phrase reads each page's word positions, and the planner cannot tell how rare
    a phrase is (it guesses from its words), so unbounded it may check every page in reach.
    A member's reach is far smaller than the window; a committee's or an administrator's
    search finds phrases in its newest documents first.
    """
    match = _matches(query, tier)
    if tier == "phrase":
        # The phrase is checked as a column of the window's rows: a LIMIT keeps the planner
        # from checking it on every page first (it did, trusting its guess).
        window = (
            _readable(user, _matches(query, "all"))
            .with_only_columns(DocumentPage.id.label("id"), match.label("phrased"))
            .limit(PHRASE_WINDOW)
            .subquery()
        )
        match = DocumentPage.id.in_(sa.select(window.c.id).where(window.c.phrased))
    statement = _readable(user, match).limit(limit)
    if exclude:
        statement = statement.where(DocumentPage.id.not_in(exclude))
    return [(page, document) for page, document in db.session.execute(statement).all()]


def search(user: Any, query: str, *, limit: int = 30) -> list[Hit]:
    """The paragraphs that best match ``query`` in what ``user`` may read, best first."""
    parsed = _Query(query)
    if not parsed.terms:
        return []
    budget = limit * CANDIDATES_PER_RESULT
    pages: list[int] = []
    graded: list[tuple[tuple[int, ...], Hit]] = []
    floor = {"phrase": PHRASE, "all": ALL, "any": SOME}
    for tier in parsed.tiers():
        for page, document in _candidates(user, parsed, tier, pages, budget - len(pages)):
            graded += _page_hits(parsed, page, document)
            pages.append(page.id)
        # A later tier's pages lack this tier's match: none of their paragraphs can rank
        # above one that has it by whole words, so enough of those ends the search.
        if len(pages) >= budget or sum(grade[0] >= floor[tier] for grade, _ in graded) >= limit:
            break
    graded.sort(key=_rank)
    return [hit for _grade, hit in graded[:limit]]


def _rank(graded: tuple[tuple[int, ...], Hit]) -> tuple[Any, ...]:
    """Best grade first; among equals the newer document, then the reading order."""
    grade, hit = graded
    newer = (-hit.document.created_at.timestamp(), -hit.document.id)
    return (tuple(-x for x in grade), *newer, hit.page, hit.paragraph)


def _page_hits(
    query: _Query, page: DocumentPage, document: Document
) -> list[tuple[tuple[int, ...], Hit]]:
    """A page's paragraphs that match, graded; of those with only some of the words, the best
    one alone (a page full of "đảng" is one result, not thirty)."""
    hits: list[tuple[tuple[int, ...], Hit]] = []
    best_partial: tuple[tuple[int, ...], Hit] | None = None
    for block, folded in _folded_blocks(page):
        grade = query.grade(folded, heading=block.get("kind") == "heading")
        if grade is None:
            continue
        snippet = _snippet(block["text"], *query.span(folded))
        hit = (grade, Hit(document, page.number, block["n"], snippet))
        if grade[1] > SOME:
            hits.append(hit)
        elif best_partial is None or grade > best_partial[0]:
            best_partial = hit
    if best_partial is not None:
        hits.append(best_partial)
    return hits


def _folded_blocks(page: DocumentPage) -> list[tuple[dict[str, Any], str]]:
    """Each block with its folded text, cut from the page's stored folded text (the blocks
    joined by newlines: ``operations.save_pages``), which is what the index matched; folded
    again only if the two disagree in length. Folding a page costs more than reading it."""
    blocks = page.blocks
    texts = [str(b["text"]) for b in blocks]
    if len(page.folded) != sum(map(len, texts)) + max(len(texts) - 1, 0):
        return [(b, fold(t)) for b, t in zip(blocks, texts, strict=True)]
    out, at = [], 0
    for block, text in zip(blocks, texts, strict=True):
        out.append((block, page.folded[at : at + len(text)]))
        at += len(text) + 1
    return out


def _snippet(text: str, start: int, end: int) -> tuple[str, str, str]:
    """(before, match, after) of the original text around the match (folding keeps offsets)."""
    before = text[max(0, start - _SNIPPET_RADIUS) : start]
    after = text[end : end + _SNIPPET_RADIUS]
    prefix = "…" if start > _SNIPPET_RADIUS else ""
    suffix = "…" if end + _SNIPPET_RADIUS < len(text) else ""
    return prefix + before, text[start:end], after + suffix
