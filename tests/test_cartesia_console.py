"""The console in the Cartesia dialect against the real local server (tone voice) on loopback:
a turn streams as generation requests (continue, flush on sentence ends, continue:false at the
end) and plays to its `done`; barge-in sends `cancel` and frees the slot at its `done`; the
session records and replays offline; the config speaks to the real host the way it takes a key."""

from __future__ import annotations

import io
import json
import os

import pytest

from tests.headless_sessions import record_a_turn, replay_offline
from tests.test_core_console import LONG_TURN, console_on, sent_frames, shutdown_after, wait_for
from tui.core import resolve_config
from tui.core.config import ConfigError
from tui.core.headless import replay_lines
from tui.protocol.dialect import Dialect
from tui.protocol.formats import AudioFormat
from tui.protocol.secret import Secret
from tui.protocol.urls import CARTESIA_PATH, auth_headers, redact_url
from tui.recording import read_recording
from tui.session import SlotState, Wire

consoles = shutdown_after


async def test_a_turn_streams_as_cartesia_requests_and_plays_to_its_done(local_server, tmp_path, consoles):
    console = await console_on(local_server, tmp_path, consoles, dialect="cartesia", output_format="pcm_16000")
    assert CARTESIA_PATH in console.endpoint and "cartesia_version=" in console.endpoint
    assert console.submit_turn("Hello there. How are you?").ok
    await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.state is SlotState.FINAL)
    slot = console.session.slot_for("turn_1")
    assert slot.metrics.audio_seconds > 1.0
    sent = [f for f in await sent_frames(console) if f.get("context_id") == "turn_1"]
    assert all(f["output_format"] == {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000} for f in sent)
    assert "".join(f["transcript"] for f in sent).split() == "Hello there. How are you?".split()
    assert any(f.get("flush") for f in sent)  # a sentence end flushes
    assert sent[-1]["continue"] is False and all(f["continue"] for f in sent[:-1])


async def test_a_turn_in_f32_plays(local_server, tmp_path, consoles):
    console = await console_on(local_server, tmp_path, consoles, dialect="cartesia", output_format="f32_24000")
    assert console.submit_turn("Float samples.").ok
    await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.state is SlotState.FINAL)
    assert console.session.slot_for("turn_1").metrics.audio_seconds == pytest.approx(
        15 * 0.06, abs=0.01
    )  # "Float samples." and the space the pacer sends between the words


async def test_barge_in_sends_cancel_and_the_slot_frees_at_done(local_server, tmp_path, consoles):
    console = await console_on(local_server, tmp_path, consoles, dialect="cartesia", output_format="pcm_16000", rate=50)
    assert console.submit_turn(LONG_TURN).ok
    await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.metrics.audio_frames > 0)
    assert console.barge_in() == "turn_1"
    await wait_for(lambda: console.session.slot_for("turn_1").metrics.final_at is not None)
    assert console.session.slot_for("turn_1").state is SlotState.INTERRUPTED
    sent = await sent_frames(console)
    assert {"context_id": "turn_1", "cancel": True} in sent


async def test_a_cartesia_session_is_recorded_and_replays_offline(local_server, tmp_path):
    path, received = await record_a_turn(local_server, "cartesia", tmp_path)
    assert any(f["type"] == "done" for f in received) and any(f["type"] == "timestamps" for f in received)
    assert '"type":"done"' in await replay_offline(path)


def test_provider_cartesia_needs_its_key_and_sends_it_as_x_api_key():
    with pytest.raises(ConfigError, match="CARTESIA_API_KEY"):
        resolve_config(provider="cartesia", env={})
    config = resolve_config(provider="cartesia", env={"CARTESIA_API_KEY": "sk_car_secret"})
    assert config.dialect is Dialect.CARTESIA and config.model == "sonic-3.5" and config.output_format == "pcm_24000"
    assert config.endpoint() == "wss://api.cartesia.ai/tts/websocket?cartesia_version=2026-03-01"
    assert isinstance(config.api_key, Secret) and "sk_car_secret" not in repr(config)
    assert auth_headers("cartesia", config.api_key) == {"X-API-Key": "sk_car_secret"}
    assert "secret" not in redact_url("wss://api.cartesia.ai/tts/websocket?api_key=sk_car_secret")
    with pytest.raises(ConfigError, match="Cartesia takes the key only at the handshake"):
        resolve_config(provider="cartesia", auth="body", env={"CARTESIA_API_KEY": "k"})


def test_cartesia_formats_are_checked_and_the_url_names_the_dialect():
    assert resolve_config(dialect="cartesia", output_format="ulaw_8000").output_format == "ulaw_8000"
    assert resolve_config(dialect="cartesia", output_format="f32_44100").audio_format == AudioFormat("f32", 44100)
    for bad in ("mp3_44100_128", "pcm_32000", "wav_24000"):
        with pytest.raises(ConfigError, match="no Cartesia equivalent"):
            resolve_config(dialect="cartesia", output_format=bad)
    assert resolve_config(url="ws://127.0.0.1:9/tts/websocket?cartesia_version=2025-04-16").dialect is Dialect.CARTESIA


def test_the_wire_speaks_every_step_the_cartesia_way():
    wire = Wire(Dialect.CARTESIA, audio_format=AudioFormat("alaw", 8000), model="sonic-3", voice="v1")
    assert wire.open("c") == []  # the first request creates the context
    (text,) = wire.text("c", "Hi ", flush=False)
    first = json.loads(text)
    assert first["voice"] == {"mode": "id", "id": "v1"} and first["model_id"] == "sonic-3"
    assert first["output_format"]["encoding"] == "pcm_alaw" and first["continue"] is True and first["add_timestamps"]
    assert json.loads(wire.flush("c"))["flush"] is True and json.loads(wire.flush("c"))["transcript"] == ""
    assert [json.loads(f)["continue"] for f in wire.end_turn("c", unflushed=True)] == [False]
    assert json.loads(wire.barge_in("c")) == {"context_id": "c", "cancel": True}
    keep = json.loads(wire.keep_alive("c"))
    assert keep["transcript"] == "" and keep["continue"] is True and not keep.get("flush")


async def test_the_shipped_cartesia_demo_replays_offline_with_its_cancel():
    from tui.shipped import find_recording, shipped_demos

    assert "demo-cartesia" in shipped_demos()
    path = find_recording("demo-cartesia")
    assert path.stat().st_size < 200_000  # a demo stays small
    out = io.StringIO()
    read_fd, write_fd = os.pipe()
    os.close(write_fd)
    with os.fdopen(read_fd) as stdin:
        assert await replay_lines(path, speed=32.0, paused=False, audio="none", stdin=stdin, out=out) == 0
    text = out.getvalue()
    assert text.count('"type":"done"') == 3 and '"flush_done":true' in text and "turn_3" in text
    recording = read_recording(path)
    assert recording.header.dialect == "cartesia"
    sent = [json.loads(e.data) for e in recording.entries if getattr(e, "direction", None) == "sent"]
    assert {"context_id": "turn_2", "cancel": True} in sent
    barge_ins = [e for e in recording.entries if getattr(e, "kind", None) == "barge-in"]
    assert [e.fields["context_id"] for e in barge_ins] == ["turn_2"]


async def test_a_turn_past_the_account_concurrency_shows_the_429_and_sends_nothing_more(
    voice_loader, tmp_path, consoles
):
    from tui.server import LocalServer

    async with LocalServer(voice_loader("tone"), cartesia_concurrency=1) as server:
        console = await console_on(
            server.url, tmp_path, consoles, dialect="cartesia", output_format="pcm_16000", rate=50
        )
        assert console.submit_turn(LONG_TURN).ok
        await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.metrics.audio_frames > 0)
        assert console.submit_turn("A second turn at once.").ok
        await wait_for(lambda: (s := console.session.slot_for("turn_2")) is not None and s.state is SlotState.ERROR)
        await wait_for(lambda: console.session.slot_for("turn_1").state is SlotState.FINAL)
        slot = console.session.slot_for("turn_2")
        assert not slot.occupied and slot.metrics.audio_frames == 0  # error done:true: the server holds nothing
        sent = [f for f in await sent_frames(console) if f.get("context_id") == "turn_2"]
        assert len(sent) == 1  # its first word was refused; the rest of the turn never went out


async def test_against_the_embedded_server_a_turn_plays_until_a_barge_in_cancels_it(tmp_path):
    from tui.core import Console

    config = resolve_config(
        provider="local", dialect="cartesia", local_voice="tone", audio="none", record_dir=tmp_path, rate=50
    )
    console = Console(config)
    try:
        assert await console.start() and await console.wait_connected(20)
        assert console.server is not None and CARTESIA_PATH in console.endpoint
        assert console.submit_turn(LONG_TURN).ok
        await wait_for(lambda: (s := console.session.slot_for("turn_1")) is not None and s.metrics.audio_seconds > 0.5)
        assert console.barge_in() == "turn_1"
        await wait_for(lambda: console.session.slot_for("turn_1").metrics.final_at is not None)
        sent = await sent_frames(console)
    finally:
        await console.shutdown()
    assert console.session.slot_for("turn_1").state is SlotState.INTERRUPTED
    assert {"context_id": "turn_1", "cancel": True} in sent
