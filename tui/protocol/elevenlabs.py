"""ElevenLabs `multi-stream-input` (and the server side of single-context `stream-input`).

Client frames are sent with snake_case `context_id`; server frames with camelCase `contextId`
as the live service does (pipecat reads only `contextId`). Decoders accept every spelling in
PROTOCOL.md §1.3 and return `DecodeError` for anything malformed.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from .alignment import decode_alignment, encode_alignment
from .frames import (
    Audio,
    DecodeError,
    ErrorFrame,
    Final,
    FlushDone,
    ServerEvent,
    Unknown,
    dumps,
    first_of,
    load_object,
    optional_str,
    truthy_flag,
    truthy_flags,
)
from .secret import Secret

MAX_CONTEXTS = 5  # per socket, counting closing contexts until their isFinal (PROTOCOL.md §1.4)
DEFAULT_INACTIVITY_TIMEOUT = 20
MAX_INACTIVITY_TIMEOUT = 180
DEFAULT_CHUNK_SCHEDULE = (120, 160, 250, 290)

VOICE_SETTINGS_RANGES = {
    "stability": (0.0, 1.0),
    "similarity_boost": (0.0, 1.0),
    "style": (0.0, 1.0),
    "speed": (0.7, 1.2),
}

# Exact error texts of the live service (PROTOCOL.md §1.4).
MAX_CONTEXTS_MESSAGE = (
    f"Maximum simultaneous contexts per WebSocket connection exceeded ({MAX_CONTEXTS}). "
    "Please close an existing context before opening a new one."
)
VOICE_SETTINGS_MESSAGE = (
    "voice_settings field must be provided in the first message and then either be not provided or not change."
)
# Malformed JSON: the only publicly quoted text (PROTOCOL.md §5); the schema text below is not.
JSON_DECODE_MESSAGE = "Could not parse input message as JSON, ensure to send a valid JSON."
INVALID_INPUT_MESSAGE = (
    "Could not parse input message, make sure it is a json and follows the schema outlined in protocol."
)


def input_timeout_message(seconds: float) -> str:
    """The live service's text when no input arrived for `inactivity_timeout` seconds
    (error `input_timeout_exceeded`, then close 1008)."""
    shown = int(seconds) if float(seconds).is_integer() else seconds
    return (
        f"Have not received a new text input within the timeout of {shown} seconds. "
        "Streaming input terminated. Please make sure to either feed the input in the timely "
        'manner, or to send the end of input text (empty string "") when done.'
    )


# ---- client → server ---------------------------------------------------------------------


@dataclass(frozen=True)
class ContextSettings:
    """What belongs in a context's first message only."""

    voice_settings: dict[str, Any] | None = None
    generation_config: dict[str, Any] | None = None
    pronunciation_dictionary_locators: list[dict[str, Any]] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.voice_settings is not None:
            out["voice_settings"] = self.voice_settings
        if self.generation_config is not None:
            out["generation_config"] = self.generation_config
        if self.pronunciation_dictionary_locators is not None:
            out["pronunciation_dictionary_locators"] = self.pronunciation_dictionary_locators
        return out

    @property
    def chunk_schedule(self) -> tuple[int, ...] | None:
        if self.generation_config and "chunk_length_schedule" in self.generation_config:
            return tuple(self.generation_config["chunk_length_schedule"])
        return None


@dataclass(frozen=True)
class SendText:
    """Text for a context (a context's opening message is `SendText(" ", settings=...)`)."""

    text: str
    context_id: str | None = None
    flush: bool = False
    settings: ContextSettings | None = None
    xi_api_key: Secret | None = None
    try_trigger_generation: bool = False  # single-context endpoint only


@dataclass(frozen=True)
class Flush:
    context_id: str | None = None
    settings: ContextSettings | None = None


@dataclass(frozen=True)
class KeepAlive:
    """Empty text: resets the context's inactivity clock and generates nothing."""

    context_id: str | None = None
    settings: ContextSettings | None = None


@dataclass(frozen=True)
class CloseContext:
    context_id: str | None = None


@dataclass(frozen=True)
class CloseSocket:
    pass


ClientFrame = SendText | Flush | KeepAlive | CloseContext | CloseSocket


def encode_client(frame: ClientFrame) -> str:
    obj: dict[str, Any] = {}
    match frame:
        case SendText():
            obj["text"] = frame.text
            if frame.context_id is not None:
                obj["context_id"] = frame.context_id
            if frame.flush:
                obj["flush"] = True
            if frame.try_trigger_generation:
                obj["try_trigger_generation"] = True
            if frame.settings:
                obj.update(frame.settings.to_json())
            if frame.xi_api_key is not None:
                obj["xi_api_key"] = frame.xi_api_key.reveal()
        case Flush():
            if frame.context_id is not None:
                obj["context_id"] = frame.context_id
            obj["flush"] = True
            if frame.settings:
                obj.update(frame.settings.to_json())
        case KeepAlive():
            obj["text"] = ""
            if frame.context_id is not None:
                obj["context_id"] = frame.context_id
            if frame.settings:
                obj.update(frame.settings.to_json())
        case CloseContext():
            if frame.context_id is not None:
                obj["context_id"] = frame.context_id
            obj["close_context"] = True
        case CloseSocket():
            obj["close_socket"] = True
        case _:
            raise TypeError(f"not an ElevenLabs client frame: {frame!r}")
    return dumps(obj)


def _decode_voice_settings(value: Any) -> dict[str, Any] | None | DecodeError:
    """The settings given; a field that is `null` (the SDKs' types allow it) is not given."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return DecodeError("voice_settings must be an object")
    given: dict[str, Any] = {key: item for key, item in value.items() if item is not None}
    for key, item in given.items():
        if key == "use_speaker_boost":
            if not isinstance(item, bool):
                return DecodeError("voice_settings.use_speaker_boost must be true or false")
        elif key in VOICE_SETTINGS_RANGES:
            low, high = VOICE_SETTINGS_RANGES[key]
            if isinstance(item, bool) or not isinstance(item, (int, float)) or not low <= item <= high:
                return DecodeError(f"voice_settings.{key} must be a number in {low}..{high}")
    return given


def _decode_generation_config(value: Any) -> dict[str, Any] | None | DecodeError:
    if value is None:
        return None
    if not isinstance(value, dict):
        return DecodeError("generation_config must be an object")
    config: dict[str, Any] = value
    schedule = config.get("chunk_length_schedule")
    if schedule is not None:
        # `type: number` in the vendor's schema: a whole-number float (50.0) is a size too.
        if not isinstance(schedule, list) or not schedule or not all(_whole(n) and 50 <= n <= 500 for n in schedule):
            return DecodeError("generation_config.chunk_length_schedule must be whole numbers in 50..500")
        config = {**config, "chunk_length_schedule": [int(n) for n in schedule]}
    return config


def _whole(n: Any) -> bool:
    return not isinstance(n, bool) and (isinstance(n, int) or (isinstance(n, float) and n.is_integer()))


def _decode_settings(obj: dict[str, Any]) -> ContextSettings | None | DecodeError:
    voice = _decode_voice_settings(obj.get("voice_settings"))
    if isinstance(voice, DecodeError):
        return voice
    gen = _decode_generation_config(obj.get("generation_config"))
    if isinstance(gen, DecodeError):
        return gen
    locators = obj.get("pronunciation_dictionary_locators")
    if locators is not None and (not isinstance(locators, list) or not all(isinstance(x, dict) for x in locators)):
        return DecodeError("pronunciation_dictionary_locators must be a list of objects")
    if voice is None and gen is None and locators is None:
        return None
    return ContextSettings(voice, gen, locators)


# The key in a message body, as clients spell it (PROTOCOL.md §5): the Python SDK and bolna
# `xi_api_key`, the JS SDK `xi-api-key`, some `authorization` (a bare key or `Bearer <key>`).
BODY_KEY_NAMES = ("xi_api_key", "xi-api-key", "authorization")


def without_bearer(token: str) -> str:
    """A key given as `Bearer <key>` or bare, as the key."""
    return token[7:].strip() if token[:7].lower() == "bearer " else token


def body_api_key(obj: dict[str, Any]) -> str | None | DecodeError:
    key = optional_str(obj, *BODY_KEY_NAMES)
    return without_bearer(key) if isinstance(key, str) else key


def decode_client(raw: str | bytes) -> ClientFrame | DecodeError:
    """What the server makes of one client frame (multi-context or single-context)."""
    obj = load_object(raw)
    if isinstance(obj, DecodeError):
        return obj
    context_id = optional_str(obj, "context_id", "contextId")
    if isinstance(context_id, DecodeError):
        return context_id
    flags = truthy_flags(obj, "flush", "close_context", "close_socket", "try_trigger_generation")
    if isinstance(flags, DecodeError):
        return flags
    text = obj.get("text")
    if text is not None and not isinstance(text, str):
        return DecodeError(f"text must be a string, got {type(text).__name__}")
    settings = _decode_settings(obj)
    if isinstance(settings, DecodeError):
        return settings
    api_key = body_api_key(obj)
    if isinstance(api_key, DecodeError):
        return api_key

    if flags["close_socket"]:
        return CloseSocket()
    if flags["close_context"]:
        return CloseContext(context_id)
    if text:
        return SendText(
            text,
            context_id,
            flags["flush"],
            settings,
            Secret(api_key) if api_key is not None else None,
            flags["try_trigger_generation"],
        )
    if flags["flush"]:
        return Flush(context_id, settings)
    if text == "":
        return KeepAlive(context_id, settings)
    if settings is not None or context_id is not None:
        # Settings alone, or a bare context id: the service treats it as an empty message.
        return KeepAlive(context_id, settings)
    return DecodeError("frame has none of text, flush, close_context, close_socket")


# ---- server → client ---------------------------------------------------------------------


def encode_server(event: ServerEvent, *, with_context: bool = True) -> str:
    """Canonical server frame; `with_context=False` for the single-context endpoint."""
    obj: dict[str, Any]
    match event:
        case Audio():
            obj = {
                "audio": base64.b64encode(event.audio).decode("ascii"),
                "isFinal": event.is_final,
            }
            if with_context:
                obj["contextId"] = event.context_id
            obj["alignment"] = encode_alignment(event.alignment)
            obj["normalizedAlignment"] = encode_alignment(event.normalized_alignment)
        case Final():
            obj = {"isFinal": True}
            if with_context:
                obj["contextId"] = event.context_id
        case ErrorFrame():
            obj = {"message": event.message}
            if event.error is not None:
                obj["error"] = event.error
            if event.code is not None:
                obj["code"] = event.code
            if with_context and event.context_id is not None:
                obj["contextId"] = event.context_id
        case FlushDone():
            obj = {"type": "flush_done", "context_id": event.context_id, "flush_done": True}
        case Unknown():
            obj = dict(event.raw)
        case _:
            raise TypeError(f"not a server event: {event!r}")
    return dumps(obj)


def decode_audio_field(value: Any) -> bytes | DecodeError:
    if not isinstance(value, str):
        return DecodeError("audio must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return DecodeError("audio is not valid base64")


def decode_server(raw: str | bytes) -> ServerEvent | DecodeError:
    """What a client makes of one ElevenLabs server frame."""
    obj = load_object(raw)
    if isinstance(obj, DecodeError):
        return obj
    context_id = optional_str(obj, "contextId", "context_id")
    if isinstance(context_id, DecodeError):
        return context_id
    if "error" in obj or ("message" in obj and "audio" not in obj and "code" in obj):
        message = obj.get("message")
        error = obj.get("error")
        code = obj.get("code")
        return ErrorFrame(
            message=message if isinstance(message, str) else str(error if error is not None else obj),
            error=error if isinstance(error, str) else (None if error is None else str(error)),
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            context_id=context_id,
            raw=obj,
        )
    is_final = truthy_flag(obj, "isFinal", "is_final")
    if isinstance(is_final, DecodeError):
        return is_final
    audio_field = obj.get("audio")
    if audio_field not in (None, ""):
        audio = decode_audio_field(audio_field)
        if isinstance(audio, DecodeError):
            return audio
        alignment = decode_alignment(obj.get("alignment"))
        if isinstance(alignment, DecodeError):
            return alignment
        normalized = decode_alignment(first_of(obj, "normalizedAlignment", "normalized_alignment"))
        if isinstance(normalized, DecodeError):
            return normalized
        return Audio(audio, context_id, alignment, normalized, is_final)
    if is_final:
        return Final(context_id)
    if obj.get("flush_done") is True or obj.get("type") == "flush_done":
        return FlushDone(context_id)
    if "audio" in obj:
        # An audio frame with no bytes: nothing to play, but not an error.
        return Audio(b"", context_id, None, None, False)
    return Unknown(obj, context_id)
