"""Capped exponential backoff for reconnecting, computed from an injected clock."""
from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


@dataclass
class Backoff:
    """Delays initial, initial*factor, ... capped at `cap`; `jitter` spreads each by ±fraction.

    `attempt` counts the failures since the last `reset()` (a successful connection).
    """

    initial: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.1
    rand: Callable[[], float] = field(default=random.random, repr=False)
    attempt: int = 0

    def __post_init__(self) -> None:
        if not (self.initial > 0 and self.factor >= 1 and self.cap >= self.initial and 0 <= self.jitter < 1):
            raise ValueError("backoff needs initial > 0, factor >= 1, cap >= initial, 0 <= jitter < 1")

    def next_delay(self) -> float:
        """The delay before the next attempt, and count the attempt."""
        base = min(self.cap, self.initial * self.factor ** self.attempt)
        self.attempt += 1
        spread = base * self.jitter * (2 * self.rand() - 1)
        return max(0.0, min(self.cap, base + spread))

    def deadline(self, clock: Clock) -> float:
        """Clock time of the next attempt."""
        return clock() + self.next_delay()

    def reset(self) -> None:
        self.attempt = 0


async def sleep_until(deadline: float, clock: Clock, wake: asyncio.Event | None = None) -> bool:
    """Sleep until `clock()` reaches `deadline`, or until `wake` is set (returns True then)."""
    delay = max(0.0, deadline - clock())
    if wake is None:
        await asyncio.sleep(delay)
        return False
    try:
        await asyncio.wait_for(wake.wait(), timeout=delay)
        return True
    except TimeoutError:
        return False
