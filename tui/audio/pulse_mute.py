"""Mute one of our own streams at the PulseAudio server (PipeWire's pulse server too).

simpleaudio cannot drop what its ALSA stream holds: a stop plays out about 100 ms. Muting the
stream at the server silences it within a few milliseconds instead. This goes through `pactl`
(Debian's pulseaudio-utils) rather than a client library: one look-up per stretch of speech and
one command per barge-in, and nothing at all without a pulse server (the caller then stops the
slow way).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

_TIMEOUT = 2.0


def _pactl(*args: str) -> subprocess.CompletedProcess[str] | None:
    pactl = shutil.which("pactl")
    if pactl is None:
        return None
    try:
        done = subprocess.run(
            [pactl, *args], capture_output=True, text=True, timeout=_TIMEOUT, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done if done.returncode == 0 else None


def available() -> bool:
    """True when a pulse server answers (so muting can work)."""
    return _pactl("info") is not None


def newest_own_stream() -> int | None:
    """Index of this process's most recent playback stream on the server, if there is one."""
    done = _pactl("-f", "json", "list", "sink-inputs")
    try:
        streams = json.loads(done.stdout) if done else []
    except ValueError:
        return None
    pid = str(os.getpid())
    own = [
        s.get("index")
        for s in streams
        if isinstance(s, dict) and (s.get("properties") or {}).get("application.process.id") == pid
    ]
    return max((i for i in own if isinstance(i, int)), default=None)


def mute(index: int) -> bool:
    """Mute the stream now; False if the server could not be asked."""
    return _pactl("set-sink-input-mute", str(index), "1") is not None
