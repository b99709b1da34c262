"""The console's connection: one transport at a time, its writer task, and reconnecting.

Frames are queued by `send` (never blocking) and written by one task, so the wire order is the
order they were issued. After a drop the connection waits a backoff delay, measured on the
injected clock, unless `reconnect()` asks for an attempt now.

Opening a socket proves little: a server that refuses the key, the format or the voice accepts the
WebSocket first and closes it a moment later. So the backoff starts afresh only once a connection
has proved itself (a frame that is not an error, or PROVEN_AFTER seconds up); until then each
attempt waits longer. A refused key (tui/net/refusal.py) stops reconnecting altogether until the
operator asks (`reconnect()`): the same wrong key would only be refused again.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from tui.net.backoff import Backoff, sleep_until
from tui.net.refusal import is_auth_refusal
from tui.net.transport import ConnectError, Transport, TransportClosed
from tui.protocol.frames import ErrorFrame
from tui.session.events import Connected, Connecting, Disconnected, ReconnectScheduled, SendFailed

from .config import KEY_VARIABLES

Clock = Callable[[], float]
PROVEN_AFTER = 10.0   # seconds up after which a connection counts as working, frames or not


@dataclass
class Hooks:
    """What the console does at each moment of the connection's life (all on the loop thread)."""

    apply: Callable[[object], None]                 # fold an event into the session
    received: Callable[[str | bytes], None]         # one frame from the server
    sent: Callable[[str], None]                     # one frame is on the socket (record it)
    up: Callable[[], None]                          # connected: start what waits
    down: Callable[[int | None, str, bool], None]   # closed: code, reason, expected
    idle_after_expected_close: Callable[[], bool]   # stay down until asked (single-context end)
    error_in: Callable[[str | bytes], ErrorFrame | None]   # the error a received frame carries, if any
    key_refused: Callable[[str], None]              # the server refused the key (its words): not retrying


class Connection:
    def __init__(self, factory: Callable[[], Transport], hooks: Hooks, *, clock: Clock,
                 backoff: Backoff, auto_reconnect: bool) -> None:
        self._factory = factory
        self._hooks = hooks
        self._clock = clock
        self.backoff = backoff
        self._auto_reconnect = auto_reconnect
        self.transport: Transport | None = None
        self._outbox: asyncio.Queue[str] | None = None
        self._up = asyncio.Event()
        self._wake = asyncio.Event()
        self._asked = asyncio.Event()     # the operator asked to connect (after a refused key)
        self._expect_close = False
        self._closing = False

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    async def wait_up(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._up.wait(), timeout)
            return True
        except TimeoutError:
            return False

    def send(self, text: str) -> bool:
        """Queue a frame for the writer; False when there is no connection to write it to."""
        if self._outbox is None:
            return False
        self._outbox.put_nowait(text)
        return True

    async def frames_written(self, timeout: float) -> bool:
        outbox = self._outbox
        if outbox is None:
            return True
        try:
            await asyncio.wait_for(outbox.join(), timeout)
            return True
        except TimeoutError:
            return False

    @property
    def close_expected(self) -> bool:
        """The current connection is on its way out by the client's doing or the stream's end."""
        return self._expect_close

    def expect_close(self) -> None:
        """The next close is expected (the stream ended, or the client is closing it)."""
        self._expect_close = True

    def close_socket(self, reason: str) -> asyncio.Task[None] | None:
        if self.transport is None or not self.connected:
            return None
        self._expect_close = True
        return asyncio.ensure_future(self.transport.close(1000, reason))

    def reconnect(self) -> None:
        """Attempt now: drop the connection if up, skip any backoff wait."""
        self.backoff.reset()
        self.close_socket("reconnect requested")
        self._asked.set()
        self._wake.set()

    def wake(self) -> None:
        """Cut a backoff wait short (e.g. a turn was typed while disconnected)."""
        self._wake.set()

    async def close(self, timeout: float = 3.0) -> None:
        self._closing = True
        self._wake.set()
        self._asked.set()
        task = self.close_socket("console closed")
        if task is not None:
            try:
                await asyncio.wait_for(task, timeout)
            except (TimeoutError, OSError):
                pass

    async def run(self) -> None:
        """Connect, serve, and reconnect until `close()`."""
        while not self._closing:
            transport = self._factory()
            self._hooks.apply(Connecting(transport.url, self.backoff.attempt + 1))
            try:
                await transport.connect()
            except ConnectError as exc:
                self._hooks.apply(Disconnected(None, "", error=str(exc)))
                if exc.key_refused is not None:
                    self._hooks.key_refused(exc.key_refused)
                    if not await self._wait_until_asked():
                        return
                    continue
                if not await self._wait_before_retry():
                    return
                continue
            refused = await self._serve(transport)
            if self._closing:
                return
            if refused is not None:
                self._hooks.key_refused(refused)
                if not await self._wait_until_asked():
                    return
                continue
            if self._expect_close:
                if self._hooks.idle_after_expected_close():
                    await self._wake.wait()
                    self._wake.clear()
                continue
            if not await self._wait_before_retry():
                return

    async def _serve(self, transport: Transport) -> str | None:
        """Serve one connection until it closes; the server's words if it refused the key."""
        self.transport, self._expect_close = transport, False
        outbox: asyncio.Queue[str] = asyncio.Queue()
        self._outbox = outbox
        writer = asyncio.ensure_future(self._write(transport, outbox))
        self._up.set()
        up_at = self._clock()
        proven, error = False, None
        self._hooks.apply(Connected(transport.url))
        self._hooks.up()
        try:
            async for raw in transport.receive():
                self._hooks.received(raw)
                if not proven:   # read frames for errors only until the connection has proved itself
                    error = self._hooks.error_in(raw)
                    proven = error is None
                    if proven:
                        self.backoff.reset()
        finally:
            self._up.clear()
            self._outbox = None
            writer.cancel()
            while not outbox.empty():
                self._hooks.apply(SendFailed(outbox.get_nowait(), "connection closed"))
        code, reason = transport.close_code, transport.close_reason
        if not proven and self._clock() - up_at >= PROVEN_AFTER:
            self.backoff.reset()
        self._hooks.down(code, reason, self._expect_close or self._closing)
        if proven or self._expect_close:
            return None
        texts = (reason,) if error is None else (error.message, error.error, reason)
        if is_auth_refusal(code, texts, None if error is None else error.error):
            return (error.message if error is not None else "") or reason or f"closed {code}"
        return None

    async def _write(self, transport: Transport, outbox: asyncio.Queue[str]) -> None:
        while True:
            text = await outbox.get()
            try:
                await transport.send(text)
                self._hooks.sent(text)
            except TransportClosed as exc:
                self._hooks.apply(SendFailed(text, str(exc) or "connection closed"))
            finally:
                outbox.task_done()

    async def _wait_until_asked(self) -> bool:
        """After a refused key: no attempt until the operator asks (a typed turn does not)."""
        self._asked.clear()
        await self._asked.wait()
        self._asked.clear()
        self._wake.clear()
        return not self._closing

    async def _wait_before_retry(self) -> bool:
        # A wake that came before the wait (a turn typed meanwhile) still counts.
        if self._closing:
            return False
        if not self._auto_reconnect:
            await self._wake.wait()
        else:
            deadline = self.backoff.deadline(self._clock)
            self._hooks.apply(ReconnectScheduled(deadline, self.backoff.attempt + 1))
            await sleep_until(deadline, self._clock, self._wake)
        self._wake.clear()
        return not self._closing


def key_refused_message(provider: str, words: str) -> str:
    """What to fix after the server refused the key (`words`: the server's, already scrubbed).

    Names the variable that holds the key, never the key.
    """
    variable = KEY_VARIABLES.get(provider)
    if variable is None:   # the local provider sends no key: this server wants one
        fix = ("the local provider sends no key: connect with --provider elevenlabs (ELEVENLABS_API_KEY) "
               "or --provider murf (MURF_API_KEY)")
    else:
        fix = f"check {variable} (environment or .env)"
    return (f"The server refused the API key ({words.rstrip('. ')}). Not reconnecting with it: {fix}, "
            "then reconnect (F5).")
