"""The headless console against the REAL local server on loopback (tone voice, in-process),
with the real websockets client, the real recorder and the silent speaker backend."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from tui.core import Console, resolve_config
from tui.recording import read_recording
from tui.session import SlotState

# One long sentence: once flushed, its generation outlasts five barge-ins on a paced voice.
RAMBLING_TURN = (
    "Sure, I can look at the morning and the evening flights for you and tell you which of them "
    "fly direct and which of them stop over somewhere on the way there and back again."
)
LONG_TURN = (
    "Sure, when would you like to travel? I can look at morning and evening flights "
    "for you, and tell you which ones fly direct. Just say the word."
)


async def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a condition on the loop (every 10 ms), failing after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.fixture
async def shutdown_after():
    consoles: list[Console] = []
    yield consoles.append
    for console in consoles:
        await console.shutdown()


async def console_on(url: str, tmp_path, keep, **options) -> Console:
    options = {"audio": "none", "record_dir": tmp_path, "rate": 20, **options}
    console = Console(resolve_config(provider="local", url=url, **options))
    keep(console)
    assert await console.start()
    assert await console.wait_connected(10)
    return console


async def sent_frames(console: Console) -> list[dict]:
    assert await console.frames_written()
    console.recorder.close()
    recording = read_recording(console.recorder.path)
    return [json.loads(e.data) for e in recording.entries if getattr(e, "direction", None) == "sent"]


async def test_a_turn_fills_a_slot_streams_word_by_word_and_reaches_final(local_server, tmp_path, shutdown_after):
    console = await console_on(local_server, tmp_path, shutdown_after)
    states: list[SlotState] = []
    console.add_observer(lambda ch: states.append(console.session.slots[0].state) if 0 in ch.slots else None)
    assert console.submit_turn("Hello there. How are you today?").ok
    await wait_for(lambda: console.session.slots[0].state is SlotState.FINAL)
    slot = console.session.slots[0]
    assert slot.context_id == "turn_1" and not slot.occupied
    assert slot.metrics.audio_bytes > 0 and slot.metrics.ttfa is not None
    for state in (SlotState.OPENING, SlotState.STREAMING, SlotState.SPEAKING, SlotState.CLOSING, SlotState.FINAL):
        assert state in states
    assert [w.text for w in console.session.transcript.current.words][:2] == ["Hello", "there."]
    assert all(w.start is not None for w in console.session.transcript.current.words)
    frames = await sent_frames(console)
    assert frames[0]["voice_settings"] and [f.get("text") for f in frames[1:7]] == [
        "Hello ",
        "there. ",
        "How ",
        "are ",
        "you ",
        "today? ",
    ]
    assert frames[-1] == {"context_id": "turn_1", "close_context": True}


async def test_barge_in_sends_close_context_and_frees_the_slot_only_after_final(local_server, tmp_path, shutdown_after):
    console = await console_on(local_server, tmp_path, shutdown_after, rate=8)
    seen: list[tuple[str, bool, int]] = []
    console.add_observer(
        lambda ch: seen.append(
            (console.session.slots[0].state.value, console.session.slots[0].occupied, console.session.log.last_seq)
        )
    )
    console.submit_turn(LONG_TURN)
    await wait_for(lambda: console.session.slots[0].metrics.audio_frames > 0)
    assert console.barge_in() == "turn_1"
    slot = console.session.slots[0]
    assert slot.state is SlotState.INTERRUPTED and slot.occupied  # draining: still counted
    await wait_for(lambda: not slot.occupied)
    assert slot.state is SlotState.INTERRUPTED
    final_seq = next(e.seq for e in console.session.log.entries("turn_1") if '"isFinal":true' in e.summary)
    assert all(occupied for state, occupied, seq in seen if state == "interrupted" and seq < final_seq)
    assert console.session.status.last_barge_in.final_after is not None
    frames = await sent_frames(console)
    assert {"context_id": "turn_1", "close_context": True} in frames
    assert frames.index({"context_id": "turn_1", "close_context": True}) == len(frames) - 1  # nothing after


async def test_rapid_barge_ins_with_the_guard_off_get_the_servers_1008(start_local_server, tmp_path, shutdown_after):
    # A closed context keeps its slot while the server still generates what was flushed (the
    # paced tone voice takes time like a real model), so five quick barge-ins leave no room.
    server = await start_local_server("tone", generation_rtf=1.0, workers=6)  # pacing sleeps, not CPU
    console = await console_on(server.url, tmp_path, shutdown_after, guard=False, auto_reconnect=False, rate=50)
    for n in range(1, 6):
        cid = f"turn_{n}"
        assert console.submit_turn(RAMBLING_TURN).ok
        await wait_for(
            lambda: console.session.slot_for(cid) is not None and console.session.slot_for(cid).metrics.audio_frames > 0
        )
        assert console.barge_in() == cid
    assert console.session.occupied_count() == 5  # interrupted, still draining
    assert all(s.state is SlotState.INTERRUPTED for s in console.session.slots)
    assert console.submit_turn(RAMBLING_TURN).ok
    await wait_for(lambda: console.session.status.close_code is not None)
    status = console.session.status
    assert status.close_code == 1008 and status.overflow_contexts == ["turn_6"]
    assert (
        "max_active_conversations" in console.session.banner.text
        or "Maximum simultaneous contexts" in console.session.banner.text
    )


async def test_with_the_guard_on_a_sixth_turn_waits_for_a_free_slot(local_server, tmp_path, shutdown_after):
    console = await console_on(local_server, tmp_path, shutdown_after)
    for _ in range(6):
        result = console.submit_turn("Okay.")
        console.barge_in()
    assert "queued" in result.message and console.queued_turns == ["Okay."]
    await wait_for(lambda: not console.queued_turns)  # a final freed a slot: it started
    assert console.session.status.close_code is None and console.connected
    assert console.session.slot_for("turn_6") is not None


async def test_keep_alive_resets_the_countdown_and_an_idle_context_times_out(local_server, tmp_path, shutdown_after):
    console = await console_on(local_server, tmp_path, shutdown_after, inactivity_timeout=1)
    assert console.send_raw('{"text": " ", "context_id": "idle"}').ok
    slot = console.session.slot_for("idle")
    assert slot.phantom and slot.occupied
    await asyncio.sleep(0.6)
    before = slot.countdown(console.clock())
    assert console.keep_alive().ok
    after = slot.countdown(console.clock())
    assert before < 0.5 and after > 0.9
    await wait_for(lambda: slot.state is SlotState.TIMED_OUT, timeout=3)
    await wait_for(lambda: not slot.occupied, timeout=5)  # the server closes it and sends its final
    assert slot.state is SlotState.TIMED_OUT


async def test_murf_turn_reaches_final_and_barge_in_sends_clear(local_server, tmp_path, shutdown_after):
    console = await console_on(local_server, tmp_path, shutdown_after, dialect="murf")
    assert "/v1/speech/stream-input" in console.endpoint
    console.submit_turn("Sure.")
    await wait_for(lambda: console.session.slots[0].state is SlotState.FINAL)
    await wait_for(lambda: "turn_1" in console.speaker.finished)  # heard to the end
    console.submit_turn(LONG_TURN)
    await wait_for(
        lambda: (
            console.session.slot_for("turn_2") is not None
            and console.session.slot_for("turn_2").metrics.audio_frames > 0
        )
    )
    assert console.barge_in() == "turn_2"
    await wait_for(lambda: not console.session.slot_for("turn_2").occupied)
    frames = await sent_frames(console)
    assert all(f.get("voice_config") == {"voice_id": "en-US-natalie"} for f in frames if f.get("text"))
    assert {"text": "", "context_id": "turn_1", "end": True, "voice_config": {"voice_id": "en-US-natalie"}} in frames
    assert {"context_id": "turn_2", "clear": True} in frames


async def test_raw_frames_are_checked_as_json_and_guarded_but_sent_as_typed(local_server, tmp_path, shutdown_after):
    console = await console_on(local_server, tmp_path, shutdown_after)
    bad = console.send_raw('{"text": "oops"')
    assert not bad.ok and bad.message.startswith("not sent: not JSON")
    for i in range(5):
        assert console.send_raw(f'{{"context_id": "p{i}", "flush": true}}').ok
    refused = console.send_raw('{"context_id":"p5","flush":true}')
    assert not refused.ok and "past the 5 elevenlabs allows at once" in refused.message
    assert console.session.occupied_count() == 5 and all(s.phantom for s in console.session.slots)
    assert not console.close_context("nobody").ok  # would open a phantom
    assert console.close_context("p0").ok
    await wait_for(lambda: not console.session.slot_for("p0").occupied)
    assert console.send_raw('  {"context_id":"p5",   "flush":true}').ok
    assert (await sent_frames(console))[-1] == {"context_id": "p5", "flush": True}


async def test_a_turn_typed_while_disconnected_is_kept_and_sent_once_the_server_is_up(
    voice_loader, tmp_path, shutdown_after, unused_tcp_port
):
    from tui.net import Backoff
    from tui.server import LocalServer

    url = f"ws://127.0.0.1:{unused_tcp_port}"
    config = resolve_config(provider="local", url=url, audio="none", record=False, rate=20)
    console = Console(config, backoff=Backoff(initial=0.05, factor=2, cap=0.2, jitter=0))
    shutdown_after(console)
    assert await console.start()
    await wait_for(lambda: console.session.status.attempt >= 3, timeout=5)  # refused, backing off
    assert "cannot reach" in console.session.banner.text
    result = console.submit_turn("Still there?")
    assert result.ok and "queued (not connected)" in result.message
    server = LocalServer(voice_loader("tone"), port=unused_tcp_port)
    await server.start()
    try:
        await wait_for(
            lambda: (
                console.session.slot_for("turn_1") is not None
                and console.session.slot_for("turn_1").state is SlotState.FINAL
            ),
            timeout=10,
        )
        assert console.queued_turns == [] and console.session.transcript.current.text == "Still there? "
    finally:
        await console.shutdown()
        await server.close()


async def test_the_single_context_endpoint_ends_each_turn_with_the_socket_and_reconnects(
    local_server, tmp_path, shutdown_after
):
    console = await console_on(local_server, tmp_path, shutdown_after, dialect="elevenlabs-single")
    assert "/stream-input" in console.endpoint and "multi" not in console.endpoint
    assert console.submit_turn("Hello there.").message == "streaming"
    second = console.submit_turn("Second turn.")
    assert "queued" in second.message

    def second_slot():  # each turn has its own slot, as on the multi-context endpoint
        return console.session.slot_for("turn_2")

    await wait_for(
        lambda: (
            not console.queued_turns
            and second_slot() is not None
            and second_slot().state is SlotState.FINAL
            and second_slot().metrics.chars_sent == len(" Second turn. ")
        ),
        timeout=10,
    )
    assert console.session.banner is None  # each close was the stream's expected end
    assert [t.text for t in console.session.transcript.turns] == ["Hello there. ", "Second turn. "]


async def test_barge_in_silences_the_speaker_before_the_close_frame_is_issued(local_server, tmp_path, shutdown_after):
    from tui.audio import make_speaker

    order: list[str] = []

    def speaker_factory(on_progress):
        speaker = make_speaker("none", on_progress=on_progress)
        real = speaker.barge_in
        speaker.barge_in = lambda: (order.append("silenced"), real())[1]
        return speaker

    config = resolve_config(provider="local", url=local_server, audio="none", record=False, rate=8)
    console = Console(config, speaker_factory=speaker_factory)
    shutdown_after(console)
    assert await console.start() and await console.wait_connected(10)
    console.add_observer(
        lambda ch: (
            order.append("close sent")
            if ch.log and '"close_context":true' in console.session.log.entries()[-1].summary
            else None
        )
    )
    console.submit_turn(LONG_TURN)
    await wait_for(lambda: console.session.slots[0].metrics.audio_frames > 0)
    console.barge_in()
    assert order == ["silenced", "close sent"]
    assert console.session.status.last_barge_in.silenced_after is not None


async def test_an_idle_elevenlabs_socket_is_kept_alive_without_opening_a_context(
    local_server, tmp_path, shutdown_after
):
    # The server closes a socket that hears nothing for inactivity_timeout seconds (1008), as the
    # service does; the console's context-less keep-alive must prevent that and occupy no slot.
    console = await console_on(local_server, tmp_path, shutdown_after, inactivity_timeout=1)
    await asyncio.sleep(2.5)
    assert console.connected and console.session.banner is None
    assert all(not slot.occupied for slot in console.session.slots)
    keep_alives = [f for f in await sent_frames(console) if f == {"text": ""}]
    assert len(keep_alives) >= 3
