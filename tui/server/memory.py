"""Giving the memory of ended connections back to the system (issue 11, item 1).

Two things keep a closed connection's memory from the system after its objects are gone:
- Reference cycles. websockets' connection, protocol and transport objects refer to each other,
  so an ended connection waits for a full collection, and full collections come by object counts,
  not bytes: a server that has just dropped 25 sockets may not run one for a long time.
- glibc's allocator. Freed audio buffers (a unit's frames, made in a worker thread's arena) stay
  in the heap until `malloc_trim`.

So: when the last open connection ends, wait IDLE_RELEASE_DELAY on the server's clock for its
teardown to finish (websockets' close, a worker finishing a unit nobody will send), then collect
cycles and trim. A full collection blocks the event loop (5-13 ms for the ~31,000 objects of an
idle tone server on the shared 2-core VM), which is why it only runs with no connection open.
While connections stay open, freed memory is trimmed at most every TRIM_INTERVAL; cycles then
wait for the interpreter's own collections.

Measured (bench/abuse.py --parts disconnects; docs/PERFORMANCE.md "Server under abuse"): what is
left after that is pymalloc arenas kept by long-lived objects allocated in them during the peak,
a few MB that do not grow with the number of connections.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
from collections.abc import Callable

from .clock import Clock, sleep_on

# After the last open connection ends, how long its teardown gets before the collection and trim
# (seconds on the server's clock). Longer than websockets' close of an aborted socket.
IDLE_RELEASE_DELAY = 1.0
# While connections stay open, freed memory goes back to the system at most this often.
TRIM_INTERVAL = 10.0


def malloc_trim() -> Callable[[], None] | None:
    """glibc's malloc_trim(0), or None where there is none (another libc: nothing to do)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return lambda: trim(0)


_GLIBC_TRIM = malloc_trim()


class MemoryRelease:
    """Call `connection_ended()` as each connection's handler ends, and `close()` with the server.

    `open_connections` says how many connections are being served. `trim` and `collect` are
    injectable for tests (defaults: glibc's malloc_trim where there is one, gc.collect).
    """

    def __init__(
        self,
        clock: Clock,
        open_connections: Callable[[], int],
        *,
        trim: Callable[[], object] | None = _GLIBC_TRIM,
        collect: Callable[[], object] = gc.collect,
        idle_delay: float = IDLE_RELEASE_DELAY,
        interval: float = TRIM_INTERVAL,
    ) -> None:
        self.clock = clock
        self._open_connections = open_connections
        self._trim = trim
        self._collect = collect
        self._idle_delay = idle_delay
        self._interval = interval
        self._trimmed = clock()  # when freed memory last went back to the system
        self._idle: asyncio.Task[None] | None = None  # the release waiting for teardowns to end
        self.idle_releases = 0  # how many idle releases have run

    def connection_ended(self) -> None:
        """A connection's handler is ending (and no longer counted as open)."""
        if self._open_connections() == 0:
            if self._idle is None or self._idle.done():
                self._idle = asyncio.get_running_loop().create_task(self._release_when_idle())
            return
        if self._trim is not None and self.clock() - self._trimmed >= self._interval:
            self._trimmed = self.clock()
            self._trim()

    def close(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    async def _release_when_idle(self) -> None:
        await sleep_on(self.clock, self._idle_delay)
        if self._open_connections():  # a connection came meanwhile: its end releases
            return
        self._collect()
        if self._trim is not None:
            self._trim()
        self._trimmed = self.clock()
        self.idle_releases += 1
