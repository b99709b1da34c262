"""A JSON client over a real `websockets` connection to the local server, every wait bounded."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tui.protocol.urls import elevenlabs_url, murf_url

WAIT = 5.0  # seconds any single expected frame may take; generous for a loaded 2-core machine

Frame = dict[str, Any]


# The tests count PCM bytes, so these name PCM unless a test names a format: the services'
# defaults (ElevenLabs MP3, Murf WAV) have tests of their own (test_formats.py).
def multi_url(base: str, **query: object) -> str:
    return elevenlabs_url(base, "local-voice", multi=True, **{"output_format": "pcm_22050", **query})


def single_url(base: str, **query: object) -> str:
    return elevenlabs_url(base, "local-voice", multi=False, **{"output_format": "pcm_22050", **query})


def murf_endpoint(base: str, **query: object) -> str:
    return murf_url(base, **{"format": "PCM", **query})


class WireClient:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, frame: Frame | str | bytes) -> None:
        await self.ws.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))

    async def recv(self, timeout: float = WAIT) -> Frame:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def until(self, done: Callable[[Frame], bool], timeout: float = WAIT) -> list[Frame]:
        """Frames up to and including the first for which `done` is true."""
        frames = []
        while True:
            frames.append(await self.recv(timeout))
            if done(frames[-1]):
                return frames

    async def finals(self, count: int, timeout: float = WAIT) -> list[Frame]:
        """Frames until `count` finals (of any contexts) have arrived."""
        frames: list[Frame] = []
        while sum(is_final(f) for f in frames) < count:
            frames.append(await self.recv(timeout))
        return frames

    async def rest(self, timeout: float = WAIT) -> list[Frame]:
        """Every frame until the server closes the socket."""
        frames = []
        try:
            while True:
                frames.append(await self.recv(timeout))
        except ConnectionClosed:
            return frames

    @property
    def close_code(self) -> int | None:
        return self.ws.close_code

    @property
    def close_reason(self) -> str | None:
        return self.ws.close_reason


@asynccontextmanager
async def client(url: str, **options: Any) -> AsyncIterator[WireClient]:
    async with connect(url, open_timeout=WAIT, close_timeout=WAIT, max_size=16 * 2**20, **options) as ws:
        yield WireClient(ws)


# ---- reading frames -----------------------------------------------------------------------


def is_final(frame: Frame, context_id: str | None = None) -> bool:
    final = frame.get("isFinal") is True or frame.get("final") is True
    return final and (context_id is None or context_of(frame) == context_id)


def speaks_up_to(ending: str) -> Callable[[Frame], bool]:
    """A predicate for `until`: true once the alignments seen so far end with `ending`."""
    heard: list[str] = []

    def done(frame: Frame) -> bool:
        if not frame.get("alignment"):
            return False
        heard.extend(frame["alignment"]["chars"])
        return "".join(heard).endswith(ending)

    return done


def lasts(seconds: float, rate: int = 22050, bytes_per_sample: int = 2) -> Callable[[Frame], bool]:
    """A predicate for `until`: true once the audio seen so far plays `seconds` (PCM at `rate`)."""
    heard: list[Frame] = []

    def done(frame: Frame) -> bool:
        heard.append(frame)
        return len(audio_bytes(heard)) >= int(seconds * rate + 0.5) * bytes_per_sample - 2

    return done


def context_of(frame: Frame) -> str | None:
    return frame.get("contextId", frame.get("context_id"))


def audio_of(frames: list[Frame], context_id: str | None = None, *, any_context: bool = False) -> list[Frame]:
    return [f for f in frames if "audio" in f and (any_context or context_of(f) == context_id)]


def spoken_text(frames: list[Frame], key: str = "alignment") -> str:
    """The chars of every audio frame's alignment, joined in arrival order."""
    return "".join("".join(f[key]["chars"]) for f in frames if f.get(key))


def audio_bytes(frames: list[Frame]) -> bytes:
    return b"".join(base64.b64decode(f["audio"]) for f in frames if f.get("audio"))


def opening(context_id: str | None = None, **settings: Any) -> Frame:
    frame: Frame = {"text": " "}
    if context_id is not None:
        frame["context_id"] = context_id
    frame.update(settings)
    return frame


def text(context_id: str | None, words: str, **flags: Any) -> Frame:
    frame: Frame = {"text": words}
    if context_id is not None:
        frame["context_id"] = context_id
    frame.update(flags)
    return frame
