"""The console's view of the dialects added in issue 13: Cartesia's slots grow with its live
contexts (no per-socket cap), markers show on the slot and in the log by name, a dialogue turn
says who speaks, and the guard says there is no cap to guard.

Built from wire frames fed to the real console on a frozen clock (as tests/ui/scene.py): no
connection, no speaker.
"""

from __future__ import annotations

import base64
import json

from tests.fixtures.frozen_clock import FrozenClock
from tui.session import Connected, SlotState
from tui.session.model import MAX_UNCAPPED_SLOTS
from tui.ui.screens.frame_detail import describe
from tui.ui.widgets.frame_log import FrameLogView
from tui.ui.widgets.slot_panel import SlotPanel, SlotRow, figures, subtitle
from tui.ui.widgets.status import guard_text

from .consoles import make_app, make_console
from .test_live import connected, live_app, type_turn, wait_until  # noqa: F401 (live_app: a fixture)
from .test_transcript_truth import transcript_rows, words_on_screen

PCM_TENTH = base64.b64encode(bytes(4410)).decode()  # 0.1 s of pcm_22050


def console_for(dialect: str):
    clock = FrozenClock()
    console = make_console(clock=clock, dialect=dialect)
    console.session.apply(Connected("ws://127.0.0.1:8765"))
    return console, clock


def ca_text(cid: str, text: str, **more) -> str:
    frame = {
        "model_id": "sonic-3.5",
        "transcript": text,
        "voice": {"mode": "id", "id": "a0e99841-438c-4a64-b679-ae501e7d6091"},
        "context_id": cid,
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 22050},
        "continue": True,
    }
    return json.dumps(frame | more)


def panels(app) -> list[SlotPanel]:
    return list(app.screen.query(SlotPanel))


async def test_cartesia_grows_a_panel_per_live_context_and_keeps_them_on_screen_at_80x24():
    console, _ = console_for("cartesia")
    app = make_app(console, start=False, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert len(panels(app)) == 5 and not panels(app)[0].compact
        for n in range(8):
            console.ingest("sent", ca_text(f"c{n}", "Hello "))
        await pilot.pause()
        shown = panels(app)
        assert len(shown) == len(console.session.slots) == 8
        assert all(p.compact for p in shown)  # past five: one line each
        screen = app.screen.region
        for panel in shown:
            assert screen.contains_region(panel.region), (panel.id, panel.region)
        assert str(shown[7].border_title) == "c7"
        assert app.screen.query_one("#transcript-box").region.height >= 3


async def test_past_fifteen_live_contexts_the_slot_rows_scroll_up_to_the_bound():
    console, _ = console_for("cartesia")
    app = make_app(console, start=False, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for n in range(MAX_UNCAPPED_SLOTS + 3):
            console.ingest("sent", ca_text(f"c{n}", "Hello "))
        await pilot.pause()
        row = app.screen.query_one(SlotRow)
        assert len(panels(app)) == MAX_UNCAPPED_SLOTS
        assert row.region.height == 9 and row.max_scroll_y > 0  # the rows scroll, the pane keeps 9
        assert app.screen.query_one("#frames").region.height >= 3
        assert "no per-socket cap" in console.session.banner.text


async def test_a_flush_done_shows_on_its_slot_and_the_log_names_it():
    console, clock = console_for("cartesia")
    console.ingest("sent", ca_text("c1", "One. ", flush=True))
    chunk = {"type": "chunk", "data": PCM_TENTH, "done": False, "status_code": 206, "context_id": "c1"}
    console.ingest("received", json.dumps(chunk))
    clock.advance(1.5)
    flush_done = {"type": "flush_done", "done": False, "flush_done": True, "flush_id": 1, "context_id": "c1"}
    console.ingest("received", json.dumps(flush_done))
    slot = console.session.slot_for("c1")
    assert figures(slot, None).plain.splitlines()[-1] == "⚑1 flush 1.5s"
    assert "⚑1" in subtitle(slot, False, True)  # a compact panel counts them
    app = make_app(console, start=False, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        log = app.screen.query_one(FrameLogView)
        (row,) = [row for row in log.rows if row.marker]
        assert row.marker == "flush done 1" and "flush done 1 · {" in log._line_text(row).plain
        # The whole frame opens pretty-printed, its marker in the header.
        detail = describe(row).plain.splitlines()
        assert detail[0].endswith("· flush done 1") and detail[1] == "{"
        # Closed and final, the slot's last line is its close→final time again.
        console.ingest("sent", ca_text("c1", "", **{"continue": False}))
        clock.advance(0.2)
        console.ingest("received", json.dumps({"type": "done", "done": True, "status_code": 206, "context_id": "c1"}))
        assert figures(slot, None).plain.splitlines()[-1] == "c→f  200ms"


async def test_a_dialogue_turn_names_who_speaks_before_each_segment():
    console, _ = console_for("elevenlabs-dialogue")
    voices = list(console.wire.dialogue_voices())  # the console's list: A is its first voice, B its second
    console.ingest("sent", json.dumps({"context_id": "t1", "voices": voices}))
    for text, voice in (("Are you there? ", 0), ("Yes, I am. ", 1), ("Good. ", 0)):
        console.ingest("sent", json.dumps({"context_id": "t1", "inputs": [{"text": text, "voice_id": voices[voice]}]}))
    app = make_app(console, start=False, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert " ".join(words_on_screen(app)) == "t1: A: Are you there? B: Yes, I am. A: Good."
        labels = [text for row in transcript_rows(app) for text, style in row if style.bold and ":" in text]
        assert [label.strip() for label in labels] == ["A:", "B:", "A:"]


async def test_the_guard_says_there_is_no_per_socket_cap_to_guard():
    console, _ = console_for("cartesia")
    app = make_app(console, start=False, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.action_toggle_guard()
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert said == ["context-limit guard OFF (no per-socket cap: the server counts per account)"]


async def test_a_typed_dialogue_turn_on_the_local_server_shows_who_speaks(live_app):
    app = live_app(dialect="elevenlabs-dialogue", rate=20)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        await type_turn(pilot, "B: Are you there? A: Yes, I am.")
        slot = lambda: app.session.slot_for("turn_1")  # noqa: E731
        await wait_until(pilot, lambda: slot() is not None and slot().state is SlotState.FINAL, what="is_final")
        await wait_until(
            pilot,
            lambda: " ".join(words_on_screen(app)) == "turn_1: B: Are you there? A: Yes, I am.",
            5,
            "the transcript names both speakers",
        )
        assert app.session.transcript.turn("turn_1").total_words == 6  # the labels are not words


def test_the_status_strip_says_the_guard_has_no_cap_to_count():
    cartesia, _ = console_for("cartesia")
    inworld, _ = console_for("inworld")
    assert guard_text(cartesia.session.status) == "– (no cap)"
    assert guard_text(inworld.session.status) == "on"


async def test_a_long_dialogue_turn_wraps_so_its_last_speaker_shows(live_app):
    app = live_app(dialect="elevenlabs-dialogue", rate=40)
    text = "A: Welcome back to the show. B: Thanks, it is great to be here. A: So, tell us about the launch."
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        await type_turn(pilot, text)
        slot = lambda: app.session.slot_for("turn_1")  # noqa: E731
        await wait_until(pilot, lambda: slot() is not None and slot().state is SlotState.FINAL, what="is_final")
        await wait_until(
            pilot,
            lambda: " ".join(words_on_screen(app)) == f"turn_1: {text}",
            5,
            "every speaker of the turn on screen, though it is wider than the pane",
        )
