"""Time for the server: a clock callable, a hand-driven clock for tests, and deadline waits.

Every deadline the server keeps (context inactivity, Murf's buffer delay, socket idle) is a
number on a clock callable. The runtime waits for the earliest one with `wait_until`; with the
real clock that is a timed wait, with a `ManualClock` it is a wait for the test to move time.
"""

from __future__ import annotations

import asyncio
import time

from tui.clock import Clock, sleep_until

real_clock: Clock = time.monotonic


class ManualClock:
    """A clock that moves only when `advance` is called; waiters wake when it does.

    Safe to advance from any thread or event loop: waiters are woken on their own loop.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = float(start)
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._now += seconds
        for loop, event in list(self._waiters):
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    def _subscribe(self, event: asyncio.Event) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        entry = (asyncio.get_running_loop(), event)
        self._waiters.add(entry)
        return entry

    def _unsubscribe(self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        self._waiters.discard(entry)


async def wait_until(clock: Clock, deadline: float | None, wake: asyncio.Event) -> None:
    """Return once `deadline` has passed on `clock`, or as soon as `wake` is set.

    `deadline=None` waits for `wake` only. The caller clears `wake` and re-reads its deadlines.
    """
    if isinstance(clock, ManualClock):
        entry = clock._subscribe(wake)
        try:
            if deadline is None or clock() < deadline:
                await wake.wait()
        finally:
            clock._unsubscribe(entry)
        return
    if deadline is None:
        await wake.wait()
        return
    if deadline > clock():
        await sleep_until(deadline, clock, wake)


async def sleep_on(clock: Clock, seconds: float) -> None:
    """Wait `seconds` on `clock`. With a ManualClock `wait_until` returns at every advance, so
    this waits again until the deadline has really passed."""
    if seconds <= 0:
        return
    deadline = clock() + seconds
    wake = asyncio.Event()
    while clock() < deadline:
        await wait_until(clock, deadline, wake)
        wake.clear()
