"""Libraries that other libraries import at once but that ``serve`` may never use (cold start).

python-engineio imports requests and aiohttp for its clients, and Huey imports psycopg for its
PostgreSQL queue; the web process of the embedded default uses none of them, and together they
were a third of the time from start to the first page. Under ``defer`` their ``import`` gives a
module that loads on first use (``importlib.util.LazyLoader``): a plain ``import aiohttp`` whose
attributes nobody reads costs nothing, and code that does use the module gets it whole.

Only for ``serve`` (``handbook.__main__``): its one thread runs every request on gevent, so no
two threads can race into the first use of a module (Python 3.11's LazyLoader is not
thread-safe); a job worker runs threads and imports as usual.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

#: Top-level packages loaded on first use in ``serve``.
DEFERRED = ("aiohttp", "requests", "psycopg")


class _Deferring(importlib.abc.MetaPathFinder):
    """Finds the named packages as the path finder does, with a loader that waits for use."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = frozenset(names)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def defer(names: Sequence[str] = DEFERRED) -> None:
    """Load ``names`` (not yet imported) on first use from now on in this process."""
    if not any(isinstance(finder, _Deferring) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Deferring([n for n in names if n not in sys.modules]))
