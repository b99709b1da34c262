"""The speaker: plays the turns' audio in order, gaplessly, and goes silent at a barge-in.

One `Speaker` owns one output device and one control thread. The caller's thread (the asyncio
receive loop) feeds audio and stops turns; the device's own thread pulls audio; the control
thread opens the device when a turn is due, closes it once everything has been heard, and
reports progress. Nothing here touches the UI: progress leaves through `on_progress`, called
from the control thread at most ~25 times a second per active turn, which must not block
(the console turns it into a coalescing message).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tui.clock import Clock
from tui.protocol.formats import AudioFormat

from .device import Device, DeviceError
from .jitter import PlayoutDelay
from .playout import Playout
from .silent import SilentDevice

ProgressCallback = Callable[[str, int, int, bool], None]
"""on_progress(context_id, heard_samples, sample_rate, finished)."""

PROGRESS_INTERVAL = 0.04  # 25 reports a second while something plays
IDLE_CLOSE = 0.3  # keep the device this long after the last sound, for a next turn


class Speaker:
    def __init__(
        self,
        device: Device,
        *,
        on_progress: ProgressCallback | None = None,
        clock: Clock = time.monotonic,
        silent_reason: str | None = None,
        delay: PlayoutDelay | None = None,
    ) -> None:
        self._device = device
        self.backend_name: str = device.name
        self.silent_reason: str | None = silent_reason
        self._clock = clock
        self._on_progress = on_progress
        self._wake = threading.Condition()
        self._poked = False
        self._playout = Playout(delay, prefill=device.prefill, on_first_audio=self._poke)
        self._device_lock = threading.Lock()  # serialises open / halt / close
        self._open_rate: int | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="speaker", daemon=True)
        self._thread.start()

    # ---- what the app calls -------------------------------------------------------------

    def open_context(self, context_id: str) -> None:
        """A turn was opened: its place in the play order is fixed now."""
        self._playout.open(context_id)

    def feed(self, context_id: str, data: bytes, fmt: AudioFormat) -> str | None:
        """Queue one frame's audio (wire bytes). Never blocks on the device and never raises for
        bad input: returns a one-line reason when the audio was refused, else None. A context
        fed before it was opened takes its place in the play order now; audio of a stopped or
        played-out context is ignored."""
        return self._playout.feed(context_id, data, fmt, self._clock())

    def end(self, context_id: str) -> None:
        """The context's final arrived: play out what is queued, then move on."""
        self._playout.end(context_id)
        self._poke()

    def stop(self, context_id: str) -> None:
        """Silence the context now if it is playing, drop its queue, ignore its later audio."""
        if self._playout.stop(context_id, self._clock()):
            self._halt()
        self._poke()

    def barge_in(self) -> str | None:
        """Stop whatever is playing (or due next); returns its context id."""
        context_id = self._playout.current_id() or self._playout.playing_id(self._clock())
        if context_id is not None:
            self.stop(context_id)
        return context_id

    def heard_samples(self, context_id: str) -> int:
        return self._playout.heard(context_id, self._clock())[0]

    def heard_seconds(self, context_id: str) -> float:
        heard, rate = self._playout.heard(context_id, self._clock())
        return heard / rate if rate else 0.0

    @property
    def playing_context(self) -> str | None:
        return self._playout.playing_id(self._clock())

    @property
    def stop_period(self) -> float:
        """Seconds within which a stop is silent on this backend."""
        return self._device.stop_period

    @property
    def output_latency(self) -> float | None:
        """Seconds the output holds past a stop call, as the backend reports it (None: unknown)."""
        return self._device.output_latency

    def underruns(self, context_id: str) -> int:
        """How often the context ran dry while playing (each one a gap)."""
        return self._playout.underruns(context_id)

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=2)
        self._halt()

    # ---- the control thread ------------------------------------------------------------

    def _poke(self) -> None:
        with self._wake:
            self._poked = True
            self._wake.notify()

    def _run(self) -> None:
        timeout: float | None = None
        while True:
            with self._wake:
                if not self._poked and not self._closed:
                    self._wake.wait(timeout)
                self._poked = False
                if self._closed:
                    return
            now = self._clock()
            try:
                timeout = self._steer(now)
                active = self._report(now)
            except Exception as exc:  # never let a backend's surprise end the speaker thread
                self._fall_silent(f"audio output failed ({exc})")
                self._open_rate = None
                timeout, active = None, True
            # Something is or soon will be heard while the device is open: keep reporting.
            if active or self._open_rate is not None:
                timeout = PROGRESS_INTERVAL if timeout is None else min(timeout, PROGRESS_INTERVAL)

    def _steer(self, now: float) -> float | None:
        """Open or close the device as the turns require; returns when to look again."""
        want = self._playout.want(now)
        with self._device_lock:
            if self._open_rate is not None and (want is None or want.rate != self._open_rate):
                # Close once everything pulled was heard; linger a little when idle, so a turn
                # that follows at once does not pay for a new stream.
                quiet_at = self._playout.busy_until() + (IDLE_CLOSE if want is None else 0.0)
                if now < quiet_at:
                    return quiet_at - now
                self._release(self._device.close)
            if want is None:
                return None
            if self._open_rate is None:
                if now < want.start_at:
                    return want.start_at - now
                self._open(want.rate)
        return None

    def _open(self, rate: int) -> None:
        playout, clock = self._playout, self._clock

        def source(frames: int, audible_at: float) -> bytes:
            return playout.pull(frames, rate, audible_at, clock())

        try:
            self._device.open(rate, source)
        except Exception as exc:  # DeviceError, or a library failing in a way it did not plan
            why = str(exc) if isinstance(exc, DeviceError) else f"audio output failed ({exc})"
            self._fall_silent(why)
            self._device.open(rate, source)
        self._open_rate = rate

    def _fall_silent(self, reason: str) -> None:
        self.silent_reason = f"{self._device.name}: {reason}"
        self._device = SilentDevice(self._clock)
        self.backend_name = self._device.name
        self._playout.prefill = self._device.prefill

    def _release(self, how: Callable[[], None]) -> None:
        try:
            how()
        except Exception as exc:  # a failing close must not take the speaker down
            self._fall_silent(f"audio output failed ({exc})")
        self._open_rate = None

    def _halt(self) -> None:
        with self._device_lock:
            if self._open_rate is not None:
                self._release(self._device.halt)
        self._playout.device_halted(self._clock())

    def _report(self, now: float) -> bool:
        """Send progress that changed; True while some turn is still being heard."""
        updates, active = self._playout.progress(now)
        if self._on_progress is not None:
            for p in updates:
                try:
                    self._on_progress(p.context_id, p.heard_samples, p.sample_rate, p.finished)
                except Exception:  # the UI's bug must not silence the speaker
                    pass
        return active
