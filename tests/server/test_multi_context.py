"""ElevenLabs multi-stream-input against the real local server on loopback (tone voice).

One test per rule of PROTOCOL.md §1.2–§1.4; the exact counting rules are also pinned without
sockets in test_server_models.py.
"""

from __future__ import annotations

import asyncio

import pytest

from tui.protocol import elevenlabs as el

from .wire import (
    audio_bytes,
    audio_of,
    client,
    context_of,
    is_final,
    lasts,
    multi_url,
    opening,
    speaks_up_to,
    spoken_text,
    text,
)

VOICE_SETTINGS = {"stability": 0.5, "similarity_boost": 0.75, "style": 0, "use_speaker_boost": True, "speed": 1.0}
LONG_TURN = (
    "Sure, when would you like to travel? We have seats on the morning train, the afternoon "
    "train and the late evening one, and all of them stop at the coast. "
)


async def test_flush_generates_the_buffer_and_keeps_the_context_open_without_is_final(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send(opening("t1", voice_settings=VOICE_SETTINGS))
        await ws.send(text("t1", "Hello there. ", flush=True))
        first = await ws.until(speaks_up_to("Hello there. "))
        await ws.send(text("t1", "Still here. ", flush=True))
        second = await ws.until(speaks_up_to("Still here. "))
        await ws.send({"context_id": "t1", "close_context": True})
        last = await ws.until(is_final)
    assert spoken_text(first) == " Hello there. "
    assert spoken_text(second) == "Still here. "
    assert not any(is_final(f) for f in first + second)
    # No flush_done: the service is not known to send one (PROTOCOL.md §5); it is opt-in.
    assert not [f for f in first + second + last if "flush_done" in f or f.get("type") == "flush_done"]
    assert [f for f in last if is_final(f)] == [{"isFinal": True, "contextId": "t1"}]


async def test_text_waits_in_the_buffer_until_the_chunk_schedule_is_reached(local_server):
    schedule = {"chunk_length_schedule": [50, 60]}
    async with client(multi_url(local_server)) as ws:
        await ws.send(opening("t1", generation_config=schedule))
        await ws.send(text("t1", "Twenty letters here "))  # 21 chars buffered: below 50
        await ws.send(text("t1", "and another thirty chars to go "))  # 52: the first schedule step
        frames = await ws.until(speaks_up_to("go "))
        await ws.send(text("t1", "more words "))  # 11 of the next 60: waits
        await ws.send({"context_id": "t1", "close_context": True})
        frames += await ws.until(is_final)
    # The scheduled generation spoke exactly what was buffered; the text after it never did.
    assert spoken_text(frames) == " Twenty letters here and another thirty chars to go "


async def test_default_chunk_schedule_starts_at_120_characters(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send(opening("t1"))
        await ws.send(text("t1", "x" * 100 + " "))  # 102 chars: waits
        await ws.send(text("t1", "y" * 17 + " "))  # 120: generates
        frames = await ws.until(speaks_up_to("y "))
    assert spoken_text(frames) == " " + "x" * 100 + " " + "y" * 17 + " "


async def test_auto_mode_generates_each_phrase_without_a_flush(local_server):
    async with client(multi_url(local_server, auto_mode=True)) as ws:
        await ws.send(opening("t1"))
        await ws.send(text("t1", "One phrase, "))
        frames = await ws.until(speaks_up_to(", "))
        await ws.send(text("t1", "then a sentence. And half"))
        frames += await ws.until(speaks_up_to(". "))
        await ws.send({"context_id": "t1", "close_context": True})
        frames += await ws.until(is_final)
    assert spoken_text(frames) == " One phrase, then a sentence. "


async def test_close_context_drains_flushed_audio_then_sends_one_final(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send(opening("t1", voice_settings=VOICE_SETTINGS))
        await ws.send(text("t1", LONG_TURN, flush=True))
        await ws.send({"context_id": "t1", "close_context": True})
        await ws.send({"close_socket": True})
        frames = await ws.rest()
    assert spoken_text(frames) == " " + LONG_TURN
    finals = [f for f in frames if is_final(f)]
    assert finals == [{"isFinal": True, "contextId": "t1"}]  # one final, no audio in it
    assert frames.index(finals[0]) > max(i for i, f in enumerate(frames) if "audio" in f)


async def test_close_context_right_after_unflushed_text_yields_a_final_with_zero_audio(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send(opening("t1", voice_settings=VOICE_SETTINGS))
        await ws.send(text("t1", "Never flushed, so never spoken. "))
        await ws.send({"context_id": "t1", "close_context": True})
        frames = await ws.until(is_final)
    assert frames == [{"isFinal": True, "contextId": "t1"}]


async def test_sixth_context_is_refused_with_max_active_conversations_and_close_1008(local_server):
    async with client(multi_url(local_server)) as ws:
        for n in range(5):
            await ws.send(opening(f"t{n}"))
        await ws.send(opening("t5"))
        frames = await ws.rest()
    assert frames == [{"message": el.MAX_CONTEXTS_MESSAGE, "error": "max_active_conversations", "code": 1008}]
    assert ws.close_code == 1008
    assert el.MAX_CONTEXTS_MESSAGE.startswith(ws.close_reason)


async def test_rapid_barge_ins_exhaust_the_five_slots_because_closed_contexts_still_drain(local_server):
    async with client(multi_url(local_server)) as ws:
        for n in range(5):  # five barge-ins: each turn flushed, then abandoned at once
            await ws.send(opening(f"t{n}", voice_settings=VOICE_SETTINGS))
            await ws.send(text(f"t{n}", LONG_TURN * 3, flush=True))
            await ws.send({"context_id": f"t{n}", "close_context": True})
        await ws.send(opening("t5", voice_settings=VOICE_SETTINGS))
        frames = await ws.rest()
    assert frames[-1]["error"] == "max_active_conversations"
    assert ws.close_code == 1008
    # Every closed context was still draining: none had sent its final yet.
    assert not any(is_final(f) for f in frames)


async def test_a_context_frees_its_slot_once_its_final_is_sent(local_server):
    async with client(multi_url(local_server)) as ws:
        for n in range(5):
            await ws.send(opening(f"t{n}"))
        await ws.send({"context_id": "t0", "close_context": True})
        await ws.until(lambda f: is_final(f, "t0"))
        await ws.send(text("t5", "Room for me now. ", flush=True))
        frames = await ws.until(speaks_up_to("Room for me now. "))
    assert spoken_text(frames) == "Room for me now. "


@pytest.mark.parametrize(
    "phantom",
    [{"context_id": "typo", "flush": True}, {"context_id": "ghost", "text": ""}],
    ids=["bare flush", "keep-alive"],
)
async def test_a_frame_naming_an_unknown_id_opens_a_phantom_context_that_counts(local_server, phantom):
    async with client(multi_url(local_server)) as ws:
        for n in range(4):
            await ws.send(opening(f"t{n}"))
        await ws.send(phantom)  # the fifth context, though it says nothing
        await ws.send(opening("t4"))
        frames = await ws.rest()
    assert frames[-1]["error"] == "max_active_conversations"


async def test_a_keep_alive_without_context_id_opens_nothing_and_counts_nothing(local_server):
    # pipecat sends {"text": ""} with no id every 10 s to keep the socket alive.
    async with client(multi_url(local_server)) as ws:
        for n in range(5):
            await ws.send(opening(f"t{n}"))
        for _ in range(3):
            await ws.send({"text": ""})
        await ws.send(text("t0", "Five and no more. ", flush=True))
        frames = await ws.until(speaks_up_to("Five and no more. "))
    assert spoken_text(frames) == " Five and no more. "


async def test_a_keep_alive_before_the_opening_message_makes_the_opening_fail(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send({"context_id": "t1", "text": ""})  # keep-alive races ahead
        await ws.send(opening("t1", voice_settings=VOICE_SETTINGS))
        frames = await ws.rest()
    assert frames == [{"message": el.VOICE_SETTINGS_MESSAGE, "code": 1008}]
    assert ws.close_code == 1008


async def test_changed_voice_settings_are_refused_with_1008(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send(opening("t1", voice_settings=VOICE_SETTINGS))
        await ws.send(text("t1", "Faster now. ", voice_settings={**VOICE_SETTINGS, "speed": 1.2}))
        frames = await ws.rest()
    assert frames == [{"message": el.VOICE_SETTINGS_MESSAGE, "code": 1008}]
    assert ws.close_code == 1008


async def test_the_same_voice_settings_sent_again_are_accepted(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send(opening("t1", voice_settings=VOICE_SETTINGS))
        await ws.send(text("t1", "Same again. ", voice_settings=dict(VOICE_SETTINGS), flush=True))
        frames = await ws.until(speaks_up_to("Same again. "))
    assert spoken_text(frames) == " Same again. "


async def test_unparseable_json_is_refused_with_input_message_json_decode_fail_and_1008(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send("{not json")
        frames = await ws.rest()
    assert frames == [
        {
            "message": "Could not parse input message as JSON, ensure to send a valid JSON.",
            "error": "input_message_json_decode_fail",
            "code": 1008,
        }
    ]
    assert ws.close_code == 1008


async def test_a_frame_outside_the_schema_is_refused_with_invalid_input_message(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send(opening("t1"))
        await ws.send({"text": 42, "context_id": "t1"})
        frames = await ws.rest()
    assert frames[-1]["error"] == "invalid_input_message"
    assert ws.close_code == 1008


async def test_inactive_context_is_closed_after_the_timeout_then_drains_and_sends_its_final(
    start_local_server, manual_clock
):
    server = await start_local_server(clock=manual_clock)
    async with client(multi_url(server.url, inactivity_timeout=5)) as ws:
        await ws.send(opening("t1"))
        await ws.send(text("t1", "Spoken before the timeout. ", flush=True))
        await ws.send(text("t1", "Buffered, never flushed. "))
        await ws.until(lasts(len(" Spoken before the timeout. ") * 0.060))  # all of the flush is out
        manual_clock.advance(5)
        frames = await ws.until(is_final)
    assert frames == [{"isFinal": True, "contextId": "t1"}]


async def test_keep_alive_resets_the_context_inactivity_clock(start_local_server, manual_clock):
    server = await start_local_server(clock=manual_clock)
    async with client(multi_url(server.url, inactivity_timeout=10)) as ws:
        await ws.send(opening("t1"))
        await ws.send(text("t1", "First. ", flush=True))
        frames = await ws.until(speaks_up_to("First. "))
        manual_clock.advance(8)
        await ws.send({"context_id": "t1", "text": ""})
        await ws.send(text("sync", "x", flush=True))  # its audio proves the keep-alive was read
        frames += await ws.until(lambda f: context_of(f) == "sync" and "audio" in f)
        manual_clock.advance(8)  # 16 s since opening, 8 since the keep-alive
        await ws.send(text("t1", "Second. ", flush=True))
        frames += await ws.until(speaks_up_to("Second. "))
        manual_clock.advance(10)
        frames += await ws.until(lambda f: is_final(f, "t1"))
    mine = [f for f in frames if context_of(f) == "t1"]
    assert [f for f in mine if is_final(f)] == [mine[-1]]
    assert spoken_text(mine) == " First. Second. "


async def test_a_socket_with_no_context_left_times_out_with_input_timeout_exceeded(start_local_server, manual_clock):
    server = await start_local_server(clock=manual_clock)
    async with client(multi_url(server.url, inactivity_timeout=20)) as ws:
        await ws.send({"text": ""})
        await asyncio.sleep(0.05)
        manual_clock.advance(20)
        frames = await ws.rest()
    assert frames == [{"message": el.input_timeout_message(20), "error": "input_timeout_exceeded", "code": 1008}]
    assert ws.close_code == 1008


@pytest.mark.parametrize("value", ["0", "181", "soon"])
async def test_inactivity_timeout_out_of_range_is_refused_with_a_clear_error(local_server, value):
    async with client(multi_url(local_server, inactivity_timeout=value)) as ws:
        frames = await ws.rest()
    assert len(frames) == 1 and frames[0]["code"] == 1008
    assert "inactivity_timeout" in frames[0]["message"] and "180" in frames[0]["message"]
    assert ws.close_code == 1008


async def test_close_socket_drains_every_context_sends_each_final_then_closes_1000(local_server):
    async with client(multi_url(local_server)) as ws:
        for n in range(3):
            await ws.send(opening(f"t{n}"))
            await ws.send(text(f"t{n}", f"Turn number {n} is speaking. ", flush=True))
        await ws.send({"close_socket": True})
        frames = await ws.rest()
    for n in range(3):
        mine = [f for f in frames if context_of(f) == f"t{n}"]
        assert spoken_text(mine) == f" Turn number {n} is speaking. "
        assert [f for f in mine if is_final(f)] == [mine[-1]]
    assert ws.close_code == 1000


async def test_with_sync_alignment_every_audio_frame_carries_alignments_that_join_back_to_the_text(local_server):
    async with client(multi_url(local_server, sync_alignment=True)) as ws:
        await ws.send(opening("t1"))
        await ws.send(text("t1", LONG_TURN, flush=True))
        await ws.send({"context_id": "t1", "close_context": True})
        frames = await ws.until(is_final)
    audio = audio_of(frames, "t1")
    assert len(audio) > 5
    for frame in audio:
        for key in ("alignment", "normalizedAlignment"):
            align = frame[key]
            chars, starts, durations = align["chars"], align["charStartTimesMs"], align["charDurationsMs"]
            assert len(chars) == len(starts) == len(durations)
            # Relative to this frame's own audio (tone voice: 60 ms per char, 22050 Hz s16le).
            frame_ms = len(audio_bytes([frame])) / 2 / 22050 * 1000
            assert all(s >= 0 and s + d <= frame_ms + 1 for s, d in zip(starts, durations))
    assert spoken_text(audio) == spoken_text(audio, "normalizedAlignment") == " " + LONG_TURN


async def test_without_sync_alignment_each_units_timing_rides_on_its_first_frame_only(local_server):
    # PROTOCOL.md §5: alignment "with every audio chunk" only with sync_alignment=true. Without
    # it the local server sends each synthesis unit's timing once, on its first frame (times from
    # that frame's start), and `alignment: null` on the unit's later frames.
    async with client(multi_url(local_server)) as ws:
        await ws.send(opening("t1"))
        await ws.send(text("t1", LONG_TURN, flush=True))
        await ws.send({"context_id": "t1", "close_context": True})
        frames = await ws.until(is_final)
    audio = audio_of(frames, "t1")
    timed = [f for f in audio if f["alignment"] is not None]
    assert 0 < len(timed) < len(audio)
    assert all(f["normalizedAlignment"] is None for f in audio if f["alignment"] is None)
    assert audio[0]["alignment"] is not None
    assert spoken_text(audio) == spoken_text(audio, "normalizedAlignment") == " " + LONG_TURN
    # Each timed frame's chars lie within its unit's audio: that frame and the untimed ones after it.
    units: list[list[dict]] = []
    for frame in audio:
        if frame["alignment"] is not None:
            units.append([frame])
        else:
            units[-1].append(frame)
    for unit in units:
        unit_ms = len(audio_bytes(unit)) / 2 / 22050 * 1000
        align = unit[0]["alignment"]
        assert all(s >= 0 and s + d <= unit_ms + 1 for s, d in zip(align["charStartTimesMs"], align["charDurationsMs"]))


@pytest.mark.parametrize(
    "output_format, bytes_per_second",
    [
        ("pcm_8000", 16000),
        ("pcm_16000", 32000),
        ("pcm_22050", 44100),
        ("pcm_24000", 48000),
        ("pcm_32000", 64000),
        ("pcm_44100", 88200),
        ("pcm_48000", 96000),
        ("ulaw_8000", 8000),
        ("alaw_8000", 8000),
    ],
)
async def test_every_playable_output_format_is_produced_at_its_byte_rate(local_server, output_format, bytes_per_second):
    async with client(multi_url(local_server, output_format=output_format)) as ws:
        await ws.send(text("t1", "Ten chars.", flush=True))
        await ws.send({"context_id": "t1", "close_context": True})
        frames = await ws.until(is_final)
    # Tone voice: exactly 60 ms per char, 10 chars = 0.6 s.
    assert len(audio_bytes(frames)) == pytest.approx(0.6 * bytes_per_second, abs=2)


async def test_mulaw_output_decodes_back_to_the_same_audio_as_pcm(local_server):
    from tui.protocol.formats import ulaw_decode, ulaw_encode

    heard = {}
    for output_format in ("pcm_8000", "ulaw_8000"):
        async with client(multi_url(local_server, output_format=output_format)) as ws:
            await ws.send(text("t1", "Same tones.", flush=True))
            await ws.send({"context_id": "t1", "close_context": True})
            heard[output_format] = audio_bytes(await ws.until(is_final))
    assert heard["ulaw_8000"] == ulaw_encode(heard["pcm_8000"])
    assert len(ulaw_decode(heard["ulaw_8000"])) == len(heard["pcm_8000"])


@pytest.mark.parametrize("output_format", ["opus_48000_48", "mp3_22050_64"])
async def test_a_format_the_service_does_not_list_gets_an_error_frame_naming_the_offered_ones_and_close(
    local_server, output_format
):
    async with client(multi_url(local_server, output_format=output_format)) as ws:
        frames = await ws.rest()
    assert frames[0]["error"] == "invalid_output_format"
    assert output_format in frames[0]["message"]
    assert "pcm_22050" in frames[0]["message"] and "mp3_44100_128" in frames[0]["message"]
    assert ws.close_code == 1008


async def test_a_frame_without_context_id_speaks_in_the_default_context(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send({"text": "No id at all. ", "flush": True})
        await ws.send({"close_context": True})
        frames = await ws.until(is_final)
    assert spoken_text(frames) == "No id at all. "
    assert frames[-1] == {"isFinal": True, "contextId": None}


async def test_voice_settings_speed_shortens_the_audio(local_server):
    lengths = {}
    for speed in (1.0, 1.2):
        async with client(multi_url(local_server)) as ws:
            await ws.send(opening("t1", voice_settings={"speed": speed}))
            await ws.send(text("t1", "Twelve chars", flush=True))
            await ws.send({"context_id": "t1", "close_context": True})
            lengths[speed] = len(audio_bytes(await ws.until(is_final)))
    assert lengths[1.2] == pytest.approx(lengths[1.0] / 1.2, rel=0.01)


async def test_a_context_id_can_be_reused_as_a_new_context_after_its_final(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send(opening("t1", voice_settings=VOICE_SETTINGS))
        await ws.send({"context_id": "t1", "close_context": True})
        await ws.until(is_final)
        await ws.send(opening("t1", voice_settings={**VOICE_SETTINGS, "speed": 1.1}))  # new settings: fine
        await ws.send(text("t1", "Again. ", flush=True))
        frames = await ws.until(speaks_up_to("Again. "))
    assert spoken_text(frames) == " Again. "


async def test_contexts_interleave_while_each_context_keeps_its_audio_in_order(local_server):
    async with client(multi_url(local_server)) as ws:
        for n in range(3):
            await ws.send(text(f"t{n}", f"{n} " + LONG_TURN, flush=True))
            await ws.send({"context_id": f"t{n}", "close_context": True})
        frames = await ws.finals(3)
    for n in range(3):
        assert spoken_text([f for f in frames if context_of(f) == f"t{n}"]) == f"{n} " + LONG_TURN


async def test_text_for_a_closing_context_is_ignored(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send(text("t1", LONG_TURN, flush=True))
        await ws.send({"context_id": "t1", "close_context": True})
        await ws.send(text("t1", "Too late. ", flush=True))
        frames = await ws.until(is_final)
    assert spoken_text(frames) == LONG_TURN


async def test_close_context_for_an_unknown_id_is_ignored(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send({"context_id": "never-opened", "close_context": True})
        await ws.send(text("t1", "Still fine. ", flush=True))
        frames = await ws.until(speaks_up_to("Still fine. "))
    assert not any(is_final(f) for f in frames)
    assert spoken_text(frames) == "Still fine. "


async def test_livekit_turn_end_empty_text_with_flush_then_close_context(local_server):
    async with client(multi_url(local_server, auto_mode=True, sync_alignment=True, inactivity_timeout=180)) as ws:
        await ws.send(opening("lk", voice_settings=VOICE_SETTINGS))
        await ws.send(text("lk", "A sentence without its end"))
        await ws.send({"text": "", "flush": True, "context_id": "lk"})
        await ws.send({"context_id": "lk", "close_context": True})
        frames = await ws.until(is_final)
    assert spoken_text(frames) == " A sentence without its end"


async def test_pipecat_turn_flush_then_close_reads_camel_case_context_id_and_audio_free_final(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send(opening("pc", voice_settings=VOICE_SETTINGS))
        await ws.send(text("pc", "One sentence per frame. "))
        await ws.send(text("pc", "And another. "))
        await ws.send({"context_id": "pc", "flush": True})
        await ws.send({"context_id": "pc", "close_context": True})
        frames = await ws.until(is_final)
        await ws.send({"close_socket": True})
        assert await ws.rest() == []
    assert all(f["contextId"] == "pc" for f in frames if "audio" in f)
    assert frames[-1] == {"isFinal": True, "contextId": "pc"}
    assert spoken_text(frames) == " One sentence per frame. And another. "
    assert ws.close_code == 1000
