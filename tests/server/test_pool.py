"""The synthesis pool serves the most urgent step first: the earliest audio deadline, a new
turn's first unit counting as due FIRST_UNIT_LEAD before it arrived (ahead of drains that are
not that late), and no drain held back longer than that by new turns."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tui.server import ManualClock
from tui.server.pool import FIRST_UNIT_LEAD, DeadlinePool


async def run_in_order(
    pool: DeadlinePool, clock: ManualClock, queued: list[tuple[float, str, float | None]]
) -> list[str]:
    """Hold the only worker, queue `queued` (clock time at submission, name, deadline) in that
    order, then let the worker go: the order the steps ran in."""
    gate = threading.Event()
    order: list[str] = []

    def step(name: str):
        def run() -> str:
            if name == "busy":
                gate.wait(5)
            order.append(name)
            return name

        return run

    busy = asyncio.ensure_future(pool.run(step("busy"), 0))
    await asyncio.sleep(0.05)  # the only worker is now held by "busy"
    tasks = []
    for at, name, deadline in queued:
        clock.advance(at - clock())
        tasks.append(asyncio.ensure_future(pool.run(step(name), deadline)))
        await asyncio.sleep(0)  # submitted now, at this clock time
    gate.set()
    results = await asyncio.wait_for(asyncio.gather(busy, *tasks), 5)
    assert results == ["busy"] + [name for _, name, _ in queued]
    return order[1:]


@pytest.fixture
def clock_and_pool():
    clock = ManualClock(10)
    pool = DeadlinePool(workers=1, clock=clock)
    yield clock, pool
    pool.close()


async def test_earliest_deadline_first_and_a_first_unit_ahead_of_drains_not_yet_that_late(clock_and_pool):
    clock, pool = clock_and_pool
    order = await run_in_order(
        pool,
        clock,
        [
            (10, "plays at 13", 13.0),
            (10, "plays at 11", 11.0),
            (10, "first unit", None),
            (10, "also 11", 11.0),
            (10, "overdue by 3 s", 7.0),
        ],
    )
    assert order == ["first unit", "overdue by 3 s", "plays at 11", "also 11", "plays at 13"]


async def test_first_units_run_in_arrival_order(clock_and_pool):
    clock, pool = clock_and_pool
    order = await run_in_order(pool, clock, [(10, "a", None), (10.5, "b", None), (11, "c", None)])
    assert order == ["a", "b", "c"]


async def test_no_starvation_a_drain_overdue_past_the_lead_runs_before_later_new_turns(clock_and_pool):
    """A playing context whose audio ran out at 10 waits while new turns keep arriving: those
    that arrive within FIRST_UNIT_LEAD of its deadline go first, later ones queue behind it."""
    clock, pool = clock_and_pool
    order = await run_in_order(
        pool,
        clock,
        [
            (10, "drain due at 10", 10.0),
            (10 + FIRST_UNIT_LEAD - 1, "new turn, 4 s later", None),
            (10 + FIRST_UNIT_LEAD + 1, "new turn, 6 s later", None),
            (10 + FIRST_UNIT_LEAD + 2, "another, 7 s later", None),
        ],
    )
    assert order == ["new turn, 4 s later", "drain due at 10", "new turn, 6 s later", "another, 7 s later"]


async def test_the_lead_is_the_pools_setting(clock_and_pool):
    clock, _ = clock_and_pool
    strict = DeadlinePool(workers=1, clock=clock, first_unit_lead=0.0)
    try:
        order = await run_in_order(strict, clock, [(10, "drain due at 10.5", 10.5), (10, "first unit", None)])
    finally:
        strict.close()
    assert order == ["first unit", "drain due at 10.5"]


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
