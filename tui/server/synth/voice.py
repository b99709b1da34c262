"""What every voice promises the server, and the checks all voices share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from .chunk import SynthChunk

# The PCM rates of the ElevenLabs output formats (PROTOCOL.md §1.1); G.711 formats are 8000.
SUPPORTED_SAMPLE_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
MIN_SPEED, MAX_SPEED = 0.25, 4.0


class VoiceError(Exception):
    """A voice could not be loaded or asked for something it cannot do; the message says which."""


class Voice(Protocol):
    """A loaded, warmed voice.

    `synthesize` is a blocking generator meant for a worker thread. It yields one chunk per
    synthesis unit (clause; the first clause may be cut after its first words so audio starts
    early), and the chunks' texts concatenate to exactly `text`, whitespace included.
    Empty or whitespace-only text yields nothing. Stopping the iteration (or closing the
    generator) cancels the rest: no further unit is synthesized. Each `next` runs one unit
    synchronously; successive calls may come from different threads, never two at once.
    Bad requests (rate, speed, non-string text) raise VoiceError when `synthesize` is called.
    """

    name: str

    def synthesize(self, text: str, sample_rate: int, *, speed: float = 1.0) -> Iterator[SynthChunk]: ...


def check_request(text: object, sample_rate: object, speed: object) -> None:
    """Raise VoiceError with a one-line reason for a request no voice can serve."""
    if not isinstance(text, str):
        raise VoiceError(f"text must be a string, not {type(text).__name__}")
    if type(sample_rate) is not int or sample_rate not in SUPPORTED_SAMPLE_RATES:
        rates = ", ".join(map(str, SUPPORTED_SAMPLE_RATES))
        raise VoiceError(f"unsupported sample rate {sample_rate!r}: use one of {rates}")
    check_number("speed", speed, MIN_SPEED, MAX_SPEED)


def check_number(name: str, value: object, low: float, high: float) -> float:
    """A voice option or request field that must be a number (not a bool) from `low` to `high`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise VoiceError(f"{name} must be a number from {low} to {high}, not {value!r}")
    return float(value)


def check_whole_number(name: str, value: object, minimum: int = 1) -> int:
    """A voice option that must be a whole number of at least `minimum`."""
    if type(value) is not int or value < minimum:
        raise VoiceError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return value
