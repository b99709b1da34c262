"""When the server gives ended connections' memory back (issue 11, item 1): tui/server/memory.py.

Counts calls on a hand-driven clock; bench/abuse.py --parts disconnects measures the RSS.
"""

from __future__ import annotations

import asyncio

from tui.server import ManualClock
from tui.server.memory import IDLE_RELEASE_DELAY, TRIM_INTERVAL, MemoryRelease


class Calls:
    def __init__(self) -> None:
        self.trims = 0
        self.collections = 0

    def trim(self) -> None:
        self.trims += 1

    def collect(self) -> int:
        self.collections += 1
        return 0


async def settle() -> None:
    for _ in range(5):  # let woken tasks run (no time passes on the manual clock)
        await asyncio.sleep(0)


def release(clock: ManualClock, open_count: list[int], calls: Calls) -> MemoryRelease:
    return MemoryRelease(clock, lambda: open_count[0], trim=calls.trim, collect=calls.collect)


async def test_the_last_connection_ending_collects_and_trims_once_its_teardown_has_had_time():
    clock, calls, open_count = ManualClock(), Calls(), [0]
    memory = release(clock, open_count, calls)
    memory.connection_ended()
    memory.connection_ended()  # a second end meanwhile does not queue a second release
    await settle()
    assert (calls.collections, calls.trims) == (0, 0)
    clock.advance(IDLE_RELEASE_DELAY / 2)
    await settle()
    assert (calls.collections, calls.trims) == (0, 0)
    clock.advance(IDLE_RELEASE_DELAY / 2)
    await settle()
    assert (calls.collections, calls.trims, memory.idle_releases) == (1, 1, 1)
    memory.close()


async def test_a_connection_that_opens_during_the_wait_postpones_the_release_to_its_own_end():
    clock, calls, open_count = ManualClock(), Calls(), [0]
    memory = release(clock, open_count, calls)
    memory.connection_ended()
    open_count[0] = 1
    clock.advance(IDLE_RELEASE_DELAY)
    await settle()
    assert calls.collections == 0
    open_count[0] = 0
    memory.connection_ended()
    clock.advance(IDLE_RELEASE_DELAY)
    await settle()
    assert calls.collections == 1
    memory.close()


async def test_while_connections_stay_open_ends_trim_at_most_every_interval_and_never_collect():
    clock, calls, open_count = ManualClock(), Calls(), [3]
    memory = release(clock, open_count, calls)
    for _ in range(10):
        memory.connection_ended()
        clock.advance(TRIM_INTERVAL / 4)
    await settle()
    # ends at 0, 2.5, ..., 22.5 s: trims when 10 s and 20 s have passed since the last
    assert (calls.trims, calls.collections) == (2, 0)
    memory.close()


async def test_closing_cancels_a_pending_release():
    clock, calls, open_count = ManualClock(), Calls(), [0]
    memory = release(clock, open_count, calls)
    memory.connection_ended()
    memory.close()
    clock.advance(IDLE_RELEASE_DELAY * 2)
    await settle()
    assert calls.collections == 0
