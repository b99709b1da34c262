"""`ReplayTransport`: the `Transport` protocol (tui/net/transport.py) served from a recording."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable

from tui.clock import Clock
from tui.net.transport import ConnectError, TransportClosed
from tui.recording.entries import CLOSED, ActionEntry, FrameEntry
from tui.recording.reader import Recording

from .scheduler import ReplayItem, ReplayScheduler


class ReplayTransport:
    """A `Transport` (tui/net/transport.py) whose frames come from a recording.

    `receive()` yields the recorded received frames at their times, like a live socket;
    `items()` yields every entry (sent frames and operator actions too) for a driver that feeds
    the whole recording to the session model. Use one of the two per transport, not both.
    The replay clock starts at `connect()`.

    `hold_at_end`: at the end of the recording `items()` waits for a `restart()` or
    `seek_start()` (or `close()`) instead of ending, so a finished replay can be played again;
    each rewind bumps `epoch`, which tells a driver to start its model afresh.
    """

    def __init__(
        self,
        recording: Recording,
        *,
        speed: float = 1.0,
        clock: Clock = time.monotonic,
        paused: bool = False,
        hold_at_end: bool = False,
    ) -> None:
        self.recording = recording
        self.url = recording.header.url if recording.header else "replay"
        self.scheduler = ReplayScheduler(recording.entries, speed=speed, clock=clock, paused=paused)
        self.dropped_sends = 0
        self._ready: deque[ReplayItem] = deque()  # a seek releases many at once: popleft, not pop(0)
        self._wake = asyncio.Event()
        self._closed = False
        self._connected = False
        self._close_code: int | None = None
        self._close_reason = ""
        self.hold_at_end = hold_at_end
        self.epoch = 0
        self.finished = False  # the last entry has been handed out
        self.on_finished: Callable[[], None] | None = None  # called once per play-through, held at the end
        self.on_rewind: Callable[[], None] | None = None  # called at restart/seek_start: start afresh
        self._at_ms = 0.0  # the offset of the entry handed out last
        self._applying = False  # that entry is being applied (until the next is asked for)

    def clock(self) -> float:
        """The recording's clock in seconds: give it to the session so countdowns and timings
        run at the replay's speed and stop when it is paused.

        While an entry is being applied it reads that entry's recorded offset, and between
        entries it never passes the next one: the model then sees every entry, and every
        deadline between two entries, at its recorded time whatever the speed or a late wake-up
        (at x32 a wake-up 10 ms late is 320 ms of recording)."""
        if self._applying:
            return self._at_ms / 1000.0  # not the wall's position: that depends on when we woke
        upper = self._ready[0].entry.offset_ms if self._ready else self.scheduler.next_offset_ms()
        position = self.scheduler.position_ms()
        if upper is not None:
            position = min(position, upper)
        return max(self._at_ms, position) / 1000.0

    def caption(self) -> str:
        """One line for a status strip: position, length, speed, paused."""
        s = self.scheduler
        state = "finished" if self.finished else ("paused" if s.paused else "playing")
        return (
            f"replay {min(s.position_ms(), s.duration_ms) / 1000:.1f}/{s.duration_ms / 1000:.1f} s ×{s.speed:g} {state}"
        )

    def command(self, line: str) -> str:
        """Apply one typed control (`p` toggles, `pause`, `play`, `step`, `next`, `speed X`,
        `restart`, `start`); returns the caption, or why nothing was done.

        For the line console and the command palette; never raises on what was typed.
        """
        name, _, arg = line.strip().lower().partition(" ")
        if name == "p":
            self.toggle_pause()
        elif name == "pause":
            self.pause()
        elif name in ("play", "resume"):
            self.resume()
        elif name in ("s", "step"):
            self.step()
        elif name in ("n", "next"):
            if not self.seek_next_barge_in():
                return "no barge-in ahead"
        elif name in ("r", "restart"):
            self.restart()
        elif name in ("start", "home"):
            self.seek_start()
        elif name == "speed":
            try:
                self.set_speed(float(arg.rstrip("x×")))
            except ValueError as exc:
                return str(exc) if "speed" in str(exc) else f"speed wants a number, not {arg!r}"
        else:
            return f"unknown replay control {line.strip()!r} (pause, play, step, next, speed X, restart, start)"
        return self.caption()

    @property
    def close_code(self) -> int | None:
        return self._close_code

    @property
    def close_reason(self) -> str:
        return self._close_reason

    # ---- controls (each wakes the waiter so that it applies at once) ---------------------------

    def pause(self) -> None:
        self.scheduler.pause()
        self._wake.set()

    def resume(self) -> None:
        self.scheduler.resume()
        self._wake.set()

    def toggle_pause(self) -> None:
        self.resume() if self.scheduler.paused else self.pause()

    def step(self) -> None:
        self.scheduler.step()
        self._wake.set()

    def seek_next_barge_in(self) -> bool:
        found = self.scheduler.seek_next_barge_in()
        self._wake.set()
        return found

    def set_speed(self, speed: float) -> None:
        self.scheduler.set_speed(speed)
        self._wake.set()

    def restart(self) -> None:
        """Play again from the start (a finished replay too, with `hold_at_end`)."""
        self._rewind(paused=False)

    def seek_start(self) -> None:
        """Back to the start, paused there: step or play from the first entry."""
        self._rewind(paused=True)

    def _rewind(self, *, paused: bool) -> None:
        self.scheduler.rewind(paused=paused)
        self._ready.clear()
        self._at_ms = 0.0
        self._applying = False
        self.finished = False
        self._close_code, self._close_reason = None, ""
        self.epoch += 1
        if self.on_rewind is not None:
            self.on_rewind()
        self._wake.set()

    def wake(self) -> None:
        """Re-read the clock now (tests with a frozen clock call this after advancing it)."""
        self._wake.set()

    # ---- Transport -----------------------------------------------------------------------------

    async def connect(self) -> None:
        if self.recording.header is None:
            raise ConnectError(f"cannot replay: {self.recording.problem or 'no header'}")
        if not self._connected:
            self._connected = True
            self.scheduler.restart()

    async def send(self, text: str) -> None:
        """Nothing is sent during a replay: the frame is dropped and counted."""
        if self._closed:
            raise TransportClosed("the replay is over")
        self.dropped_sends += 1

    async def receive(self) -> AsyncIterator[str | bytes]:
        """The recorded received frames at their times; ends with the recording."""
        async for item in self.items():
            if item.is_received_frame:
                assert isinstance(item.entry, FrameEntry)
                yield item.entry.data

    async def items(self) -> AsyncIterator[ReplayItem]:
        """Every entry at its time, in recorded order; ends with the recording (or close)."""
        while (item := await self._next_item()) is not None:
            yield item

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if not self._closed:
            self._closed = True
            if self._close_code is None:
                self._close_code, self._close_reason = code, reason
        self._wake.set()

    # ---- waiting -------------------------------------------------------------------------------

    async def _next_item(self) -> ReplayItem | None:
        self._applying = False  # the previous entry is done: between entries the clock runs
        while not self._closed:
            if not self._ready:
                self._ready.extend(self.scheduler.due())
            if self._ready:
                item = self._ready.popleft()
                self._at_ms, self._applying = item.entry.offset_ms, True
                if isinstance(item.entry, ActionEntry) and item.entry.kind == CLOSED:
                    self._close_code, self._close_reason, *_ = closed_fields(item.entry)
                return item
            if self.scheduler.done and not self.hold_at_end:
                # The recording ends here; without a recorded close it ended normally.
                self.finished = self._closed = True
                if self._close_code is None:
                    self._close_code = 1000
                return None
            if self.scheduler.done and not self.finished:
                self.finished = True
                if self.on_finished is not None:
                    self.on_finished()
            self._wake.clear()
            delay = self.scheduler.seconds_until_next()
            try:
                # Paused: no deadline, a control wakes us (bounded anyway, never a busy loop).
                await asyncio.wait_for(self._wake.wait(), timeout=60.0 if delay is None else delay)
            except TimeoutError:
                pass
        return None


def closed_fields(entry: ActionEntry) -> tuple[int | None, str, bool, bool]:
    """Code, reason, whether the client expected it and whether the operator asked for it (F5),
    from a recorded `closed` action. Recordings made before `expected` was recorded: a 1000 was
    the console's own doing; before `asked` was: not asked."""
    code = entry.fields.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    expected = entry.fields.get("expected")
    expected = expected if isinstance(expected, bool) else code == 1000
    return code, str(entry.fields.get("reason") or ""), expected, expected and entry.fields.get("asked") is True
