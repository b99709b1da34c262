"""Socket-level keep-alive for the ElevenLabs multi-context endpoint.

The service closes a socket that receives nothing for `inactivity_timeout` seconds
(`input_timeout_exceeded`, 1008), even when no context is open. Like pipecat, the console sends a
context-less `{"text": ""}` when nothing else went out for a while: it opens no context and
resets no context's countdown, so what the slots show stays the operator's doing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from tui.clock import Clock

PIPECAT_INTERVAL = 10.0


def keep_alive_interval(inactivity_timeout: float) -> float:
    """Half the timeout, at most pipecat's 10 s, so one lost frame is not fatal."""
    return max(0.5, min(PIPECAT_INTERVAL, inactivity_timeout / 2))


async def keep_socket_alive(
    *,
    interval: float | Callable[[], float],
    clock: Clock,
    last_sent: Callable[[], float],
    connected: Callable[[], bool],
    send: Callable[[], object],
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """Forever: whenever `interval` passed since `last_sent()` on a live socket, `send()`.
    A callable `interval` is asked each time (the live settings may change the timeout)."""
    while True:
        every = interval() if callable(interval) else interval
        idle = clock() - last_sent()
        if idle >= every and connected():
            send()
            idle = 0.0
        # Look again within a second at most: a live change may shorten the interval meanwhile.
        await sleep(max(0.05, min(every - idle, 1.0) if callable(interval) else every - idle))
