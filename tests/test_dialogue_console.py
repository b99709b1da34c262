"""The console in the ElevenLabs Text-to-Dialogue dialect against the real local server (tone
voice) on loopback: a two-speaker turn streams (voices, inputs by speaker, flush, close) and
plays to its is_final; barge-in sends close_context and the audio still coming is dropped by id;
the session records and replays offline. And the config: URL, defaults, the key, bad models."""

from __future__ import annotations

import json

import pytest

from tests.headless_sessions import record_a_turn, replay_offline
from tests.test_core_console import LONG_TURN, console_on, sent_frames, shutdown_after, wait_for
from tui.core import resolve_config
from tui.core.config import ConfigError
from tui.protocol.dialect import Dialect
from tui.protocol.urls import auth_headers
from tui.recording import read_recording
from tui.session import SlotState, Wire
from tui.session.dialogue_speakers import DEFAULT_VOICES, label_of, voice_list

consoles = shutdown_after
A, B = DEFAULT_VOICES


def mine(frames: list[dict], cid: str) -> list[dict]:
    return [f for f in frames if f.get("context_id") == cid]


def test_labels_name_the_voices_of_the_list_in_order():
    voices = voice_list("v1, v2,v3")
    assert voices == ("v1", "v2", "v3") and voice_list(None) == DEFAULT_VOICES
    assert [label_of(w, voices) for w in ("A: ", "b:", "C: ", "D: ", "A:x", "Hello ")] == ["v1", "v2", "v3"] + [
        None
    ] * 3


def test_the_wire_registers_both_voices_then_sends_each_word_by_its_speaker_with_new_turn_at_each_label():
    wire = Wire(Dialect.ELEVENLABS_DIALOGUE, voice_settings={"stability": 0.5, "speed": 1.0})
    frames = [json.loads(f) for f in wire.open("c")]
    for word, flush in (("A: ", False), ("Hi ", False), ("there. ", True), ("B: ", False), ("Hello! ", True)):
        frames += [json.loads(f) for f in wire.text("c", word, flush)]
    frames += [json.loads(f) for f in wire.end_turn("c", unflushed=False)]
    assert frames[0] == {"context_id": "c", "voices": [A, B], "voice_settings": {"stability": 0.5}}
    inputs = [
        (f["inputs"][0]["text"], f["inputs"][0]["voice_id"], f["inputs"][0]["new_turn"])
        for f in frames[1:]
        if "inputs" in f
    ]
    assert inputs == [("Hi ", A, True), ("there. ", A, False), ("Hello! ", B, True)]
    assert sum(f.get("flush") is True for f in frames) == 2 and frames[-1] == {"context_id": "c", "close_context": True}
    assert json.loads(wire.barge_in("c")) == {"context_id": "c", "close_context": True}
    assert json.loads(wire.keep_alive("c")) == {"context_id": "c", "keep_alive": True}


def test_the_conversational_model_registers_one_voice_and_every_label_speaks_with_it():
    wire = Wire(Dialect.ELEVENLABS_DIALOGUE, model="eleven_v3_conversational")
    assert json.loads(wire.open("c")[0])["voices"] == [A]
    wire.text("c", "B: ", False)
    assert json.loads(wire.text("c", "Hi ", False)[0])["inputs"][0]["voice_id"] == A


def test_config_builds_the_dialogue_url_with_eleven_v3_and_takes_the_elevenlabs_key():
    local = resolve_config(provider="local", dialect="elevenlabs-dialogue", url="ws://127.0.0.1:9")
    assert local.endpoint() == (
        "ws://127.0.0.1:9/v1/text-to-dialogue/multi-stream-input"
        "?model_id=eleven_v3&output_format=pcm_22050&sync_alignment=true"
    )
    assert local.voice == ",".join(DEFAULT_VOICES)
    real = resolve_config(provider="elevenlabs", dialect="elevenlabs-dialogue", env={"ELEVENLABS_API_KEY": "sk_x1"})
    assert real.endpoint().startswith(
        "wss://api.elevenlabs.io/v1/text-to-dialogue/multi-stream-input?model_id=eleven_v3&"
    )
    assert auth_headers(real.dialect.value, real.api_key) == {"xi-api-key": "sk_x1"} and "sk_x1" not in repr(real)
    full = resolve_config(url="ws://h:1/v1/text-to-dialogue/multi-stream-input?model_id=eleven_v3")
    assert full.dialect is Dialect.ELEVENLABS_DIALOGUE
    with pytest.raises(ConfigError, match="eleven_v3"):
        resolve_config(dialect="elevenlabs-dialogue", model="eleven_flash_v2_5")


async def test_a_two_speaker_turn_streams_and_plays_to_its_is_final(local_server, tmp_path, consoles):
    console = await console_on(
        local_server, tmp_path, consoles, dialect="elevenlabs-dialogue", output_format="pcm_16000"
    )
    assert "/v1/text-to-dialogue/multi-stream-input" in console.endpoint
    assert console.submit_turn("A: Hello there, how can I help? B: I would like a ticket.").ok
    await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.state is SlotState.FINAL)
    slot = console.session.slot_for("turn_1")
    assert slot.metrics.audio_seconds > 2.0
    sent = mine(await sent_frames(console), "turn_1")
    assert sent[0]["voices"] == [A, B] and sent[-1] == {"context_id": "turn_1", "close_context": True}
    speakers = [f["inputs"][0]["voice_id"] for f in sent if "inputs" in f]
    assert speakers[0] == A and speakers[-1] == B and sorted(set(speakers)) == sorted({A, B})
    assert not any("A:" in f["inputs"][0]["text"] or "B:" in f["inputs"][0]["text"] for f in sent if "inputs" in f)


async def test_barge_in_sends_close_context_and_drops_the_rest_by_id(local_server, tmp_path, consoles):
    console = await console_on(
        local_server, tmp_path, consoles, dialect="elevenlabs-dialogue", output_format="pcm_16000", rate=50
    )
    assert console.submit_turn(LONG_TURN).ok
    await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.metrics.audio_frames > 0)
    assert console.barge_in() == "turn_1"
    await wait_for(lambda: console.session.slot_for("turn_1").metrics.final_at is not None)
    assert console.session.slot_for("turn_1").state is SlotState.INTERRUPTED
    sent = mine(await sent_frames(console), "turn_1")
    assert {"context_id": "turn_1", "close_context": True} in sent


async def test_a_dialogue_session_is_recorded_and_replays_offline(local_server, tmp_path):
    path, received = await record_a_turn(local_server, "elevenlabs-dialogue", tmp_path, "A: Hello there. B: Hi!")
    assert any(f.get("is_final_audio_for_turn") for f in received) and any(f.get("is_final") for f in received)
    assert '"is_final":true' in await replay_offline(path)


async def test_the_shipped_dialogue_demo_replays_offline_with_two_voices_and_its_barge_in():
    from tui.shipped import find_recording, shipped_demos

    assert "demo-elevenlabs-dialogue" in shipped_demos()
    path = find_recording("demo-elevenlabs-dialogue")
    assert path.stat().st_size < 200_000  # a demo stays small
    assert (await replay_offline(path)).count('"is_final":true') == 3
    recording = read_recording(path)
    sent = [json.loads(e.data) for e in recording.entries if getattr(e, "direction", None) == "sent"]
    assert {f["inputs"][0]["voice_id"] for f in sent if "inputs" in f} == {A, B}
    barge_ins = [e for e in recording.entries if getattr(e, "kind", None) == "barge-in"]
    assert [e.fields["context_id"] for e in barge_ins] == ["turn_2"]
    assert {"context_id": "turn_2", "close_context": True} in sent


async def test_with_the_guard_off_a_sixth_context_gets_the_services_limit_error_and_close_1008(
    local_server, tmp_path, consoles
):
    console = await console_on(
        local_server, tmp_path, consoles, dialect="elevenlabs-dialogue", guard=False, rate=2, auto_reconnect=False
    )
    for _ in range(6):  # slow words: the first five are all still open when the sixth opens
        assert console.submit_turn(LONG_TURN).ok
    await wait_for(lambda: console.session.status.close_code is not None)
    assert console.session.status.close_code == 1008
    assert "Maximum simultaneous contexts" in console.session.status.close_reason


async def test_with_the_guard_on_the_sixth_turn_waits_for_a_free_slot(local_server, tmp_path, consoles):
    console = await console_on(local_server, tmp_path, consoles, dialect="elevenlabs-dialogue", rate=2)
    started = [console.submit_turn(LONG_TURN).ok for _ in range(6)]
    assert started == [True] * 6  # accepted: the sixth is queued, not sent
    assert len(console.turns.queue) == 1 and console.session.status.close_code is None
