"""The JSON API under ``/api/v1``: the same operations and the same policy as the pages.

One blueprint (:data:`bp`, in ``blueprint``) whose views live by resource in ``account``,
``meetings``, ``documents`` and ``comments``; importing this module registers them all. Each
view declares its contract (``contract.operation``) with the models of ``inputs`` and
``schemas``: spectree validates requests with them and generates ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from handbook.api import (  # noqa: F401 - views join bp
    account,
    attendance,
    comments,
    documents,
    meetings,
    minutes,
    push,
    voting,
)
from handbook.api.blueprint import bp

__all__ = ["bp"]
