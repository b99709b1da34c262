"""The console in the Inworld dialect against the real local server (tone voice) on loopback:
a turn streams (create, words, flush, close) and plays; barge-in sends close_context and the
audio still coming for that context is dropped by id; the session records and replays offline."""

from __future__ import annotations

import pytest

from tests.headless_sessions import record_a_turn, replay_offline
from tests.test_core_console import LONG_TURN, console_on, sent_frames, shutdown_after, wait_for
from tui.protocol.urls import INWORLD_PATH
from tui.recording import read_recording
from tui.session import SlotState

consoles = shutdown_after


def ops(frames: list[dict], cid: str) -> list[str]:
    return [next(k for k in f if k != "contextId") for f in frames if f.get("contextId") == cid]


async def test_a_turn_streams_in_inworld_frames_and_plays_to_its_context_closed(local_server, tmp_path, consoles):
    console = await console_on(local_server, tmp_path, consoles, dialect="inworld", output_format="pcm_16000")
    assert console.endpoint.endswith(INWORLD_PATH)
    assert console.submit_turn("Hello there. How are you?").ok
    await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.state is SlotState.FINAL)
    slot = console.session.slot_for("turn_1")
    assert slot.metrics.audio_seconds > 1.0
    sent = await sent_frames(console)
    steps = ops(sent, "turn_1")
    assert steps[0] == "create" and steps[-1] == "close_context" and "send_text" in steps
    create = sent[0]["create"]
    assert create["audioConfig"] == {"audioEncoding": "PCM", "sampleRateHertz": 16000}
    assert create["timestampType"] == "WORD" and create["autoMode"] is False
    assert any(f.get("send_text", {}).get("flush_context") == {} for f in sent)  # a sentence end flushes


async def test_barge_in_sends_close_context_and_drops_the_rest_by_id(local_server, tmp_path, consoles):
    console = await console_on(local_server, tmp_path, consoles, dialect="inworld", output_format="pcm_16000", rate=50)
    assert console.submit_turn(LONG_TURN).ok
    await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.metrics.audio_frames > 0)
    assert console.barge_in() == "turn_1"
    await wait_for(lambda: console.session.slot_for("turn_1").metrics.final_at is not None)
    slot = console.session.slot_for("turn_1")
    assert slot.state is SlotState.INTERRUPTED
    sent = await sent_frames(console)
    assert ops(sent, "turn_1").count("close_context") >= 1


async def test_an_inworld_session_is_recorded_and_replays_offline(local_server, tmp_path, consoles):
    path, received = await record_a_turn(local_server, "inworld", tmp_path)
    assert any("contextClosed" in f["result"] for f in received)
    assert "contextClosed" in await replay_offline(path)


async def test_the_shipped_inworld_demo_replays_offline_with_its_barge_in():
    from tui.shipped import find_recording, shipped_demos

    assert "demo-inworld" in shipped_demos()
    path = find_recording("demo-inworld")
    assert path.stat().st_size < 200_000  # a demo stays small
    text = await replay_offline(path)
    assert text.count("contextClosed") == 3 and "turn_3" in text
    recording = read_recording(path)
    barge_ins = [e for e in recording.entries if getattr(e, "kind", None) == "barge-in"]
    assert [e.fields["context_id"] for e in barge_ins] == ["turn_2"]


@pytest.mark.parametrize(
    ("spelled", "seconds"),
    [("pcm_16000", 1.2), ("wav_16000", 1.2), ("ulaw_8000", 1.2), ("mp3_22050_32", None)],
)
async def test_every_inworld_encoding_the_console_asks_for_plays_its_seconds(
    local_server, tmp_path, consoles, spelled, seconds
):
    """PCM, LINEAR16 (a RIFF header per chunk, stripped by the decoder), MULAW, MP3: the tone
    voice's 20 chars ("Hello there friend. ") last 1.2 s; MP3 adds its encoder's padding."""
    console = await console_on(local_server, tmp_path, consoles, dialect="inworld", output_format=spelled)
    assert console.submit_turn("Hello there friend.").ok
    await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.state is SlotState.FINAL)
    heard = console.session.slot_for("turn_1").metrics.audio_seconds
    assert heard == pytest.approx(seconds, abs=0.001) if seconds else 1.2 <= heard < 1.4
