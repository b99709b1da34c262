"""Server → client events shared by both dialects, and the decode-error value.

Every dialect's server decoder produces these, so the session model never needs to know
which vendor sent a frame. Decoders return `DecodeError` instead of raising.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DecodeError:
    """A frame that could not be decoded; `reason` is one line a person can read."""

    reason: str
    raw: str = ""


@dataclass(frozen=True)
class Alignment:
    """Character timings relative to the start of one audio chunk."""

    chars: tuple[str, ...]
    char_start_times_ms: tuple[int, ...]
    char_durations_ms: tuple[int, ...]

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def to_json(self) -> dict[str, Any]:
        return {
            "chars": list(self.chars),
            "charStartTimesMs": list(self.char_start_times_ms),
            "charDurationsMs": list(self.char_durations_ms),
        }


@dataclass(frozen=True)
class Audio:
    audio: bytes
    context_id: str | None = None
    alignment: Alignment | None = None
    normalized_alignment: Alignment | None = None
    # Audio riding inside a final frame: pipecat drops it, so the console counts it apart.
    is_final: bool = False


@dataclass(frozen=True)
class Final:
    context_id: str | None = None


@dataclass(frozen=True)
class ErrorFrame:
    message: str
    error: str | None = None
    code: int | None = None
    context_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class FlushDone:
    """Undocumented ElevenLabs flush acknowledgement, seen live."""

    context_id: str | None = None


@dataclass(frozen=True)
class Unknown:
    """A well-formed JSON frame of no known type: shown, never fatal."""

    raw: dict[str, Any]
    context_id: str | None = None


ServerEvent = Audio | Final | ErrorFrame | FlushDone | Unknown


def load_object(raw: str | bytes) -> dict[str, Any] | DecodeError:
    """Parse one text frame into a JSON object, or say why not."""
    if isinstance(raw, (bytes, bytearray, memoryview)):
        data = bytes(raw)
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            return DecodeError("binary frame is not UTF-8 text", repr(data[:80]))
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return DecodeError(f"not JSON: {exc}", raw[:200])
    if not isinstance(obj, dict):
        return DecodeError(f"expected a JSON object, got {type(obj).__name__}", raw[:200])
    return obj


def dumps(obj: dict[str, Any]) -> str:
    """Canonical JSON text: compact, key order as built, non-ASCII kept."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def first_of(obj: dict[str, Any], *names: str) -> Any:
    """The value under the first spelling present (None if none is)."""
    for name in names:
        if name in obj:
            return obj[name]
    return None


def optional_str(obj: dict[str, Any], *names: str) -> str | None | DecodeError:
    value = first_of(obj, *names)
    if value is None or isinstance(value, str):
        return value
    return DecodeError(f"{names[0]} must be a string, got {type(value).__name__}")


def truthy_flag(obj: dict[str, Any], *names: str) -> bool | DecodeError:
    value = first_of(obj, *names)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    return DecodeError(f"{names[0]} must be true or false, got {value!r}"[:200])
