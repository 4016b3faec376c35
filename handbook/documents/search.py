"""Search in the documents a user may read, with or without Vietnamese diacritics.

Pages keep a folded copy of their text (``textfold``); the query is folded the same way, so
"chuyen doi so" and "chuyển đổi số" find the same pages. SQLite answers with FTS5, PostgreSQL
with its full-text search on the folded text; both go through the policy's ``documents_where``.
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

_WORD = re.compile(r"\w+")
_SNIPPET_RADIUS = 90


@dataclass(frozen=True)
class Hit:
    document: Document
    page: int
    paragraph: int
    #: (before, match, after) of the original text, for highlighting.
    snippet: tuple[str, str, str]


def _terms(query: str) -> list[str]:
    return _WORD.findall(fold(query))[:12]


def _matching_pages(terms: list[str], limit: int) -> sa.Select[Any]:
    dialect = db.session.get_bind().dialect.name
    base = sa.select(DocumentPage.id)
    if dialect == "sqlite":
        fts = " AND ".join(f'"{t}"*' if len(t) > 2 else f'"{t}"' for t in terms)
        return base.where(
            DocumentPage.id.in_(
                sa.text("SELECT rowid FROM document_pages_fts WHERE document_pages_fts MATCH :q")
                .bindparams(q=fts)
                .columns(sa.column("rowid"))
            )
        ).limit(limit)
    tsquery = " & ".join(f"{t}:*" for t in terms)
    return base.where(
        sa.func.to_tsvector(sa.literal_column("'simple'"), DocumentPage.folded).op("@@")(
            sa.func.to_tsquery(sa.literal_column("'simple'"), tsquery)
        )
    ).limit(limit)


def search(user: Any, query: str, *, limit: int = 30) -> list[Hit]:
    terms = _terms(query)
    if not terms:
        return []
    pages = db.session.execute(
        sa.select(DocumentPage, Document)
        .join(Document, DocumentPage.document_id == Document.id)
        .where(
            DocumentPage.id.in_(_matching_pages(terms, 500)),
            Document.status == DocumentStatus.READY,
            documents_where(user),
        )
        .order_by(Document.created_at.desc(), DocumentPage.number)
        .limit(limit)
    ).all()
    return [hit for page, document in pages if (hit := _hit(page, document, terms))]


def _hit(page: DocumentPage, document: Document, terms: list[str]) -> Hit | None:
    """The first paragraph that holds the first term, cut around it."""
    for block in page.blocks:
        text = block["text"]
        folded = fold(text)
        match = re.search(rf"\b{re.escape(terms[0])}", folded)
        if match is None:
            continue
        start, end = match.span()
        # Extend the highlight over the following terms when they follow in order.
        phrase = re.compile(r"\W+".join(re.escape(t) + r"\w*" for t in terms))
        whole = phrase.search(folded, start)
        if whole is not None and whole.start() == start:
            end = whole.end()
        before = text[max(0, start - _SNIPPET_RADIUS) : start]
        after = text[end : end + _SNIPPET_RADIUS]
        prefix = "…" if start > _SNIPPET_RADIUS else ""
        suffix = "…" if end + _SNIPPET_RADIUS < len(text) else ""
        return Hit(
            document, page.number, block["n"], (prefix + before, text[start:end], after + suffix)
        )
    return None
