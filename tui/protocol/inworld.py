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

import base64
import binascii
import math
from dataclasses import dataclass, field
from typing import Any

from .formats import RiffHeader
from .frames import (
    Audio,
    ContextOpened,
    DecodeError,
    ErrorFrame,
    Final,
    FlushDone,
    ServerEvent,
    Unknown,
    WordTimestamps,
    dumps,
    first_of,
    load_object,
    optional_str,
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
# gRPC status codes the service answers with (code 5 is seen live; 3 is the natural one for a
# malformed request, 6 and 8 for "already exists" and "limit reached": those three unverified).
INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, RESOURCE_EXHAUSTED = 3, 5, 6, 8

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


# ---- server → client ---------------------------------------------------------------------

OK_STATUS: dict[str, Any] = {"code": 0, "message": "", "details": []}


def _result(context_id: str | None, event: str | None, body: dict[str, Any], status: dict[str, Any]) -> str:
    result: dict[str, Any] = {} if context_id is None else {"contextId": context_id}
    if event is not None:
        result[event] = body
    result["status"] = status
    return dumps({"result": result})


def encode_words(words: WordTimestamps) -> dict[str, Any]:
    return {
        "wordAlignment": {
            "words": list(words.words),
            "wordStartTimeSeconds": [round(s, 3) for s in words.start_s],
            "wordEndTimeSeconds": [round(s, 3) for s in words.end_s],
        }
    }


def encode_server(event: ServerEvent) -> str:
    """Canonical server frame, one event per frame. An Audio with no bytes is a timestamps-only
    `audioChunk` (ASYNC trailing timestamps): `audioContent` is left out (§1.3, unverified)."""
    match event:
        case Audio(audio=audio, context_id=cid, words=words):
            chunk: dict[str, Any] = {}
            if audio:
                chunk["audioContent"] = base64.b64encode(audio).decode("ascii")
            if words is not None:
                chunk["timestampInfo"] = encode_words(words)
            return _result(cid, "audioChunk", chunk, OK_STATUS)
        case ContextOpened(context_id=cid, raw=raw):
            return _result(cid, "contextCreated", dict(raw), OK_STATUS)
        case FlushDone(context_id=cid):
            return _result(cid, "flushCompleted", {}, OK_STATUS)
        case Final(context_id=cid):
            return _result(cid, "contextClosed", {}, OK_STATUS)
        case ErrorFrame(message=message, code=code, context_id=cid):
            status = {"code": code or INVALID_ARGUMENT, "message": message, "details": []}
            return _result(cid, None, {}, status)
        case Unknown(raw=raw):
            return dumps(dict(raw))
    raise TypeError(f"not a server event: {event!r}")


def _seconds(name: str, value: Any, count: int) -> tuple[float, ...] | DecodeError:
    if (
        not isinstance(value, list)
        or len(value) != count
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
        or any(not 0 <= v <= 86_400 for v in value)
    ):
        return DecodeError(f"{name} must be a list of {count} times in seconds")
    return tuple(float(v) for v in value)


def decode_timestamps(info: Any) -> WordTimestamps | None | DecodeError:
    """`timestampInfo`: word alignment, or character alignment (each char as one "word")."""
    if info is None:
        return None
    if not isinstance(info, dict):
        return DecodeError("timestampInfo must be an object")
    for key, items, starts, ends in (
        ("wordAlignment", "words", "wordStartTimeSeconds", "wordEndTimeSeconds"),
        ("characterAlignment", "characters", "characterStartTimeSeconds", "characterEndTimeSeconds"),
    ):
        align = info.get(key)
        if align is None:
            continue
        if not isinstance(align, dict) or not isinstance(align.get(items, []), list):
            return DecodeError(f"timestampInfo.{key} must be an object with a list of {items}")
        names = align.get(items, [])
        if not all(isinstance(w, str) for w in names):
            return DecodeError(f"timestampInfo.{key}.{items} must be strings")
        start = _seconds(f"{key}.{starts}", align.get(starts, []), len(names))
        if isinstance(start, DecodeError):
            return start
        end = _seconds(f"{key}.{ends}", align.get(ends, []), len(names))
        if isinstance(end, DecodeError):
            return end
        return WordTimestamps(tuple(names), start, end, relative_to="synthesis")
    return None


def decode_audio(value: Any) -> bytes | DecodeError:
    """`audioContent`: base64; a leading RIFF/WAVE header (LINEAR16) is stripped."""
    if value in (None, ""):
        return b""
    if not isinstance(value, str):
        return DecodeError("audioContent must be a base64 string")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return DecodeError("audioContent is not valid base64")
    return RiffHeader().push(data) if data[:4] == b"RIFF" else data


def decode_server(raw: str | bytes) -> ServerEvent | DecodeError:
    """What a client makes of one Inworld server frame."""
    obj = load_object(raw)
    if isinstance(obj, DecodeError):
        return obj
    top_error = obj.get("error")
    if isinstance(top_error, dict):
        message, code = top_error.get("message"), top_error.get("code")
        return ErrorFrame(
            message=message if isinstance(message, str) else str(top_error)[:300],
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            raw=obj,
        )
    result = obj.get("result")
    if not isinstance(result, dict):
        return Unknown(obj) if "result" not in obj else DecodeError("result must be an object")
    context_id = optional_str(result, "contextId", "context_id")
    if isinstance(context_id, DecodeError):
        return context_id
    status = result.get("status")
    if status is not None and not isinstance(status, dict):
        return DecodeError("status must be an object")
    code = (status or {}).get("code", 0)
    if code not in (0, None):
        message = (status or {}).get("message")
        return ErrorFrame(
            message=message if isinstance(message, str) else f"status code {str(code)[:20]}",
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            context_id=context_id,
            raw=obj,
        )
    if "audioChunk" in result:
        chunk = result["audioChunk"]
        if not isinstance(chunk, dict):
            return DecodeError("audioChunk must be an object")
        audio = decode_audio(chunk.get("audioContent"))
        if isinstance(audio, DecodeError):
            return audio
        words = decode_timestamps(chunk.get("timestampInfo"))
        if isinstance(words, DecodeError):
            return words
        return Audio(audio, context_id, words=words)
    if "contextCreated" in result:
        body = result["contextCreated"]
        return ContextOpened(context_id, body if isinstance(body, dict) else {})
    if "flushCompleted" in result:
        return FlushDone(context_id)
    if "contextClosed" in result:
        return Final(context_id)
    return Unknown(obj, context_id)
