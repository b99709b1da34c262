"""Runs one accepted WebSocket against its dialect model: read, decide, synthesize, send, close.

The model (MultiContextConnection, SingleStreamConnection or MurfConnection) holds every
protocol rule; this module only carries out its actions, keeps one audio lane per turn, and
wakes the model when its earliest deadline passes on the injected clock.

A client that stops reading is let go (issue 11): when no frame has gone out for
SEND_STALL_SECONDS while one is waiting to, the socket is closed with 1008 ("client not reading");
since such a client does not read the close frame either, the TCP connection is aborted
CLOSE_GRACE_SECONDS later (it sees 1006), whatever the close was for. Both are on the clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from tui.protocol.frames import ErrorFrame, Final, FlushDone, ServerEvent

from .actions import (
    INTERNAL_ERROR,
    POLICY_VIOLATION,
    Abandon,
    Action,
    CancelPending,
    CloseSocket,
    Fail,
    Generate,
    SendError,
    SendEvent,
    SendFinal,
    SendFlushDone,
    Turn,
)
from .clock import Clock, wait_until
from .fault_plan import ConnectionFaults
from .model import Model
from .synthesis import AudioEncoder, Lane, SynthesisPool

_LOGGER = logging.getLogger(__name__)

# No client frame goes out for this long while one waits: the client is not reading. Longer than
# any pause a real client takes (a console stopped in a debugger aside); the services publish none.
SEND_STALL_SECONDS = 20.0
# A close not completed this long after it began (the client reads nothing, not even the close
# frame queued behind its unread audio): the TCP connection is aborted. websockets' close_timeout.
CLOSE_GRACE_SECONDS = 10.0
NOT_READING_REASON = "client not reading: no audio could be sent for 20 s"


def close_reason(message: str, limit: int = 123) -> str:
    """A close reason must fit 123 bytes of UTF-8 (RFC 6455): longer ones are cut on a char."""
    encoded = message.encode("utf-8")
    return message if len(encoded) <= limit else encoded[:limit].decode("utf-8", "ignore")


def synthesis_error(error: Exception) -> ErrorFrame:
    return ErrorFrame(
        message=f"synthesis failed: {type(error).__name__}: {error}"[:300],
        error="synthesis_failed",
        code=INTERNAL_ERROR,
    )


def utf8(frame: str) -> bytes:
    """The frame's UTF-8. A lone surrogate (a context id or text echoed from the client) has no
    UTF-8: it goes out as its JSON escape (`\\ud800`), which decodes back to the same string,
    instead of failing the whole socket (issue 11, item 5)."""
    try:
        return frame.encode("utf-8")
    except UnicodeEncodeError:
        return frame.encode("utf-8", "backslashreplace")


class ConnectionRuntime:
    def __init__(
        self,
        ws: ServerConnection,
        model: Model,
        decode: Callable[[str | bytes], object],
        encode: Callable[[ServerEvent], str | list[str]],
        encoder: AudioEncoder,
        pool: SynthesisPool,
        clock: Clock,
        faults: ConnectionFaults | None = None,
    ) -> None:
        self._ws = ws
        self._faults = faults  # fault rehearsal (fault_plan.py); the model comes wrapped already
        self._model = model
        self._decode = decode
        self._encode = encode
        self._encoder = encoder
        self._pool = pool
        self._clock = clock
        self._lanes: dict[Turn, Lane] = {}
        self._wake = asyncio.Event()
        self._closing = False
        self._closer: asyncio.Task[None] | None = None
        self._close_started: float | None = None  # when a close began (its abort deadline)
        self._stopped = False  # run() is over: the watcher ends even if a cancel was lost
        self._sending = 0  # frames handed to the socket and not yet written out
        self._send_progress = clock()  # when a frame last went out (or the first began waiting)
        self._watching: float | None = None  # the deadline the watcher waits for
        self.frames_received = 0

    @property
    def blocked_sends(self) -> int:
        """Frames handed to the socket that have not gone out yet (a client not reading)."""
        return self._sending

    async def run(self) -> None:
        """Serve until the socket closes, whoever closes it."""
        watcher = asyncio.create_task(self._watch_deadlines())
        try:
            async for raw in self._ws:
                self.frames_received += 1
                await self._apply(self._model.receive(self._decode(raw)))
                self._wake.set()
        except ConnectionClosed:
            pass
        finally:
            # The flag as well as the cancel: a cancel that lands as the watcher wakes can be lost
            # (3.11's wait_for did lose it), and a watcher that lives on holds the whole
            # connection, its contexts and audio, for good (issue 11, item 1).
            self._stopped = True
            self._wake.set()
            watcher.cancel()
            stopped = [task for lane in self._lanes.values() if (task := lane.stop()) is not None]
            await asyncio.gather(watcher, *stopped, return_exceptions=True)
            if self._closer is not None:
                await asyncio.gather(self._closer, return_exceptions=True)

    async def _watch_deadlines(self) -> None:
        while not self._stopped:
            deadline = self._watching = self._next_deadline()
            await wait_until(self._clock, deadline, self._wake)
            self._wake.clear()
            if self._stopped:
                return
            if await self._let_go_if_stalled():
                continue
            actions = self._model.expire()
            await self._apply(actions)
            if not actions and deadline is not None and deadline <= self._clock() and self._next_deadline() == deadline:
                self._watching = None
                await self._wake.wait()  # a passed deadline with nothing to do: wait for news, never spin

    def _next_deadline(self) -> float | None:
        """The model's earliest deadline, or the send stall's / the close's if earlier."""
        deadlines = [] if self._model.done else [self._model.next_deadline()]
        if self._close_started is not None:
            deadlines.append(self._close_started + CLOSE_GRACE_SECONDS)
        elif self._sending and not self._closing:
            deadlines.append(self._send_progress + SEND_STALL_SECONDS)
        return min((d for d in deadlines if d is not None), default=None)

    async def _let_go_if_stalled(self) -> bool:
        """Close a client that reads nothing; abort one whose close has not completed in time."""
        now = self._clock()
        if self._close_started is not None:
            if now < self._close_started + CLOSE_GRACE_SECONDS:
                return False
            _LOGGER.info("aborting %s: its close did not complete in %.0f s", self._ws.id, CLOSE_GRACE_SECONDS)
            self._close_started = None
            self._ws.transport.abort()
            return True
        if self._sending and not self._closing and now >= self._send_progress + SEND_STALL_SECONDS:
            _LOGGER.info("closing %s: %s", self._ws.id, NOT_READING_REASON)
            await self._close(POLICY_VIOLATION, NOT_READING_REASON)
            return True
        return False

    async def _apply(self, actions: list[Action]) -> None:
        for action in actions:
            match action:
                case Generate(turn=turn):
                    lane = self._lanes.get(turn)
                    if lane is None:
                        send, finished = self._paced(turn)
                        encoder = turn.encoder or self._encoder  # a turn with a format of its own
                        lane = self._lanes[turn] = Lane(self._pool, encoder, send, finished, self._failed)
                    lane.submit(action)
                case SendFinal(turn=turn):
                    lane = self._lanes.pop(turn, None)
                    # What the turn's encoder still held (MP3): before its final.
                    for frame in lane.tail(turn.context_id) if lane is not None else []:
                        await self._send(frame)
                    await self._send_event(Final(turn.context_id))
                case SendFlushDone(turn=turn, flush_id=flush_id):
                    await self._send_event(FlushDone(turn.context_id, flush_id))
                case CancelPending(turn=turn):
                    if turn in self._lanes:
                        self._lanes[turn].cancel_pending()
                case SendError(error=error):
                    await self._send_event(error)
                case SendEvent(event=event):
                    await self._send_event(event)
                case Fail(error=error):
                    _LOGGER.info("closing %s after error: %s", self._ws.id, error.message)
                    await self._send_event(error)
                    await self._close(action.code, close_reason(error.message))
                case CloseSocket(code=code, reason=reason):
                    await self._close(code, reason)
                case Abandon(turn=turn, final=final):  # an injected fault: its audio stops here
                    lane = self._lanes.pop(turn, None)
                    if lane is not None:
                        lane.stop()
                    if final:
                        await self._send_event(Final(turn.context_id))

    def _paced(self, turn: Turn):
        """The lane's send and finished callbacks, through the fault plan's pacing if any."""
        if self._faults is None:
            return self._send, self._finished
        return self._faults.pace(turn, self._send, self._finished, self._ws.transport.abort)

    async def _send_event(self, event: ServerEvent) -> None:
        frames = self._encode(event)
        for frame in [frames] if isinstance(frames, str) else frames:
            await self._send(frame)

    async def _send(self, frame: str) -> None:
        if self._closing:
            return
        if not self._sending:
            self._send_progress = self._clock()
            if self._watching is None or self._watching > self._send_progress + SEND_STALL_SECONDS:
                self._wake.set()  # the watcher must see this send's stall deadline
        self._sending += 1
        try:
            await self._ws.send(utf8(frame), text=True)
        except ConnectionClosed:
            self._closing = True
        finally:
            self._sending -= 1
            self._send_progress = self._clock()

    async def _close(self, code: int, reason: str) -> None:
        # Closing waits for the client's close frame: do it in its own task, so a lane or the
        # watcher that decided to close is never cancelled halfway through the handshake.
        self._closing = True
        self._wake.set()
        for lane in self._lanes.values():  # nothing more goes out: no more synthesis either
            lane.abandon()
        if self._closer is None:
            self._close_started = self._clock()
            self._closer = asyncio.create_task(self._ws.close(code, reason))

    async def _finished(self, generate: Generate) -> None:
        await self._apply(self._model.generation_finished(generate))
        self._wake.set()

    async def _failed(self, error: Exception) -> None:
        self._model.done = True
        await self._apply([Fail(synthesis_error(error))])
