"""What the speaker needs from an audio output.

A device plays s16le mono at one sample rate, pulling its audio from a `Source` on its own
thread. It is opened on demand (when a turn is due) and closed when nothing is left to hear;
`halt` silences it at once. Devices never call into the UI.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Protocol

_RT_PRIORITY = 10  # low among real-time threads: below PulseAudio's own, above everything else

Source = Callable[[int, float], bytes]
"""(frames wanted, clock time the first of them becomes audible) -> exactly frames*2 bytes."""


class DeviceError(Exception):
    """The output could not be opened or stopped working; str() is one line for the operator."""


class Device(Protocol):
    name: str
    # How far ahead of its playhead the device pulls, in seconds: a turn must have that much
    # in hand before it starts, or its second chunk is late from the start.
    prefill: float
    # After `halt`, the device is silent within this many seconds (what the tests hold it to).
    stop_period: float
    # What the output holds past the stop call, in seconds, as the backend reports it (the
    # buffer it asked the sound server for, or the stream's own latency figure); None when the
    # backend does not say. The status strip shows it beside the stop call; what is truly heard
    # after a barge-in is measured from outside (bench/barge_in.py).
    output_latency: float | None

    def probe(self) -> str | None:
        """None if an output can be opened here; otherwise a one-line reason."""

    def open(self, rate: int, source: Source) -> None:
        """Start playing at `rate`, pulling from `source`. Raises DeviceError."""

    def halt(self) -> None:
        """Silence now and release the output (what it held is dropped)."""

    def close(self) -> None:
        """Release the output; called only once everything pulled has been heard."""


def raise_priority() -> None:
    """Ask for real-time scheduling for the calling thread: call it from a device's own audio
    thread, once. A callback late by one buffer is a gap, and on a busy machine an ordinary
    thread can wait longer than that for a CPU. Best effort: without the privilege (most
    desktops without rtkit) the thread stays as it was.
    """
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(_RT_PRIORITY))
    except (AttributeError, OSError):
        pass
