"""Inworld `voice:streamBidirectional`: client and server frames (PROTOCOL-DIALECTS.md §1).

Client frames are `{"<op>": {...}, "contextId": "<id>"}`. The op names come in two spellings,
snake_case (the API reference, pipecat, LiveKit) and lowerCamelCase (Inworld's own guides); the
decoder takes both, and `contextId` or `context_id`. `encode_client` writes snake_case ops and
`contextId`, as both real clients do. LiveKit's plugin (1.8.9) interrupts with `cancel_context`,
which the reference does not document: it is decoded as its own frame.

Every server frame is `{"result": {"contextId": ..., "<event>": {...}, "status": {...}}}`, one
event per frame (LiveKit reads only the first event key of a frame). A non-zero `status.code` is
an error for that context; a top-level `{"error": {...}}` is decoded too.

Audio: `LINEAR16` chunks each begin with a RIFF/WAVE header (the reference's example, Inworld's
guides); `decode_server` strips a header at the start of any chunk, so `Audio.audio` is always
the raw samples, whatever the encoding said. Word (and character) timings come back as
`WordTimestamps(relative_to="synthesis")`: Inworld restarts them at 0 after each
`flushCompleted`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .frames import DecodeError, dumps, first_of, load_object, optional_str

# The server side (the result envelope) lives in its own module; re-exported for one Inworld API.
from .inworld_results import (
    ALREADY_EXISTS as ALREADY_EXISTS,
    INVALID_ARGUMENT as INVALID_ARGUMENT,
    NOT_FOUND as NOT_FOUND,
    OK_STATUS as OK_STATUS,
    RESOURCE_EXHAUSTED as RESOURCE_EXHAUSTED,
    decode_audio as decode_audio,
    decode_server as decode_server,
    decode_timestamps as decode_timestamps,
    encode_server as encode_server,
    encode_words as encode_words,
)
from .steps import ClientStep, StepKind

MAX_CONTEXTS = 5  # per connection, counted until contextClosed (IW-DOC; LiveKit counts the same)
IDLE_TIMEOUT_SECONDS = 600.0  # "closed after 10 minutes of inactivity across any context"
# send_text: the API reference says 1000 chars, Inworld's guides 2,000 (§1.6, unverified): the
# local server takes up to 2,000 and refuses more, so a client tuned to either works against it.
MAX_TEXT_CHARS = 2000
AUTO_FLUSH_CHARS = 1000  # the buffer is synthesized past this many chars whatever the settings
DEFAULT_BUFFER_CHAR_THRESHOLD = 250
DEFAULT_MAX_BUFFER_DELAY_MS = 3000
DEFAULT_MODEL = "inworld-tts-2"
DEFAULT_VOICE = "Ashley"
ENCODINGS = ("LINEAR16", "MP3", "OGG_OPUS", "ALAW", "MULAW", "FLAC", "PCM", "WAV")
TIMESTAMP_TYPES = ("TIMESTAMP_TYPE_UNSPECIFIED", "WORD", "CHARACTER")
TRANSPORTS = ("TIMESTAMP_TRANSPORT_STRATEGY_UNSPECIFIED", "SYNC", "ASYNC")

_OPS = {
    "create": "create",
    "send_text": "send_text",
    "sendText": "send_text",
    "flush_context": "flush_context",
    "flushContext": "flush_context",
    "update_config": "update_config",
    "updateConfig": "update_config",
    "close_context": "close_context",
    "closeContext": "close_context",
    "cancel_context": "cancel_context",
    "cancelContext": "cancel_context",
}


def not_found_message(context_id: str | None, during: str) -> str:
    """The service's words for a context it does not hold (pipecat matches "not found")."""
    return f"Context {context_id} not found during {during}"


# ---- client → server ---------------------------------------------------------------------


@dataclass(frozen=True)
class AudioConfig:
    encoding: str = "PCM"
    sample_rate: int | None = None
    bitrate: int | None = None  # LiveKit spells it `bitrate`, the AsyncAPI `bitRate`
    speaking_rate: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"audioEncoding": self.encoding}
        if self.sample_rate is not None:
            out["sampleRateHertz"] = self.sample_rate
        if self.bitrate is not None:
            out["bitrate"] = self.bitrate
        if self.speaking_rate is not None:
            out["speakingRate"] = self.speaking_rate
        return out


@dataclass(frozen=True)
class ContextConfig:
    """What `create` (and, partly, `update_config`) sets; `extra` keeps fields read but unused."""

    voice_id: str | None = None
    model_id: str | None = None
    audio: AudioConfig | None = None
    temperature: float | None = None
    timestamp_type: str | None = None
    timestamp_transport: str | None = None
    auto_mode: bool | None = None
    max_buffer_delay_ms: int | None = None
    buffer_char_threshold: int | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        pairs = (
            ("voiceId", self.voice_id),
            ("modelId", self.model_id),
            ("audioConfig", self.audio.to_json() if self.audio else None),
            ("temperature", self.temperature),
            ("autoMode", self.auto_mode),
            ("maxBufferDelayMs", self.max_buffer_delay_ms),
            ("bufferCharThreshold", self.buffer_char_threshold),
            ("timestampType", self.timestamp_type),
            ("timestampTransportStrategy", self.timestamp_transport),
        )
        out.update((k, v) for k, v in pairs if v is not None)
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class Create:
    config: ContextConfig
    context_id: str | None = None


@dataclass(frozen=True)
class SendText:
    text: str
    context_id: str | None = None
    flush: bool = False  # `send_text.flush_context: {}` rides along


@dataclass(frozen=True)
class KeepAlive:
    """`send_text` with empty text (pipecat's keep-alive, with or without a context)."""

    context_id: str | None = None


@dataclass(frozen=True)
class FlushContext:
    context_id: str | None = None


@dataclass(frozen=True)
class UpdateConfig:
    config: ContextConfig
    context_id: str | None = None


@dataclass(frozen=True)
class CloseContext:
    context_id: str | None = None


@dataclass(frozen=True)
class CancelContext:
    context_id: str | None = None


ClientFrame = Create | SendText | KeepAlive | FlushContext | UpdateConfig | CloseContext | CancelContext


def encode_client(frame: ClientFrame) -> str:
    body: dict[str, Any]
    match frame:
        case Create(config=config):
            op, body = "create", config.to_json()
        case SendText(text=text, flush=flush):
            op, body = "send_text", {"text": text, **({"flush_context": {}} if flush else {})}
        case KeepAlive():
            op, body = "send_text", {"text": ""}
        case FlushContext():
            op, body = "flush_context", {}
        case UpdateConfig(config=config):
            op, body = "update_config", config.to_json()
        case CloseContext():
            op, body = "close_context", {}
        case CancelContext():
            op, body = "cancel_context", {}
        case _:
            raise TypeError(f"not an Inworld client frame: {frame!r}")
    obj: dict[str, Any] = {op: body}
    if frame.context_id is not None:
        obj["contextId"] = frame.context_id
    return dumps(obj)


def _number(body: dict[str, Any], names: tuple[str, ...], low: float, high: float, whole: bool) -> Any:
    value = first_of(body, *names)
    if value is None:
        return None
    kind = "a whole number" if whole else "a number"
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (whole and not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())))
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        return DecodeError(f"{names[0]} must be {kind} from {low:g} to {high:g}, got {str(value)[:40]}")
    return int(value) if whole else float(value)


def _enum(body: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str | None | DecodeError:
    value = body.get(name)
    if value is None or (isinstance(value, str) and value in allowed):
        return value
    return DecodeError(f"invalid value for {name}: {str(value)[:40]!r}; use one of {', '.join(allowed)}")


def _audio_config(value: Any) -> AudioConfig | None | DecodeError:
    if value is None:
        return None
    if not isinstance(value, dict):
        return DecodeError("audioConfig must be an object")
    encoding = _enum(value, "audioEncoding", ENCODINGS)
    rate = _number(value, ("sampleRateHertz", "sample_rate_hertz"), 8000, 48000, True)
    bitrate = _number(value, ("bitrate", "bitRate", "bit_rate"), 1, 10_000_000, True)
    speaking = _number(value, ("speakingRate", "speaking_rate"), 0.5, 1.5, False)
    for item in (encoding, rate, bitrate, speaking):
        if isinstance(item, DecodeError):
            return item
    return AudioConfig(str(encoding or "AUDIO_ENCODING_UNSPECIFIED"), rate, bitrate, speaking)


_KNOWN = {
    "voiceId",
    "modelId",
    "audioConfig",
    "temperature",
    "timestampType",
    "timestampTransportStrategy",
    "autoMode",
    "maxBufferDelayMs",
    "bufferCharThreshold",
}


def _context_config(body: Any) -> ContextConfig | DecodeError:
    if not isinstance(body, dict):
        return DecodeError("the op's body must be an object")
    strings = {}
    for name in ("voiceId", "modelId"):
        value = optional_str(body, name)
        if isinstance(value, DecodeError):
            return value
        strings[name] = value
    audio = _audio_config(body.get("audioConfig"))
    temperature = _number(body, ("temperature",), 0.0, 2.0, False)
    stamps = _enum(body, "timestampType", TIMESTAMP_TYPES)
    transport = _enum(body, "timestampTransportStrategy", TRANSPORTS)
    delay = _number(body, ("maxBufferDelayMs",), 0, 600_000, True)
    threshold = _number(body, ("bufferCharThreshold",), 1, AUTO_FLUSH_CHARS, True)
    for item in (audio, temperature, stamps, transport, delay, threshold):
        if isinstance(item, DecodeError):
            return item
    assert not isinstance(audio, DecodeError) and not isinstance(stamps, DecodeError)  # narrowed for mypy
    assert not isinstance(transport, DecodeError)
    auto = body.get("autoMode")
    if auto is not None and not isinstance(auto, bool):
        return DecodeError("autoMode must be true or false")
    extra = {k: v for k, v in body.items() if k not in _KNOWN}
    return ContextConfig(
        strings["voiceId"], strings["modelId"], audio, temperature, stamps, transport, auto, delay, threshold, extra
    )


def decode_client(raw: str | bytes) -> ClientFrame | DecodeError:
    """What the server makes of one client frame: exactly one op, in either spelling."""
    obj = load_object(raw)
    if isinstance(obj, DecodeError):
        return obj
    context_id = optional_str(obj, "contextId", "context_id")
    if isinstance(context_id, DecodeError):
        return DecodeError("contextId must be a string")
    ops = [key for key in obj if key in _OPS]
    if len(ops) != 1:
        named = "none" if not ops else " and ".join(ops)
        return DecodeError(
            f"a message carries exactly one of create, send_text, flush_context, "
            f"update_config, close_context; got {named}"
        )
    op, body = _OPS[ops[0]], obj[ops[0]]
    if op in ("create", "update_config"):
        config = _context_config(body)
        if isinstance(config, DecodeError):
            return config
        if op == "update_config":
            return UpdateConfig(config, context_id)
        if not config.voice_id or not config.model_id:
            return DecodeError("create requires voiceId and modelId")
        return Create(config, context_id)
    if body is not None and not isinstance(body, dict):
        return DecodeError(f"{ops[0]} must be an object")
    body = body or {}
    if op == "send_text":
        text = body.get("text", "")
        if not isinstance(text, str):
            return DecodeError("send_text.text must be a string")
        flush = first_of(body, "flush_context", "flushContext")
        if flush is not None and not isinstance(flush, dict):
            return DecodeError("send_text.flush_context must be an object")
        if not text and flush is None:
            return KeepAlive(context_id)
        return SendText(text, context_id, flush is not None)
    if op == "flush_context":
        return FlushContext(context_id)
    if op == "close_context":
        return CloseContext(context_id)
    return CancelContext(context_id)


def client_step(frame: object) -> ClientStep:
    """What a client frame does to its context (tui.protocol.steps)."""
    match frame:
        case Create(context_id=cid):
            return ClientStep(StepKind.OPEN, cid)
        case SendText(text=text, context_id=cid, flush=flush):
            return ClientStep(StepKind.TEXT, cid, text, flush=flush)
        case KeepAlive(context_id=cid):
            return ClientStep(StepKind.KEEP_ALIVE if cid is not None else StepKind.NONE, cid)
        case FlushContext(context_id=cid):
            return ClientStep(StepKind.FLUSH, cid)
        case UpdateConfig(context_id=cid):
            return ClientStep(StepKind.CONFIG, cid)
        case CloseContext(context_id=cid):
            return ClientStep(StepKind.CLOSE, cid)
        case CancelContext(context_id=cid):
            return ClientStep(StepKind.CANCEL, cid)
    return ClientStep(StepKind.NONE)
