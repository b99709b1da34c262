"""The tone voice: exact, deterministic timings for tests.

Every char lasts `ms_per_char / speed` ms: whitespace is silence, any other char a sine whose
frequency comes from the char, with short raised-cosine fades so chars do not click. Char
boundaries sit at fixed sample positions counted from the start of the whole text, so a text
of N chars always lasts round(N * ms_per_char * rate / 1000) samples however it is cut into
chunks, and the same text gives the same bytes every time. The tone voice does no text
normalization: its normalized alignment equals the plain one.

`generation_rtf` makes it take time like a real model: each unit is held back for
`generation_rtf` × its audio duration before it is yielded (0, the default, is instant). The
bytes do not change. It is what lets a test see a closed context hold its slot while it drains,
as on the real service (rapid barge-ins exhaust the five slots).

Thread-safety: holds no mutable state; any number of threads may synthesize at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

import numpy as np

from .chunk import SynthChunk, timings_from_boundaries
from .resample import to_s16le
from .units import FIRST_UNIT_WORDS, iter_units
from .voice import check_number, check_request, check_whole_number

DEFAULT_MS_PER_CHAR = 60.0
AMPLITUDE = 0.25
FADE_MS = 4.0


def tone_frequency(ch: str) -> float:
    """The sine frequency for one char: 200–1990 Hz in 10 Hz steps, below every rate's Nyquist."""
    return 200.0 + 10.0 * ((ord(ch) * 37) % 180)


class ToneVoice:
    name = "tone"

    def __init__(
        self,
        ms_per_char: float = DEFAULT_MS_PER_CHAR,
        first_words: int = FIRST_UNIT_WORDS,
        generation_rtf: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.ms_per_char = check_number("tone ms_per_char", ms_per_char, 1, 10_000)
        self.first_words = check_whole_number("first_words", first_words)
        self.generation_rtf = check_number("tone generation_rtf", generation_rtf, 0, 10)
        self._sleep = sleep

    def synthesize(self, text: str, sample_rate: int, *, speed: float = 1.0) -> Iterator[SynthChunk]:
        check_request(text, sample_rate, speed)
        return self._chunks(text, sample_rate, self.ms_per_char / speed)

    def _chunks(self, text: str, rate: int, char_ms: float) -> Iterator[SynthChunk]:
        def edge(index: int) -> int:  # sample position of a char boundary, from the text's start
            return math.floor(index * char_ms * rate / 1000 + 0.5)

        first = 0
        for unit in iter_units(text, self.first_words):  # lazily: a closed generator stops
            edges = [edge(first + i) for i in range(len(unit) + 1)]
            base = edges[0]
            audio = np.zeros(edges[-1] - base, dtype=np.float32)
            for ch, lo, hi in zip(unit, edges, edges[1:]):
                if not ch.isspace():
                    audio[lo - base : hi - base] = _note(tone_frequency(ch), hi - lo, rate)
            bounds_ms = [(e - base) * 1000.0 / rate for e in edges]
            starts, durations = timings_from_boundaries(bounds_ms, bounds_ms[-1])
            if self.generation_rtf:
                self._sleep(self.generation_rtf * bounds_ms[-1] / 1000)
            yield SynthChunk.plain(to_s16le(audio), rate, unit, starts, durations)
            first += len(unit)


def _note(frequency: float, samples: int, rate: int) -> np.ndarray:
    t = np.arange(samples, dtype=np.float64) / rate
    wave = AMPLITUDE * np.sin(2 * np.pi * frequency * t)
    fade = min(int(FADE_MS * rate / 1000), samples // 4)
    if fade:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
        wave[:fade] *= ramp
        wave[samples - fade :] *= ramp[::-1]
    return wave.astype(np.float32)
