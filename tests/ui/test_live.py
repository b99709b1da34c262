"""The console app, driven by keys (Textual Pilot), against the REAL local server on loopback
(tone voice) with the real client, the real recorder and, for barge-in, the virtual speaker."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import pytest
from textual import events

from tui.recording import read_recording
from tui.session import SlotState
from tui.ui.widgets.banner import ErrorBanner
from tui.ui.widgets.composer import Composer
from tui.ui.widgets.frame_log import FrameLogView
from tui.ui.widgets.slot_panel import SlotPanel, SlotStateLine
from tui.ui.widgets.transcript import TranscriptView

from .consoles import make_app, make_console

# One long sentence: once flushed, its generation outlasts five barge-ins on a paced voice.
RAMBLING_TURN = (
    "Sure, I can look at the morning and the evening flights for you and tell you which of them "
    "fly direct and which of them stop over somewhere on the way there and back again."
)
LONG_TURN = (
    "Sure, when would you like to travel? I can look at morning and evening flights "
    "for you, and tell you which ones fly direct. Just say the word."
)


async def wait_until(pilot, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Let the app run until `predicate()` holds; fail after `timeout` seconds. (Not
    `pilot.pause`: it waits for the CPU to go idle, which it never does while a voice speaks.)"""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"not in {timeout} s: {what}")
        await asyncio.sleep(0.01)


async def press_now(app, key: str) -> None:
    """A key as the terminal delivers it, without Pilot's wait for an idle CPU (see above)."""
    app._driver.send_message(events.Key(key, None))
    await asyncio.sleep(0.005)


def label(app, index: int) -> str:
    return str(app.screen.query_one(f"#slot-{index}", SlotPanel).query_one(SlotStateLine).render())


def sent_frames(core) -> list[dict]:
    core.recorder.close()
    entries = read_recording(core.recorder.path).entries
    return [json.loads(e.data) for e in entries if getattr(e, "direction", None) == "sent"]


async def type_turn(pilot, text: str) -> None:
    composer = pilot.app.screen.query_one(Composer)
    composer.value = text
    await press_now(pilot.app, "enter")
    await wait_until(pilot, lambda: composer.value == "", what="the turn accepted")


@pytest.fixture
def live_app(local_server, tmp_path):
    """An app factory on the local server; every app it made is shut down by the app itself."""

    def build(**options):
        options = {"record_dir": tmp_path, "record": True, **options}
        audio = options.pop("audio", "none")
        return make_app(make_console(local_server, audio=audio, **options), blink=False)

    return build


async def connected(pilot) -> None:
    await wait_until(pilot, lambda: pilot.app.core.connected, what="connected")


@pytest.mark.parametrize("dialect", ["elevenlabs", "murf"])
async def test_typing_a_turn_fills_a_slot_and_reaches_final(live_app, dialect):
    app = live_app(dialect=dialect, rate=20)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        await pilot.press(*"Hello there.")
        await pilot.press("enter")
        composer = app.screen.query_one(Composer)
        assert composer.value == ""  # accepted: the line is clear
        await wait_until(pilot, lambda: app.session.slots[0].state is SlotState.FINAL, what="final")
        await wait_until(pilot, lambda: "final" in label(app, 0), 2, "the panel repainted")
        slot = app.session.slots[0]
        assert slot.metrics.audio_bytes > 0 and not slot.occupied
        assert app.screen.query_one("#slot-0").border_title == "turn_1"
        assert "final" in label(app, 0) and "-free" in app.screen.query_one("#slot-0").classes
        assert "Hello there." in str(app.screen.query_one(TranscriptView).render())
        assert app.session.status.connection.value == "connected"


async def test_escape_mid_turn_silences_the_speaker_sends_close_context_and_frees_the_slot_after_final(
    live_app, virtual_speaker
):
    app = live_app(audio="miniaudio", rate=8)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        speaker = app.core.speaker.speaker
        assert speaker.backend_name == "miniaudio", speaker.silent_reason
        await type_turn(pilot, LONG_TURN)
        await wait_until(pilot, lambda: speaker.heard_seconds("turn_1") > 0.3, what="turn_1 audible")
        assert app.focused is app.screen.query_one(Composer)  # Escape works while typing
        seen: list[tuple[SlotState, bool]] = []
        app.core.add_observer(lambda _: seen.append((app.session.slots[0].state, app.session.slots[0].occupied)))
        await pilot.press("escape")
        pressed = app.session.status.last_barge_in.pressed_at  # when the key reached the core
        slot = app.session.slots[0]
        await wait_until(pilot, lambda: not slot.occupied, what="turn_1 final after the barge-in")
        # Cut, but still counted (occupied) until the server's final: only then free.
        assert (SlotState.INTERRUPTED, True) in seen and seen.index((SlotState.INTERRUPTED, True)) < seen.index(
            (SlotState.INTERRUPTED, False)
        )
        await asyncio.sleep(0.3)
        after = virtual_speaker.record(pressed + speaker.stop_period + 0.005, time.monotonic())
        assert after.onset() is None, f"sound {after.onset() - pressed:.3f} s after the barge-in"
        assert slot.metrics.final_at >= slot.metrics.closed_at
        await wait_until(
            pilot,
            lambda: "interrupted" in label(app, 0) and "…" not in label(app, 0),
            2,
            "the panel shows the drained, interrupted context",
        )
        transcript = app.screen.query_one(TranscriptView)
        await wait_until(pilot, lambda: "words spoken" in str(transcript.render()), 2, "the transcript repainted")
        assert app.session.status.last_barge_in.silenced_after is not None
        assert app.session.status.last_barge_in.was_playing  # audible: a stop call, timed
        frames = sent_frames(app.core)
        assert frames[-1] == {"context_id": "turn_1", "close_context": True}


async def test_murf_barge_in_sends_clear(live_app):
    app = live_app(dialect="murf", rate=8)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        await type_turn(pilot, LONG_TURN)
        await wait_until(pilot, lambda: app.session.slots[0].metrics.audio_frames > 0, what="audio")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.session.slots[0].occupied, what="final after clear")
        assert {"context_id": "turn_1", "clear": True} in sent_frames(app.core)


async def test_five_rapid_barge_ins_with_the_guard_off_show_the_servers_1008(start_local_server, tmp_path):
    # Each Escape closes a context whose flushed sentence the server is still generating (a tone
    # voice paced like a real model); closed contexts hold their slots until their finals, so
    # after five barge-ins the sixth turn is refused.
    server = await start_local_server("tone", generation_rtf=1.0, workers=6)  # pacing sleeps, not CPU
    app = make_app(
        make_console(server.url, record_dir=tmp_path, record=True, auto_reconnect=False, rate=50), blink=False
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        await press_now(app, "f6")  # guard off
        assert not app.session.guard
        for n in range(1, 6):
            await type_turn(pilot, RAMBLING_TURN)
            slot = lambda: app.session.slot_for(f"turn_{n}")  # noqa: E731
            await wait_until(
                pilot, lambda: slot() is not None and slot().metrics.audio_frames > 0, what=f"turn_{n} speaks"
            )
            await press_now(app, "escape")
            await wait_until(pilot, lambda: slot().state is SlotState.INTERRUPTED, what=f"turn_{n} interrupted")
        assert app.session.occupied_count() == 5  # all five still draining
        await type_turn(pilot, RAMBLING_TURN)
        await wait_until(pilot, lambda: app.session.status.overflow_contexts == ["turn_6"], what="sixth")
        await wait_until(pilot, lambda: app.session.status.close_code is not None, what="the server's close")
        await wait_until(pilot, lambda: app.screen.query_one(ErrorBanner).shown, what="the banner")
        banner = app.screen.query_one(ErrorBanner)
        assert banner.shown and (
            "max_active_conversations" in banner.message
            or "1008" in banner.message
            or "Maximum simultaneous contexts" in banner.message
        )
        assert any("1008" in e.summary or "max_active_conversations" in e.summary for e in app.session.log)
        log = app.screen.query_one(FrameLogView)  # the error frame, as the server sent it, in the pane
        await wait_until(
            pilot,
            lambda: any("Maximum simultaneous contexts" in e.summary and e.direction == "received" for e in log.rows),
            2,
            "the log pane caught up",
        )


async def test_a_countdown_reaches_zero_and_the_slot_times_out_unless_kept_alive(live_app):
    app = live_app(inactivity_timeout=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        # Two idle contexts opened by hand; F2 keeps both alive once, half-way.
        for cid in ("idle_a", "idle_b"):
            assert app.core.send_raw(json.dumps({"text": " ", "context_id": cid})).ok
        a, b = app.session.slot_for("idle_a"), app.session.slot_for("idle_b")
        await asyncio.sleep(0.6)
        before = a.countdown(app.clock())
        await pilot.press("f2")
        assert before < 0.5 < a.countdown(app.clock()) and b.countdown(app.clock()) > 0.5
        await wait_until(pilot, lambda: a.state is SlotState.TIMED_OUT, timeout=3, what="timed out")
        panel = app.screen.query_one(f"#slot-{a.index}", SlotPanel)
        await wait_until(pilot, lambda: "timed out" in label(app, a.index), 2, "the panel repainted")
        assert "-timed-out" in panel.classes
        # the server closes it and drains it: the countdown is now the console's wait for its final
        assert "⏱ final" in str(panel.query_one("#slot-%d-figures" % a.index).render())


async def test_f4_closes_the_chosen_context_and_f10_filters_the_log_to_it(live_app):
    app = live_app(rate=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        for _ in range(2):
            await type_turn(pilot, LONG_TURN)
        await wait_until(pilot, lambda: app.session.occupied_count() == 2, what="two contexts open")
        await pilot.press("f4")
        await pilot.press("2")  # the second entry: turn_2
        second = app.session.slot_for("turn_2")
        await wait_until(pilot, lambda: second.metrics.final_at is not None, what="turn_2 final")
        assert second.close_sent and app.session.slot_for("turn_1").occupied
        await pilot.press("f10")
        await pilot.press("2")  # "all", then newest first: turn_2
        log = app.screen.query_one(FrameLogView)
        assert log.filter_context == "turn_2"
        assert {e.context_id for e in log.rows} <= {"turn_2", None}
        assert any('"close_context":true' in e.summary for e in log.rows)
