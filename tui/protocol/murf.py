"""Murf `stream-input`: client and server frames (PROTOCOL.md §2).

Client frames use snake_case `context_id`; the server's end-of-context frame is `final`
(the seed's prose says `is_final`: both are accepted, as is `isFinal`).

The active-context limit (PROTOCOL.md §5: it exists, its value is unverified). Murf counts
streaming concurrency in unique context ids active at once, per account, and rejects a new id
beyond it with the text "Exceeded Active context limit" on a socket it leaves open (clients such
as pipecat-murf match that text). Its rate-limits page gives the default per region: 15 on
`us-east` (pay as you go), 2 on the other regional endpoints, more on request. We choose 15,
`MAX_ACTIVE_CONTEXTS`: the highest published default, so the console lets an operator explore as
many concurrent turns as a real account can hold, and our local server refuses the sixteenth
exactly as Murf words it (text in `error`, the `context_id` echoed, socket left open). Against a
smaller account (2 on most regions) the service refuses earlier with the same error, which the
console shows on the turn it refused. One socket serves one operator, so per account is per
socket here.

Values the service clamps are clamped, never refused (PROTOCOL.md §5): Murf's own LiveKit plugin
sends `min_buffer_size: 3, max_buffer_delay_in_ms: 0` inside every text frame and its `end`
frame, and `rate`/`pitch` outside -50..50 is brought to the nearest bound. Any number is taken
(a float is rounded); a value of the wrong type (a string, a bool) is still a decode error.
Buffer settings may ride in any frame (`buffer` on `SendText`, `End`, `SetVoiceConfig`).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any

from .elevenlabs import decode_audio_field
from .frames import (
    Audio,
    DecodeError,
    ErrorFrame,
    Final,
    ServerEvent,
    Unknown,
    dumps,
    first_of,
    load_object,
    optional_str,
    truthy_flag,
)

MIN_BUFFER_SIZE_RANGE = (40, 160)
MAX_BUFFER_DELAY_RANGE = (0, 1000)
DEFAULT_MIN_BUFFER_SIZE = 40
DEFAULT_MAX_BUFFER_DELAY_MS = 300
RATE_PITCH_RANGE = (-50, 50)
SOCKET_INACTIVITY_TIMEOUT = 180
MAX_ACTIVE_CONTEXTS = 15  # see the module docstring for why 15
# The service's text (PROTOCOL.md §5); Murf errors carry human text in `error`.
CONTEXT_LIMIT_MESSAGE = "Exceeded Active context limit"


@dataclass(frozen=True)
class VoiceConfig:
    voice_id: str | None = None
    style: str | None = None
    rate: int | None = None
    pitch: int | None = None
    locale: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("voice_id", "style", "rate", "pitch", "locale"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update(self.extra)
        return out


def context_limit_error(context_id: str | None) -> ErrorFrame:
    """The refusal of a context beyond `MAX_ACTIVE_CONTEXTS`: human text in `error` (as Murf
    sends it) and the context id echoed (pipecat-murf ignores errors without one)."""
    return ErrorFrame(message=CONTEXT_LIMIT_MESSAGE, error=CONTEXT_LIMIT_MESSAGE, context_id=context_id)


# ---- client → server ---------------------------------------------------------------------


@dataclass(frozen=True)
class BufferSettings:
    min_buffer_size: int | None = None
    max_buffer_delay_in_ms: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.min_buffer_size is not None:
            out["min_buffer_size"] = self.min_buffer_size
        if self.max_buffer_delay_in_ms is not None:
            out["max_buffer_delay_in_ms"] = self.max_buffer_delay_in_ms
        return out


@dataclass(frozen=True)
class SetVoiceConfig:
    voice_config: VoiceConfig
    context_id: str | None = None
    buffer: BufferSettings | None = None


@dataclass(frozen=True)
class SendText:
    text: str
    context_id: str | None = None
    end: bool = False
    voice_config: VoiceConfig | None = None
    buffer: BufferSettings | None = None


@dataclass(frozen=True)
class End:
    """`{"text": "", "end": true}`: finish the turn; remaining audio, then `final`."""

    context_id: str | None = None
    voice_config: VoiceConfig | None = None
    buffer: BufferSettings | None = None


@dataclass(frozen=True)
class Clear:
    """Cancel a turn whose synthesis has not started; one that has started plays out."""

    context_id: str | None = None


ClientFrame = SetVoiceConfig | BufferSettings | SendText | End | Clear


def encode_client(frame: ClientFrame) -> str:
    obj: dict[str, Any] = {}
    match frame:
        case SetVoiceConfig():
            obj["voice_config"] = frame.voice_config.to_json()
            if frame.context_id is not None:
                obj["context_id"] = frame.context_id
        case BufferSettings():
            obj.update(frame.to_json())
        case SendText():
            obj["text"] = frame.text
            if frame.context_id is not None:
                obj["context_id"] = frame.context_id
            if frame.end:
                obj["end"] = True
            if frame.voice_config is not None:
                obj["voice_config"] = frame.voice_config.to_json()
        case End():
            obj["text"] = ""
            if frame.context_id is not None:
                obj["context_id"] = frame.context_id
            obj["end"] = True
            if frame.voice_config is not None:
                obj["voice_config"] = frame.voice_config.to_json()
        case Clear():
            if frame.context_id is not None:
                obj["context_id"] = frame.context_id
            obj["clear"] = True
        case _:
            raise TypeError(f"not a Murf client frame: {frame!r}")
    buffer = getattr(frame, "buffer", None)
    if buffer is not None:
        obj.update(buffer.to_json())
    return dumps(obj)


def _clamped_int(value: Any, low: int, high: int, name: str) -> int | None | DecodeError:
    """A number brought into low..high (rounded if fractional), as the service clamps it."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return DecodeError(f"{name} must be a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        return DecodeError(f"{name} must be a finite number")
    return min(high, max(low, round(value)))


def _decode_voice_config(value: Any) -> VoiceConfig | None | DecodeError:
    if value is None:
        return None
    if not isinstance(value, dict):
        return DecodeError("voice_config must be an object")
    voice_id = first_of(value, "voice_id", "voiceId")
    for name, item in (("voice_id", voice_id), ("style", value.get("style")), ("locale", value.get("locale"))):
        if item is not None and not isinstance(item, str):
            return DecodeError(f"voice_config.{name} must be a string")
    rate = _clamped_int(value.get("rate"), *RATE_PITCH_RANGE, "voice_config.rate")
    if isinstance(rate, DecodeError):
        return rate
    pitch = _clamped_int(value.get("pitch"), *RATE_PITCH_RANGE, "voice_config.pitch")
    if isinstance(pitch, DecodeError):
        return pitch
    known = {"voice_id", "voiceId", "style", "rate", "pitch", "locale"}
    extra = tuple((k, v) for k, v in value.items() if k not in known)
    return VoiceConfig(voice_id, value.get("style"), rate, pitch, value.get("locale"), extra)


def decode_client(raw: str | bytes) -> ClientFrame | DecodeError:
    """What the server makes of one Murf client frame."""
    obj = load_object(raw)
    if isinstance(obj, DecodeError):
        return obj
    context_id = optional_str(obj, "context_id", "contextId")
    if isinstance(context_id, DecodeError):
        return context_id
    end = truthy_flag(obj, "end")
    if isinstance(end, DecodeError):
        return end
    clear = truthy_flag(obj, "clear")
    if isinstance(clear, DecodeError):
        return clear
    text = obj.get("text")
    if text is not None and not isinstance(text, str):
        return DecodeError(f"text must be a string, got {type(text).__name__}")
    voice_config = _decode_voice_config(first_of(obj, "voice_config", "voiceConfig"))
    if isinstance(voice_config, DecodeError):
        return voice_config
    min_size = _clamped_int(obj.get("min_buffer_size"), *MIN_BUFFER_SIZE_RANGE, "min_buffer_size")
    if isinstance(min_size, DecodeError):
        return min_size
    max_delay = _clamped_int(obj.get("max_buffer_delay_in_ms"), *MAX_BUFFER_DELAY_RANGE, "max_buffer_delay_in_ms")
    if isinstance(max_delay, DecodeError):
        return max_delay
    buffer = BufferSettings(min_size, max_delay) if min_size is not None or max_delay is not None else None

    if clear:
        return Clear(context_id)
    if text:
        return SendText(text, context_id, end, voice_config, buffer)
    if end:
        return End(context_id, voice_config, buffer)
    if voice_config is not None:
        return SetVoiceConfig(voice_config, context_id, buffer)
    if buffer is not None:
        return buffer
    if text == "":
        return SendText("", context_id, False, None)
    return DecodeError("frame has none of text, end, clear, voice_config, buffer settings")


# ---- server → client ---------------------------------------------------------------------


def encode_server(event: ServerEvent) -> str:
    obj: dict[str, Any]
    match event:
        case Audio():
            obj = {"audio": base64.b64encode(event.audio).decode("ascii"), "context_id": event.context_id}
            if event.is_final:
                obj["final"] = True
        case Final():
            obj = {"final": True, "context_id": event.context_id}
        case ErrorFrame():
            # Murf's errors carry human text in `error` (PROTOCOL.md §5), not a machine id, and
            # the context id: pipecat-murf ignores a message without one.
            obj = {"error": event.message}
            if event.code is not None:
                obj["code"] = event.code
            if event.context_id is not None:
                obj["context_id"] = event.context_id
        case Unknown():
            obj = dict(event.raw)
        case _:
            raise TypeError(f"not a Murf server event: {event!r}")
    return dumps(obj)


def decode_server(raw: str | bytes) -> ServerEvent | DecodeError:
    """What a client makes of one Murf server frame."""
    obj = load_object(raw)
    if isinstance(obj, DecodeError):
        return obj
    context_id = optional_str(obj, "context_id", "contextId")
    if isinstance(context_id, DecodeError):
        return context_id
    if obj.get("error") not in (None, False, ""):
        error = obj["error"]
        message = obj.get("message")
        code = obj.get("code")
        return ErrorFrame(
            message=message if isinstance(message, str) else (error if isinstance(error, str) else dumps(obj)),
            error=error if isinstance(error, str) else None,
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            context_id=context_id,
            raw=obj,
        )
    final = truthy_flag(obj, "final", "is_final", "isFinal")
    if isinstance(final, DecodeError):
        return final
    audio_field = obj.get("audio")
    if audio_field not in (None, ""):
        audio = decode_audio_field(audio_field)
        if isinstance(audio, DecodeError):
            return audio
        return Audio(audio, context_id, None, None, final)
    if final:
        return Final(context_id)
    return Unknown(obj, context_id)
