"""A Cartesia context's audio on the wire (PROTOCOL-DIALECTS.md §2.3): one encoder per context,
since each context names its own `output_format` and counts its own timestamps.

`CartesiaContext.audio_frames` runs in a synthesis worker for each piece of the context's audio:
a `chunk` (its `step_time` the milliseconds since the context's previous step, its `flush_id`
that of the flush still to be answered, if one is), then, with the first piece of each synthesis
unit, that unit's words as `timestamps` in seconds from the context's start (when
`add_timestamps`), and its phonemes when asked (the local voices time characters: each spoken
character stands for a phoneme).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.protocol import cartesia as ca
from tui.protocol.formats import AudioFormat
from tui.protocol.frames import Alignment, Audio, ServerEvent, WordTimestamps

from .actions import Turn
from .clock import Clock


@dataclass(eq=False)
class CartesiaContext(Turn):
    """A Cartesia context: a turn plus its fixed settings, timestamps and flush counters."""

    settings: dict[str, Any] = field(default_factory=dict)
    fmt: AudioFormat = AudioFormat("pcm", 24000)
    buffer_delay: float = ca.DEFAULT_MAX_BUFFER_DELAY_MS / 1000.0
    words: bool = False
    phonemes: bool = False
    normalized: bool = False
    flushes: int = 0  # flush ids handed out
    flushes_done: int = 0
    offset: float = 0.0  # seconds of audio sent so far: timestamps count from the context's start
    last_step: float = 0.0
    clock: Clock | None = None
    expires: float | None = None  # ended and drained: active until then

    def audio_frames(self, event: ServerEvent) -> list[str]:
        """The per-context encoder (runs in a synthesis worker): chunk, timestamps, phonemes."""
        if not isinstance(event, Audio):  # the lane encodes audio only
            return _frames(ca.encode_server(event))
        now = self.clock() if self.clock is not None else 0.0
        step_ms, self.last_step = (now - self.last_step) * 1000.0, now
        outstanding = self.flushes_done + 1 if self.flushes > self.flushes_done else None
        timing = event.normalized_alignment if self.normalized else event.alignment
        start, self.offset = self.offset, self.offset + self.fmt.seconds(len(event.audio))
        words = word_timestamps(timing, start) if timing is not None and self.words else None
        frames = ca.encode_chunk(
            Audio(event.audio, self.context_id, words=words), step_time=step_ms, flush_id=outstanding
        )
        if timing is not None and self.phonemes:
            phonemes = char_timestamps(timing, start)
            if phonemes.words:
                frames.append(ca.encode_phonemes(self.context_id, phonemes))
        return frames


def _frames(encoded: str | list[str]) -> list[str]:
    return [encoded] if isinstance(encoded, str) else encoded


def word_timestamps(alignment: Alignment, offset: float) -> WordTimestamps:
    """Words (whitespace-separated) of a unit's char timings (ms, from the unit's start) in
    seconds from the context's start."""
    found: list[tuple[str, float, float]] = []
    current, start, end = "", 0.0, 0.0
    for ch, at, length in zip(alignment.chars, alignment.char_start_times_ms, alignment.char_durations_ms):
        if ch.isspace():
            if current:
                found.append((current, start, end))
            current = ""
            continue
        if not current:
            start = offset + at / 1000.0
        current += ch
        end = offset + (at + length) / 1000.0
    if current:
        found.append((current, start, end))
    return WordTimestamps(
        tuple(w for w, _, _ in found), tuple(s for _, s, _ in found), tuple(e for _, _, e in found), "context"
    )


def char_timestamps(alignment: Alignment, offset: float) -> WordTimestamps:
    spoken = [
        (ch, offset + at / 1000.0, offset + (at + n) / 1000.0)
        for ch, at, n in zip(alignment.chars, alignment.char_start_times_ms, alignment.char_durations_ms)
        if ch.isalnum()
    ]
    return WordTimestamps(
        tuple(c for c, _, _ in spoken), tuple(s for _, s, _ in spoken), tuple(e for _, _, e in spoken)
    )
