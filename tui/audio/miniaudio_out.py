"""The miniaudio backend: a callback-driven device opened per stretch of speech.

miniaudio talks to PulseAudio (or PipeWire's pulse server) natively and falls back to ALSA;
its null backend, which would swallow audio silently, is never used. After `stop()` a
miniaudio device replays the interrupted buffer on its next `start()`, so a halted device is
closed and a fresh one made for the next turn.
"""

from __future__ import annotations

from collections.abc import Generator

from tui.clock import Clock

from .device import DeviceError, Source, raise_priority

_PROBE_RATE = 24000


class MiniaudioDevice:
    name = "miniaudio"

    # The same 20 ms as the sounddevice backend, so the two compare like for like.
    def __init__(self, clock: Clock, buffer_ms: int = 20) -> None:
        self._clock = clock
        self._buffer_ms = buffer_ms
        # The buffer is what it pulls ahead and what is still to be heard at a halt.
        self.prefill = self.stop_period = buffer_ms / 1000
        # miniaudio's pulse backend asks the server for a one-period target buffer; pyminiaudio
        # exposes no figure beyond the period it was given, so that is what it reports.
        self.output_latency: float | None = buffer_ms / 1000
        self._device = None

    def probe(self) -> str | None:
        try:
            import miniaudio  # noqa: F401  (only whether it imports)
        except ImportError as exc:
            return f"miniaudio is not installed ({exc})"
        try:
            _release(self._make(_PROBE_RATE))
        except DeviceError as exc:
            return str(exc)
        return None

    def _make(self, rate: int):
        import miniaudio

        try:
            return miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.SIGNED16,
                nchannels=1,
                sample_rate=rate,
                buffersize_msec=self._buffer_ms,
                app_name="switchboard",
                backends=[miniaudio.Backend.PULSEAUDIO, miniaudio.Backend.ALSA],
            )
        except miniaudio.MiniaudioError as exc:
            why = exc.args[0] if exc.args else exc
            raise DeviceError(f"no audio output device ({why})") from None

    def open(self, rate: int, source: Source) -> None:
        device = self._make(rate)
        frames = self._frames(source)
        next(frames)
        try:
            device.start(frames)
        except Exception as exc:  # miniaudio raises its own error type or a cffi one
            _release(device)
            raise DeviceError(f"audio output failed to start ({exc})") from None
        self._device = device

    def _frames(self, source: Source) -> Generator[bytes, int, None]:  # sent: the frames wanted
        clock, latency = self._clock, self.prefill
        wanted = yield b""
        raise_priority()  # the first send comes from miniaudio's audio thread
        while True:
            wanted = yield source(wanted, clock() + latency)

    def halt(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            _release(device)

    close = halt


def _release(device) -> None:
    """Stop and close a device, and its context too: pyminiaudio's close() leaves the context
    (and with it a connection to the sound server) behind, and PulseAudio refuses new clients
    once a few dozen have piled up."""
    import miniaudio

    device.close()
    context = getattr(device, "_context", None)
    if context is not None:
        miniaudio.lib.ma_context_uninit(context)
        device._context = None
