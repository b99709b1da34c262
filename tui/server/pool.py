"""The synthesis worker threads, serving the most urgent step first (earliest deadline first).

Every step is one voice unit for one turn, and its deadline is when that turn's client runs out
of audio: now, for a turn that has sent none yet; otherwise when the audio already sent would
end if played from its first frame. So a new turn's first unit (a barge-in, the next agent
turn) goes ahead of units for turns whose clients still have seconds of audio buffered, and
time to first audio stays short while other contexts drain. Equal deadlines run in order.
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


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class DeadlinePool:
    """A fixed set of daemon threads running submitted callables by deadline, then by arrival."""

    def __init__(self, workers: int, clock: Clock = real_clock, name: str = "synth") -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.clock = clock
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True)
                         for n in range(workers)]
        for thread in self._threads:
            thread.start()

    async def run(self, work: Callable[[], T], deadline: float | None = None) -> T:
        """Run `work` on a worker once no earlier deadline waits; `None` means now (most urgent)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        when = self.clock() if deadline is None else deadline
        self._queue.put((when, next(self._order), loop, future, work))
        return await future

    def close(self) -> None:
        """Stop the workers once the steps already queued have run or been dropped."""
        for _ in self._threads:
            self._queue.put((float("inf"), next(self._order), None, None, _STOP))

    def _work(self) -> None:
        while True:
            _, _, loop, future, work = self._queue.get()
            if work is _STOP:
                return
            if future.cancelled() or loop.is_closed():
                continue
            try:
                result, error = work(), None
            except BaseException as exc:   # handed to the awaiting coroutine, which reports it
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:   # the loop closed meanwhile: nobody waits for this any more
                pass
