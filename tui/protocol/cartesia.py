"""Cartesia `/tts/websocket`: client and server frames (PROTOCOL-DIALECTS.md §2).

Client frames are snake_case generation requests keyed by `context_id` (a context is created by
its first request; `continue: false` ends it; `flush: true` asks for a `flush_done`) and a
`cancel`. The server sends one event per frame, each with `type` and `context_id` (pipecat reads
both by subscript): `chunk`, `timestamps`, `phoneme_timestamps`, `flush_done`, `done`, `error`.

Decoders accept every spelling seen in the wild (PROTOCOL-DIALECTS.md §2.2) and return
`DecodeError` for anything malformed; the encoders write the canonical shapes of §2.3. Word
timestamps are seconds counted from the start of the context (`WordTimestamps.relative_to
"context"`). Error frames carry both the old `error` string and the newer `title` / `message` /
`error_code` fields (clients read only `type`, `done` and `context_id`).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any

from .elevenlabs import decode_audio_field
from .formats import AudioFormat
from .frames import (
    Audio,
    DecodeError,
    ErrorFrame,
    Final,
    FlushDone,
    ServerEvent,
    Unknown,
    WordTimestamps,
    dumps,
    load_object,
    optional_str,
    truthy_flag,
    truthy_flags,
)
from .steps import ClientStep, StepKind

# Versions Cartesia documents (CA-DOC, CA-SKILL); pipecat sends the newest, LiveKit 2025-04-16.
API_VERSIONS = ("2024-06-10", "2024-11-13", "2025-04-16", "2026-03-01")
DEFAULT_VERSION = "2026-03-01"
DEFAULT_MODEL = "sonic-3.5"
DEFAULT_VOICE = "a0e99841-438c-4a64-b679-ae501e7d6091"  # the voice of Cartesia's own examples (CA-DOC)
DEFAULT_LANGUAGE = "en"
ENCODINGS = {"pcm_s16le": "pcm", "pcm_f32le": "f32", "pcm_mulaw": "ulaw", "pcm_alaw": "alaw"}
SAMPLE_RATES = (8000, 16000, 22050, 24000, 44100, 48000)
MAX_BUFFER_DELAY_MS = 5000
DEFAULT_MAX_BUFFER_DELAY_MS = 3000
IDLE_TIMEOUT = 300.0  # "We close idle WebSocket connections after 5 minutes" (CA-LIM)
IDLE_CLOSE_REASON = "connection idle timeout"
# Fields that may change between inputs of one context (CA-CTX); the rest must stay the same.
CONTINUATION_FIELDS = frozenset({"transcript", "continue", "duration", "flush", "context_id"})
STATUS_TITLES = {
    400: "Invalid request",
    401: "Unauthorized",
    404: "Not found",
    429: "Too many concurrent requests",
    500: "Internal server error",
}
IN_PROGRESS = 206  # status_code of every frame that is not an error


# ---- client → server ---------------------------------------------------------------------


@dataclass(frozen=True)
class OutputFormat:
    container: str = "raw"
    encoding: str = "pcm_s16le"
    sample_rate: int = 24000

    def to_json(self) -> dict[str, Any]:
        return {"container": self.container, "encoding": self.encoding, "sample_rate": self.sample_rate}

    def audio_format(self) -> AudioFormat | DecodeError:
        """The format as the console and server name it, or why neither can (only raw PCM,
        f32 and G.711 at Cartesia's rates exist on the WebSocket)."""
        if self.container != "raw":
            return DecodeError(f"output_format.container must be raw, got {self.container[:40]!r}")
        encoding = ENCODINGS.get(self.encoding)
        if encoding is None:
            return DecodeError(
                f"output_format.encoding must be one of {', '.join(ENCODINGS)}, got {self.encoding[:40]!r}"
            )
        if self.sample_rate not in SAMPLE_RATES:
            return DecodeError(
                f"output_format.sample_rate must be one of {', '.join(map(str, SAMPLE_RATES))}, got {self.sample_rate}"
            )
        return AudioFormat(encoding, self.sample_rate)


def output_format_of(fmt: AudioFormat) -> OutputFormat:
    """The Cartesia `output_format` for a console format (pcm, f32, ulaw or alaw)."""
    by_ours = {ours: theirs for theirs, ours in ENCODINGS.items()}
    return OutputFormat("raw", by_ours.get(fmt.encoding, fmt.encoding), fmt.sample_rate)


@dataclass(frozen=True)
class Generation:
    """A generation request. `continue_` (wire `continue`) True: more inputs follow; False (the
    default, as on the service): this input ends the context. Only `context_id` is always
    present once decoded; what the first input of a context must carry is the server's rule."""

    context_id: str
    transcript: str = ""
    model_id: str | None = None
    voice: dict[str, Any] | None = None
    output_format: OutputFormat | None = None
    continue_: bool = False
    flush: bool = False
    language: str | None = None
    add_timestamps: bool = False
    add_phoneme_timestamps: bool = False
    use_normalized_timestamps: bool = False
    max_buffer_delay_ms: int | None = None
    generation_config: dict[str, Any] | None = None
    speed: str | float | None = None
    pronunciation_dict_id: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()  # fields this codec does not model, kept for the echo

    def settings(self) -> dict[str, Any]:
        """What must not change between inputs of one context (CA-CTX): every field given but
        the transcript, `continue`, `flush` and the buffer delay."""
        out = {
            "model_id": self.model_id,
            "voice": self.voice,
            "output_format": self.output_format,
            "language": self.language,
            "generation_config": self.generation_config,
            "speed": self.speed,
            "pronunciation_dict_id": self.pronunciation_dict_id,
        }
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class Cancel:
    """`{"context_id": C, "cancel": true}`: nothing more is generated for C."""

    context_id: str


ClientFrame = Generation | Cancel


def voice_by_id(voice_id: str) -> dict[str, Any]:
    return {"mode": "id", "id": voice_id}


def encode_client(frame: ClientFrame) -> str:
    match frame:
        case Cancel():
            return dumps({"context_id": frame.context_id, "cancel": True})
        case Generation():
            obj: dict[str, Any] = {}
            if frame.model_id is not None:
                obj["model_id"] = frame.model_id
            obj["transcript"] = frame.transcript
            if frame.voice is not None:
                obj["voice"] = frame.voice
            if frame.language is not None:
                obj["language"] = frame.language
            obj["context_id"] = frame.context_id
            if frame.output_format is not None:
                obj["output_format"] = frame.output_format.to_json()
            for name in ("add_timestamps", "add_phoneme_timestamps", "use_normalized_timestamps"):
                if getattr(frame, name):
                    obj[name] = True
            for name in ("max_buffer_delay_ms", "generation_config", "speed", "pronunciation_dict_id"):
                if (value := getattr(frame, name)) is not None:
                    obj[name] = value
            obj.update(frame.extra)
            obj["continue"] = frame.continue_
            if frame.flush:
                obj["flush"] = True
            return dumps(obj)
    raise TypeError(f"not a Cartesia client frame: {frame!r}")


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _whole(value: Any) -> bool:
    return _number(value) and value == int(value)


def _decode_output_format(value: Any) -> OutputFormat | None | DecodeError:
    if value is None:
        return None
    if not isinstance(value, dict):
        return DecodeError("output_format must be an object")
    container, encoding, rate = value.get("container", "raw"), value.get("encoding"), value.get("sample_rate")
    if not isinstance(container, str) or not isinstance(encoding, str):
        return DecodeError("output_format.container and .encoding must be strings")
    if rate is None or not _whole(rate):
        return DecodeError("output_format.sample_rate must be a whole number")
    return OutputFormat(container, encoding, int(rate))


def _decode_voice(value: Any) -> dict[str, Any] | None | DecodeError:
    if value is None:
        return None
    if not isinstance(value, dict):
        return DecodeError("voice must be an object")
    mode = value.get("mode", "id")
    if mode == "id" and not isinstance(value.get("id"), str):
        return DecodeError("voice.id must be a string")
    if mode == "embedding" and not (
        isinstance(value.get("embedding"), list) and all(_number(x) for x in value["embedding"])
    ):
        return DecodeError("voice.embedding must be a list of numbers")
    if mode not in ("id", "embedding"):
        return DecodeError(f"voice.mode must be id or embedding, got {str(mode)[:40]!r}")
    return value


_KNOWN = {
    "context_id",
    "transcript",
    "model_id",
    "voice",
    "output_format",
    "continue",
    "flush",
    "cancel",
    "language",
    "add_timestamps",
    "add_phoneme_timestamps",
    "use_normalized_timestamps",
    "max_buffer_delay_ms",
    "generation_config",
    "speed",
    "pronunciation_dict_id",
}


def decode_client(raw: str | bytes) -> ClientFrame | DecodeError:
    """What the server makes of one Cartesia client frame (types checked, semantics not)."""
    obj = load_object(raw)
    if isinstance(obj, DecodeError):
        return obj
    context_id = optional_str(obj, "context_id")
    if isinstance(context_id, DecodeError):
        return context_id
    if not context_id:
        return DecodeError("context_id is required")
    flags = truthy_flags(
        obj, "cancel", "continue", "flush", "add_timestamps", "add_phoneme_timestamps", "use_normalized_timestamps"
    )
    if isinstance(flags, DecodeError):
        return flags
    if flags["cancel"]:
        return Cancel(context_id)
    strings: dict[str, str | None] = {}
    for name in ("transcript", "model_id", "language", "pronunciation_dict_id"):
        value = optional_str(obj, name)
        if isinstance(value, DecodeError):
            return value
        strings[name] = value
    voice = _decode_voice(obj.get("voice"))
    if isinstance(voice, DecodeError):
        return voice
    output_format = _decode_output_format(obj.get("output_format"))
    if isinstance(output_format, DecodeError):
        return output_format
    delay = obj.get("max_buffer_delay_ms")
    if delay is not None and (not _whole(delay) or not 0 <= delay <= MAX_BUFFER_DELAY_MS):
        return DecodeError(f"max_buffer_delay_ms must be a whole number from 0 to {MAX_BUFFER_DELAY_MS}")
    config = obj.get("generation_config")
    if config is not None and not isinstance(config, dict):
        return DecodeError("generation_config must be an object")
    speed = obj.get("speed")
    if speed is not None and not (isinstance(speed, str) or _number(speed)):
        return DecodeError("speed must be slow, normal, fast or a number")
    return Generation(
        context_id,
        strings["transcript"] or "",
        strings["model_id"],
        voice,
        output_format,
        flags["continue"],
        flags["flush"],
        strings["language"],
        flags["add_timestamps"],
        flags["add_phoneme_timestamps"],
        flags["use_normalized_timestamps"],
        int(delay) if delay is not None else None,
        config,
        speed,
        strings["pronunciation_dict_id"],
        tuple((k, v) for k, v in obj.items() if k not in _KNOWN),
    )


def client_step(frame: object) -> ClientStep:
    """What a decoded client frame does to its context (tui.protocol.steps)."""
    match frame:
        case Cancel(context_id=cid):
            return ClientStep(StepKind.CANCEL, cid)
        case Generation(context_id=cid, transcript=text, continue_=False):
            return (
                ClientStep(StepKind.TEXT, cid, text, flush=frame.flush, close=True)
                if text
                else ClientStep(StepKind.CLOSE, cid)
            )
        case Generation(context_id=cid, transcript="", flush=True):
            return ClientStep(StepKind.FLUSH, cid)
        case Generation(context_id=cid, transcript=text, flush=flush):
            return ClientStep(StepKind.TEXT, cid, text, flush=flush)
    return ClientStep(StepKind.NONE)


# ---- server → client ---------------------------------------------------------------------


def error_event(
    message: str, error_code: str, status_code: int, context_id: str | None, title: str | None = None
) -> ErrorFrame:
    """An error as the server sends it (`error` holds Cartesia's `error_code`, `code` the HTTP-like
    `status_code`); `title` defaults to the status code's."""
    raw = {"title": title} if title else {}
    return ErrorFrame(message=message, error=error_code, code=status_code, context_id=context_id, raw=raw)


def encode_chunk(event: Audio, *, step_time: float = 0.0, flush_id: int | None = None) -> list[str]:
    """An Audio event as Cartesia frames: a `chunk` if it has audio, then `timestamps` if it
    carries words (one event per frame, as the service sends them)."""
    frames: list[str] = []
    if event.audio:
        obj: dict[str, Any] = {
            "type": "chunk",
            "data": base64.b64encode(event.audio).decode("ascii"),
            "done": False,
            "status_code": IN_PROGRESS,
            "step_time": round(step_time, 3),
            "context_id": event.context_id,
        }
        if flush_id is not None:
            obj["flush_id"] = flush_id
        frames.append(dumps(obj))
    if event.words is not None and event.words.words:
        frames.append(
            dumps(
                {
                    "type": "timestamps",
                    "done": False,
                    "status_code": IN_PROGRESS,
                    "context_id": event.context_id,
                    "word_timestamps": {
                        "words": list(event.words.words),
                        "start": [round(s, 3) for s in event.words.start_s],
                        "end": [round(s, 3) for s in event.words.end_s],
                    },
                }
            )
        )
    return frames


def encode_phonemes(context_id: str | None, phonemes: WordTimestamps) -> str:
    return dumps(
        {
            "type": "phoneme_timestamps",
            "done": False,
            "status_code": IN_PROGRESS,
            "context_id": context_id,
            "phoneme_timestamps": {
                "phonemes": list(phonemes.words),
                "start": [round(s, 3) for s in phonemes.start_s],
                "end": [round(s, 3) for s in phonemes.end_s],
            },
        }
    )


def encode_server(event: ServerEvent) -> str | list[str]:
    obj: dict[str, Any]
    match event:
        case Audio():
            return encode_chunk(event)
        case Final():
            obj = {"type": "done", "done": True, "status_code": IN_PROGRESS, "context_id": event.context_id}
        case FlushDone():
            obj = {"type": "flush_done", "done": False, "flush_done": True}
            if event.flush_id is not None:
                obj["flush_id"] = event.flush_id
            obj.update(status_code=IN_PROGRESS, context_id=event.context_id)
        case ErrorFrame():
            status = event.code or 400
            title = event.raw.get("title") or STATUS_TITLES.get(status, "Error")
            obj = {
                "type": "error",
                "done": True,
                "status_code": status,
                "error_code": event.error or "invalid_request",
                "title": title,
                "message": event.message,
                "error": event.message,  # versions before 2026-03-01 carried only this string
                "context_id": event.context_id or "",  # pipecat subscripts it
            }
        case Unknown():
            obj = dict(event.raw)
        case _:
            raise TypeError(f"not a Cartesia server event: {event!r}")
    return dumps(obj)


def _timings(value: Any, key: str) -> WordTimestamps | DecodeError:
    if not isinstance(value, dict):
        return DecodeError(f"{key} must be an object")
    names = value.get("words" if key == "word_timestamps" else "phonemes")
    start, end = value.get("start"), value.get("end")
    if not (isinstance(names, list) and isinstance(start, list) and isinstance(end, list)):
        return DecodeError(f"{key} must hold lists")
    if not (len(names) == len(start) == len(end)):
        return DecodeError(f"{key} lists differ in length")
    if not all(isinstance(n, str) for n in names) or not all(_number(s) for s in start + end):
        return DecodeError(f"{key} must hold strings and numbers")
    return WordTimestamps(tuple(names), tuple(map(float, start)), tuple(map(float, end)), "context")


def decode_server(raw: str | bytes) -> ServerEvent | DecodeError:
    """What a client makes of one Cartesia server frame: by `type`, else by the fields present
    (as LiveKit reads them: `data` → audio, `done` → the end)."""
    obj = load_object(raw)
    if isinstance(obj, DecodeError):
        return obj
    context_id = optional_str(obj, "context_id")
    if isinstance(context_id, DecodeError):
        return context_id
    kind = obj.get("type")
    if kind == "error" or (kind is None and ("error" in obj or "error_code" in obj)):
        message, error, code = obj.get("message"), obj.get("error"), obj.get("status_code")
        code_str = obj.get("error_code")
        text = message if isinstance(message, str) else error if isinstance(error, str) else dumps(obj)[:300]
        return ErrorFrame(
            message=text,
            error=code_str if isinstance(code_str, str) else None,
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            context_id=context_id,
            raw=obj,
        )
    done = truthy_flag(obj, "done")
    if isinstance(done, DecodeError):
        return done
    if kind == "timestamps" or (kind is None and "word_timestamps" in obj):
        words = _timings(obj.get("word_timestamps"), "word_timestamps")
        return words if isinstance(words, DecodeError) else Audio(b"", context_id, words=words)
    if kind == "chunk" or (kind is None and obj.get("data")):
        audio = decode_audio_field(obj.get("data", ""))
        return audio if isinstance(audio, DecodeError) else Audio(audio, context_id)
    if kind == "flush_done" or (kind is None and obj.get("flush_done") is True):
        flush_id = obj.get("flush_id")
        if flush_id is not None and (not isinstance(flush_id, int) or isinstance(flush_id, bool)):
            return DecodeError("flush_id must be a whole number")
        return FlushDone(context_id, flush_id)
    if kind == "done" or (kind is None and done):
        return Final(context_id)
    if kind == "phoneme_timestamps":
        phonemes = _timings(obj.get("phoneme_timestamps"), "phoneme_timestamps")
        return phonemes if isinstance(phonemes, DecodeError) else Unknown(obj, context_id)
    return Unknown(obj, context_id)
