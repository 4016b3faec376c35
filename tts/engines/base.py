"""The engine interface and its errors: every engine turns one short text into audio bytes."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = [
    "BadAudio",
    "Closable",
    "Engine",
    "EngineError",
    "EngineRateLimited",
    "EngineUnavailable",
]


class EngineError(Exception):
    """An engine could not turn a text into audio; the message is Vietnamese, for the user."""


class EngineUnavailable(EngineError):
    """The engine cannot be reached at all (no network, binary missing, timeout): retry, then
    fall back to another engine."""


class EngineRateLimited(EngineError):
    """The service said "too many requests" (HTTP 429): retry later, then fall back.
    ``retry_after`` is the server's hint in seconds, if it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadAudio(EngineError):
    """The engine answered, but with empty or undecodable audio: retry once, then skip."""


@runtime_checkable
class Engine(Protocol):
    """A speech engine. ``max_chars`` is the longest text one call accepts; ``synthesize``
    returns audio bytes (WAV or MP3) or raises an :class:`EngineError` subclass."""

    name: str
    voice: str
    max_chars: int

    def synthesize(self, text: str, *, speed: float) -> bytes:
        """Speak ``text`` at ``speed`` (1.0 is the engine's normal rate)."""
        ...


@runtime_checkable
class Closable(Protocol):
    """An engine that keeps helpers between calls (espeak-ng's worker processes): the pipeline
    calls ``close`` when a document is done. The engine still works afterwards."""

    def close(self) -> None:
        """Release what is idle."""
        ...
