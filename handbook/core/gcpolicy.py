"""When ``serve`` lets Python's cycle collector run, so that it never stops a broadcast.

A full collection walks every object the collector tracks. With 2,000 members online that is
200,000-460,000 objects (the app's own, plus ~180 per connection), and a collection took
260-600 ms on a 2-core machine: every member waited that long for the comment being fanned
out (issue #12). Objects that live as long as the process (modules, the app, its routes and
mappers) or as long as a connection need no walking. So, in ``serve`` only:

- **after start-up** the surviving objects are collected once and frozen (``gc.freeze``:
  moved to a generation no collection walks);
- **after a burst of connections** (``BURST`` new sockets, then a quiet second, or at most
  ``SETTLE_S`` later) the young generations are collected and everything alive is frozen
  again: the burst's connections are never walked by a full collection;
- the youngest generation's threshold is raised a little (``THRESHOLDS``): fewer young
  collections, each still a few milliseconds;
- gevent stops recording each greenlet's spawning stack (a chain of ~10 frame records per
  greenlet, and a greenlet per event): fewer objects and cheaper events.

Frozen objects are still freed by reference counting when a member leaves; only cycles among
them wait for a ``reclaim`` (a collection of everything, at a quiet moment: ``RECLAIM_AFTER``
connections closed since the last one and no broadcast for ``QUIET_S``). Every collection of
the oldest generation, and any collection longer than ``SLOW_MS``, is logged (``gc: ...``), so
a pause during fan-out would show in the log.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from typing import Any

logger = logging.getLogger(__name__)

#: Collection thresholds (Python's default is 700, 10, 10; 3.13's first is 2,000). A larger
#: young generation is walked less often but longer each time (10,000: 25-35 ms pauses while
#: posting flat out on a busy 2-core machine).
THRESHOLDS = (2_000, 10, 10)
#: New connections that make a burst worth freezing.
BURST = 100
#: Seconds after start-up before the first freeze (the job workers and assets settle).
STARTUP_S = 3.0
#: A burst still going after this many seconds is frozen anyway.
SETTLE_S = 30.0
#: Closed connections after which frozen cycles are worth collecting, at a quiet moment.
RECLAIM_AFTER = 5_000
#: No broadcast for this long counts as a quiet moment.
QUIET_S = 5.0
#: A collection longer than this is logged even if it is a young one.
SLOW_MS = 20.0

_state: dict[str, Any] = {"started": False, "new": 0, "last_new": 0.0, "first_new": 0.0}
_state.update(closed=0, sent=0.0, collecting=0.0)


def start(eio: Any) -> None:
    """Apply the policy to this process (once): ``eio`` is the Engine.IO server it serves."""
    if _state["started"]:
        return
    _state["started"] = True
    import gevent

    gevent.config.track_greenlet_tree = False
    gc.set_threshold(*THRESHOLDS)
    gc.callbacks.append(_timed)
    gevent.spawn(_run, eio)


def connected() -> None:
    """A socket was opened (called for every new Engine.IO connection)."""
    now = time.monotonic()
    if not _state["new"]:
        _state["first_new"] = now
    _state["new"] += 1
    _state["last_new"] = now


def disconnected() -> None:
    """A socket was closed."""
    _state["closed"] += 1


def broadcast() -> None:
    """Something was sent to a room: not a quiet moment."""
    _state["sent"] = time.monotonic()


def _run(eio: Any) -> None:
    import gevent

    gevent.sleep(STARTUP_S)
    freeze("start-up", full=True)
    while True:
        gevent.sleep(1.0)
        now = time.monotonic()
        if _state["new"] >= BURST and (
            now - _state["last_new"] >= 1.0 or now - _state["first_new"] >= SETTLE_S
        ):
            freeze(f"{_state['new']} new connections, {len(eio.sockets)} open")
        elif _state["closed"] >= max(RECLAIM_AFTER, len(eio.sockets)) and (
            now - _state["sent"] >= QUIET_S
        ):
            reclaim(len(eio.sockets))


def freeze(why: str, *, full: bool = False) -> None:
    """Collect the young generations (or all, at start-up), then freeze what survived."""
    start = time.perf_counter()
    found = gc.collect() if full else gc.collect(1)
    gc.freeze()
    _state["new"] = 0
    logger.info(
        "gc: frozen after %s: %d objects frozen, %d collected, %.1f ms",
        why,
        gc.get_freeze_count(),
        found,
        (time.perf_counter() - start) * 1000,
    )


def reclaim(open_sockets: int) -> None:
    """Collect everything once, frozen objects included, then freeze again."""
    start = time.perf_counter()
    gc.unfreeze()
    found = gc.collect()
    gc.freeze()
    _state["closed"] = _state["new"] = 0
    logger.info(
        "gc: reclaimed at a quiet moment (%d sockets open): %d collected, %.1f ms",
        open_sockets,
        found,
        (time.perf_counter() - start) * 1000,
    )


def _timed(phase: str, info: dict[str, int]) -> None:
    """Log every collection of the oldest generation, and any slow one."""
    if phase == "start":
        _state["collecting"] = time.perf_counter()
        return
    took = (time.perf_counter() - _state["collecting"]) * 1000
    if info["generation"] == 2 or took > SLOW_MS:
        # A collection can run while a greenlet is being torn down (at shutdown), where
        # logging's call to threading.current_thread() raises in gevent: that line is lost.
        with contextlib.suppress(RuntimeError):
            logger.info(
                "gc: generation %d collection, %.1f ms, %d collected",
                info["generation"],
                took,
                info["collected"],
            )
