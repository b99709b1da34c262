"""Replaying a curated recording in the console: the same slots and transcript, replay keys."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tui.audio import make_speaker
from tui.core import Console, resolve_config
from tui.recording import read_recording
from tui.replay import ReplayTransport, session_options
from tui.ui.widgets.composer import Composer

from .consoles import make_app

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "demo-flight-booking.jsonl"


def replay_app(speed: float, paused: bool = False):
    recording = read_recording(DEMO)
    transport = ReplayTransport(recording, speed=speed, paused=paused)
    config = resolve_config(provider="local", audio="none", record=False, **session_options(recording))
    console = Console(
        config, clock=transport.clock, speaker_factory=lambda progress: make_speaker("none", on_progress=progress)
    )
    return make_app(console, replay=transport, blink=False), transport


async def until(predicate, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "not in time"
        await asyncio.sleep(0.02)


async def test_a_replay_shows_the_recorded_turns_and_the_barge_in():
    app, transport = replay_app(speed=32)
    async with app.run_test(size=(80, 24)):
        await until(lambda: transport.scheduler.done)
        turns = app.session.transcript.turns
        assert [t.context_id for t in turns][:3] == ["turn_1", "turn_2", "turn_3"]
        assert turns[1].interrupted and not any(s.phantom for s in app.session.slots if s.context_id)
        assert app.screen.query_one(Composer).disabled
        assert "replay" in app.console_screen.replay_caption


async def test_replay_keys_pause_step_and_change_speed_and_live_keys_are_off():
    app, transport = replay_app(speed=1, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert transport.scheduler.paused
        await pilot.press("space")
        assert not transport.scheduler.paused
        await pilot.press("space", "plus", "plus")
        assert transport.scheduler.paused and transport.scheduler.speed == 4
        before = transport.scheduler.position_ms()
        await pilot.press("n")
        assert transport.scheduler.position_ms() > before
        assert app.screen.check_action("barge_in", ()) is False  # no live keys in a replay
        await pilot.press("escape")
        assert app.session.status.last_barge_in is None


async def test_a_finished_replay_restarts_and_goes_back_to_its_start_from_keys_footer_and_palette():
    from tui.ui.commands import ConsoleCommands

    recording = read_recording(DEMO.with_name("demo-flush-and-keep-alive.jsonl"))
    transport = ReplayTransport(recording, speed=32, hold_at_end=True)
    config = resolve_config(provider="local", audio="none", record=False, **session_options(recording))
    console = Console(
        config, clock=transport.clock, speaker_factory=lambda progress: make_speaker("none", on_progress=progress)
    )
    app = make_app(console, replay=transport, blink=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(lambda: transport.finished)
        length = transport.scheduler.duration_ms / 1000
        await asyncio.sleep(0.2)  # the clock stays at the end
        assert app.console_screen.replay_caption.startswith(f"replay {length:.1f}/{length:.1f} s")
        shown = {
            b.binding.key: b.binding.description
            for b in app.screen.active_bindings.values()
            if b.binding.show and b.enabled
        }
        assert shown.get("r") == "restart" and shown.get("0") == "to start"
        titles = [title for title, _, _ in ConsoleCommands(app.screen)._commands()]
        assert "Restart (r)" in titles and "To start (0)" in titles
        final = [(s.context_id, s.state.value) for s in app.session.slots]

        await pilot.press("0")  # back to the start, paused, model afresh
        assert transport.scheduler.paused and transport.scheduler.position_ms() == 0
        assert all(s.context_id is None for s in app.session.slots)
        await pilot.press("r")  # and again to the end
        await until(lambda: transport.finished)
        assert [(s.context_id, s.state.value) for s in app.session.slots] == final
