"""The synthesis pool serves the most urgent step first: a new turn's first unit before every
other, then the earliest audio deadline."""
from __future__ import annotations

import asyncio
import threading

import pytest

from tui.server import ManualClock
from tui.server.pool import DeadlinePool


async def test_a_first_unit_runs_before_every_deadline_even_a_missed_one_then_earliest_deadline_first():
    pool = DeadlinePool(workers=1, clock=ManualClock(10))
    gate = threading.Event()
    order: list[str] = []

    def step(name: str):
        def run() -> str:
            if name == "busy":
                gate.wait(5)
            order.append(name)
            return name
        return run

    try:
        busy = asyncio.ensure_future(pool.run(step("busy"), 0))
        await asyncio.sleep(0.05)                       # the only worker is now held by "busy"
        queued = [asyncio.ensure_future(pool.run(step(name), deadline)) for name, deadline in
                  [("plays at 13", 13.0), ("plays at 11", 11.0), ("first unit", None), ("also 11", 11.0),
                   ("starved since 5", 5.0)]]
        await asyncio.sleep(0.05)
        gate.set()
        results = await asyncio.wait_for(asyncio.gather(busy, *queued), 5)
    finally:
        pool.close()
    assert results[0] == "busy"
    assert order == ["busy", "first unit", "starved since 5", "plays at 11", "also 11", "plays at 13"]


async def test_a_failing_step_hands_its_error_to_the_waiting_coroutine():
    pool = DeadlinePool(workers=1)

    def broken() -> None:
        raise ValueError("voice failed")

    try:
        with pytest.raises(ValueError, match="voice failed"):
            await asyncio.wait_for(pool.run(broken), 5)
        assert await asyncio.wait_for(pool.run(lambda: "still serving"), 5) == "still serving"
    finally:
        pool.close()
