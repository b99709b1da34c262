"""The console's connection: one transport at a time, its writer task, and reconnecting.

Frames are queued by `send` (never blocking) and written by one task, so the wire order is the
order they were issued. After a drop the connection waits a backoff delay, measured on the
injected clock, unless `reconnect()` asks for an attempt now.

Opening a socket proves little: a server that refuses the key, the format or the voice accepts the
WebSocket first and closes it a moment later. So the backoff starts afresh only once a connection
has proved itself (a frame that is not an error, or PROVEN_AFTER seconds up); until then each
attempt waits longer. A refused key (tui/net/refusal.py) stops reconnecting altogether until the
operator asks (`reconnect()`): the same wrong key would only be refused again.

Which wait applies (tui/net/backoff.py): a loopback server that refused the TCP connect is not
listening yet, so it is probed every `Backoff.local_every` seconds and the console is back within
that much of it being ready, however long it was down; the outage is said once, later probes only
move the status strip. Everything else (a remote host, a socket that opened and then closed) backs
off exponentially with jitter. While the embedded server is being restarted the connection is
held (`hold()`): its old port is dead, and `release()` connects to the new one at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from tui.clock import Clock, sleep_until
from tui.net.backoff import Backoff
from tui.net.client import is_loopback_url
from tui.net.refusal import is_auth_refusal, names_the_key
from tui.net.transport import ConnectError, Transport, TransportClosed
from tui.protocol.frames import ErrorFrame
from tui.session.events import Connected, Connecting, Disconnected, ReconnectScheduled, SendFailed, StatusUpdate
from tui.session.status import ConnectionState

from .config import KEY_VARIABLES

ABNORMAL_CLOSE = 1006  # the socket ended without a close frame
PROVEN_AFTER = 10.0  # seconds up after which a connection counts as working, frames or not


@dataclass
class Hooks:
    """What the console does at each moment of the connection's life (all on the loop thread)."""

    apply: Callable[[object], None]  # fold an event into the session
    received: Callable[[str | bytes], None]  # one frame from the server
    sent: Callable[[str], None]  # one frame is on the socket (record it)
    up: Callable[[], None]  # connected: start what waits
    down: Callable[[int | None, str, bool], None]  # closed: code, reason, expected
    idle_after_expected_close: Callable[[], bool]  # stay down until asked (single-context end)
    error_in: Callable[[str | bytes], ErrorFrame | None]  # the error a received frame carries, if any
    key_refused: Callable[[str], None]  # the server refused the key (its words): not retrying


class Connection:
    def __init__(
        self,
        factory: Callable[[], Transport],
        hooks: Hooks,
        *,
        clock: Clock,
        backoff: Backoff,
        auto_reconnect: bool,
        is_local: Callable[[str], bool] = is_loopback_url,
    ) -> None:
        self._factory = factory
        self.is_local = is_local  # the rule's input: is this endpoint on this machine (a bench swaps it)
        self._hooks = hooks
        self._clock = clock
        self.backoff = backoff
        self._auto_reconnect = auto_reconnect
        self.transport: Transport | None = None
        self._outbox: asyncio.Queue[str] | None = None
        self._up = asyncio.Event()
        self._wake = asyncio.Event()
        self._asked = asyncio.Event()  # the operator asked to connect (after a refused key)
        self._expect_close = False
        self._closing = False
        self._probing = False  # a loopback outage is being probed (already said once)
        self._held = False  # the endpoint is being replaced (embedded server restarting)

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

    def hold(self) -> None:
        """Make no attempt until `release()`: the endpoint is being replaced."""
        self._held = True
        self._wake.set()

    def release(self) -> None:
        """The endpoint is back (maybe at a new URL: the factory reads it): connect now."""
        self._held, self._probing = False, False
        self.backoff.reset()
        self._wake.set()

    async def close(self, timeout: float = 3.0) -> None:
        self._closing = True
        self._held = False
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
            if not self._probing:
                self._hooks.apply(Connecting(transport.url, self.backoff.tries + 1))
            try:
                await transport.connect()
            except ConnectError as exc:
                probe = exc.not_listening and self.is_local(transport.url)
                if not (probe and self._probing):  # one line per outage, not one per probe
                    self._hooks.apply(Disconnected(None, "", error=str(exc)))
                if exc.key_refused is not None:
                    self._probing = False
                    self._hooks.key_refused(exc.key_refused)
                    if not await self._wait_until_asked():
                        return
                    continue
                if not await self._wait_before_retry(probe=probe):
                    return
                continue
            self._probing = False
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
            # A loopback socket lost without a close frame: the server process went away. Probe for
            # its return; a server that closes properly (a refusal) gets backoff.
            died = self.is_local(transport.url) and transport.close_code in (None, ABNORMAL_CLOSE)
            if not await self._wait_before_retry(probe=died):
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
                if not proven:  # read frames for errors only until the connection has proved itself
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

    async def _wait_before_retry(self, probe: bool = False) -> bool:
        """Wait by the rule that applies (`probe`: a loopback server not listening); False if closing."""
        # A wake that came before the wait (a turn typed meanwhile) still counts.
        if self._closing:
            return False
        if not self._auto_reconnect:
            await self._wake.wait()
        else:
            deadline = self._schedule(probe)
            await sleep_until(deadline, self._clock, self._wake)
        self._wake.clear()
        while self._held and not self._closing:
            await self._wake.wait()
            self._wake.clear()
        return not self._closing

    def _schedule(self, probe: bool) -> float:
        if not probe:
            self._probing = False
            deadline = self.backoff.deadline(self._clock)
            self._hooks.apply(ReconnectScheduled(deadline, self.backoff.tries + 1))
            self._hooks.apply(StatusUpdate({"reconnect_every": None}))
            return deadline
        every = self.backoff.next_probe()
        deadline, attempt = self._clock() + every, self.backoff.tries + 1
        if self._probing:  # quietly: the strip moves, the log does not
            self._hooks.apply(
                StatusUpdate(
                    {
                        "connection": ConnectionState.WAITING,
                        "reconnect_at": deadline,
                        "attempt": attempt,
                        "reconnect_every": every,
                    }
                )
            )
        else:
            self._hooks.apply(ReconnectScheduled(deadline, attempt))
            self._hooks.apply(StatusUpdate({"reconnect_every": every}))
        self._probing = True
        return deadline


def key_refused_message(provider: str, words: str) -> str:
    """What to fix after the server refused the key (`words`: the server's, already scrubbed).

    Names the variable that holds the key, never the key.
    """
    if not names_the_key(words):  # a 403 for something else (the model): still no point retrying
        return (
            f"The server refused the connection ({words.rstrip('. ')}). Not reconnecting: fix "
            "what it names (--model, --url options), then reconnect (F5)."
        )
    variable = KEY_VARIABLES.get(provider)
    if variable is None:  # the local provider sends no key: this server wants one
        fix = (
            "the local provider sends no key: connect with --provider elevenlabs (ELEVENLABS_API_KEY) "
            "or --provider murf (MURF_API_KEY)"
        )
    else:
        fix = f"check {variable} (environment or .env)"
    return (
        f"The server refused the API key ({words.rstrip('. ')}). Not reconnecting with it: {fix}, then reconnect (F5)."
    )
