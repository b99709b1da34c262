"""Inworld audio and timestamps on the local server, and the route's auth and fault rehearsal:
each format as the service sends it, word timings per synthesis (ASYNC trailing, SYNC inline)."""

from __future__ import annotations

import asyncio
import struct

import pytest
from websockets.exceptions import InvalidStatus

from tui.protocol import inworld as iw
from tui.protocol.formats import alaw_decode
from tui.protocol.mp3 import frame_header
from tui.server import LocalServer, ManualClock
from tui.server.fault_plan import FaultPlan
from tui.server.faults import parse_faults

from .inworld_client import audio, audio_chunks, connect, create, endpoint, event, op, result, status, tone_bytes, until
from .wire import client


async def one_synthesis(url: str, text: str, **create_settings) -> list[dict]:
    async with connect(url) as ws:
        await ws.send(create("c", **create_settings))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "c", text=text, flush_context={}))
        return await until(ws, "flushCompleted", "c")


async def test_pcm_is_raw_and_linear16_puts_a_riff_header_on_every_chunk(local_server):
    text = "a longer sentence cut in frames"  # 1.8 s: several 250 ms chunks
    raw = await one_synthesis(local_server, text, encoding="PCM")
    assert len(audio(raw)) == tone_bytes(text) and not audio(raw).startswith(b"RIFF")
    chunks = audio_chunks(await one_synthesis(local_server, text, encoding="LINEAR16"))
    assert len(chunks) > 2
    for chunk in chunks:
        assert chunk[:4] == b"RIFF" and chunk[8:16] == b"WAVEfmt "
        assert struct.unpack("<I", chunk[40:44])[0] == len(chunk) - 44  # the chunk's own size
        assert struct.unpack("<I", chunk[24:28])[0] == 16000
    assert b"".join(c[44:] for c in chunks) == audio(raw)
    wav = audio_chunks(await one_synthesis(local_server, text, encoding="WAV"))
    assert wav[0][:4] == b"RIFF" and all(c[:4] != b"RIFF" for c in wav[1:])  # once per synthesis


async def test_mulaw_alaw_and_mp3_are_produced_and_an_unserved_rate_refused(local_server):
    text = "tone"
    for encoding in ("MULAW", "ALAW"):
        frames = await one_synthesis(local_server, text, encoding=encoding, rate=8000)
        assert len(audio(frames)) == tone_bytes(text, 8000, 1)
    assert len(alaw_decode(audio(await one_synthesis(local_server, text, encoding="ALAW", rate=8000)))) == tone_bytes(
        text, 8000
    )
    mp3 = audio(await one_synthesis(local_server, text, encoding="MP3", rate=24000))
    header = frame_header(mp3)
    assert header is not None and header.sample_rate == 24000
    async with connect(local_server) as ws:
        await ws.send(create("x", rate=11025))  # OGG_OPUS and FLAC: test_compressed_formats.py
        frame = await ws.recv()
        assert status(frame)["code"] == iw.INVALID_ARGUMENT and "sampleRateHertz 11025" in status(frame)["message"]


def words_of(frames: list[dict]) -> list[tuple[str, float, float]]:
    out = []
    for frame in frames:
        info = result(frame).get("audioChunk", {}).get("timestampInfo")
        if info:
            w = info["wordAlignment"]
            out += list(zip(w["words"], w["wordStartTimeSeconds"], w["wordEndTimeSeconds"]))
    return out


async def test_async_word_timestamps_trail_their_audio_and_restart_at_each_synthesis(local_server):
    async with connect(local_server) as ws:
        await ws.send(create("c", timestampType="WORD", timestampTransportStrategy="ASYNC"))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "c", text="Hi you there", flush_context={}))
        first = await until(ws, "flushCompleted", "c")
        await ws.send(op("send_text", "c", text="go on", flush_context={}))
        second = await until(ws, "flushCompleted", "c")
    for frames in (first, second):
        chunks = [result(f)["audioChunk"] for f in frames if event(f) == "audioChunk"]
        assert all(not ("audioContent" in c and "timestampInfo" in c) for c in chunks)  # never together
        assert "audioContent" in chunks[0]  # audio first, words after it
    assert words_of(first) == [("Hi", 0.0, 0.12), ("you", 0.18, 0.36), ("there", 0.42, 0.72)]
    assert words_of(second) == [("go", 0.0, 0.12), ("on", 0.18, 0.3)]  # back to 0


async def test_sync_timestamps_ride_in_the_audio_chunk_and_none_unless_asked(local_server):
    frames = await one_synthesis(
        local_server, "Hi you", timestampType="WORD", timestampTransportStrategy="SYNC", encoding="PCM"
    )
    chunks = [result(f)["audioChunk"] for f in frames if event(f) == "audioChunk"]
    assert all("audioContent" in c for c in chunks) and words_of(frames) == [("Hi", 0.0, 0.12), ("you", 0.18, 0.36)]
    plain = await one_synthesis(local_server, "Hi you")
    assert words_of(plain) == []


async def test_the_key_goes_in_authorization_basic_at_the_handshake(start_local_server):
    server = await start_local_server(api_key="c2VjcmV0OmtleQ==")
    with pytest.raises(InvalidStatus) as missing:
        async with connect(server.url):
            pass
    assert missing.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as wrong:
        async with connect(server.url, additional_headers={"Authorization": "Basic d3Jvbmc="}):
            pass
    assert wrong.value.response.status_code == 403 and b"c2VjcmV0" not in wrong.value.response.body
    async with connect(server.url, additional_headers={"Authorization": "Basic c2VjcmV0OmtleQ=="}) as ws:
        await ws.send(create("c"))
        assert event(await ws.recv()) == "contextCreated"


async def test_fault_rehearsal_delays_first_audio_and_answers_a_spent_quota_on_this_route(voice_loader):
    clock = ManualClock()
    async with (
        LocalServer(voice_loader("tone"), clock=clock, faults=FaultPlan(parse_faults("ttfa=2s"))) as server,
        client(endpoint(server.url)) as ws,
    ):
        await ws.send(create("t"))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "t", text="Hello there.", flush_context={}))
        with pytest.raises(asyncio.TimeoutError):
            await ws.recv(timeout=0.5)
        clock.advance(2.0)
        assert event(await ws.recv()) == "audioChunk"
    async with (
        LocalServer(voice_loader("tone"), faults=FaultPlan(parse_faults("quota"))) as server,
        client(endpoint(server.url)) as ws,
    ):
        await ws.send(create("q"))
        await until(ws, "contextCreated")
        await ws.send(op("send_text", "q", text="Hello there.", flush_context={}))
        assert event(await ws.recv()) == "contextClosed"  # at once, no audio, no error


async def test_character_timestamps_time_every_char_from_the_synthesis_start(local_server):
    frames = await one_synthesis(local_server, "Hi yo", timestampType="CHARACTER")
    chars = []
    for frame in frames:
        info = result(frame).get("audioChunk", {}).get("timestampInfo")
        if info:
            align = info["characterAlignment"]
            chars += list(
                zip(align["characters"], align["characterStartTimeSeconds"], align["characterEndTimeSeconds"])
            )
    assert [c for c, _, _ in chars] == list("Hi yo")
    assert [s for _, s, _ in chars] == [0.0, 0.06, 0.12, 0.18, 0.24]
