"""The sounddevice backend: a PortAudio callback stream opened per stretch of speech.

PortAudio reaches the sound server through ALSA's default device (Debian's libportaudio2 plus
the ALSA pulse plugin). It stamps every callback with when its first frame reaches the DAC,
which makes the heard-sample count exact to the block. `abort()` drops what the stream holds.
"""

from __future__ import annotations

from tui.clock import Clock

from .device import DeviceError, Source, raise_priority

_PROBE_RATE = 24000


class SounddeviceDevice:
    name = "sounddevice"

    # PortAudio's "low" latency here is 10.7 ms (four 64-frame periods): on a loaded 2-core
    # machine one-second turns then underran in 5 of 15; at 20 ms, none had a gap over 5 ms.
    # An abort drops the buffer, so its size costs start-up latency only, not barge-in.
    def __init__(self, clock: Clock, latency: float = 0.02) -> None:
        self._clock = clock
        self._latency = latency
        self.prefill = self.stop_period = latency
        self.output_latency: float | None = latency  # PortAudio's own figure once a stream is open
        self._stream = None

    def probe(self) -> str | None:
        try:
            import sounddevice as sd
        except (ImportError, OSError) as exc:  # OSError: libportaudio2 missing
            return f"sounddevice is unavailable ({exc})"
        problem = _output_problem(sd)
        if problem is not None:
            # PortAudio lists the devices once, when it is loaded: a sound server that came up
            # since is seen only after a restart of the library. Nothing of ours can be playing
            # (there was no device), so restarting it is safe.
            sd._terminate()
            sd._initialize()
            problem = _output_problem(sd)
        return problem

    def open(self, rate: int, source: Source) -> None:
        import sounddevice as sd

        clock = self._clock
        first = [True]

        def callback(outdata, frames, time_info, _status) -> None:
            if first[0]:
                first[0] = False
                raise_priority()
            ahead = max(0.0, time_info.outputBufferDacTime - time_info.currentTime)
            outdata[:] = source(frames, clock() + ahead)

        try:
            stream = sd.RawOutputStream(
                samplerate=rate, channels=1, dtype="int16", latency=self._latency, callback=callback
            )
            stream.start()
        except sd.PortAudioError as exc:
            raise DeviceError(f"audio output failed to open ({exc})") from None
        self._stream = stream
        self.output_latency = float(stream.latency)

    def halt(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort()
            stream.close()

    close = halt


def _output_problem(sd) -> str | None:
    try:
        sd.check_output_settings(samplerate=_PROBE_RATE, channels=1, dtype="int16")
    except (sd.PortAudioError, ValueError) as exc:
        return f"no audio output device (PortAudio: {exc})"
    return None
