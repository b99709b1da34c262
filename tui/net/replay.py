"""Replay: a transport that plays a recording back as if the session were live.

No server, no network: the recorded entries come out at their recorded offsets, scaled by the
speed, and the console drives its session model with them exactly as it would with a live
connection. Sent frames are not re-sent anywhere; they come out too (as `ReplayItem`s), so the
session model opens and closes slots as it did. Frames the console tries to send while replaying
are dropped and counted.

Controls, all safe to call between awaits on the event loop:
- `pause()` / `resume()`: the recording's clock stops and restarts where it was;
- `step()`: release everything up to and including the next received frame, now;
- `seek_next_barge_in()`: fast-forward to the next barge-in; what is skipped comes out marked
  `fast_forward=True` (apply it to the model, do not play its audio);
- `set_speed(x)`: from now on the recording runs x times as fast.

The timing lives in `ReplayScheduler` (pure, clock injected, no asyncio), so it is tested with a
frozen clock; `ReplayTransport` only waits for the scheduler's next deadline. `drive()` feeds a
whole recording into the headless console (tui.core.Console), as `switchboard replay` does.
"""
from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tui.protocol.dialect import Dialect
from tui.protocol.frames import Audio
from tui.recording.entries import BARGE_IN, CLOSED, RECEIVED, TURN, ActionEntry, Entry, FrameEntry
from tui.recording.reader import Recording

from .transport import ConnectError, TransportClosed

Clock = Callable[[], float]
MIN_SPEED, MAX_SPEED = 0.05, 32.0
# An entry this close to the recording position is due: float rounding must not cost a wake-up.
EPSILON_MS = 0.001


@dataclass(frozen=True)
class ReplayItem:
    """One recorded entry, released. `fast_forward`: skipped over by a seek, not to be heard."""

    entry: Entry
    fast_forward: bool = False

    @property
    def is_received_frame(self) -> bool:
        return isinstance(self.entry, FrameEntry) and self.entry.direction == RECEIVED


def check_speed(speed: float) -> float:
    if not isinstance(speed, (int, float)) or not math.isfinite(speed) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be a number from {MIN_SPEED} to {MAX_SPEED:g}, not {speed!r}")
    return float(speed)


class ReplayScheduler:
    """Which entries are due, on a recording clock that can pause, jump and change speed.

    The recording position (ms) is `anchor_ms + (clock() - anchor_s) * 1000 * speed` while
    playing, and stays at `anchor_ms` while paused. Entries at or before it are due.
    """

    def __init__(self, entries: Sequence[Entry], *, speed: float = 1.0, clock: Clock = time.monotonic,
                 paused: bool = False) -> None:
        self._entries = list(entries)
        self._next = 0
        self._clock = clock
        self._speed = check_speed(speed)
        self._paused = paused
        self._anchor_ms = 0.0
        self._anchor_s = clock()
        self._pending: list[ReplayItem] = []   # released by step/seek, not yet taken

    # ---- state -------------------------------------------------------------------------------

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def done(self) -> bool:
        return self._next >= len(self._entries) and not self._pending

    @property
    def duration_ms(self) -> float:
        return self._entries[-1].offset_ms if self._entries else 0.0

    def position_ms(self) -> float:
        if self._paused:
            return self._anchor_ms
        return self._anchor_ms + (self._clock() - self._anchor_s) * 1000.0 * self._speed

    def restart(self) -> None:
        """Back to the start of what is left: the recording clock reads 0 now."""
        self._reanchor(0.0)

    def _reanchor(self, position_ms: float) -> None:
        self._anchor_ms = position_ms
        self._anchor_s = self._clock()

    # ---- controls ----------------------------------------------------------------------------

    def pause(self) -> None:
        if not self._paused:
            self._reanchor(self.position_ms())
            self._paused = True

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            self._reanchor(self._anchor_ms)

    def set_speed(self, speed: float) -> None:
        speed = check_speed(speed)
        self._reanchor(self.position_ms())
        self._speed = speed

    def step(self) -> int:
        """Release entries up to and including the next received frame; returns how many."""
        released = 0
        while self._next < len(self._entries):
            entry = self._entries[self._next]
            self._release(ReplayItem(entry))
            released += 1
            if isinstance(entry, FrameEntry) and entry.direction == RECEIVED:
                break
        return released

    def seek_next_barge_in(self) -> bool:
        """Fast-forward to just before the next barge-in (which is then due); False if none."""
        target = next((i for i in range(self._next, len(self._entries))
                       if isinstance(self._entries[i], ActionEntry) and self._entries[i].kind == BARGE_IN),
                      None)
        if target is None:
            return False
        while self._next < target:
            self._release(ReplayItem(self._entries[self._next], fast_forward=True))
        self._reanchor(max(self.position_ms(), self._entries[target].offset_ms))
        return True

    def _release(self, item: ReplayItem) -> None:
        self._pending.append(item)
        self._next += 1
        if item.entry.offset_ms > self.position_ms():
            self._reanchor(item.entry.offset_ms)

    # ---- the clock's side ----------------------------------------------------------------------

    def due(self) -> list[ReplayItem]:
        """Everything released or due now, in recorded order (each entry exactly once).

        While paused only what `step` or a seek released comes out."""
        items, self._pending = self._pending, []
        if self._paused:
            return items
        now_ms = self.position_ms() + EPSILON_MS
        while self._next < len(self._entries) and self._entries[self._next].offset_ms <= now_ms:
            items.append(ReplayItem(self._entries[self._next]))
            self._next += 1
        return items

    def seconds_until_next(self) -> float | None:
        """Wall seconds until the next entry is due: 0 if one is, None if paused or finished."""
        if self._pending:
            return 0.0
        if self._next >= len(self._entries) or self._paused:
            return None
        gap_ms = self._entries[self._next].offset_ms - self.position_ms()
        return 0.0 if gap_ms <= EPSILON_MS else gap_ms / 1000.0 / self._speed


class ReplayTransport:
    """A `Transport` (tui/net/transport.py) whose frames come from a recording.

    `receive()` yields the recorded received frames at their times, like a live socket;
    `items()` yields every entry (sent frames and operator actions too) for a driver that feeds
    the whole recording to the session model. Use one of the two per transport, not both.
    The replay clock starts at `connect()`.
    """

    def __init__(self, recording: Recording, *, speed: float = 1.0, clock: Clock = time.monotonic,
                 paused: bool = False) -> None:
        self.recording = recording
        self.url = recording.header.url if recording.header else "replay"
        self.scheduler = ReplayScheduler(recording.entries, speed=speed, clock=clock, paused=paused)
        self.dropped_sends = 0
        self._ready: list[ReplayItem] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._connected = False
        self._close_code: int | None = None
        self._close_reason = ""

    def clock(self) -> float:
        """The recording's clock in seconds: give it to the session so countdowns and timings
        run at the replay's speed and stop when it is paused."""
        return self.scheduler.position_ms() / 1000.0

    def caption(self) -> str:
        """One line for a status strip: position, length, speed, paused."""
        s = self.scheduler
        state = "paused" if s.paused else ("finished" if s.done else "playing")
        return (f"replay {s.position_ms() / 1000:.1f}/{s.duration_ms / 1000:.1f} s "
                f"×{s.speed:g} {state}")

    def command(self, line: str) -> str:
        """Apply one typed control (`p` toggles, `pause`, `play`, `step`, `next`, `speed X`);
        returns the caption, or why nothing was done.

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
        elif name == "speed":
            try:
                self.set_speed(float(arg.rstrip("x×")))
            except ValueError as exc:
                return str(exc) if "speed" in str(exc) else f"speed wants a number, not {arg!r}"
        else:
            return f"unknown replay control {line.strip()!r} (pause, play, step, next, speed X)"
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
        while not self._closed:
            if not self._ready:
                self._ready = self.scheduler.due()
            if self._ready:
                item = self._ready.pop(0)
                if isinstance(item.entry, ActionEntry) and item.entry.kind == CLOSED:
                    code = item.entry.fields.get("code")
                    self._close_code = code if isinstance(code, int) else None
                    self._close_reason = str(item.entry.fields.get("reason") or "")
                return item
            if self.scheduler.done:
                # The recording ends here; without a recorded close it ended normally.
                self._closed = True
                if self._close_code is None:
                    self._close_code = 1000
                return None
            self._wake.clear()
            delay = self.scheduler.seconds_until_next()
            try:
                # Paused: no deadline, a control wakes us (bounded anyway, never a busy loop).
                await asyncio.wait_for(self._wake.wait(), timeout=60.0 if delay is None else delay)
            except TimeoutError:
                pass
        return None


class ReplaySink(Protocol):
    """What `drive` feeds: the headless console (tui.core.Console) fits as it is."""

    def ingest(self, direction: str, data: str | bytes) -> None:
        """A recorded frame, as if it had just crossed the socket (nothing is sent)."""

    def barge_in(self) -> object:
        """The operator's barge-in, replayed: silence the speaker, mark the contexts interrupted."""


async def drive(transport: ReplayTransport, sink: ReplaySink, *,
                mute: Callable[[str | None], None] | None = None,
                on_turn: Callable[[str], None] | None = None) -> None:
    """Play the whole recording into `sink` at its recorded times (scaled, pausable).

    Frames go to `sink.ingest` in recorded order, sent ones included, so the session opens and
    closes slots as it did. A recorded turn calls `on_turn(context_id)` before its frames; a
    recorded barge-in calls `sink.barge_in()` once per instant (the console records one action
    per context it cut). Audio skipped over by a seek is ingested too, so the model stays exact,
    and then `mute(context_id)` silences it on the speaker.
    """
    await transport.connect()
    dialect = _dialect_of(transport.recording)
    last_barge_in: float | None = None
    async for item in transport.items():
        entry = item.entry
        if isinstance(entry, FrameEntry):
            sink.ingest(entry.direction, entry.data)
            if item.fast_forward and mute is not None and dialect is not None and item.is_received_frame:
                event = dialect.decode_server(entry.data)
                if isinstance(event, Audio):
                    mute(event.context_id)
        elif entry.kind == TURN and on_turn is not None and isinstance(entry.fields.get("context_id"), str):
            on_turn(entry.fields["context_id"])
        elif entry.kind == BARGE_IN and entry.offset_ms != last_barge_in:
            last_barge_in = entry.offset_ms
            sink.barge_in()


async def drive_console(transport: ReplayTransport, console: Any) -> None:
    """`drive` into a started tui.core.Console, with the hooks that make it behave as it did live.

    Duck-typed on the console's public attributes (net does not import core): a turn takes its
    id from the session, as the live console's did, so it is a turn and not a phantom context,
    and is opened on the speaker, which fixes the play order; skipped audio is stopped there.
    """
    session = console.session

    def on_turn(context_id: str) -> None:
        if session.dialect.has_contexts:
            session.new_context_id()
        if console.speaker is not None:
            console.speaker.open(context_id)

    def mute(context_id: str | None) -> None:
        slot = session.slot_for(context_id)
        if slot is not None and console.speaker is not None:
            console.speaker.call("stop", slot.context_id)

    await drive(transport, console, mute=mute, on_turn=on_turn)


def _dialect_of(recording: Recording) -> Dialect | None:
    try:
        return Dialect(recording.header.dialect) if recording.header else None
    except ValueError:
        return None
