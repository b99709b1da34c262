"""Cartesia requests and frame reading for the route tests (tests/server/test_cartesia_*.py)."""

from __future__ import annotations

import base64
from typing import Any

Frame = dict[str, Any]
VERSION = "2026-03-01"


def cartesia_endpoint(base: str, version: str | None = VERSION, **query: str) -> str:
    params = {**({"cartesia_version": version} if version else {}), **query}
    tail = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{base}/tts/websocket" + (f"?{tail}" if tail else "")


def request(context_id: str, transcript: str, *, more: bool = True, **fields: Any) -> Frame:
    """A generation request as pipecat sends it (every field, every time)."""
    frame: Frame = {
        "model_id": "sonic-3.5",
        "transcript": transcript,
        "voice": {"mode": "id", "id": "a0e99841-438c-4a64-b679-ae501e7d6091"},
        "language": "en",
        "context_id": context_id,
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 24000},
        "add_timestamps": True,
        "continue": more,
    }
    frame.update(fields)
    return frame


def of_type(frames: list[Frame], kind: str, context_id: str | None = None) -> list[Frame]:
    return [f for f in frames if f["type"] == kind and (context_id is None or f["context_id"] == context_id)]


def pcm(frames: list[Frame], context_id: str | None = None) -> bytes:
    return b"".join(base64.b64decode(f["data"]) for f in of_type(frames, "chunk", context_id))


def is_done(context_id: str | None = None):
    return lambda f: f.get("done") is True and (context_id is None or f["context_id"] == context_id)
