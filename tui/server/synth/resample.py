"""Float audio at the voice's rate → s16le at the requested rate, through soxr.

Each synthesis unit is resampled on its own, in one call. A unit is one complete model run
that starts and ends in the model's own silence, so nothing is continuous across units for a
stream to preserve; a soxr stream carried across them would instead hold each chunk's last
few milliseconds (the filter's delay) back until the next chunk, which would shift audio away
from its alignment and delay the first audio. One call gives exactly round(n * out / in)
samples with the edges handled, which is what the alignment is scaled by.
"""

from __future__ import annotations

import numpy as np
import soxr

_FULL_SCALE = 32767.0


def resample(audio: np.ndarray, in_rate: float, out_rate: float) -> np.ndarray:
    """Band-limited (soxr "HQ") resampling of mono float audio; the identity when rates match."""
    audio = np.asarray(audio, dtype=np.float32)
    if in_rate == out_rate or audio.size == 0:
        return audio
    return soxr.resample(audio, in_rate, out_rate, quality="HQ")


def to_s16le(audio: np.ndarray) -> bytes:
    """Float in [-1, 1] → little-endian 16-bit PCM, clipping anything outside."""
    scaled = np.clip(np.asarray(audio, dtype=np.float32) * _FULL_SCALE, -_FULL_SCALE, _FULL_SCALE)
    return np.round(scaled).astype("<i2").tobytes()
