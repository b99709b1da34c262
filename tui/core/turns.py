"""Typed turns on their way out: the queue of those waiting, and one pacer task per turn.

A turn starts when the console says it can (connected; a free slot, or the guard off). Its
opening frame and first word go out at once; a task sends the rest on the pacer's schedule and
ends the turn the dialect's way and by the end-of-turn pattern it started with (turn_end.py):
a deferred close is sent by the same task once the context's audio says so. Cancelling
(barge-in, closing by hand, its final, a lost connection) stops the words and any close still
waiting; it never takes back what was sent.

Holding (`hold`, `release`: a scenario paused in the console) stops every turn between two
words: nothing of theirs goes out, neither a word, a flush nor a deferred close, until release;
then their words go on at their own pace from where they stood. A turn that starts while held
sends its opening and waits. Cancelling works while held.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from tui.clock import Clock, sleep_until
from tui.session import DEFAULT_CONTEXT, TurnPacer, Wire

from .turn_end import DEFAULT_TURN_END, AudioSeen, CloseWatch, TurnEnd


def wire_cid(cid: str) -> str | None:
    """The id as it goes on the wire: the default context has none."""
    return None if cid == DEFAULT_CONTEXT else cid


@dataclass
class ActiveTurn:
    context_id: str
    pacer: TurnPacer
    wake: asyncio.Event
    wire: Wire  # the one it opened with: its settings hold to its end (tui.session.settings)
    turn_end: TurnEnd = DEFAULT_TURN_END
    unflushed: bool = False  # text sent since the last flush
    watch: CloseWatch | None = None  # a deferred close still to send
    started_at: float = 0.0  # clock time its first words were due


@dataclass
class TurnHooks:
    new_context_id: Callable[[], str]
    can_start: Callable[[], bool]
    emit: Callable[[str], bool]
    opened: Callable[[str, str], None]  # (context_id, text): record it, give it a speaker place
    queue_changed: Callable[[int], None]
    spawn: Callable[[Coroutine[Any, Any, None]], object]
    ended: Callable[[str], None]  # the turn's end frames went out
    started: Callable[[str, TurnEnd], None]  # its first frames went out (the slot is taken)
    audio_seen: Callable[[str], AudioSeen]  # what has arrived for the context so far


class Turns:
    def __init__(
        self, wire: Wire, hooks: TurnHooks, *, clock: Clock, rate: float, turn_end: TurnEnd = DEFAULT_TURN_END
    ) -> None:
        self.wire = wire  # for turns that start from now on (live settings replace it)
        self._hooks = hooks
        self._clock = clock
        self.rate = rate
        self.turn_end = turn_end  # for turns that start from now on
        self.queue: deque[str] = deque()
        self.active: dict[str, ActiveTurn] = {}
        self._held_at: float | None = None  # when hold() was called; None: not held
        self._released = asyncio.Event()
        self._released.set()

    @property
    def held(self) -> bool:
        return self._held_at is not None

    @property
    def streaming(self) -> bool:
        """Some turn still has words (or its end) to send."""
        return any(not t.pacer.done for t in self.active.values())

    def hold(self) -> None:
        """Stop every turn between two words until `release()` (idempotent)."""
        if self._held_at is None:
            self._held_at = self._clock()
            self._released.clear()

    def release(self) -> None:
        """Let held turns go on, each at its own pace from where it stood (idempotent)."""
        if self._held_at is None:
            return
        now, held_at = self._clock(), self._held_at
        self._held_at = None
        for turn in self.active.values():
            turn.pacer.postpone(now - max(held_at, turn.started_at))  # one started while held waited less
        self._released.set()

    def submit(self, text: str) -> bool:
        """Queue a turn and start what can start; True if this one started."""
        self.queue.append(text)
        self.pump()
        return not self.queue or self.queue[-1] is not text

    def pump(self) -> None:
        before = len(self.queue)
        while self.queue and self._hooks.can_start():
            self._start(self.queue.popleft())
        if len(self.queue) != before:
            self._hooks.queue_changed(len(self.queue))

    def _start(self, text: str) -> None:
        # Every turn has its own id, on the single-context endpoint too (where the wire carries
        # none): its slot, transcript line and speaker context are its own.
        cid = self._hooks.new_context_id()
        self._hooks.opened(cid, text)
        wire = self.wire
        for frame in wire.open(wire_cid(cid)):
            self._hooks.emit(frame)
        start = self._clock()
        turn = ActiveTurn(
            cid, TurnPacer(text, self.rate, start), asyncio.Event(), wire, self.turn_end, started_at=start
        )
        self.active[cid] = turn
        self._send_due(turn)  # the first word goes with the opening, not a loop turn later
        self._hooks.started(cid, turn.turn_end)
        if turn.pacer.done and turn.watch is None:
            self.active.pop(cid, None)
        else:
            self._hooks.spawn(self._run(turn))

    def _send_due(self, turn: ActiveTurn) -> None:
        if self._held_at is not None:
            return
        cid = wire_cid(turn.context_id)
        for step in turn.pacer.take_due(self._clock()):
            if step.end:
                self._end(turn, cid)
                continue
            for frame in turn.wire.text(cid, step.text, step.flush):
                self._hooks.emit(frame)
            turn.unflushed = not step.flush

    def _end(self, turn: ActiveTurn, cid: str | None) -> None:
        if turn.turn_end is TurnEnd.FLUSH_CLOSE:
            frames = turn.wire.end_turn(cid, unflushed=turn.unflushed)
        else:
            frames = turn.wire.end_flush(cid, unflushed=turn.unflushed)
        turn.unflushed = False
        for frame in frames:
            self._hooks.emit(frame)
        if turn.turn_end.deferred:
            turn.watch = CloseWatch(turn.turn_end, self._clock(), self._hooks.audio_seen(turn.context_id))
        else:
            self._hooks.ended(turn.context_id)

    def _close_due(self, turn: ActiveTurn) -> float | None:
        """Send the deferred close if it is due; else when to look again (None: at the next audio)."""
        assert turn.watch is not None
        due = turn.watch.due(self._hooks.audio_seen(turn.context_id), self._clock())
        if due is not None and due <= self._clock():
            turn.watch = None
            self._hooks.emit(turn.wire.close(wire_cid(turn.context_id)))
            self._hooks.ended(turn.context_id)
        return due

    async def _run(self, turn: ActiveTurn) -> None:
        try:
            while True:
                if self._held_at is not None:
                    await self._released.wait()
                    continue  # cancelled meanwhile: its pacer is done and the loop ends below
                self._send_due(turn)
                due = turn.pacer.next_due
                if due is None and turn.watch is not None:
                    due = self._close_due(turn)
                    if turn.watch is None:
                        return
                    if due is None:
                        turn.wake.clear()
                        await turn.wake.wait()  # the next audio, or a cancel, sets it
                        continue
                if due is None:
                    return
                turn.wake.clear()
                await sleep_until(due, self._clock, turn.wake)
        finally:
            if self.active.get(turn.context_id) is turn:
                del self.active[turn.context_id]

    def cancel(self, cid: str) -> None:
        turn = self.active.pop(cid, None)
        if turn is not None:
            turn.pacer.cancel()
            turn.watch = None
            turn.wake.set()

    def cancel_all(self) -> None:
        for cid in list(self.active):
            self.cancel(cid)

    def audio_changed(self) -> None:
        """Audio (or its alignment) arrived: turns waiting to close look again."""
        for turn in self.active.values():
            if turn.watch is not None:
                turn.wake.set()

    def flushed(self, cid: str) -> None:
        if cid in self.active:
            self.active[cid].unflushed = False

    def set_rate(self, rate: float) -> None:
        self.rate = rate
        for turn in self.active.values():
            turn.pacer.set_rate(rate)
            turn.wake.set()
