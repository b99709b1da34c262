"""The synthesis worker threads, serving the most urgent step first.

Every step is one voice unit for one turn. A turn that has sent no audio yet is the most
urgent: its first units run before anything else, in arrival order, so a new turn (a barge-in,
the next agent turn) waits for at most the steps already running, however many contexts drain.
Every other step carries a deadline, when its turn's client runs out of the audio already sent
(played from its first frame), and the earliest deadline runs first. Under overload those
deadlines fall into the past; first units still go ahead of them (measured: with plain
earliest-deadline-first, new turns waited seconds behind starved drains).
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
        """Run `work` on a worker; `deadline=None` marks a turn's first audio (before all else)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        rank = (0, self.clock()) if deadline is None else (1, deadline)
        self._queue.put((rank, next(self._order), loop, future, work))
        return await future

    def close(self) -> None:
        """Stop the workers once the steps already queued have run or been dropped."""
        for _ in self._threads:
            self._queue.put(((2, 0.0), next(self._order), None, None, _STOP))

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
        except BaseException as exc:   # handed to the awaiting coroutine, which reports it
            result, error = None, exc
        try:
            loop.call_soon_threadsafe(_settle, future, result, error)
        except RuntimeError:   # the loop closed meanwhile: nobody waits for this any more
            pass
        return True
