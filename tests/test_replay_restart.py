"""Defect 7: the replay clock stops at the end of the recording, and a finished replay can be
played again from the start (restart) or taken back to its start, paused (seek to start)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tui.core.replay import drive_console, open_replay
from tui.recording import read_recording
from tui.replay import ReplayTransport

from .fixtures.frozen_clock import FrozenClock

DEMO = Path(__file__).resolve().parent.parent / "recordings" / "demo-flush-and-keep-alive.jsonl"


async def test_the_replay_clock_stops_at_the_end_of_the_recording():
    clock = FrozenClock()
    transport = ReplayTransport(read_recording(DEMO), speed=2, clock=clock)
    await transport.connect()
    length = transport.scheduler.duration_ms
    clock.advance(length / 1000)  # twice the recording's length at x2
    assert transport.scheduler.position_ms() == length
    assert transport.clock() <= length / 1000
    items = [item async for item in transport.items()]
    assert len(items) == len(transport.recording.entries)
    assert transport.caption().startswith(f"replay {length / 1000:.1f}/{length / 1000:.1f} s")
    assert "finished" in transport.caption()


async def drive_to_end(transport: ReplayTransport, console, clock: FrozenClock, task=None):
    task = task or asyncio.ensure_future(drive_console(transport, console))
    for _ in range(2000):
        if transport.finished:
            break
        clock.advance(0.05)
        transport.wake()
        await asyncio.sleep(0.001)
    assert transport.finished
    return task


async def test_a_finished_replay_restarts_and_seeks_to_its_start_with_the_model_afresh():
    clock = FrozenClock()
    replay = open_replay(DEMO, speed=4, audio="none", hold_at_end=True, clock=clock)
    transport, console = replay.transport, replay.console
    await transport.connect()
    assert await console.start(connect=False)
    try:
        task = await drive_to_end(transport, console, clock)
        first = [(s.context_id, s.state.value, s.metrics.audio_bytes) for s in console.session.slots]
        assert not task.done() and "finished" in transport.caption()
        assert any("replay finished" in e.summary for e in console.session.log.entries())

        transport.seek_start()  # back to the start, paused there
        await asyncio.sleep(0.02)
        assert transport.scheduler.paused and transport.scheduler.position_ms() == 0
        assert all(s.context_id is None for s in console.session.slots)  # the model starts afresh

        transport.restart()  # and play it again to the end
        await drive_to_end(transport, console, clock, task)
        assert [(s.context_id, s.state.value, s.metrics.audio_bytes) for s in console.session.slots] == first
        await transport.close()
        await asyncio.wait_for(task, 5)
    finally:
        await console.shutdown()
