"""The Text-to-Dialogue route on the real local server (tone voice), one test per rule of
PROTOCOL-DIALECTS.md §3.4 and the choices in tui/server/dialogue_contexts.py."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from tui.protocol import dialogue as ttd

from .dialogue_wire import A, B, close, final, flush, keep_alive, kinds, say, ttd_url, turn_done, voices
from .wire import audio_bytes, client, speaks_up_to, spoken_text

MS_PER_CHAR = 60


async def test_a_flushed_turn_gets_its_audio_then_exactly_one_is_final_audio_for_turn_and_stays_open(local_server):
    async with client(ttd_url(local_server)) as ws:
        await ws.send(voices("t1"))
        await ws.send(say("t1", "Sure, I can help. ", new_turn=True))
        await ws.send(flush("t1"))
        frames = await ws.until(turn_done)
        await ws.send(say("t1", "Anything else? "))
        await ws.send(flush("t1"))
        frames += await ws.until(turn_done)
    assert kinds(frames, "t1") == ["audio", "turn", "audio", "turn"]
    assert spoken_text(frames) == "Sure, I can help. Anything else? "
    assert len(audio_bytes(frames)) == len("Sure, I can help. Anything else? ") * MS_PER_CHAR * 22050 // 1000 * 2


async def test_markers_never_ride_with_audio_and_alignment_is_snake_case_ms_from_each_frames_start(local_server):
    async with client(ttd_url(local_server)) as ws:
        await ws.send(voices("t1"))
        await ws.send(say("t1", "A sentence long enough to need several frames of audio. "))
        await ws.send(close("t1"))
        frames = await ws.until(final)
    audio = [f for f in frames if "audio" in f]
    assert len(audio) > 1
    for frame in frames:
        assert not ("audio" in frame and ("is_final" in frame or "is_final_audio_for_turn" in frame))
    for frame in audio:
        alignment = frame["alignment"]
        assert set(alignment) == {"chars", "char_start_times_ms", "char_durations_ms"}
        assert alignment["char_start_times_ms"][0] == 0  # restarts in every frame
        assert "normalized_alignment" not in frame and frame["context_id"] == "t1"


async def test_without_sync_alignment_audio_frames_carry_no_alignment(local_server):
    async with client(ttd_url(local_server, sync_alignment=None)) as ws:
        await ws.send(voices("t1"))
        await ws.send(say("t1", "Hello there. "))
        await ws.send(flush("t1"))
        frames = await ws.until(turn_done)
    assert all("alignment" not in f for f in frames) and audio_bytes(frames)


async def test_short_text_waits_for_a_flush_and_forty_chars_of_eight_words_start_on_their_own(local_server):
    async with client(ttd_url(local_server)) as ws:
        await ws.send(voices("t1"))
        await ws.send(voices("sync"))
        await ws.send(say("t1", "Only five short words here "))  # 27 chars, 5 words: held
        await ws.send(say("sync", "x"))
        await ws.send(flush("sync"))
        held = await ws.until(lambda f: turn_done(f, "sync"))
        assert not [f for f in held if f.get("context_id") == "t1"]
        await ws.send(say("t1", "and now three more words"))  # 51 chars, 9 words (the last may still grow)
        started = await ws.until(speaks_up_to("more "))
        await ws.send(flush("t1"))
        rest = await ws.until(lambda f: turn_done(f, "t1"))
    assert spoken_text(started + rest) == "Only five short words here and now three more words"
    assert [f for f in started + rest if turn_done(f)] == [rest[-1]]  # none for the batch it started itself


async def test_close_context_still_generates_what_is_buffered_then_is_final(local_server):
    async with client(ttd_url(local_server)) as ws:
        await ws.send(voices("t1"))
        await ws.send(say("t1", "Never flushed. "))
        await ws.send(close("t1"))
        frames = await ws.until(final)
    assert kinds(frames, "t1") == ["audio", "final"]  # no is_final_audio_for_turn for a close
    assert spoken_text(frames) == "Never flushed. "


async def test_close_socket_closes_every_context_with_its_audio_and_is_final_then_the_socket(local_server):
    async with client(ttd_url(local_server)) as ws:
        for cid in ("t1", "t2"):
            await ws.send(voices(cid))
            await ws.send(say(cid, f"Words of {cid}. "))
        await ws.send({"close_socket": True})
        frames = await ws.rest()
    assert kinds(frames, "t1") == ["audio", "final"] and kinds(frames, "t2") == ["audio", "final"]
    assert ws.close_code == 1000


async def test_two_speakers_in_one_context_are_spoken_in_order_each_segment_generated_when_the_speaker_changes(
    local_server,
):
    async with client(ttd_url(local_server)) as ws:
        await ws.send(voices("t1", A, B))
        await ws.send(say("t1", "Hi. ", A, new_turn=True))
        await ws.send(say("t1", "Hello! ", B, new_turn=True))  # ends A's segment: generated at once
        first = await ws.until(speaks_up_to("Hi. "))
        await ws.send(flush("t1"))
        rest = await ws.until(turn_done)
    assert spoken_text(first + rest) == "Hi. Hello! "
    assert [f for f in first + rest if turn_done(f)] == [rest[-1]]


async def test_new_turn_for_the_same_speaker_also_ends_the_segment(local_server):
    async with client(ttd_url(local_server)) as ws:
        await ws.send(voices("t1"))
        await ws.send(say("t1", "One. ", new_turn=True))
        await ws.send(say("t1", "Two. ", new_turn=True))
        frames = await ws.until(speaks_up_to("One. "))
    assert spoken_text(frames) == "One. "


async def test_an_empty_flush_still_answers_with_one_is_final_audio_for_turn(local_server):
    async with client(ttd_url(local_server)) as ws:
        await ws.send(voices("t1"))
        await ws.send(flush("t1"))
        frames = await ws.until(turn_done)
    assert frames == [{"is_final_audio_for_turn": True, "context_id": "t1"}]


async def test_close_context_for_an_unknown_or_closing_context_is_ignored(local_server):
    async with client(ttd_url(local_server)) as ws:
        await ws.send(close("never-opened"))
        await ws.send(voices("t1"))
        await ws.send(say("t1", "Bye. "))
        await ws.send(close("t1"))
        await ws.send(close("t1"))  # a second close while it drains
        frames = await ws.until(final)
        await ws.send(voices("t2"))
        await ws.send(flush("t2"))
        frames += await ws.until(turn_done)
        assert ws.close_code is None
    assert [f for f in frames if "error" in f] == []
    assert [f.get("context_id") for f in frames if final(f)] == ["t1"]


async def test_an_id_whose_context_ended_may_open_again_with_voices(local_server):
    async with client(ttd_url(local_server)) as ws:
        await ws.send(voices("t1"))
        await ws.send(close("t1"))
        await ws.until(final)
        await ws.send(voices("t1", B))
        await ws.send(say("t1", "Again. ", B))
        await ws.send(flush("t1"))
        frames = await ws.until(turn_done)
    assert spoken_text(frames) == "Again. "


ERRORS = [
    ("voices resent", [voices("t1"), voices("t1")], "voices can only be set in the first message"),
    ("settings resent", [voices("t1"), {**flush("t1"), "voice_settings": {"stability": 0.5}}], "first message"),
    ("unregistered voice", [voices("t1", A), say("t1", "x", B)], "is not registered for context"),
    ("no voices first", [say("t1", "x")], "its first message must set voices"),
    ("keep_alive unopened", [keep_alive("t9")], "its first message must set voices"),
    ("missing context_id", [{"flush": True}], "context_id is required"),
    ("to a closing context", [voices("t1"), say("t1", "Long text. " * 40), close("t1"), say("t1", "x")], "is closing"),
    ("not JSON", ["{nope"], "Invalid message: not JSON"),
    ("bad inputs", [voices("t1"), {"context_id": "t1", "inputs": [{"text": "x"}]}], "voice_id"),
    ("NUL in text", [voices("t1"), say("t1", "a\x00b")], "NUL"),
]


@pytest.mark.parametrize(("frames", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
async def test_any_protocol_error_sends_an_error_frame_then_closes_the_socket_with_1008(local_server, frames, message):
    async with client(ttd_url(local_server)) as ws:
        for frame in frames:
            await ws.send(frame)
        got = await ws.rest()
    errors = [f for f in got if "error" in f]
    assert len(errors) == 1 and errors[0] is got[-1]
    assert message in errors[0]["message"] and errors[0]["code"] == 1008
    assert ws.close_code == 1008


async def test_the_sixth_context_is_refused_with_the_services_error_counting_the_keep_alive_and_closing_ones(
    local_server,
):
    async with client(ttd_url(local_server)) as ws:
        await ws.send(voices("pipecat-keepalive"))
        await ws.send(keep_alive("pipecat-keepalive"))
        for n in range(3):
            await ws.send(voices(f"t{n}"))
        await ws.send(voices("closing"))
        await ws.send(say("closing", "A context that drains for a while before its final. " * 20))
        await ws.send(close("closing"))
        await ws.send(voices("sixth"))
        frames = await ws.rest()
    assert frames[-1] == {
        "message": ttd.MAX_CONTEXTS_MESSAGE,
        "error": "max_active_conversations",
        "code": 1008,
    }
    assert ws.close_code == 1008


async def test_a_closed_context_frees_its_slot_after_its_is_final(local_server):
    async with client(ttd_url(local_server)) as ws:
        for n in range(5):
            await ws.send(voices(f"t{n}"))
        await ws.send(close("t0"))
        await ws.until(final)
        await ws.send(voices("t5"))
        await ws.send(flush("t5"))
        frames = await ws.until(turn_done)
        assert ws.close_code is None
    assert frames[-1]["context_id"] == "t5"


@pytest.mark.parametrize(("model", "allowed"), [("eleven_v3_conversational", 1), ("eleven_v3", 10)])
async def test_each_model_takes_its_number_of_voices_per_context(local_server, model, allowed):
    ids = [f"voice{n}" for n in range(allowed + 1)]
    async with client(ttd_url(local_server, model_id=model)) as ws:
        await ws.send(voices("ok", *ids[:allowed]))
        await ws.send(flush("ok"))
        await ws.until(turn_done)
        await ws.send(voices("too-many", *ids))
        frames = await ws.rest()
    assert frames[-1]["error"] == "too_many_voices" and str(allowed) in frames[-1]["message"]
    assert ws.close_code == 1008


async def test_messages_after_close_socket_are_ignored(local_server):
    async with client(ttd_url(local_server)) as ws:
        await ws.send(voices("t1"))
        await ws.send(say("t1", "Last words. "))
        await ws.send({"close_socket": True})
        await ws.send(say("t1", "Too late. "))
        frames = await ws.rest()
    assert spoken_text(frames) == "Last words. " and ws.close_code == 1000


async def test_audio_is_the_tone_voice_exactly_so_durations_are_per_char(local_server):
    async with client(ttd_url(local_server, output_format="pcm_16000")) as ws:
        await ws.send(voices("t1"))
        await ws.send(say("t1", "abc "))
        await ws.send(flush("t1"))
        frames = await ws.until(turn_done)
    pcm = b"".join(base64.b64decode(f["audio"]) for f in frames if "audio" in f)
    assert len(pcm) == 4 * MS_PER_CHAR * 16 * 2
    assert json.loads(json.dumps(frames[-1])) == {"is_final_audio_for_turn": True, "context_id": "t1"}
    await asyncio.sleep(0)
