"""Murf stream-input against the real local server on loopback (PROTOCOL.md §2)."""

from __future__ import annotations

import asyncio

import pytest

from .wire import audio_bytes, client, context_of, is_final, murf_endpoint

VOICE = {"voice_id": "en-US-natalie", "style": "Conversational", "rate": 0, "pitch": 0, "locale": "en-US"}


def pcm_seconds(frames, rate: int = 24000) -> float:
    return len(audio_bytes(frames)) / 2 / rate


def heard_seconds(seconds: float, rate: int = 24000):
    """A predicate for `until`: true once the audio seen so far lasts `seconds`."""
    heard = []

    def done(frame) -> bool:
        heard.append(frame)
        return pcm_seconds(heard, rate) >= seconds - 0.001

    return done


async def test_murf_speaks_each_sentence_with_snake_case_context_id_and_ends_with_final(local_server):
    async with client(murf_endpoint(local_server, format="PCM", sample_rate=24000)) as ws:
        await ws.send({"voice_config": VOICE, "context_id": "turn_1"})
        await ws.send({"text": "Sure, when would you like to travel?", "context_id": "turn_1"})
        frames = await ws.until(lambda f: "audio" in f)
        await ws.send({"text": "", "context_id": "turn_1", "end": True})
        frames += await ws.until(is_final)
    assert all(set(f) == {"audio", "context_id"} and f["context_id"] == "turn_1" for f in frames[:-1])
    assert frames[-1] == {"final": True, "context_id": "turn_1"}
    # Tone voice: 60 ms per char; the whole sentence and nothing else.
    assert pcm_seconds(frames) == pytest.approx(36 * 0.060, abs=0.001)


async def test_murf_voice_config_rides_in_text_frames_and_voiceId_is_accepted(local_server):
    seconds = {}
    for rate in (0, 50):
        async with client(murf_endpoint(local_server, format="PCM")) as ws:
            config = {"voiceId": "en-US-natalie", "rate": rate}
            await ws.send({"text": "Twelve chars", "context_id": "t", "voice_config": config, "end": True})
            seconds[rate] = pcm_seconds(await ws.until(is_final))
    assert seconds[0] == pytest.approx(12 * 0.060, abs=0.001)
    assert seconds[50] == pytest.approx(seconds[0] / 1.5, abs=0.001)


async def test_murf_text_without_sentence_end_waits_for_min_buffer_size(local_server):
    async with client(murf_endpoint(local_server)) as ws:
        await ws.send({"min_buffer_size": 40, "max_buffer_delay_in_ms": 1000})
        await ws.send({"text": "words without any end ", "context_id": "t"})  # 22 chars: waits
        await ws.send({"text": "until forty chars are here ", "context_id": "t"})  # 49: goes
        frames = await ws.until(heard_seconds(49 * 0.060))
        await ws.send({"context_id": "t", "end": True})
        frames += await ws.until(is_final)
    assert pcm_seconds(frames) == pytest.approx(49 * 0.060, abs=0.001)  # all of it, before the end


async def test_murf_max_buffer_delay_sends_the_waiting_text(start_local_server, manual_clock):
    server = await start_local_server(clock=manual_clock)
    async with client(murf_endpoint(server.url)) as ws:
        await ws.send({"max_buffer_delay_in_ms": 300})
        await ws.send({"text": "no end yet", "context_id": "t"})
        await ws.send({"text": "Sync.", "context_id": "sync"})  # its audio proves the text was read
        before = await ws.until(lambda f: context_of(f) == "sync")
        assert not [f for f in before if context_of(f) == "t"]  # held: no end, short of the buffer
        manual_clock.advance(0.3)
        spoken: list = []

        def all_of_t(frame) -> bool:
            if context_of(frame) == "t":
                spoken.append(frame)
            return pcm_seconds(spoken) >= 10 * 0.060 - 0.001

        await ws.until(all_of_t)  # the delay released all ten chars
        await ws.send({"context_id": "t", "end": True})
        spoken += [f for f in await ws.until(lambda f: is_final(f, "t")) if context_of(f) == "t"]
    assert pcm_seconds(spoken) == pytest.approx(10 * 0.060, abs=0.001)  # and the end added nothing


async def test_murf_end_sends_the_remaining_audio_then_final(local_server):
    async with client(murf_endpoint(local_server)) as ws:
        await ws.send({"text": "First sentence. And a tail", "context_id": "t"})
        await ws.send({"context_id": "t", "end": True})
        frames = await ws.until(is_final)
    assert pcm_seconds(frames) == pytest.approx(26 * 0.060, abs=0.001)
    assert frames[-1] == {"final": True, "context_id": "t"}


async def test_murf_clear_cancels_a_turn_whose_synthesis_has_not_started(local_server):
    async with client(murf_endpoint(local_server)) as ws:
        await ws.send({"text": "still buffering", "context_id": "t"})
        await ws.send({"context_id": "t", "clear": True})
        frames = await ws.until(is_final)
    assert frames == [{"final": True, "context_id": "t"}]


async def test_murf_clear_lets_a_started_turn_finish_then_sends_its_final(local_server):
    sentence = "This sentence is already being spoken. "
    async with client(murf_endpoint(local_server)) as ws:
        await ws.send({"text": sentence * 3, "context_id": "t"})
        frames = await ws.until(lambda f: "audio" in f)
        await ws.send({"text": "Never said", "context_id": "t"})
        await ws.send({"context_id": "t", "clear": True})
        frames += await ws.until(is_final)
    assert pcm_seconds(frames) == pytest.approx(len(sentence * 3) * 0.060, abs=0.001)
    assert frames[-1] == {"final": True, "context_id": "t"}


@pytest.mark.parametrize(
    "fmt, rate, bytes_per_second",
    [
        ("PCM", 8000, 16000),
        ("PCM", 16000, 32000),
        ("PCM", 24000, 48000),
        ("PCM", 44100, 88200),
        ("PCM", 48000, 96000),
        ("ULAW", 8000, 8000),
        ("ALAW", 8000, 8000),
    ],
)
async def test_murf_formats_and_sample_rates_are_produced_at_their_byte_rate(local_server, fmt, rate, bytes_per_second):
    async with client(murf_endpoint(local_server, format=fmt, sample_rate=rate)) as ws:
        await ws.send({"text": "Ten chars.", "context_id": "t", "end": True})
        frames = await ws.until(is_final)
    assert len(audio_bytes(frames)) == pytest.approx(0.6 * bytes_per_second, abs=2)


@pytest.mark.parametrize(
    "query, says",
    [
        ({"format": "OGG"}, "format OGG is not produced"),
        ({"format": "WAV", "sample_rate": 22050}, "sample_rate 22050"),
        ({"format": "PCM", "sample_rate": 22050}, "sample_rate 22050"),
        ({"format": "ULAW", "sample_rate": 24000}, "sample_rate 24000"),
        ({"model": "NOPE"}, "model must be one of"),
        ({"channel_type": "QUAD"}, "channel_type must be MONO or STEREO"),
    ],
)
async def test_murf_options_it_cannot_serve_get_a_clear_error_frame_and_close(local_server, query, says):
    async with client(murf_endpoint(local_server, **query)) as ws:
        frames = await ws.rest()
    assert len(frames) == 1 and says in frames[0]["error"]  # Murf's errors are human text in `error`
    assert ws.close_code == 1008


async def test_murf_socket_closes_after_three_minutes_of_inactivity(start_local_server, manual_clock):
    server = await start_local_server(clock=manual_clock)
    async with client(murf_endpoint(server.url)) as ws:
        await ws.send({"text": "Hi.", "context_id": "t", "end": True})
        await ws.until(is_final)
        manual_clock.advance(179)
        await asyncio.sleep(0.05)
        assert ws.close_code is None
        manual_clock.advance(1)
        assert await ws.rest() == []
    assert ws.close_code == 1000


async def test_murf_bad_frame_gets_an_error_frame_and_the_socket_stays_open(local_server):
    async with client(murf_endpoint(local_server)) as ws:
        await ws.send("{not json")
        error = await ws.recv()
        await ws.send({"voice_config": {"rate": "fast"}})
        error2 = await ws.recv()
        await ws.send({"text": "Still here.", "context_id": "t", "end": True})
        frames = await ws.until(is_final)
    assert "not JSON" in error["error"]
    assert "rate" in error2["error"]
    assert pcm_seconds(frames) > 0


async def test_murf_turns_multiplex_and_each_keeps_its_order(local_server):
    async with client(murf_endpoint(local_server)) as ws:
        for n in range(3):
            await ws.send({"text": f"Turn {n} says one thing. Then another.", "context_id": f"t{n}", "end": True})
        frames = await ws.finals(3)
    for n in range(3):
        mine = [f for f in frames if context_of(f) == f"t{n}"]
        assert pcm_seconds(mine) == pytest.approx(len(f"Turn {n} says one thing. Then another.") * 0.060, abs=0.001)
        assert is_final(mine[-1])
