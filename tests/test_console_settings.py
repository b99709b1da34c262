"""Live settings in the headless Console against the real local server (tone voice): per-context
settings go out with the NEXT context (a context in progress keeps its own), a query option
reconnects with the new URL (as the server saw it) and says so, and holds when the embedded
server is restarted."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from tests.test_core_console import console_on, sent_frames, shutdown_after, wait_for  # noqa: F401 (a fixture)
from tests.test_recovery import embedded_console
from tui.session.settings import Settings

LONG = "One two three four five six seven eight nine ten eleven twelve."


def changed(console, **texts) -> Settings:
    settings, problems = console.settings.updated(texts)
    assert not problems
    return settings


async def test_new_voice_settings_go_in_the_next_contexts_opening_message_not_the_open_one(
    local_server, tmp_path, shutdown_after
):
    console = await console_on(local_server, tmp_path, shutdown_after, rate=4)
    assert console.submit_turn(LONG).ok  # turn_1 opens with the defaults
    result = console.set_settings(changed(console, stability="0.3", speed="1.1", chunk_length_schedule="60"))
    assert result.ok and "next context" in result.message and console.connected
    assert console.submit_turn("Hello there.").ok  # turn_2 takes the new ones
    await wait_for(
        lambda: (
            console.session.slot_for("turn_2") is not None
            and console.session.slot_for("turn_2").metrics.final_at is not None
        )
    )
    frames = await sent_frames(console)
    openings = {f["context_id"]: f for f in frames if "voice_settings" in f}
    assert openings["turn_1"]["voice_settings"]["stability"] == 0.5 and "generation_config" not in openings["turn_1"]
    assert openings["turn_2"]["voice_settings"] == {
        "stability": 0.3,
        "similarity_boost": 0.75,
        "style": 0.0,
        "use_speaker_boost": True,
        "speed": 1.1,
    }
    assert openings["turn_2"]["generation_config"] == {"chunk_length_schedule": [60]}
    # The frame log shows them going out, and the status strip names them.
    lines = [e.summary for e in console.session.log if e.direction == "sent" and e.context_id == "turn_2"]
    assert any('"stability":0.3' in line and '"speed":1.1' in line for line in lines)
    assert console.session.status.settings == ["voice: stab 0.3", "speed 1.1", "sched 60"]


async def test_a_murf_turn_keeps_its_voice_config_and_the_next_turn_takes_the_new_one(
    local_server, tmp_path, shutdown_after
):
    console = await console_on(local_server, tmp_path, shutdown_after, dialect="murf", rate=4)
    assert console.submit_turn(LONG).ok
    await wait_for(lambda: len([e for e in console.session.log if e.direction == "sent"]) >= 2)
    console.set_settings(changed(console, rate="-20", pitch="10", variation="2", min_buffer_size="60"))
    assert console.submit_turn("Hello there.").ok
    await wait_for(
        lambda: all(console.session.slot_for(c).metrics.final_at is not None for c in ("turn_1", "turn_2")), timeout=15
    )
    frames = await sent_frames(console)
    first = [f for f in frames if f.get("context_id") == "turn_1"]
    second = [f for f in frames if f.get("context_id") == "turn_2"]
    assert all(f["voice_config"] == {"voice_id": "en-US-natalie"} for f in first if "text" in f)
    assert second and all(
        f["voice_config"] == {"voice_id": "en-US-natalie", "rate": -20, "pitch": 10, "variation": 2}
        and f["min_buffer_size"] == 60
        for f in second
    )


async def test_changing_a_query_option_reconnects_with_it_in_the_url_and_says_so(
    local_server, tmp_path, shutdown_after, caplog
):
    console = await console_on(local_server, tmp_path, shutdown_after)
    caplog.set_level(logging.INFO, logger="tui.server.server")
    result = console.set_settings(changed(console, auto_mode=True, language_code="de", seed="42"))
    assert result.ok and "reconnecting" in result.message and "auto_mode" in result.message
    await wait_for(lambda: any("auto_mode=true" in r.getMessage() for r in caplog.records))
    opened = [r.getMessage() for r in caplog.records if " open: " in r.getMessage()]
    assert "language_code=de" in opened[-1] and "seed=42" in opened[-1] and "sync_alignment=true" in opened[-1]
    await wait_for(lambda: console.connected)
    assert "auto_mode=true" in console.session.status.url
    assert any(
        "reconnecting" in e.summary and "auto_mode" in e.summary for e in console.session.log if e.direction == "note"
    )
    # Per-context settings alone never reconnect.
    before = len([r for r in caplog.records if " open: " in r.getMessage()])
    assert "reconnecting" not in console.set_settings(changed(console, stability="0.9")).message
    assert len([r for r in caplog.records if " open: " in r.getMessage()]) == before


async def test_a_murf_model_change_reconnects_and_keeps_the_format(local_server, tmp_path, shutdown_after, caplog):
    console = await console_on(local_server, tmp_path, shutdown_after, dialect="murf")
    caplog.set_level(logging.INFO, logger="tui.server.server")
    console.set_settings(changed(console, model="GEN2"))
    await wait_for(lambda: any("model=GEN2" in r.getMessage() for r in caplog.records))
    opened = [r.getMessage() for r in caplog.records if " open: " in r.getMessage()][-1]
    assert "format=PCM" in opened and "sample_rate=24000" in opened


async def test_a_restarted_embedded_server_is_joined_with_the_live_query_options(shutdown_after):
    console = embedded_console()
    shutdown_after(console)
    assert await console.start() and await console.wait_connected(10)
    console.set_settings(changed(console, auto_mode=True))
    await wait_for(lambda: console.connected and "auto_mode=true" in console.endpoint)
    first = console.server
    os.kill(first.pid, signal.SIGKILL)
    await wait_for(lambda: console.server is not first and console.connected, timeout=30)
    assert console.endpoint.startswith(console.server.url) and "auto_mode=true" in console.endpoint


async def test_a_shorter_inactivity_timeout_keeps_an_idle_socket_alive_at_its_own_pace(
    local_server, tmp_path, shutdown_after
):
    console = await console_on(local_server, tmp_path, shutdown_after)
    console.set_settings(changed(console, inactivity_timeout="2"))
    await wait_for(lambda: console.connected and "inactivity_timeout=2" in console.endpoint)
    await asyncio.sleep(0.2)
    drops = len([e for e in console.session.log if "input_timeout_exceeded" in e.summary or e.level == "error"])
    await asyncio.sleep(3.0)  # idle for longer than the server's 2 s: only the keep-alive holds it
    assert console.connected
    assert len([e for e in console.session.log if "input_timeout_exceeded" in e.summary or e.level == "error"]) == drops
