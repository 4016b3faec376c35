"""Run CPU-heavy calls (argon2) off the event loop.

Under ``serve`` the process runs on gevent: one OS thread carries every request and socket, so a
60 ms hash would stall them all. gevent's native thread pool runs such calls on real threads
(argon2 releases the GIL); without gevent, a plain thread pool does the same for batches.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _gevent_hub():  # type: ignore[no-untyped-def]
    try:  # imported here: only a gevent-patched process (serve) has a hub to offload to
        from gevent import get_hub, monkey
    except ImportError:  # pragma: no cover - gevent is a pinned dependency
        return None
    return get_hub() if monkey.is_module_patched("threading") else None


def call(fn: Callable[..., R], *args: object) -> R:
    """``fn(*args)`` on a native thread when under gevent, directly otherwise."""
    hub = _gevent_hub()
    if hub is None:
        return fn(*args)
    return hub.threadpool.apply(fn, args)  # type: ignore[no-any-return]


def map_native(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]`` spread over native threads (one per core)."""
    hub = _gevent_hub()
    if hub is not None:
        return list(hub.threadpool.imap(fn, items))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(fn, items))
