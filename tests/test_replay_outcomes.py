"""What the live console showed about its connection replays as it was: an F5 reconnect the
operator asked for (an info note, not a warning), and an embedded server restarted on a new
port (the replay connects to the URL the live console connected to, and says what the server
did). Real local server, real console; the replay on a stepped clock and at x8."""

from __future__ import annotations

import os
import signal

from tui.core import Console, resolve_config
from tui.recording import read_recording

from .model_snapshot import snapshot
from .test_core_console import LONG_TURN, wait_for
from .test_replay_equivalence import assert_same, replayed


def notes(console: Console) -> list[str]:
    return [e.summary for e in console.session.log.entries() if e.direction == "note"]


async def test_an_f5_reconnect_replays_as_asked_not_as_a_warning(local_server, tmp_path):
    config = resolve_config(
        provider="local", url=local_server, output_format="pcm_16000", audio="none", record_dir=tmp_path, rate=20
    )
    live = Console(config)
    try:
        assert await live.start() and await live.wait_connected(10)
        live.submit_turn(LONG_TURN)
        await wait_for(
            lambda: (
                live.session.slot_for("turn_1") is not None and live.session.slot_for("turn_1").metrics.audio_frames > 0
            )
        )
        live.reconnect()  # F5 with a context open
        await wait_for(lambda: any(n.startswith("reconnecting (asked)") for n in notes(live)))
        await wait_for(lambda: live.connected)
        assert await live.frames_written()
    finally:
        await live.shutdown()
    assert live.session.banner.level == "info" and live.session.banner.text.startswith("Reconnecting (asked)")
    recording = read_recording(live.recorder.path)
    assert [a.fields.get("asked") for a in recording.actions("closed")][:1] == [True]
    for speed in (1, 8):
        replay = await replayed(recording, speed)
        assert_same(snapshot(live.session), snapshot(replay.session), f"x{speed}")
        assert any(n.startswith("reconnecting (asked)") for n in notes(replay)), notes(replay)


async def test_a_restarted_embedded_server_replays_with_its_new_url(tmp_path):
    live = Console(resolve_config(provider="local", local_voice="tone", audio="none", record_dir=tmp_path, rate=40))
    try:
        assert await live.start() and await live.wait_connected(10)
        first = live.server
        first_url = live.session.status.url
        os.kill(first.pid, signal.SIGKILL)
        await wait_for(lambda: live.server is not first and live.connected, timeout=30)
        live.submit_turn("Still here.")
        await wait_for(lambda: "turn_1" in live.speaker.finished)
        new_url = live.session.status.url
        assert await live.frames_written()
    finally:
        await live.shutdown()
    assert new_url != first_url
    recording = read_recording(live.recorder.path)
    assert recording.header.url == first_url
    for speed in (1, 8):
        replay = await replayed(recording, speed)
        assert_same(snapshot(live.session), snapshot(replay.session), f"x{speed}")
        assert replay.session.status.url == new_url
        assert notes(replay).count(f"connected to {new_url}") == 1, notes(replay)
        assert any("embedded server" in n for n in notes(replay)), notes(replay)
