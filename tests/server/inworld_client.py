"""An Inworld JSON client over a real socket to the local server (helpers for tests/server/test_inworld_*)."""

from __future__ import annotations

import base64
from typing import Any

from tui.protocol.urls import inworld_url

from .wire import Frame, WireClient, client

RATE = 16000
TONE_MS = 60  # the tone voice's ms per char (tui/server/synth/tone.py default)


def endpoint(base: str) -> str:
    return inworld_url(base)


def connect(base: str, **options: Any):
    return client(endpoint(base), **options)


def create(cid: str | None, encoding: str = "PCM", rate: int = RATE, **settings: Any) -> Frame:
    body = {
        "voiceId": "Ashley",
        "modelId": "inworld-tts-2",
        "audioConfig": {"audioEncoding": encoding, "sampleRateHertz": rate},
        **settings,
    }
    return {"create": body} if cid is None else {"create": body, "contextId": cid}


def op(name: str, cid: str | None, **body: Any) -> Frame:
    return {name: body} if cid is None else {name: body, "contextId": cid}


def result(frame: Frame) -> dict[str, Any]:
    assert set(frame) == {"result"}, frame
    return frame["result"]


def event(frame: Frame) -> str | None:
    """The one event a frame carries (None for a status-only error)."""
    keys = [k for k in result(frame) if k not in ("contextId", "status")]
    assert len(keys) <= 1, frame
    return keys[0] if keys else None


def status(frame: Frame) -> dict[str, Any]:
    return result(frame)["status"]


def is_event(name: str, cid: str | None = None):
    return lambda f: event(f) == name and (cid is None or result(f).get("contextId") == cid)


def audio(frames: list[Frame], cid: str | None = None) -> bytes:
    chunks = [
        result(f)["audioChunk"]
        for f in frames
        if event(f) == "audioChunk" and (cid is None or result(f).get("contextId") == cid)
    ]
    return b"".join(base64.b64decode(c["audioContent"]) for c in chunks if c.get("audioContent"))


def audio_chunks(frames: list[Frame]) -> list[bytes]:
    chunks = [result(f)["audioChunk"] for f in frames if event(f) == "audioChunk"]
    return [base64.b64decode(c["audioContent"]) for c in chunks if c.get("audioContent")]


def tone_bytes(text: str, rate: int = RATE, width: int = 2) -> int:
    return round(len(text) * TONE_MS * rate / 1000) * width


async def until(ws: WireClient, name: str, cid: str | None = None, timeout: float = 5.0) -> list[Frame]:
    return await ws.until(is_event(name, cid), timeout)
