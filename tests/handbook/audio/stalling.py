"""A worker that stalls past its lease, for the tests of two runs of one job at once: the real
espeak-ng engine, made to wait before it speaks until the test lets it go, and a job run in a
thread of its own (the consumer's workers are threads of one process)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from handbook.core import claims, db
from handbook.core.timeutil import utcnow


class HeldEngine:
    """The real engine; it waits for ``go`` before each sentence (``reached`` once it is
    asked for one). Everything it says is the real engine's own."""

    def __init__(self, engine: Any, go: threading.Event, reached: threading.Event) -> None:
        self._engine, self._go, self._reached = engine, go, reached
        self.name, self.voice, self.max_chars = engine.name, engine.voice, engine.max_chars

    def synthesize(self, text: str, *, speed: float) -> bytes:
        self._reached.set()
        assert self._go.wait(120), "the test never let the run go on"
        return bytes(self._engine.synthesize(text, speed=speed))

    def close(self) -> None:
        self._engine.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


class Stalls:
    """The engines the runs choose, in order: run ``n`` waits for ``go[n]``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, runs: int) -> None:
        import tts.engines

        self.go = [threading.Event() for _ in range(runs)]
        self.reached = [threading.Event() for _ in range(runs)]
        self.errors: list[BaseException] = []
        real = tts.engines.choose_engine
        chosen: list[HeldEngine] = []

        def choose(*args: Any, **kwargs: Any) -> HeldEngine:
            n = len(chosen)
            chosen.append(HeldEngine(real(*args, **kwargs), self.go[n], self.reached[n]))
            return chosen[-1]

        monkeypatch.setattr(tts.engines, "choose_engine", choose)

    def in_a_worker(self, app: Flask, job: Any, row_id: int) -> threading.Thread:
        """``job(row_id)`` run in a thread of its own; what it raises is kept in ``errors``."""

        def run() -> None:
            try:
                with app.app_context():
                    job.call_local(row_id)
            except BaseException as error:  # noqa: BLE001 - reported to the test
                self.errors.append(error)

        worker = threading.Thread(target=run)
        worker.start()
        return worker


def lapse(model: Any, row_id: int, meanwhile: Callable[[], None] | None = None) -> None:
    """The row's claim as a stalled worker leaves it: not renewed for longer than its lease
    (``meanwhile`` changes something else in the same commit)."""
    if meanwhile is not None:
        meanwhile()
    db.session.execute(
        sa.update(model)
        .where(model.id == row_id)
        .values(claimed_at=utcnow() - claims.STALE_AFTER - timedelta(seconds=1))
    )
    db.session.commit()
