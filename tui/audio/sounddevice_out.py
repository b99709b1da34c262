"""The sounddevice backend: a PortAudio callback stream opened per stretch of speech.

PortAudio reaches the sound server through ALSA's default device (Debian's libportaudio2 plus
the ALSA pulse plugin). It stamps every callback with when its first frame reaches the DAC,
which makes the heard-sample count exact to the block. `abort()` drops what the stream holds.
"""
from __future__ import annotations

from typing import Callable

from .device import DeviceError, Source

_PROBE_RATE = 24000


class SounddeviceDevice:
    name = "sounddevice"

    def __init__(self, clock: Callable[[], float], latency: float | str = "low") -> None:
        self._clock = clock
        self._latency = latency
        self.prefill = self.stop_period = 0.01   # refined from the device's figures by probe()
        self._stream = None

    def probe(self) -> str | None:
        try:
            import sounddevice as sd
        except (ImportError, OSError) as exc:   # OSError: libportaudio2 missing
            return f"sounddevice is unavailable ({exc})"
        try:
            info = sd.query_devices(kind="output")
            sd.check_output_settings(samplerate=_PROBE_RATE, channels=1, dtype="int16")
        except (sd.PortAudioError, ValueError) as exc:
            return f"no audio output device (PortAudio: {exc})"
        if self._latency == "low":
            self.prefill = self.stop_period = float(info["default_low_output_latency"])
        elif isinstance(self._latency, (int, float)):
            self.prefill = self.stop_period = float(self._latency)
        return None

    def open(self, rate: int, source: Source) -> None:
        import sounddevice as sd

        clock = self._clock

        def callback(outdata, frames, time_info, _status) -> None:
            ahead = max(0.0, time_info.outputBufferDacTime - time_info.currentTime)
            outdata[:] = source(frames, clock() + ahead)

        try:
            stream = sd.RawOutputStream(samplerate=rate, channels=1, dtype="int16",
                                        latency=self._latency, callback=callback)
            stream.start()
        except sd.PortAudioError as exc:
            raise DeviceError(f"audio output failed to open ({exc})") from None
        self._stream = stream

    def halt(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort()
            stream.close()

    close = halt
