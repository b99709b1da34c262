"""What one recording holds: a header line, then one line per frame or operator action.

The file is JSON Lines, one object per line, written as the session runs:

    {"format": "switchboard-recording", "version": 1, "provider": ..., "dialect": ..., "url": ...,
     "output_format": "pcm_16000", "voice": ..., "model": ..., "started_at": "2026-...Z"}
    {"t": 12.5, "dir": "sent", "text": "{\"text\":\" \",\"context_id\":\"turn_1\",...}"}
    {"t": 80.25, "dir": "received", "text": "{\"audio\":\"...\",\"contextId\":\"turn_1\"}"}
    {"t": 95.0, "dir": "received", "b64": "AAEC..."}        (a binary frame, base64)
    {"t": 1200.0, "action": "barge-in", "context_id": "turn_1"}

`t` is the monotonic offset in milliseconds since the recorder started. A frame's `text` is
the frame exactly as on the wire (so replay is exact), except that known secrets are scrubbed.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

FORMAT_NAME = "switchboard-recording"
FORMAT_VERSION = 1

SENT = "sent"
RECEIVED = "received"
DIRECTIONS = (SENT, RECEIVED)

# Operator actions the console records (any other kind is kept and shown, never fatal).
TURN = "turn"  # fields: text, context_id
BARGE_IN = "barge-in"  # fields: context_id (the context that was speaking and got cut)
KEEP_ALIVE = "keep-alive"  # fields: context_id
CLOSED = "closed"  # fields: code, reason, expected, asked (the connection ended; asked: F5)
CONNECTED = "connected"  # fields: url (redacted): the connection came up there (a restarted
# embedded server listens on a new port; a changed option is in the query)
SERVER_SAID = "server-said"  # fields: text, level: what the embedded server's keeper said (banner)
SERVER_STATE = "server-state"  # fields: text: the status strip's embedded server field ("" when up)
HEARD = "heard"  # fields: context_id, heard (seconds), samples, rate, finished: what the
# listener had heard of it, as the speaker reported (a replay folds it)


# In a header's `extra`: the console that wrote it recorded `heard` actions, so a context without
# one was heard not at all (a recording without this mark gets an estimate instead).
def heard_mark() -> dict[str, Any]:
    return {"records": [HEARD]}


def records_heard(header: RecordingHeader | None) -> bool:
    records = header.extra.get("records") if header is not None else None
    return isinstance(records, list) and HEARD in records


# An offset past this is not a session (a week in milliseconds): 1e12 would leave a replay idle
# for 31 years. NaN and infinities (which Python's JSON reads) are refused likewise.
MAX_OFFSET_MS = 7 * 24 * 3600 * 1000.0

_RESERVED = frozenset({"t", "action"})  # how the reader tells an action line apart


@dataclass(frozen=True)
class RecordingHeader:
    """The first line: what was connected to, and how the audio is encoded.

    `output_format` uses the ElevenLabs spelling (`pcm_16000`, `ulaw_8000`) for both dialects,
    so export and replay know the sample rate. `url` must already be free of credentials; the
    recorder redacts it again anyway.
    """

    provider: str
    dialect: str
    url: str
    output_format: str
    voice: str | None = None
    model: str | None = None
    started_at: str = field(default_factory=lambda: _utc_now())
    version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "format": FORMAT_NAME,
            "version": self.version,
            "provider": self.provider,
            "dialect": self.dialect,
            "url": self.url,
            "output_format": self.output_format,
            "voice": self.voice,
            "model": self.model,
            "started_at": self.started_at,
        }
        if self.extra:
            obj["extra"] = self.extra
        return obj


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class FrameEntry:
    """One WebSocket frame: `data` is `str` for a text frame, `bytes` for a binary one."""

    offset_ms: float
    direction: str
    data: str | bytes

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"t": self.offset_ms, "dir": self.direction}
        if isinstance(self.data, str):
            obj["text"] = self.data
        else:
            obj["b64"] = base64.b64encode(self.data).decode("ascii")
        return obj


@dataclass(frozen=True)
class ActionEntry:
    """One operator action (turn typed, barge-in, keep-alive, ...) with its fields."""

    offset_ms: float
    kind: str
    fields: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        bad = _RESERVED.intersection(self.fields)
        if bad:
            raise ValueError(f"action field names {sorted(bad)} are reserved")
        return {"t": self.offset_ms, "action": self.kind, **self.fields}


Entry = FrameEntry | ActionEntry


# ---- decoding (the reader's half), each returning a reason string instead of raising ----------


def header_from_json(obj: Any) -> RecordingHeader | str:
    if not isinstance(obj, dict):
        return "the first line is not a JSON object, so this is not a recording"
    if obj.get("format") != FORMAT_NAME:
        return f"the first line is not a Switchboard recording header (format {obj.get('format')!r})"
    version = obj.get("version")
    if version != FORMAT_VERSION:
        return f"format version {version!r} is not supported (this reader reads version {FORMAT_VERSION})"
    for name in ("provider", "dialect", "url", "output_format", "started_at"):
        if not isinstance(obj.get(name), str):
            return f"the header's {name!r} is missing or not a string"
    for name in ("voice", "model"):
        if obj.get(name) is not None and not isinstance(obj.get(name), str):
            return f"the header's {name!r} is not a string"
    extra = obj.get("extra", {})
    if not isinstance(extra, dict):
        return "the header's 'extra' is not an object"
    return RecordingHeader(
        provider=obj["provider"],
        dialect=obj["dialect"],
        url=obj["url"],
        output_format=obj["output_format"],
        voice=obj.get("voice"),
        model=obj.get("model"),
        started_at=obj["started_at"],
        version=version,
        extra=extra,
    )


def entry_from_json(obj: Any) -> Entry | str:
    if not isinstance(obj, dict):
        return "not a JSON object"
    t = obj.get("t")
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        return "no offset 't' (a non-negative number of milliseconds)"
    if not 0 <= t <= MAX_OFFSET_MS:  # also true of NaN
        return f"bad offset 't' {str(t)[:20]}: not a number of milliseconds from 0 to {MAX_OFFSET_MS:.0f} (a week)"
    if "action" in obj:
        if not isinstance(obj["action"], str):
            return "'action' is not a string"
        fields = {k: v for k, v in obj.items() if k not in ("t", "action")}
        return ActionEntry(float(t), obj["action"], fields)
    direction = obj.get("dir")
    if direction not in DIRECTIONS:
        return f"neither an action nor a frame (dir {direction!r})"
    if isinstance(obj.get("text"), str):
        return FrameEntry(float(t), direction, obj["text"])
    if isinstance(obj.get("b64"), str):
        try:
            return FrameEntry(float(t), direction, base64.b64decode(obj["b64"], validate=True))
        except (binascii.Error, ValueError):
            return "binary frame 'b64' is not valid base64"
    return "a frame without 'text' or 'b64'"
