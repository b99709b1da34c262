"""Server → client events shared by every dialect, and the decode-error value.

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
class WordTimestamps:
    """Word timings in seconds, as Cartesia (`word_timestamps`) and Inworld (`wordAlignment`) send them.

    `relative_to` says where their zero is, which the two services disagree on:
    - "context": the context's first audio (Cartesia: cumulative over the whole context);
    - "synthesis": the start of the synthesis the words belong to (Inworld: back to 0 after
      each `flushCompleted`).
    """

    words: tuple[str, ...]
    start_s: tuple[float, ...]
    end_s: tuple[float, ...]
    relative_to: str = "context"


@dataclass(frozen=True)
class Audio:
    """Audio for a context; `audio` may be empty when a frame carries only timings (Cartesia
    `timestamps`, Inworld's trailing ASYNC `timestampInfo`)."""

    audio: bytes
    context_id: str | None = None
    alignment: Alignment | None = None
    normalized_alignment: Alignment | None = None
    # Audio riding inside a final frame: pipecat drops it, so the console counts it apart.
    is_final: bool = False
    words: WordTimestamps | None = None


@dataclass(frozen=True)
class Final:
    """The context's last frame: it is closed and its slot is free (ElevenLabs `isFinal` /
    `is_final`, Murf `final`, Inworld `contextClosed`, Cartesia `done`)."""

    context_id: str | None = None


@dataclass(frozen=True)
class ContextOpened:
    """The server created a context (Inworld `contextCreated`); `raw` is the event's body."""

    context_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class TurnAudioDone:
    """All audio of one flushed batch is out; the context stays open (ElevenLabs
    Text-to-Dialogue `is_final_audio_for_turn`)."""

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
    """A flush's audio is all out: ElevenLabs' undocumented `flush_done` (seen live), Inworld
    `flushCompleted`, Cartesia `flush_done` (with its `flush_id`, counted from 1)."""

    context_id: str | None = None
    flush_id: int | None = None


@dataclass(frozen=True)
class Unknown:
    """A well-formed JSON frame of no known type: shown, never fatal."""

    raw: dict[str, Any]
    context_id: str | None = None


ServerEvent = Audio | Final | ErrorFrame | FlushDone | ContextOpened | TurnAudioDone | Unknown


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


def truthy_flags(obj: dict[str, Any], *names: str) -> dict[str, bool] | DecodeError:
    """Each named flag (absent: False), or the first that is not true or false."""
    flags: dict[str, bool] = {}
    for name in names:
        flag = truthy_flag(obj, name)
        if isinstance(flag, DecodeError):
            return flag
        flags[name] = flag
    return flags


def truthy_flag(obj: dict[str, Any], *names: str) -> bool | DecodeError:
    value = first_of(obj, *names)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    return DecodeError(f"{names[0]} must be true or false, got {value!r}"[:200])
