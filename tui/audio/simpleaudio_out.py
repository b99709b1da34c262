"""The simpleaudio backend (the product card's library), made as gapless as it can be.

simpleaudio plays one finished buffer per call, each through a fresh ALSA stream with a fixed
100 ms buffer, so one call per chunk leaves a gap at every seam. Here a single `play_buffer`
runs over a large zero-filled bytearray (a segment) that simpleaudio reads in place, and a
writer thread copies the turns' audio into it ahead of where simpleaudio reads (it copies its
100 ms buffer's worth ahead of the playhead). Audio written in time plays without a seam; the
queued chunks are coalesced by the copy. A segment that fills up hands over to the next one,
started when the first runs out.

Stopping: simpleaudio's `stop()` lets its thread finish the copy in progress and then plays out
the ALSA buffer (about 100 ms). So a halt first mutes the stream at the sound server when that
is PulseAudio or PipeWire (a few ms), then stops it and zeroes the segment so nothing not yet
copied can sound. Nothing here waits on simpleaudio's 50 ms poll loop.

Which simpleaudio: the archived `simpleaudio` 1.0.4 (2019) calls PyMem_Malloc from its playback
thread without the GIL, which crashes the interpreter on Python 3.12+ (segfault in the next
allocation). The `simpleaudio-patched` fork (same `simpleaudio` module; the `simpleaudio` extra)
allocates with PyMem_RawMalloc and runs on 3.11 to 3.13. The probe refuses the archived build
where it is known to crash instead of letting the console die mid-turn.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from importlib import metadata

from tui.clock import Clock

from . import pulse_mute
from .alsa import default_output_problem
from .device import DeviceError, Source

SEGMENT_SECONDS = 60.0
ALSA_BUFFER = 0.1  # simpleaudio's fixed latency
START_LATENCY = 0.005  # play_buffer call → first sample audible (PulseAudio null sink, measured)
INSTALL_HINT = "pip install 'switchboard[simpleaudio]'"
CRASHES_FROM = (3, 12)  # the archived build's PyMem_Malloc off the GIL segfaults from here on


def archived_build_problem(python: tuple[int, ...] = tuple(sys.version_info[:3])) -> str | None:
    """Why the installed simpleaudio must not run here: the archived distribution on a Python
    it crashes (the fork installs under another distribution name), else None."""
    if tuple(python[:2]) < CRASHES_FROM:
        return None
    try:
        version = metadata.version("simpleaudio")
    except metadata.PackageNotFoundError:
        return None
    return (
        f"simpleaudio {version} (archived) crashes Python {python[0]}.{python[1]}; "
        f"pip uninstall simpleaudio, then {INSTALL_HINT} (the maintained fork)"
    )


class SimpleaudioDevice:
    name = "simpleaudio"
    output_latency: float | None = None  # simpleaudio does not report it

    def __init__(self, clock: Clock, lead: float = 0.12, head: float = 0.22, tick: float = 0.01) -> None:
        self._clock = clock
        self._lead = lead  # written this far ahead of the playhead: > ALSA_BUFFER + tick
        self._head = head  # written before play_buffer: its first reads take two buffers
        self._tick = tick
        self.prefill = max(lead, head)
        self.stop_period = ALSA_BUFFER + 0.03  # without a pulse server to mute the stream
        self._writer: _Writer | None = None

    def probe(self) -> str | None:
        problem = archived_build_problem()
        if problem is not None:
            return problem
        try:
            import simpleaudio  # noqa: F401
        except ImportError:
            return f"simpleaudio is not installed ({INSTALL_HINT})"
        problem = default_output_problem()
        if problem is None and pulse_mute.available():
            self.stop_period = 0.03
        return problem

    def open(self, rate: int, source: Source) -> None:
        writer = _Writer(rate, source, self._clock, self._lead, self._head, self._tick)
        writer.start()
        self._writer = writer

    def halt(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.halt()

    close = halt


class _Segment:
    """One play_buffer over one bytearray; sample k is heard about `t0 + START_LATENCY + k/rate`."""

    def __init__(self, rate: int, source: Source, clock: Clock, head: int) -> None:
        import simpleaudio

        self.frames = int(SEGMENT_SECONDS * rate)
        self.buf = bytearray(self.frames * 2)
        planned = clock()
        self.buf[: head * 2] = source(head, planned + START_LATENCY)
        self.written = head
        try:
            self.play = simpleaudio.play_buffer(self.buf, 1, 2, rate)
        except Exception as exc:  # simpleaudio's own error type, or ValueError for a bad rate
            raise DeviceError(f"simpleaudio could not play ({exc})") from None
        self.t0 = planned
        self.stream: int | None = None  # its index at the pulse server, once looked up

    def silence(self) -> None:
        if self.stream is not None:
            pulse_mute.mute(self.stream)
        self.play.stop()
        # What its thread has not copied yet becomes silence; the memset keeps the buffer's size.
        view = (ctypes.c_char * len(self.buf)).from_buffer(self.buf)
        ctypes.memset(view, 0, len(self.buf))
        del view


class _Writer:
    def __init__(self, rate: int, source: Source, clock: Clock, lead: float, head: float, tick: float) -> None:
        self._rate, self._source, self._clock = rate, source, clock
        self._lead, self._head, self._tick = lead, head, tick
        self._halted = threading.Event()
        self._lock = threading.Lock()  # halt vs. a segment being started
        self._segments: list[_Segment] = []
        self._thread = threading.Thread(target=self._run, name="speaker-simpleaudio", daemon=True)

    def start(self) -> None:
        self._segments.append(self._new_segment())
        self._thread.start()

    def _new_segment(self) -> _Segment:
        return _Segment(self._rate, self._source, self._clock, int(self._head * self._rate))

    def _run(self) -> None:
        rate = self._rate
        self._segments[-1].stream = pulse_mute.newest_own_stream()
        while not self._halted.wait(self._tick):
            seg = self._segments[-1]
            now = self._clock()
            target = min(seg.frames, int((now - seg.t0 + self._lead) * rate))
            if target > seg.written:
                n = target - seg.written
                data = self._source(n, seg.t0 + START_LATENCY + seg.written / rate)
                seg.buf[seg.written * 2 : target * 2] = data
                seg.written = target
            end = seg.t0 + seg.frames / rate
            if seg.written == seg.frames and now >= end - self._tick:
                self._halted.wait(max(0.0, end - self._clock()))
                with self._lock:
                    if self._halted.is_set():
                        return
                    try:
                        self._segments = [seg, self._new_segment()]
                    except DeviceError:
                        return  # the output went away: the speaker hears no more from us
                self._segments[-1].stream = pulse_mute.newest_own_stream()

    def halt(self) -> None:
        with self._lock:
            self._halted.set()
            for seg in self._segments:
                seg.silence()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=1)
