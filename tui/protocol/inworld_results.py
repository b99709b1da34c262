"""Inworld server → client frames: the `{"result": {...}, "status": {...}}` envelope, one event per
frame (PROTOCOL-DIALECTS.md §1.3). Re-exported by tui.protocol.inworld, which holds the client
side; see its docstring for the dialect as a whole.
"""

from __future__ import annotations

import base64
import binascii
import math
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
    load_object,
    optional_str,
)

# gRPC status codes the service answers with (code 5 is seen live; 3 is the natural one for a
# malformed request, 6 and 8 for "already exists" and "limit reached": those three unverified).
INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, RESOURCE_EXHAUSTED = 3, 5, 6, 8


OK_STATUS: dict[str, Any] = {"code": 0, "message": "", "details": []}


def _result(context_id: str | None, event: str | None, body: dict[str, Any], status: dict[str, Any]) -> str:
    result: dict[str, Any] = {} if context_id is None else {"contextId": context_id}
    if event is not None:
        result[event] = body
    result["status"] = status
    return dumps({"result": result})


def encode_words(words: WordTimestamps, *, characters: bool = False) -> dict[str, Any]:
    """`timestampInfo`: `wordAlignment`, or `characterAlignment` (timestampType CHARACTER)."""
    if characters:
        return {
            "characterAlignment": {
                "characters": list(words.words),
                "characterStartTimeSeconds": [round(s, 3) for s in words.start_s],
                "characterEndTimeSeconds": [round(s, 3) for s in words.end_s],
            }
        }
    return {
        "wordAlignment": {
            "words": list(words.words),
            "wordStartTimeSeconds": [round(s, 3) for s in words.start_s],
            "wordEndTimeSeconds": [round(s, 3) for s in words.end_s],
        }
    }


def encode_audio_chunk(
    audio: bytes, context_id: str | None, words: WordTimestamps | None = None, *, characters: bool = False
) -> str:
    """An `audioChunk` frame; no bytes: a timestamps-only chunk, `audioContent` left out (§1.3:
    whether the service omits it or sends "" is unverified; both clients take either)."""
    chunk: dict[str, Any] = {}
    if audio:
        chunk["audioContent"] = base64.b64encode(audio).decode("ascii")
    if words is not None:
        chunk["timestampInfo"] = encode_words(words, characters=characters)
    return _result(context_id, "audioChunk", chunk, OK_STATUS)


def encode_server(event: ServerEvent) -> str:
    """Canonical server frame, one event per frame (an Audio: `encode_audio_chunk`)."""
    match event:
        case Audio(audio=audio, context_id=cid, words=words):
            return encode_audio_chunk(audio, cid, words)
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
