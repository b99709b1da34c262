"""The speaker: streaming, gapless, instantly stoppable playback of the turns' audio.

`make_speaker()` is the entry point; see `speaker.Speaker` for the interface. Textual-free:
progress reaches the UI only through the `on_progress` callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tui.choices import AUDIO_BACKENDS as BACKENDS, DEFAULT_AUDIO_BACKEND as DEFAULT_BACKEND
from tui.clock import Clock

from .alsa import silence_alsa
from .device import Device
from .jitter import PlayoutDelay
from .miniaudio_out import MiniaudioDevice
from .playout import Progress
from .silent import SilentDevice
from .simpleaudio_out import SimpleaudioDevice
from .sounddevice_out import SounddeviceDevice
from .speaker import ProgressCallback, Speaker

# One device per name of tui.choices.AUDIO_BACKENDS but "none" (the silent device).
_DEVICES: dict[str, Callable[[Clock], Device]] = {
    "miniaudio": MiniaudioDevice,
    "sounddevice": SounddeviceDevice,
    "simpleaudio": SimpleaudioDevice,
}


def make_speaker(
    name: str | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    clock: Clock = time.monotonic,
    delay: PlayoutDelay | None = None,
) -> Speaker:
    """A speaker on backend `name` (None: the default). Never raises for a missing device: it
    falls back to the silent backend and says why in `silent_reason`. An unknown name is a
    ValueError naming the choices."""
    chosen = DEFAULT_BACKEND if name is None else name
    if chosen not in BACKENDS:
        raise ValueError(f"unknown audio backend {name!r} (choose one of {', '.join(BACKENDS)})")
    options: dict[str, Any] = {"on_progress": on_progress, "clock": clock, "delay": delay}
    if chosen == "none":
        off = "audio turned off (--audio none)"
        return Speaker(SilentDevice(clock), silent_reason=off, **options)
    silence_alsa()
    device = _DEVICES[chosen](clock)
    try:
        reason = device.probe()
    except Exception as exc:  # a library failing in a way it did not document
        reason = f"audio output failed ({exc})"
    if reason is not None:
        return Speaker(SilentDevice(clock), silent_reason=f"{chosen}: {reason}", **options)
    return Speaker(device, **options)


__all__ = ["BACKENDS", "DEFAULT_BACKEND", "Progress", "PlayoutDelay", "Speaker", "make_speaker"]
