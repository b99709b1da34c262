"""Runs one accepted WebSocket against its dialect model: read, decide, synthesize, send, close.

The model (MultiContextConnection, SingleStreamConnection or MurfConnection) holds every
protocol rule; this module only carries out its actions, keeps one audio lane per turn, and
wakes the model when its earliest deadline passes on the injected clock.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from tui.protocol.frames import ErrorFrame, Final, FlushDone, ServerEvent

from .actions import (
    INTERNAL_ERROR, Action, CancelPending, CloseSocket, Fail, Generate, SendError, SendFinal, SendFlushDone, Turn,
)
from .clock import Clock, wait_until
from .fault_plan import Abandon, ConnectionFaults
from .synthesis import AudioEncoder, Lane, SynthesisPool

_LOGGER = logging.getLogger(__name__)


class Model(Protocol):
    done: bool

    def receive(self, frame: object) -> list[Action]: ...
    def generation_finished(self, generate: Generate) -> list[Action]: ...
    def expire(self) -> list[Action]: ...
    def next_deadline(self) -> float | None: ...


def close_reason(message: str, limit: int = 123) -> str:
    """A close reason must fit 123 bytes of UTF-8 (RFC 6455): longer ones are cut on a char."""
    encoded = message.encode("utf-8")
    return message if len(encoded) <= limit else encoded[:limit].decode("utf-8", "ignore")


def synthesis_error(error: Exception) -> ErrorFrame:
    return ErrorFrame(message=f"synthesis failed: {type(error).__name__}: {error}"[:300],
                      error="synthesis_failed", code=INTERNAL_ERROR)


class ConnectionRuntime:
    def __init__(self, ws: ServerConnection, model: Model, decode: Callable[[str | bytes], object],
                 encode: Callable[[ServerEvent], str], encoder: AudioEncoder, pool: SynthesisPool,
                 clock: Clock, faults: ConnectionFaults | None = None) -> None:
        self._ws = ws
        self._faults = faults   # fault rehearsal (fault_plan.py); the model comes wrapped already
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
        self.frames_received = 0

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
            watcher.cancel()
            stopped = [task for lane in self._lanes.values() if (task := lane.stop()) is not None]
            await asyncio.gather(watcher, *stopped, return_exceptions=True)
            if self._closer is not None:
                await asyncio.gather(self._closer, return_exceptions=True)

    async def _watch_deadlines(self) -> None:
        while not self._model.done:
            deadline = self._model.next_deadline()
            await wait_until(self._clock, deadline, self._wake)
            self._wake.clear()
            actions = self._model.expire()
            await self._apply(actions)
            if (not actions and deadline is not None and deadline <= self._clock()
                    and self._model.next_deadline() == deadline):
                await self._wake.wait()   # a passed deadline with nothing to do: wait for news, never spin

    async def _apply(self, actions: list[Action]) -> None:
        for action in actions:
            match action:
                case Generate(turn=turn):
                    lane = self._lanes.get(turn)
                    if lane is None:
                        send, finished = self._paced(turn)
                        lane = self._lanes[turn] = Lane(self._pool, self._encoder, send, finished, self._failed)
                    lane.submit(action)
                case SendFinal(turn=turn):
                    lane = self._lanes.pop(turn, None)
                    tail = lane.tail(turn.context_id) if lane is not None else None
                    if tail is not None:   # what the turn's encoder still held (MP3): before its final
                        await self._send(tail)
                    await self._send(self._encode(Final(turn.context_id)))
                case SendFlushDone(turn=turn):
                    await self._send(self._encode(FlushDone(turn.context_id)))
                case CancelPending(turn=turn):
                    if turn in self._lanes:
                        self._lanes[turn].cancel_pending()
                case SendError(error=error):
                    await self._send(self._encode(error))
                case Fail(error=error):
                    _LOGGER.info("closing %s after error: %s", self._ws.id, error.message)
                    await self._send(self._encode(error))
                    await self._close(action.code, close_reason(error.message))
                case CloseSocket(code=code, reason=reason):
                    await self._close(code, reason)
                case Abandon(turn=turn, final=final):   # an injected fault: its audio stops here
                    lane = self._lanes.pop(turn, None)
                    if lane is not None:
                        lane.stop()
                    if final:
                        await self._send(self._encode(Final(turn.context_id)))

    def _paced(self, turn: Turn):
        """The lane's send and finished callbacks, through the fault plan's pacing if any."""
        if self._faults is None:
            return self._send, self._finished
        return self._faults.pace(turn, self._send, self._finished, self._ws.transport.abort)

    async def _send(self, frame: str) -> None:
        if self._closing:
            return
        try:
            await self._ws.send(frame)
        except ConnectionClosed:
            self._closing = True

    async def _close(self, code: int, reason: str) -> None:
        # Closing waits for the client's close frame: do it in its own task, so a lane or the
        # watcher that decided to close is never cancelled halfway through the handshake.
        self._closing = True
        self._wake.set()
        if self._closer is None:
            self._closer = asyncio.create_task(self._ws.close(code, reason))

    async def _finished(self, generate: Generate) -> None:
        await self._apply(self._model.generation_finished(generate))
        self._wake.set()

    async def _failed(self, error: Exception) -> None:
        self._model.done = True
        await self._apply([Fail(synthesis_error(error))])
