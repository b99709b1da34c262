"""Closing the seams where a clause was cut into several units.

Piper ends every run with its own final lengthening and silence (about 100 ms) and starts it
with up to 60 ms of silence. At a clause boundary that pause is welcome; where units.py cut a
clause after its first words it is a hesitation in mid-phrase. So the quiet tail of a unit that
ends mid-clause and the quiet head of the unit after it are trimmed down to a natural gap, and
the very first unit loses its leading silence too, which brings the start of speech forward.
Char boundaries move with the audio (chars inside trimmed silence collapse onto its edge).
"""

from __future__ import annotations

import numpy as np

QUIET = 0.015  # |sample| below this (after the voice's gain) counts as silence
KEEP_HEAD_MS = 10
KEEP_TAIL_MS = 30
FADE_MS = 5


def trim_silence(
    audio: np.ndarray, bounds: list[float], rate: int, *, head: bool, tail: bool
) -> tuple[np.ndarray, list[float]]:
    """Trim quiet head and/or tail beyond the kept margins; fade the new edges in and out."""
    loud = np.flatnonzero(np.abs(audio) >= QUIET)
    if not loud.size or not (head or tail):
        return audio, bounds
    start = max(0, int(loud[0]) - KEEP_HEAD_MS * rate // 1000) if head else 0
    end = min(audio.size, int(loud[-1]) + 1 + KEEP_TAIL_MS * rate // 1000) if tail else audio.size
    if start == 0 and end == audio.size:
        return audio, bounds
    trimmed = audio[start:end].copy()
    fade = min(FADE_MS * rate // 1000, trimmed.size // 2)
    ramp = np.linspace(0.0, 1.0, fade, endpoint=False, dtype=np.float32)
    if head and start and fade:
        trimmed[:fade] *= ramp
    if tail and end < audio.size and fade:
        trimmed[-fade:] *= ramp[::-1]
    moved = [min(max(b - start, 0.0), float(trimmed.size)) for b in bounds]
    return trimmed, moved
