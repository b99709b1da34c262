"""Drives a LiveKit agents TTS plugin the way an AgentSession does: `TTS.stream()` per turn.

A turn pushes its sentences, `flush()`es and `end_input()`s, then reads the stream to its end (the
plugin ends it when the server's final arrives). The interruption is what the agent does when the
user barges in: `aclose()` on the stream still speaking (the plugin's own cleanup then runs: the
ElevenLabs plugin sends close_context, the Murf plugin drops the pooled socket). No room and no
job: the plugins take an aiohttp session directly.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
from livekit.agents import APIError

from .script import LATE_AUDIO_WINDOW, TURN_TIMEOUT, TURNS, arguments, emit, versions


async def _spoken_turn(tts, name: str) -> None:
    emit("turn", turn=name)
    stream = tts.stream()
    for sentence in TURNS[name]:
        stream.push_text(sentence + " ")
    stream.flush()
    stream.end_input()
    audio, ended, first = 0, False, True

    async def read() -> None:
        nonlocal audio, ended, first
        async for event in stream:
            audio += len(event.frame.data.tobytes())
            if first and audio:
                emit("audio", turn=name, context=event.request_id)
                first = False
            if event.is_final:
                ended = True
        ended = True  # the stream ran to its end without an error

    try:
        await asyncio.wait_for(read(), TURN_TIMEOUT)
    except TimeoutError:
        emit("error", where=name, message=f"the stream did not end within {TURN_TIMEOUT:.0f} s")
        ended = False
    except APIError as error:
        emit("error", where=name, message=f"{type(error).__name__}: {error}"[:300])
        ended = False
    finally:
        await stream.aclose()
    emit("turn_end", turn=name, bytes=audio, ended=ended)


async def _interrupted_turn(tts) -> None:
    emit("turn", turn="interrupted")
    stream = tts.stream()
    for sentence in TURNS["interrupted"]:
        stream.push_text(sentence + " ")
    stream.flush()  # sentences go out, but the turn is not ended: the user barges in first
    audio = 0
    try:
        event = await asyncio.wait_for(stream.__anext__(), TURN_TIMEOUT)
        audio = len(event.frame.data.tobytes())
        emit("audio", turn="interrupted", context=event.request_id)
    except TimeoutError:
        emit("error", where="interrupted", message=f"no audio within {TURN_TIMEOUT:.0f} s")
    except (APIError, StopAsyncIteration) as error:
        emit("error", where="interrupted", message=f"{type(error).__name__}: {error}"[:300])
    await stream.aclose()
    emit("interrupted", turn="interrupted")
    await asyncio.sleep(LATE_AUDIO_WINDOW)  # nothing can reach a closed stream; the wire log says what came
    emit("turn_end", turn="interrupted", bytes=audio, ended=True)


async def drive(tts) -> None:
    started = time.monotonic()
    try:
        await _spoken_turn(tts, "turn1")
        await _interrupted_turn(tts)
        await _spoken_turn(tts, "final")
    finally:
        try:
            await asyncio.wait_for(tts.aclose(), 10)
        except TimeoutError:
            emit("error", where="shutdown", message="TTS.aclose() did not return within 10 s")
    emit("done", seconds=round(time.monotonic() - started, 3))


def main(make_tts, *packages: str) -> None:
    """A client module's entry: `make_tts(args, http_session)` builds the plugin's TTS."""
    args = arguments()
    emit("versions", **versions("livekit-agents", *packages))

    async def run() -> None:
        async with aiohttp.ClientSession() as session:
            await drive(make_tts(args, session))

    asyncio.run(run())
