"""Background jobs on Huey: SQLite in the instance folder by default, Redis when scaled out.

Jobs take ids, never ORM objects, and each run opens its own app context (and so its own
database session). The consumer is ``python -m handbook worker``: in the embedded mode
``serve`` starts it as its child, below its own priority, on the SQLite queue both processes
open (``core.jobprocess``); scaled out, separate worker processes run it on Redis.
Huey removes a task from the queue before running it, so a crash loses the running one:
every job is idempotent, and ``recover`` re-queues half-done work when a consumer starts.

Two queues, by urgency: reading a file (and every short job) is taken first; a long job
(``job(long_running=True)``: reading a document aloud) waits in a queue of its own, which a
worker takes from only when the first is empty, and on at most ``workers - 1`` of a consumer's
workers at once (``create_consumer``): a scan uploaded while a voice is being made is read
at once, by the worker no long job may hold. Two queues rather than Huey's priorities: plain
``RedisStorage`` has none (``PriorityRedisStorage`` keeps its queue as a sorted set under the
same key, which would strand what a running deployment has queued), and both storages have
queues by name.

The database, not the queue, is the record of work to do. Queueing a job never raises when
the queue cannot be reached (Redis down): the caller has already committed, so answering
500 would only make the user repeat what is kept. The work waits in the database ("đang chờ
xử lý") and its sweep queues it once the queue answers again: at once, when a consumer's
worker that could not read the queue reads it again (``_Huey.dequeue`` runs ``recover``), and
every minute besides (a periodic task), for what a consumer never saw fail. Every job must
therefore have such a sweep (or be one).
"""

from __future__ import annotations

import functools
import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

from flask import Flask, current_app, has_app_context
from huey import Huey, signals
from huey import crontab as make_crontab
from huey.api import Result, TaskWrapper
from huey.storage import BaseStorage, MemoryStorage, RedisStorage, SqliteStorage

if TYPE_CHECKING:
    from huey.consumer import Consumer

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
R = TypeVar("R", bound=Callable[[], object])

#: What a job call returns when the queue could not be reached (the work waits for a sweep).
NOT_QUEUED: Any = object()


class _TolerantTask(TaskWrapper):
    """A task whose queueing reports an unreachable queue instead of raising.

    The caller has committed the work first; raising would turn a queue outage into a 500
    for something that is kept and will be done. Inline (``immediate``) runs keep Huey's
    behaviour, so a job's own errors still surface in tests.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._tolerantly(super().__call__, args, kwargs)

    def schedule(self, *args: Any, **kwargs: Any) -> Any:
        return self._tolerantly(super().schedule, args, kwargs)

    def _tolerantly(self, enqueue: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        if self.huey.immediate:
            return enqueue(*args, **kwargs)
        try:
            return enqueue(*args, **kwargs)
        except Exception as exc:  # redis.ConnectionError, sqlite3.OperationalError, ...
            logger.warning(
                "could not queue %s%r (%s: %s); it waits for the sweep",
                self.name,
                args,
                type(exc).__name__,
                exc,
            )
            return NOT_QUEUED


class Task(Protocol[P, T_co]):
    """What ``job`` and ``periodic`` make of a function: a Huey task (a ``_TolerantTask``).

    Calling it queues a run (inline under ``huey.immediate``) and returns Huey's result handle,
    or ``NOT_QUEUED``; ``call_local`` runs the function here and returns what it returns.
    """

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Any: ...

    def call_local(self, *args: P.args, **kwargs: P.kwargs) -> T_co: ...

    def schedule(
        self,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
        eta: datetime | None = None,
        delay: float | timedelta | None = None,
        **options: Any,
    ) -> Any: ...


class _Huey(Huey):
    """Huey with a second queue, for long jobs: taken from only when the first is empty, by at
    most ``long_slots`` workers of this process at once."""

    #: The long jobs' queue: the same storage in the same place, under its own name.
    long_storage: BaseStorage
    #: Long jobs this process's workers may still start; ``None`` outside a consumer.
    long_slots: threading.BoundedSemaphore | None = None
    #: Set when a worker of this process could not read the queue; the first worker to read it
    #: again clears it and runs the sweeps (``recover``): work kept in the database during
    #: the outage is queued at once, not at the next minute's sweep.
    _queue_lost = threading.Event()

    def get_task_wrapper_class(self) -> type[TaskWrapper]:
        return _TolerantTask

    def create_storage(self) -> BaseStorage:
        storage = super().create_storage()
        self.long_storage = _beside(storage, f"{self.name}.long", self.storage_kwargs)
        return storage

    def enqueue(self, task: Any) -> Any:
        if self.immediate or not getattr(task, "long_running", False):
            return super().enqueue(task)
        # Huey's own enqueue, into the other queue (a long job is never part of a pipeline).
        if task.expires:
            task.resolve_expires(self.utc)
        self._emit(signals.SIGNAL_ENQUEUED, task)
        self.long_storage.enqueue(self.serialize_task(task), task.priority)
        return Result(self, task) if self.results else None

    def dequeue(self) -> Any:
        try:
            task = self._dequeue()
        except Exception:
            self._queue_lost.set()
            raise  # Huey's consumer logs it and tries again after a pause
        if self._queue_lost.is_set() and _bound_app is not None:
            with _back_lock:
                if self._queue_lost.is_set():
                    logger.warning("the job queue answers again: queueing the work kept meanwhile")
                    self._queue_lost.clear()
                    recover(_bound_app)
        return task

    def _dequeue(self) -> Any:
        while (task := super().dequeue()) is not None:
            if not getattr(task, "long_running", False):
                return task
            self.enqueue(task)  # queued by an older version in the first queue: moved
        slots = self.long_slots
        if slots is not None and not slots.acquire(blocking=False):
            return None  # every worker but one is making a long job already
        try:
            data = self.long_storage.dequeue()
            task = None if data is None else self.deserialize_task(data)
        except BaseException:
            if slots is not None:
                slots.release()
            raise
        if task is None and slots is not None:
            slots.release()
        elif task is not None:
            task.long_slot = slots  # given back once it has run (``execute``)
        return task

    def execute(self, task: Any, timestamp: datetime | None = None) -> Any:
        try:
            return super().execute(task, timestamp)
        finally:
            slot = task.__dict__.pop("long_slot", None)
            if slot is not None:
                slot.release()

    def flush(self) -> None:
        super().flush()
        self.long_storage.flush_all()


def _beside(storage: BaseStorage, name: str, kwargs: dict[str, Any]) -> BaseStorage:
    """A queue of the same kind and place as ``storage``, named ``name``."""
    if isinstance(storage, RedisStorage):
        # Not blocking: a worker that found the first queue empty must come back to it at once.
        return RedisStorage(name, blocking=False, connection_pool=storage.pool)
    if isinstance(storage, MemoryStorage):
        return MemoryStorage(name)
    return type(storage)(name, **kwargs)


huey = _Huey("handbook", storage_class=MemoryStorage, utc=True)
#: The app jobs run in when no app context is current (the consumer's workers).
_bound_app: Flask | None = None
#: Called when a consumer starts, to re-queue work a crash left half done.
_recoveries: list[Callable[[], object]] = []
#: One worker at a time runs the sweeps when the queue answers again.
_back_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Point the queue at this app's storage; tests run jobs inline (``JOBS_IMMEDIATE``)."""
    global _bound_app
    _bound_app = app
    if app.config.get("JOBS_IMMEDIATE"):
        huey.storage_class, huey.storage_kwargs = MemoryStorage, {}
        huey.immediate = True
        return
    huey.immediate = False
    if app.config["REDIS_URL"]:
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": app.config["REDIS_URL"]}
    else:
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(Path(app.instance_path) / "jobs.db")}
    huey.storage = huey.create_storage()


def job(
    *, long_running: bool = False, **task_options: Any
) -> Callable[[Callable[P, T]], Task[P, T]]:
    """A Huey task that runs inside a fresh app context of the bound app; ``long_running``
    (minutes: reading aloud) puts it in the long jobs' queue, after everything else and never
    on a consumer's last free worker."""

    def decorate(fn: Callable[P, T]) -> Task[P, T]:
        @huey.task(name=f"{fn.__module__}.{fn.__name__}", long_running=long_running, **task_options)
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            app = current_app._get_current_object() if has_app_context() else _bound_app  # type: ignore[attr-defined]
            if app is None:
                raise RuntimeError("jobs.init_app was not called in this process")
            with app.app_context():
                return fn(*args, **kwargs)

        return run  # huey.task made it a _TolerantTask

    return decorate


def periodic(**crontab: str) -> Callable[[Callable[[], T]], Task[[], T]]:
    """A periodic Huey task (``minute="*"``), in a fresh app context like ``job``."""

    def decorate(fn: Callable[[], T]) -> Task[[], T]:
        @huey.periodic_task(make_crontab(**crontab), name=f"{fn.__module__}.{fn.__name__}")
        @functools.wraps(fn)
        def run() -> Any:
            assert _bound_app is not None
            with _bound_app.app_context():
                return fn()

        return run  # huey.periodic_task made it a task

    return decorate


def waiting(task: Any) -> set[tuple[Any, ...]] | None:
    """The argument tuples of ``task`` now waiting in the queue; ``None`` when the queue cannot
    be read. A sweep uses it so that work already queued is not queued again."""
    try:  # both queues: a job an older version queued in the other one counts too
        items = huey.storage.enqueued_items() + huey.long_storage.enqueued_items()
    except Exception as exc:  # the queue is unreachable: nothing can be queued either
        logger.warning("could not read the job queue (%s: %s)", type(exc).__name__, exc)
        return None
    found: set[tuple[Any, ...]] = set()
    for data in items:
        try:
            queued = huey.deserialize_task(data)
        except Exception:  # noqa: S112 - a task this version does not know: a worker drops it
            continue
        if isinstance(queued, task.task_class):
            found.add(tuple(queued.args))
    return found


def on_recover(fn: R) -> R:
    """Register a function that re-queues what a crash (or a queue outage) left undone."""
    _recoveries.append(fn)
    return fn


def recover(app: Flask) -> None:
    """Run every recovery step (each one a sweep of the database for work left undone)."""
    with app.app_context():
        for fn in _recoveries:
            try:
                fn()
            except Exception:
                logger.exception("recovery step %s failed", fn.__name__)


def create_consumer(*, workers: int, worker_type: str, **options: Any) -> Consumer:
    """Huey's consumer with this app's settings: periodic tasks on, an idle worker that asks
    the queue at least once a second, and long jobs on all workers but one."""
    if worker_type != "thread":  # the long jobs' count is kept by the threads of one process
        raise ValueError(f"job workers are threads, not {worker_type!r}")
    huey.long_slots = threading.BoundedSemaphore(max(1, workers - 1))
    if workers < 2:
        logger.warning("one job worker: while it makes a long job, files wait to be read")
    # An idle consumer polls less and less often, by default up to every 10 s: a push or a
    # document's reading would then wait up to 10 s after a quiet spell. Once a second is
    # still nothing for the database (one indexed read per worker).
    return huey.create_consumer(
        workers=workers, worker_type=worker_type, periodic=True, max_delay=1.0, **options
    )


def start_consumer(app: Flask, *, workers: int, worker_type: str) -> Consumer:
    """Start the consumer's workers and scheduler in this process, without taking over its
    signals (tests that run the real queue)."""
    consumer = create_consumer(workers=workers, worker_type=worker_type, check_worker_health=False)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    recover(app)
    logger.info("job consumer started: %s %s workers", workers, worker_type)
    return consumer
