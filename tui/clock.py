"""`Clock`: the type of the clock callable that every layer takes wherever it computes a deadline
or a duration (time is injected: tests freeze or advance it). One alias, so it cannot drift; and
the one interruptible sleep on it, which the console and the server both use."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

Clock = Callable[[], float]  # seconds on a monotonic scale; only differences mean anything


async def sleep_until(deadline: float, clock: Clock, wake: asyncio.Event | None = None) -> bool:
    """Sleep until `clock()` reaches `deadline`, or until `wake` is set (returns True then)."""
    delay = max(0.0, deadline - clock())
    if wake is None:
        await asyncio.sleep(delay)
        return False
    # asyncio.timeout, not wait_for: on 3.11 wait_for loses a cancel that lands as `wake` is set,
    # and a server connection's deadline watcher then outlived its socket until the next deadline
    # (20 s of inactivity timeout, seen as a server close hanging 20 s).
    try:
        async with asyncio.timeout(delay):
            await wake.wait()
    except TimeoutError:
        return False
    return True
