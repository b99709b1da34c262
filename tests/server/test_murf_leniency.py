"""Murf: accept what production clients send, clamp what the service clamps, refuse only bad
structure; errors carry human text in `error` and the context id (issue 9, items 1 and 4).

Each test is named after its rule; all run the real local server on loopback (tone voice:
60 ms of audio per character).
"""

from __future__ import annotations

import pytest

from .wire import audio_bytes, client, context_of, is_final, lasts, murf_endpoint

VOICE = {"voice_id": "en-US-natalie", "style": "Conversational", "rate": 0, "pitch": 0, "locale": "en-US"}
# What Murf's own LiveKit plugin puts in every text frame and in its end frame.
LIVEKIT_BUFFER = {"min_buffer_size": 3, "max_buffer_delay_in_ms": 0}


def seconds_of(frames, rate: int = 24000) -> float:
    return len(audio_bytes(frames)) / 2 / rate


async def test_murf_out_of_range_buffer_settings_in_text_and_end_frames_are_clamped_and_the_turn_speaks(local_server):
    sentences = ["Sure, when would you like to travel?", "Next Friday works."]
    async with client(murf_endpoint(local_server, format="PCM", sample_rate=24000)) as ws:
        for sentence in sentences:
            await ws.send({"text": sentence, "context_id": "lk", "voice_config": VOICE, **LIVEKIT_BUFFER})
        await ws.send({"context_id": "lk", "end": True, "voice_config": VOICE, **LIVEKIT_BUFFER})
        frames = await ws.until(is_final)
    assert not [f for f in frames if "error" in f]
    assert frames[-1] == {"final": True, "context_id": "lk"}
    assert seconds_of(frames) == pytest.approx(sum(map(len, sentences)) * 0.060, abs=0.001)


async def test_murf_buffer_delay_in_a_text_frame_applies(start_local_server, manual_clock):
    # The clock never moves: with the default 300 ms delay this text (no sentence end, under
    # min_buffer_size) would wait forever; the frame's own max_buffer_delay_in_ms 0 sends it now.
    server = await start_local_server(clock=manual_clock)
    async with client(murf_endpoint(server.url)) as ws:
        await ws.send({"text": "no end yet", "context_id": "t", **LIVEKIT_BUFFER})
        frames = await ws.until(lasts(len("no end yet") * 0.060, rate=24000))
    assert {context_of(f) for f in frames} == {"t"}
    assert seconds_of(frames) == pytest.approx(len("no end yet") * 0.060, abs=0.001)


async def test_murf_min_buffer_size_in_a_text_frame_applies(start_local_server, manual_clock):
    # 45 characters without a sentence end would go at the default 40; the frame asks for 160.
    waiting = "forty five characters that have no end yet ok"
    server = await start_local_server(clock=manual_clock)
    async with client(murf_endpoint(server.url)) as ws:
        await ws.send({"text": waiting, "context_id": "t", "min_buffer_size": 160, "max_buffer_delay_in_ms": 1000})
        await ws.send({"text": "Sync.", "context_id": "sync"})  # its audio proves t was read
        before = await ws.until(lambda f: context_of(f) == "sync" and "audio" in f)
        await ws.send({"context_id": "t", "end": True})
        after = await ws.until(lambda f: is_final(f, "t"))
    assert not [f for f in before if context_of(f) == "t"]
    assert seconds_of([f for f in after if context_of(f) == "t"]) == pytest.approx(len(waiting) * 0.060, abs=0.001)


async def test_murf_rate_and_pitch_out_of_range_are_clamped_never_dropped(local_server):
    async with client(murf_endpoint(local_server, format="PCM")) as ws:
        config = {"voice_id": "en-US-natalie", "rate": 99, "pitch": -80}
        await ws.send({"text": "Twelve chars", "context_id": "t", "voice_config": config, "end": True})
        frames = await ws.until(is_final)
    assert not [f for f in frames if "error" in f]
    assert seconds_of(frames) == pytest.approx(12 * 0.060 / 1.5, abs=0.001)  # rate clamped to +50


@pytest.mark.parametrize(
    "frame, named",
    [
        ('[{"text": "not an object"}]', None),
        ('{"text": 5, "context_id": "t"}', "t"),
        ('{"text": "x", "context_id": "t", "min_buffer_size": "big"}', "t"),
        ('{"context_id": "t", "clear": "yes"}', "t"),
    ],
)
async def test_murf_bad_structure_is_refused_with_human_text_in_error_and_the_context_id(local_server, frame, named):
    async with client(murf_endpoint(local_server)) as ws:
        await ws.send(frame)
        error = await ws.recv()
        await ws.send({"text": "Still here.", "context_id": "t", "end": True})
        frames = await ws.until(is_final)
        assert ws.close_code is None
    assert set(error) <= {"error", "context_id"} and error["error"].startswith("Invalid message: ")
    assert " " in error["error"]  # a sentence a person reads, not a machine id
    assert context_of(error) == named
    assert seconds_of(frames) > 0


async def test_murf_errors_for_unservable_options_are_human_text_in_error(local_server):
    async with client(murf_endpoint(local_server, model="NOPE")) as ws:
        frames = await ws.rest()
    assert len(frames) == 1 and "model must be one of" in frames[0]["error"]
    assert ws.close_code == 1008
