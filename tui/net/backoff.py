"""When to try connecting again, computed from an injected clock.

Two rules. A remote service gets capped exponential backoff with jitter: hammering it helps no
one, and many consoles must not retry in step. A loopback server that refused the TCP connect is
simply not listening yet (restarting, or its port not bound): a refused connect on loopback costs
next to nothing, so it is probed every `local_every` seconds, and the console is back within that
much of the server being ready, whatever the downtime.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from tui.clock import Clock


@dataclass
class Backoff:
    """Delays initial, initial*factor, ... capped at `cap`; `jitter` spreads each by ±fraction.

    `attempt` counts the failures since the last `reset()` (a successful connection) that backed
    off; `probes` the quick probes of a loopback server since then, which do not grow the delay;
    `tries` both. `local_every` is the probe interval for a loopback server that is not listening.
    """

    initial: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.1
    local_every: float = 0.5
    rand: Callable[[], float] = field(default=random.random, repr=False)
    attempt: int = 0
    probes: int = 0

    def __post_init__(self) -> None:
        if not (
            self.initial > 0
            and self.factor >= 1
            and self.cap >= self.initial
            and 0 <= self.jitter < 1
            and self.local_every > 0
        ):
            raise ValueError("backoff needs initial > 0, factor >= 1, cap >= initial, 0 <= jitter < 1, local_every > 0")

    def next_delay(self) -> float:
        """The delay before the next attempt, and count the attempt."""
        base = min(self.cap, self.initial * self.factor**self.attempt)
        self.attempt += 1
        spread = base * self.jitter * (2 * self.rand() - 1)
        return max(0.0, min(self.cap, base + spread))

    def next_probe(self) -> float:
        """The delay before probing a loopback server that is not listening, and count the attempt.

        Steady, no jitter (one console, one local server), never past the cap."""
        self.probes += 1
        return min(self.local_every, self.cap)

    @property
    def tries(self) -> int:
        return self.attempt + self.probes

    def deadline(self, clock: Clock) -> float:
        """Clock time of the next attempt."""
        return clock() + self.next_delay()

    def reset(self) -> None:
        self.attempt = self.probes = 0
