"""One piece of synthesized speech with the character timings of the text it covers.

Timings follow the ElevenLabs alignment object (PROTOCOL.md §1.3): integer milliseconds,
relative to the start of *this* chunk's audio. The chars of every chunk a voice yields are
contiguous (char i ends where char i+1 starts) and lie inside the chunk's audio (floored to a
whole millisecond); silence before the first or after the last char may be left uncovered.
A client keeps a running offset per context from the audio lengths, so nothing drifts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tui.protocol.frames import Alignment

BYTES_PER_SAMPLE = 2  # s16le mono


def timings_from_boundaries(bounds_ms: Sequence[float], duration_ms: float) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Starts and durations for len(bounds_ms) - 1 chars from their boundary times.

    Boundaries are rounded to whole ms, made non-decreasing and clamped into the chunk, so the
    result is monotonic, contiguous and never ends after the audio does.
    """
    end = math.floor(duration_ms + 1e-6)
    rounded: list[int] = []
    last = 0
    for b in bounds_ms:
        last = min(end, max(last, math.floor(b + 0.5)))
        rounded.append(last)
    starts = tuple(rounded[:-1])
    durations = tuple(b - a for a, b in zip(rounded, rounded[1:]))
    return starts, durations


@dataclass(frozen=True)
class SynthChunk:
    """Audio for one slice of the input text.

    `normalized_*` follows the text after the voice's normalization (PROTOCOL.md: numbers
    spelled out, etc.). Neither built-in voice exposes a normalized *text* (Piper expands
    numbers inside espeak-ng, straight to phonemes), so for both it equals the plain alignment.
    """

    pcm: bytes  # s16le mono at sample_rate
    sample_rate: int
    text: str  # the exact slice of the input this chunk covers
    char_start_ms: tuple[int, ...]  # one per char of `text`, relative to this chunk's start
    char_durations_ms: tuple[int, ...]
    normalized_text: str
    normalized_char_start_ms: tuple[int, ...]
    normalized_char_durations_ms: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.pcm) % BYTES_PER_SAMPLE:
            raise ValueError("pcm must hold whole 16-bit samples")
        if self.sample_rate <= 0:
            raise ValueError("sample_rate must be positive")
        for text, starts, durations in (
            (self.text, self.char_start_ms, self.char_durations_ms),
            (self.normalized_text, self.normalized_char_start_ms, self.normalized_char_durations_ms),
        ):
            if not len(text) == len(starts) == len(durations):
                raise ValueError(f"{len(text)} chars but {len(starts)} starts and {len(durations)} durations")

    @classmethod
    def plain(
        cls, pcm: bytes, sample_rate: int, text: str, starts: tuple[int, ...], durations: tuple[int, ...]
    ) -> SynthChunk:
        """A chunk from a voice that does no text normalization: normalized == plain."""
        return cls(pcm, sample_rate, text, starts, durations, text, starts, durations)

    @property
    def samples(self) -> int:
        return len(self.pcm) // BYTES_PER_SAMPLE

    @property
    def duration_ms(self) -> float:
        return self.samples * 1000.0 / self.sample_rate

    def alignment(self) -> Alignment:
        """The wire `alignment` object for this chunk."""
        return Alignment(tuple(self.text), self.char_start_ms, self.char_durations_ms)

    def normalized_alignment(self) -> Alignment:
        """The wire `normalizedAlignment` object for this chunk."""
        return Alignment(tuple(self.normalized_text), self.normalized_char_start_ms, self.normalized_char_durations_ms)

    def split(self, max_ms: int) -> list[SynthChunk]:
        """Cut into frames of at most `max_ms`, at char boundaries where possible.

        A char longer than a whole frame (a long pause) is cut mid-way: it stays in the frame
        where it starts, with its duration clipped to that frame, and the frames after it carry
        audio with no chars. Each frame's timings are re-based to its own start. Concatenating
        the frames' pcm, text and normalized text gives back exactly this chunk's.
        """
        if max_ms <= 0:
            raise ValueError("max_ms must be positive")
        total = self.samples
        max_samples = max(1, int(max_ms * self.sample_rate // 1000))
        if total <= max_samples:
            return [self]
        cuts = self._frame_cuts(total, max_samples)
        plain = _share_out(cuts, self._to_samples, self.text, self.char_start_ms, self.char_durations_ms)
        normal = _share_out(
            cuts,
            self._to_samples,
            self.normalized_text,
            self.normalized_char_start_ms,
            self.normalized_char_durations_ms,
        )
        frames = []
        for (lo, hi), p, n in zip(zip(cuts, cuts[1:]), plain, normal):
            offset_ms = lo * 1000.0 / self.sample_rate
            length_ms = (hi - lo) * 1000.0 / self.sample_rate
            frames.append(
                SynthChunk(
                    self.pcm[lo * BYTES_PER_SAMPLE : hi * BYTES_PER_SAMPLE],
                    self.sample_rate,
                    p[0],
                    *_rebase(p[1], p[2], offset_ms, length_ms),
                    n[0],
                    *_rebase(n[1], n[2], offset_ms, length_ms),
                )
            )
        return frames

    def _to_samples(self, ms: float) -> int:
        return min(self.samples, max(0, int(round(ms * self.sample_rate / 1000))))

    def _frame_cuts(self, total: int, max_samples: int) -> list[int]:
        """Sample positions of the frame edges, greedy: the furthest char start that fits."""
        candidates = sorted({self._to_samples(ms) for ms in self.char_start_ms} | {total})
        cuts = [0]
        i = 0
        while cuts[-1] < total:
            pos, limit = cuts[-1], cuts[-1] + max_samples
            best = None
            while i < len(candidates) and candidates[i] <= limit:
                if candidates[i] > pos:
                    best = candidates[i]
                i += 1
            cuts.append(best if best is not None else min(limit, total))
        return cuts


def _share_out(
    cuts: list[int], to_samples: Callable[[float], int], text: str, starts: Sequence[int], durations: Sequence[int]
) -> list[tuple[str, list[int], list[int]]]:
    """Hand each char to the frame its start falls in (the last frame takes chars at the end)."""
    frames: list[tuple[list[str], list[int], list[int]]] = [([], [], []) for _ in cuts[1:]]
    k = 0
    for ch, start, dur in zip(text, starts, durations):
        pos = to_samples(start)
        while k < len(frames) - 1 and pos >= cuts[k + 1]:
            k += 1
        frames[k][0].append(ch)
        frames[k][1].append(start)
        frames[k][2].append(dur)
    return [("".join(chars), s, d) for chars, s, d in frames]


def _rebase(
    starts: list[int], durations: list[int], offset_ms: float, length_ms: float
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    end = math.floor(length_ms + 1e-6)
    # Half-up (not banker's) rounding: one shift for every char keeps them contiguous.
    new_starts = tuple(min(end, max(0, math.floor(s - offset_ms + 0.5))) for s in starts)
    new_durations = tuple(max(0, min(d, end - s)) for s, d in zip(new_starts, durations))
    return new_starts, new_durations
