"""Two server processes sharing one Redis and one PostgreSQL: a comment posted through one
reaches readers on the other; Redis stopped for 30 s and started again: both processes
re-subscribe, a comment posted meanwhile is stored, and readers resync with no gap."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import PG_URL
from tests.helpers import Reader, demo_session, ready_document_id
from tests.live import start_redis, stop, two_processes

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with two_processes(PG_URL, tmp_path_factory.mktemp("cluster"), "scale") as state:
        yield state


def test_a_comment_crosses_processes_and_survives_a_redis_outage(cluster) -> None:
    a, b = cluster["urls"]
    poster_session = demo_session(a, "0912000002")
    reader_session = demo_session(b, "0912000003")  # signed in on B, same secret and database
    document = ready_document_id(a, poster_session)
    poster = Reader(a, poster_session)
    reader = Reader(b, reader_session)
    try:
        assert poster.join(document)["ok"] and reader.join(document)["ok"]
        first = poster.post(document, "Gửi từ tiến trình A")
        assert first["ok"]
        assert reader.arrived.wait(15), "the comment did not cross to process B"
        assert [c["id"] for c in reader.heard] == [first["comment"]["id"]]

        # Redis goes away for 30 seconds; the database does not.
        stop(cluster["redis"])
        time.sleep(2)
        during = poster.post(document, "Gửi khi Redis ngừng")
        assert during["ok"]  # stored and acked: the queue is not the source of truth
        time.sleep(28)
        cluster["redis"] = start_redis(cluster["redis_port"], cluster["work"])

        # The reader resyncs from the last comment it saw: no gap.
        resync = reader.join(document, after=first["comment"]["id"])
        assert [c["id"] for c in resync["comments"]] == [during["comment"]["id"]]

        # Both processes re-subscribe by themselves: live delivery comes back.
        reader.arrived.clear()
        deadline = time.monotonic() + 90
        delivered = None
        while delivered is None and time.monotonic() < deadline:
            after = poster.post(document, f"Sau khi Redis trở lại {time.monotonic():.0f}")
            if reader.arrived.wait(5) and any(
                c["id"] == after["comment"]["id"] for c in reader.heard
            ):
                delivered = after
        assert delivered is not None, "process B never re-subscribed"
        stored = poster_session.get(f"{a}/api/v1/documents/{document}/comments", timeout=30).json()
        ids = [c["id"] for c in stored["comments"]]
        assert len(ids) == len(set(ids))
        assert first["comment"]["id"] in ids and during["comment"]["id"] in ids
    finally:
        poster.close()
        reader.close()
