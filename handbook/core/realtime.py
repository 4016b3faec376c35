"""Socket.IO plumbing shared by every feature: rooms, pushing events, and who has the app open
(``Presence``): ending a session closes its sockets on any process, and a push skips members
whose page is open.

Who may connect is the accounts domain's to say (``accounts/events.py``); which rooms a socket
may join is each domain's (``documents/events.py``, ``comments/events.py``), asking the policy.
The database stays the source of truth: a push that fails is logged, never fatal, and the
page recovers by asking the server again.

Open sockets are not written to the database (a row committed per connection and deleted per
disconnection cost 10 ms each and kept the server busy for seconds after a crowd left, issue
#12). Each process keeps its own in memory. With ``REDIS_URL`` (several processes) each one
also keeps, in Redis, the set of members it has online, refreshed every few seconds and
expiring ``PRESENCE_TTL_S`` after a process dies; "close this member's sockets" is published
there for every process to act on its own. After a crash, nothing stays behind for long: the
embedded process starts empty, and a dead process's set expires.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import Any

from flask import current_app, request
from flask_socketio import join_room

from handbook.core import jobevents
from handbook.core.extensions import socketio

logger = logging.getLogger(__name__)

#: A process's set of online members expires this long after its last refresh.
PRESENCE_TTL_S = 60
#: How often a process refreshes its whole set (and how often changes go out: ``FLUSH_S``).
REFRESH_S = 10.0
FLUSH_S = 0.5


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def document_room(document_id: int) -> str:
    return f"document:{document_id}"


def agenda_room(item_id: int) -> str:
    return f"agenda:{item_id}"


def push(event: str, data: dict[str, Any], *, to: str) -> None:
    """Emit to a room from anywhere (a request, a job, a worker process)."""
    try:
        socketio.emit(event, data, to=to)
    except Exception:
        logger.warning("could not push %s to %s", event, to, exc_info=True)


class Presence:
    """The open sockets of this process, by member and signed-in device; with Redis, the
    members online in every process of the deployment."""

    def __init__(self, redis_url: str | None, prefix: str, *, background: bool = True) -> None:
        #: sid -> (user id, device key)
        self.sockets: dict[str, tuple[int, str]] = {}
        self.by_user: dict[int, set[str]] = {}
        self.redis_url = redis_url
        self.prefix = prefix
        self.process = uuid.uuid4().hex[:12]
        #: Members whose being online here changed since the last flush to Redis.
        self.changed: set[int] = set()
        self.refreshed = 0.0
        #: Start the Redis loops with the first socket (tests drive them by hand).
        self.background = background and bool(redis_url)
        self.stopped = threading.Event()
        #: Prune when the register reaches this size (twice what was open at the last prune).
        self.pruned_at = 1024
        self._redis: Any = None

    # --- this process ----------------------------------------------------------------------

    def add(self, sid: str, user_id: int, key: str) -> None:
        if len(self.sockets) >= self.pruned_at:
            self.prune()
        self.sockets[sid] = (user_id, key)
        sids = self.by_user.setdefault(user_id, set())
        if not sids and self.redis_url:
            self.changed.add(user_id)
        sids.add(sid)
        if self.background:
            self.background = False
            socketio.start_background_task(self._flush_loop)
            socketio.start_background_task(self._listen_loop)

    def remove(self, sid: str) -> None:
        found = self.sockets.pop(sid, None)
        if found is None:
            return
        sids = self.by_user.get(found[0])
        if sids is not None:
            sids.discard(sid)
            if not sids:
                del self.by_user[found[0]]
                if self.redis_url:
                    self.changed.add(found[0])

    def local_sids(self, user_id: int, key: str | None = None) -> list[str]:
        """The member's open sockets here (one device's, given its key)."""
        for sid in [sid for sid in self.by_user.get(user_id, ()) if not _open(sid)]:
            self.remove(sid)
        sids = self.by_user.get(user_id, ())
        return [sid for sid in sids if key is None or self.sockets[sid][1] == key]

    def prune(self) -> None:
        """Forget the sockets that have closed. Nothing is filed away at each disconnection
        (no handler, no request context per socket that leaves); a closed socket is noticed
        here, when asked about, and in bulk as the register grows."""
        for sid in [sid for sid in self.sockets if not _open(sid)]:
            self.remove(sid)
        self.pruned_at = max(1024, 2 * len(self.sockets))

    # --- every process ---------------------------------------------------------------------

    def live(self, user_ids: set[int]) -> set[int]:
        """Which of ``user_ids`` have a socket open on any process of the deployment."""
        found = {uid for uid in user_ids if self.local_sids(uid)}
        rest = sorted(user_ids - found)
        if not self.redis_url or not rest:
            return found
        try:
            client = self._client()
            processes = client.zrangebyscore(
                f"{self.prefix}:processes", time.time() - PRESENCE_TTL_S, "+inf"
            )
            pipe = client.pipeline(transaction=False)
            for process in processes:
                pipe.smismember(f"{self.prefix}:online:{process.decode()}", rest)
            for answers in pipe.execute():
                found.update(uid for uid, on in zip(rest, answers, strict=True) if on)
        except Exception:  # Redis down: other processes' members count as away
            logger.warning("presence: Redis unavailable, only this process known", exc_info=True)
        return found

    def close(self, user_id: int, key: str | None) -> int:
        """Close the member's sockets (one device's, given its key) here, and tell the others."""
        closed = self.close_here(user_id, key)
        if self.redis_url:
            message = json.dumps({"user": user_id, "key": key, "from": self.process})
            try:
                self._client().publish(f"{self.prefix}:close", message)
            except Exception:
                logger.warning("presence: could not tell the other processes", exc_info=True)
        return closed

    def close_here(self, user_id: int, key: str | None) -> int:
        sids = self.local_sids(user_id, key)
        for sid in sids:
            try:
                # .server (python-socketio's) is left out of types-Flask-SocketIO on purpose
                socketio.server.disconnect(sid, namespace="/")  # type: ignore[attr-defined]
            except Exception:
                logger.warning("could not close socket %s", sid, exc_info=True)
            self.remove(sid)
        return len(sids)

    # --- Redis -----------------------------------------------------------------------------

    def _client(self) -> Any:
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(
                str(self.redis_url), socket_timeout=5, socket_connect_timeout=5
            )
        return self._redis

    def flush(self) -> None:
        """Write what changed to Redis, or the whole set every ``REFRESH_S`` (Redis may have
        restarted empty), with its expiry; prune dead processes from the index."""
        now = time.time()
        whole = now - self.refreshed >= REFRESH_S
        if not self.changed and not whole:
            return
        key = f"{self.prefix}:online:{self.process}"
        changed, self.changed = self.changed, set()
        try:
            pipe = self._client().pipeline(transaction=True)
            if whole:
                pipe.delete(key)
                if self.by_user:
                    pipe.sadd(key, *self.by_user)
            else:
                online = [uid for uid in changed if uid in self.by_user]
                away = [uid for uid in changed if uid not in self.by_user]
                if online:
                    pipe.sadd(key, *online)
                if away:
                    pipe.srem(key, *away)
            pipe.expire(key, PRESENCE_TTL_S)
            pipe.zadd(f"{self.prefix}:processes", {self.process: now})
            pipe.zremrangebyscore(f"{self.prefix}:processes", 0, now - PRESENCE_TTL_S)
            pipe.execute()
        except Exception:
            self.changed |= changed
            self.refreshed = 0.0  # the whole set once Redis answers again
            raise
        if whole:
            self.refreshed = now

    def handle(self, message: dict[str, Any]) -> None:
        """A request from a process (never this one) to close a member's sockets."""
        asked = json.loads(message["data"])
        if asked.get("from") != self.process:
            self.close_here(int(asked["user"]), asked.get("key"))

    def _flush_loop(self) -> None:
        while not self.stopped.wait(FLUSH_S):
            try:
                self.prune()
                self.flush()
            except Exception:
                logger.warning("presence: Redis unavailable, retrying", exc_info=True)
                self.stopped.wait(2.0)

    def _listen_loop(self) -> None:
        while not self.stopped.is_set():
            try:
                pubsub = self._client().pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(f"{self.prefix}:close")
                while not self.stopped.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self.handle(message)
                pubsub.close()
            except Exception:
                logger.warning("presence: lost Redis, listening again soon", exc_info=True)
                self.stopped.wait(2.0)


def presence() -> Presence:
    """This app's register of open sockets."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("handbook.presence")
    if found is None:
        manager = getattr(socketio.server, "manager", None)  # type: ignore[attr-defined]
        channel = getattr(manager, "channel", None) or "handbook"
        found = Presence(app.config.get("REDIS_URL"), f"{channel}:presence")
        app.extensions["handbook.presence"] = found
    return found


def accept(user_id: int, session_key: str) -> None:
    """File the connecting socket under its user and device, and join the user's room.

    python-socketio ignores a disconnect that arrives while the connect handler still runs
    (the socket is "pending"): a page left while the member was being loaded (PostgreSQL
    yields) would stay filed for good, and its member would count as having the app open:
    never pushed to. Once filed, a socket already gone is unfiled here; nothing yields between
    that check and python-socketio marking the socket connected.
    """
    sid = request.sid  # type: ignore[attr-defined]
    join_room(user_room(user_id))
    register = presence()
    register.add(sid, user_id, session_key)
    if not _open(sid):
        register.remove(sid)
    forget_request()


def _open(sid: str) -> bool:
    """Whether the socket is still there (connected, or still connecting). python-socketio
    drops a connection's environ when Engine.IO tells it the connection ended, even when it
    ignores that disconnect (as it does while the connect handler runs)."""
    server = socketio.server  # type: ignore[attr-defined]
    eio_sid = server.manager.eio_sid_from_sid(sid, "/")
    return eio_sid is not None and eio_sid in server.environ


def forget_request() -> None:
    """Drop the request werkzeug keeps in the socket's environ: python-socketio holds that
    environ for the connection's life, so every idle member would keep the Request of their
    last event (cookies, headers, arguments: a few KB each)."""
    request.environ.pop("werkzeug.request", None)


def live_users(user_ids: Any) -> set[int]:
    """Which of these members have the app open (a socket) right now, on any process."""
    return presence().live(set(user_ids))


def knows_who_is_live() -> bool:
    """Whether ``live_users`` can be believed here: this process serves the sockets, or Redis
    keeps every process's register. The embedded mode's job worker does neither (it hands its
    emits to ``serve``, ``core.jobevents``): there, nobody is known to be live."""
    server = getattr(socketio, "server", None)
    return not isinstance(getattr(server, "manager", None), jobevents.Sender)


def end_sessions(user_id: int, *, session_key: str | None = None) -> int:
    """Close the user's open sockets (only one browser's, given its key), on every process;
    returns how many were open in this one.

    Called after sign-out, a password change or reset, and disabling the account.
    """
    return presence().close(user_id, session_key)
