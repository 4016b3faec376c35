"""Socket.IO events from the embedded mode's job worker to the browsers, through ``serve``.

Scaled out, a worker emits through Flask-SocketIO's message queue on Redis and every ``serve``
process hears it. In the embedded default the job worker is ``serve``'s own child process
(``core.jobprocess``) and nothing else is installed, so ``serve`` makes a Unix datagram socket
pair before it starts the child: the child's client manager (``Sender``) writes each emit into
its end as one JSON datagram, and ``serve``'s (``Receiver``) reads them and emits them to its
clients, the way python-socketio's Redis manager does with what it hears. No name on disk and
nothing another user can reach: the child inherits its end, nobody else has one.

Like Redis pub/sub, it is best effort: the kernel queues about 160 small messages while
``serve`` is busy, a sender then waits up to a second and drops the message (logged). The
database is the record; a page that missed a push resyncs as it does after a Redis outage.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from typing import Any

from socketio import PubSubManager  # type: ignore[import-untyped]
from socketio.manager import Manager  # type: ignore[import-untyped]

logger = logging.getLogger(__name__)

#: The environment variable that gives the job worker the number of its end of the pair.
FD_ENV = "HANDBOOK_JOB_EVENTS_FD"
#: Largest message (a datagram is bounded by the socket's send buffer, ~208 KB by default).
MAX_MESSAGE = 200 * 1024
#: How long a sender waits for room in the queue before it drops a message.
SEND_TIMEOUT_S = 1.0


class Receiver(PubSubManager):  # type: ignore[misc]  # python-socketio is untyped
    """``serve``'s client manager: its own emits go to its clients as usual, and what the job
    worker sends on the pair is emitted to them too."""

    name = "handbook-job-events"

    # Its own emits, rooms and disconnects are python-socketio's plain local ones, exactly as
    # without a worker: there is nobody else to tell. Only what it hears goes the pub/sub way.
    emit = Manager.emit
    can_disconnect = Manager.can_disconnect
    disconnect = Manager.disconnect
    enter_room = Manager.enter_room
    leave_room = Manager.leave_room
    close_room = Manager.close_room

    def __init__(self) -> None:
        super().__init__(channel="handbook-job-events")
        self._ours, self.theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._listening = False

    def initialize(self) -> None:
        """At the first connection (python-socketio's call): listen, if not already."""
        Manager.initialize(self)
        self.listen()

    def listen(self) -> None:
        """Start hearing the worker (``serve`` calls it before starting the worker)."""
        if not self._listening:
            self._listening = True
            self.server.start_background_task(self._thread)

    def _publish(self, data: Any) -> None:
        """Nothing goes back to the worker (callbacks across processes are not used)."""

    def close(self) -> None:
        """Close both ends here (the listener ends with them)."""
        self._ours.close()
        self.theirs.close()

    def _listen(self) -> Iterator[Any]:
        while True:
            try:
                datagram = self._ours.recv(MAX_MESSAGE + 1024)
            except OSError:  # closed
                return
            try:
                yield json.loads(datagram)
            except ValueError:
                logger.warning("job event not understood: %r", datagram[:200])


class Sender(PubSubManager):  # type: ignore[misc]  # python-socketio is untyped
    """The job worker's client manager: every emit goes to ``serve`` over the pair."""

    name = "handbook-job-events"

    def __init__(self, fd: int) -> None:
        super().__init__(channel="handbook-job-events", write_only=True)
        self._socket = socket.socket(fileno=fd)
        self._socket.settimeout(SEND_TIMEOUT_S)

    def _publish(self, data: Any) -> None:
        message = json.dumps(data, separators=(",", ":")).encode()
        if len(message) > MAX_MESSAGE:
            logger.warning("job event %s dropped: %d bytes", data.get("event"), len(message))
            return
        try:
            self._socket.send(message)
        except OSError as exc:  # serve gone or too busy: the page resyncs
            logger.warning("job event %s not delivered (%s)", data.get("event"), exc)


_senders: dict[int, Sender] = {}


def manager(*, redis: bool, serve: bool) -> PubSubManager | None:
    """The client manager for this process of the embedded mode: ``Sender`` in a job worker
    that ``serve`` started (given its end of the pair), ``Receiver`` in ``serve`` itself when
    it runs job workers; ``None`` (python-socketio's default, or Redis's queue) otherwise."""
    if redis:
        return None
    fd = os.environ.get(FD_ENV)
    if fd:
        number = int(fd)
        if number not in _senders:  # one socket object per descriptor, even for a second app
            _senders[number] = Sender(number)
        return _senders[number]
    return Receiver() if serve else None
