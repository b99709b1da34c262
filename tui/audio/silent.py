"""The silent device: plays nothing but keeps time, so turns still advance and report progress.

It is the `--audio none` backend and what the speaker falls back to when no audio output can
be opened. Progress then says how much *would* have been heard.
"""

from __future__ import annotations

import threading

from tui.clock import Clock

from .device import Source


class SilentDevice:
    name = "none"
    prefill = 0.0
    stop_period = 0.0
    output_latency: float | None = None  # nothing is heard

    def __init__(self, clock: Clock, tick: float = 0.02) -> None:
        self._clock = clock
        self._tick = tick
        self._stop: threading.Event | None = None

    def probe(self) -> str | None:
        return None

    def open(self, rate: int, source: Source) -> None:
        stop = self._stop = threading.Event()
        threading.Thread(target=self._run, args=(rate, source, stop), name="speaker-silent", daemon=True).start()

    def _run(self, rate: int, source: Source, stop: threading.Event) -> None:
        start = self._clock()
        done = 0
        while not stop.wait(self._tick):
            now = self._clock()
            due = int((now - start) * rate) - done
            if due > 0:
                source(due, now)
                done += due

    def halt(self) -> None:
        if self._stop is not None:
            self._stop.set()
            self._stop = None

    close = halt
