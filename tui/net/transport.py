"""The `Transport` protocol: what the console needs from a connection, live or replayed.

`WebSocketTransport` (tui/net/client.py) is the live one; tui/replay/ (ReplayTransport) implements the same
protocol from a recording. One transport object is one connection attempt: after it closes,
the console makes a new one through its factory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable


class ConnectError(Exception):
    """The connection could not be made. `str(error)` is one line, with no secret in it.

    `key_refused`: the server refused the credentials (HTTP 401/403), in its words (e.g.
    "HTTP 403: Invalid api-key"); retrying cannot help. None for every other failure.
    `not_listening`: the TCP connect was refused (nothing listens on that port yet).
    """

    def __init__(self, message: str, *, key_refused: str | None = None, not_listening: bool = False) -> None:
        super().__init__(message)
        self.key_refused = key_refused
        self.not_listening = not_listening


class TransportClosed(Exception):
    """A send on a connection that is closed (or never opened)."""


@runtime_checkable
class Transport(Protocol):
    url: str
    """The endpoint for display, credentials redacted."""

    @property
    def close_code(self) -> int | None:
        """The close code once closed (1006 when the connection dropped without one)."""

    @property
    def close_reason(self) -> str:
        """The close reason once closed ("" if none)."""

    async def connect(self) -> None:
        """Open the connection; raise ConnectError with a one-line message on failure."""

    async def send(self, text: str) -> None:
        """Send one text frame; raise TransportClosed if the connection is gone."""

    def receive(self) -> AsyncIterator[str | bytes]:
        """Frames as they arrive; the iterator ends when the connection closes (any way)."""

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close (idempotent); returns once closed or after a short grace period."""
