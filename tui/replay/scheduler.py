"""The replay's timing: which recorded entries are due, on a clock that pauses, jumps and changes
speed. Pure (no asyncio, the clock injected), so it is tested with a frozen clock."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from tui.clock import Clock
from tui.recording.entries import BARGE_IN, RECEIVED, ActionEntry, Entry, FrameEntry

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
    playing, and stays at `anchor_ms` while paused; it never runs past the last entry (a
    finished replay reads its length, not the time since). Entries at or before it are due.
    """

    def __init__(
        self, entries: Sequence[Entry], *, speed: float = 1.0, clock: Clock = time.monotonic, paused: bool = False
    ) -> None:
        self._entries = list(entries)
        self._next = 0
        self._clock = clock
        self._speed = check_speed(speed)
        self._paused = paused
        self._anchor_ms = 0.0
        self._anchor_s = clock()
        self._pending: list[ReplayItem] = []  # released by step/seek, not yet taken

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
        return min(self.duration_ms, self._anchor_ms + (self._clock() - self._anchor_s) * 1000.0 * self._speed)

    def next_offset_ms(self) -> float | None:
        """The offset of the first entry not yet released (None when all are)."""
        return self._entries[self._next].offset_ms if self._next < len(self._entries) else None

    def restart(self) -> None:
        """Back to the start of what is left: the recording clock reads 0 now."""
        self._reanchor(0.0)

    def rewind(self, *, paused: bool) -> None:
        """Back to the very start: every entry is due again, the clock reads 0 (and stays there
        while `paused`)."""
        self._next = 0
        self._pending = []
        self._paused = paused
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
        target = next((i for i in range(self._next, len(self._entries)) if _is_barge_in(self._entries[i])), None)
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


def _is_barge_in(entry: Entry) -> bool:
    return isinstance(entry, ActionEntry) and entry.kind == BARGE_IN
