"""ElevenLabs single-context stream-input against the real local server (PROTOCOL.md §1.5)."""

from __future__ import annotations

from tui.protocol import elevenlabs as el

from .wire import client, is_final, opening, single_url, speaks_up_to, spoken_text, text

VOICE_SETTINGS = {"stability": 0.5, "similarity_boost": 0.75, "speed": 1.0}


async def test_single_stream_speaks_without_context_ids_and_empty_text_ends_it_with_final_and_1000(local_server):
    async with client(single_url(local_server)) as ws:
        await ws.send(opening(voice_settings=VOICE_SETTINGS))
        await ws.send(text(None, "Hello from one stream. ", flush=True))
        await ws.send({"text": ""})
        frames = await ws.rest()
    assert spoken_text(frames) == " Hello from one stream. "
    assert all("contextId" not in f and "context_id" not in f for f in frames)
    assert frames[-1] == {"isFinal": True}
    assert ws.close_code == 1000


async def test_empty_text_generates_what_is_left_in_the_buffer_before_the_final(local_server):
    async with client(single_url(local_server)) as ws:
        await ws.send(opening())
        await ws.send(text(None, "Never flushed but still spoken. "))
        await ws.send({"text": ""})
        frames = await ws.rest()
    assert spoken_text(frames) == " Never flushed but still spoken. "
    assert is_final(frames[-1]) and "audio" not in frames[-1]


async def test_a_single_space_after_the_opening_is_a_keep_alive(local_server):
    async with client(single_url(local_server)) as ws:
        await ws.send(opening())
        await ws.send(text(None, "Before"))
        for _ in range(3):
            await ws.send({"text": " "})
        await ws.send(text(None, " after.", flush=True))
        frames = await ws.until(speaks_up_to("after."))
    assert spoken_text(frames) == " Before after."


async def test_flush_keeps_the_single_stream_open(local_server):
    async with client(single_url(local_server)) as ws:
        await ws.send(opening())
        await ws.send(text(None, "One. ", flush=True))
        frames = await ws.until(speaks_up_to("One. "))
        await ws.send(text(None, "Two. ", flush=True))
        frames += await ws.until(speaks_up_to("Two. "))
        await ws.send({"text": ""})
        frames += await ws.rest()
    assert spoken_text(frames) == " One. Two. "
    assert [f for f in frames if is_final(f)] == [frames[-1]]


async def test_try_trigger_generation_generates_once_the_buffer_holds_enough(local_server):
    async with client(single_url(local_server)) as ws:
        await ws.send(opening())
        await ws.send(text(None, "Short, ", try_trigger_generation=True))  # 8 chars: not enough
        await ws.send(text(None, "but this sentence makes it long enough to try. ", try_trigger_generation=True))
        frames = await ws.until(speaks_up_to("to try. "))
    assert spoken_text(frames) == " Short, but this sentence makes it long enough to try. "


async def test_single_stream_times_out_with_input_timeout_exceeded(start_local_server, manual_clock):
    server = await start_local_server(clock=manual_clock)
    async with client(single_url(server.url, inactivity_timeout=3)) as ws:
        await ws.send(opening())
        await ws.send(text(None, "Hi. ", flush=True))
        frames = await ws.until(speaks_up_to("Hi. "))
        manual_clock.advance(3)
        frames += await ws.rest()
    assert frames[-1] == {"message": el.input_timeout_message(3), "error": "input_timeout_exceeded", "code": 1008}
    assert ws.close_code == 1008


async def test_close_context_is_not_part_of_the_single_context_schema(local_server):
    async with client(single_url(local_server)) as ws:
        await ws.send(opening())
        await ws.send({"close_context": True})
        frames = await ws.rest()
    assert frames == [{"message": el.INVALID_INPUT_MESSAGE, "error": "invalid_input_message", "code": 1008}]


async def test_changed_voice_settings_on_the_single_stream_are_refused(local_server):
    async with client(single_url(local_server)) as ws:
        await ws.send(opening(voice_settings=VOICE_SETTINGS))
        await ws.send(text(None, "Hi. ", voice_settings={**VOICE_SETTINGS, "stability": 0.9}))
        frames = await ws.rest()
    assert frames == [{"message": el.VOICE_SETTINGS_MESSAGE, "code": 1008}]


async def test_single_stream_text_waits_for_the_chunk_schedule_from_the_first_message(local_server):
    async with client(single_url(local_server)) as ws:
        await ws.send(opening(generation_config={"chunk_length_schedule": [50]}))
        await ws.send(text(None, "Twenty five chars or so, "))  # 26 buffered: waits
        await ws.send(text(None, "and now past fifty characters. tail"))  # 61: generates
        frames = await ws.until(speaks_up_to("characters. "))
        await ws.send({"text": ""})
        frames += await ws.rest()
    assert spoken_text(frames) == " Twenty five chars or so, and now past fifty characters. tail"


async def test_single_stream_auto_mode_generates_each_phrase_without_a_flush(local_server):
    async with client(single_url(local_server, auto_mode=True)) as ws:
        await ws.send(opening())
        await ws.send(text(None, "A whole sentence. And"))
        frames = await ws.until(speaks_up_to("sentence. "))
    assert spoken_text(frames) == " A whole sentence. "
