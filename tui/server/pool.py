"""The synthesis worker threads, serving the most urgent step first.

One pool serves every connection of a server, so the order below holds across all sockets'
contexts. Every step is one voice unit for one turn and carries a deadline: when its turn's
client runs out of the audio already sent (played from its first frame). The earliest deadline
runs first. A turn that has sent no audio yet has no audio to run out of: its first unit counts
as due FIRST_UNIT_LEAD seconds before it arrived, so a new turn (a barge-in, the next agent turn)
goes ahead of every drain that is not already that late, however many contexts drain (measured:
with plain earliest-deadline-first, new turns waited seconds behind starved drains). The lead is
finite so that nothing starves: a drain overdue by more than it runs before any first unit that
arrives later, so a stream of new turns cannot hold a playing context's audio back for longer.
Deadlines do not run away into the past under overload: a lane's next deadline restarts from
now plus the audio just sent (synthesis.py), so only time spent waiting in this queue makes a
step overdue.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .clock import Clock, real_clock

T = TypeVar("T")
_STOP = object()
# How much earlier than its arrival a first unit counts as due: the longest a playing context's
# next unit can be held back by new turns arriving after it. Under 20 contexts on two cores a
# step waits up to a few seconds in the queue anyway, so this stays above that: shorter would put
# barge-ins behind overloaded drains again.
FIRST_UNIT_LEAD = 5.0


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class DeadlinePool:
    """A fixed set of daemon threads running submitted callables by deadline, then by arrival."""

    def __init__(
        self, workers: int, clock: Clock = real_clock, name: str = "synth", first_unit_lead: float = FIRST_UNIT_LEAD
    ) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.clock = clock
        self.first_unit_lead = first_unit_lead
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True) for n in range(workers)]
        for thread in self._threads:
            thread.start()

    async def run(self, work: Callable[[], T], deadline: float | None = None) -> T:
        """Run `work` on a worker; `deadline=None` marks a turn's first audio (see the module note)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        due = self.clock() - self.first_unit_lead if deadline is None else deadline
        self._queue.put(((0, due), next(self._order), loop, future, work))
        return await future

    def close(self) -> None:
        """Stop the workers once the steps already queued have run or been dropped."""
        for _ in self._threads:
            self._queue.put(((1, 0.0), next(self._order), None, None, _STOP))

    def _work(self) -> None:
        while self._run_one(self._queue.get()):
            pass

    @staticmethod
    def _run_one(item: tuple) -> bool:
        """Run one queued step; False at the stop marker. A step is only held while it runs (an
        idle worker holding its last one would keep a closed connection alive)."""
        _, _, loop, future, work = item
        if work is _STOP:
            return False
        if future.cancelled() or loop.is_closed():
            return True
        try:
            result, error = work(), None
        except BaseException as exc:  # handed to the awaiting coroutine, which reports it
            result, error = None, exc
        try:
            loop.call_soon_threadsafe(_settle, future, result, error)
        except RuntimeError:  # the loop closed meanwhile: nobody waits for this any more
            pass
        return True
