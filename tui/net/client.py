"""The live WebSocket transport (`websockets` asyncio client).

Frames up to 16 MiB (PROTOCOL.md §1.1); websockets' own ping every 20 s with a 20 s timeout,
which both services answer (neither sends application-level pings); no retries inside: the
console owns reconnecting. Every error message is one line with the URL's credentials redacted
and any known secret scrubbed.
"""

from __future__ import annotations

import asyncio
import errno
import re
import ssl
from collections.abc import AsyncIterator, Iterable
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from tui.protocol.secret import Secret
from tui.protocol.urls import is_loopback_host, redact_text, redact_url

from .refusal import AUTH_STATUSES
from .transport import ConnectError, TransportClosed

MAX_FRAME = 16 * 1024 * 1024
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0
MESSAGE_TOO_BIG = 1009
CLOSE_TIMEOUT = 2.0  # pipecat waits up to 2 s for the server's close


def is_loopback_url(url: str) -> bool:
    """The URL's host is this machine (localhost or a loopback address)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # a malformed port or bracket
        return False
    return is_loopback_host(host)


class WebSocketTransport:
    """One WebSocket connection. `headers` carry the API key (see urls.auth_headers)."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str] | None = None,
        *,
        secrets: Iterable[Secret | None] = (),
        open_timeout: float = 10.0,
        max_size: int = MAX_FRAME,
    ) -> None:
        self._url = url
        self.url = redact_url(url)
        self._headers = dict(headers or {})
        self._secrets = [s for s in secrets if s]
        self._open_timeout = open_timeout
        self._max_size = max_size
        self._ws: ClientConnection | None = None
        self._too_big = False  # we closed 1009: the server never answers a close it is still sending over

    @property
    def close_code(self) -> int | None:
        if self._too_big:
            return MESSAGE_TOO_BIG
        return None if self._ws is None else self._ws.close_code

    @property
    def close_reason(self) -> str:
        if self._too_big:
            limit = f"{self._max_size >> 20} MiB" if self._max_size % (1 << 20) == 0 else f"{self._max_size:,} bytes"
            return f"the server sent a frame over {limit} (message too big, {MESSAGE_TOO_BIG})"
        return "" if self._ws is None else self._scrub(self._ws.close_reason or "")

    def _scrub(self, text: str) -> str:
        return redact_text(text, self._secrets)

    async def connect(self) -> None:
        self._too_big = False
        try:
            self._ws = await connect(
                self._url,
                additional_headers=self._headers,
                max_size=self._max_size,
                open_timeout=self._open_timeout,
                ping_interval=PING_INTERVAL,
                ping_timeout=PING_TIMEOUT,
                close_timeout=CLOSE_TIMEOUT,
                # A proxy from the environment must not capture the embedded loopback server.
                proxy=None if is_loopback_url(self._url) else True,
            )
        except Exception as exc:  # every failure becomes one readable line
            refused = None
            if isinstance(exc, InvalidStatus) and exc.response.status_code in AUTH_STATUSES:
                refused = self._scrub(f"HTTP {exc.response.status_code}{_body_of(exc)}")
            raise ConnectError(
                self._scrub(describe_connect_error(exc, self.url)), key_refused=refused, not_listening=_refused(exc)
            ) from None

    async def send(self, text: str) -> None:
        if self._ws is None:
            raise TransportClosed("not connected")
        try:
            await self._ws.send(text)
        except ConnectionClosed as exc:
            raise TransportClosed(self._scrub(str(exc))) from None

    async def receive(self) -> AsyncIterator[str | bytes]:
        if self._ws is None:
            return
        try:
            async for message in self._ws:
                yield message
        except ConnectionClosed as exc:
            # A frame over max_size: websockets closes 1009 itself, and a server that does not
            # answer leaves 1006 ("connection lost"), which hides what happened.
            self._too_big = exc.sent is not None and exc.sent.code == MESSAGE_TOO_BIG
            return  # close_code / close_reason say how

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self._ws is not None:
            try:
                await self._ws.close(code, reason)
            except (OSError, asyncio.CancelledError):
                pass


def describe_connect_error(exc: BaseException, url: str) -> str:
    """One line saying why a connection to `url` (already redacted) failed."""
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        hint = {
            401: " (check the API key)",
            403: " (check the API key)",
            404: " (check the URL path and voice id)",
        }.get(status, "")
        return f"{url} refused the connection: HTTP {status}{hint}{_body_of(exc)}"
    if isinstance(exc, InvalidURI):
        return f"not a WebSocket URL: {url} (expected ws:// or wss://)"
    if isinstance(exc, TimeoutError):
        return f"no answer from {url} in time"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS handshake with {url} failed: its certificate is not trusted ({_why(exc)})"
    if url.startswith("wss://") and isinstance(exc, (ssl.SSLError, ConnectionResetError, ConnectionAbortedError)):
        # A plain server answers a TLS hello with an HTTP error or by hanging up: say what it means.
        return f"TLS handshake with {url} failed ({_why(exc)}): the server does not speak TLS there (try ws://)"
    if isinstance(exc, OSError):
        return f"cannot reach {url}: {_why(exc)}"
    if isinstance(exc, InvalidHandshake):
        return f"WebSocket handshake with {url} failed: {exc}"
    return f"cannot connect to {url}: {type(exc).__name__}: {exc}"


def _refused(exc: BaseException) -> bool:
    """Every address of the host refused the TCP connect: nothing listens there (yet)."""
    if isinstance(exc, ConnectionRefusedError):
        return True
    # localhost resolves to ::1 and 127.0.0.1: asyncio then raises one OSError naming each failure.
    errnos = re.findall(r"\[Errno (\d+)\]", str(exc)) if isinstance(exc, OSError) else []
    return bool(errnos) and all(int(n) == errno.ECONNREFUSED for n in errnos)


def _body_of(exc: InvalidStatus) -> str:
    """ ": <the response body on one line>" (its first 200 bytes), or "" when it has none."""
    body = (exc.response.body or b"")[:200].decode("utf-8", "replace")
    return f": {' '.join(body.split())}" if body.strip() else ""


def _why(exc: OSError) -> str:
    """An OS or TLS error in words, never empty (a reset connection comes with no message)."""
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return exc.reason.replace("_", " ").lower()
    words = exc.strerror or str(exc)
    if words:
        return words
    if isinstance(exc, ConnectionResetError):
        return "the server reset the connection"
    if isinstance(exc, ConnectionAbortedError):
        return "the connection was aborted"
    return type(exc).__name__
