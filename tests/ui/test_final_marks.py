"""What the panels show of a wrong final (tui.session.finals): the wait for a final counts down
in the slot, a slot released without one says so, a final with no audio is marked on the slot,
and a turn its final stopped mid-way keeps its whole text on screen at 80×24 with the reason.

Built from wire frames on a frozen clock (as tests/ui/scene.py), no connection, no speaker.
"""

from __future__ import annotations

import json

from tests.fixtures.frozen_clock import FrozenClock
from tui.session import Connected, Tick, TurnOpened
from tui.session.finals import NO_AUDIO, final_grace
from tui.ui.widgets.slot_panel import figures, state_label, subtitle

from .consoles import make_app, make_console
from .scene import _open, _say
from .test_transcript_truth import TYPED, words_on_screen

CLOSE = json.dumps({"context_id": "turn_1", "close_context": True})
FINAL = json.dumps({"isFinal": True, "contextId": "turn_1"})


def console_with_turn_1(words: int):
    clock = FrozenClock()
    console = make_console(clock=clock)
    console.session.apply(Connected("ws://127.0.0.1:8765"))
    console.apply(TurnOpened("turn_1", TYPED))
    _open(console, "turn_1")
    _say(console, "turn_1", TYPED.split()[:words], flush=True)
    return console, clock


def test_a_closed_slot_counts_down_its_wait_for_the_final_then_says_it_was_released():
    console, clock = console_with_turn_1(3)
    console.ingest("sent", CLOSE)
    slot = console.session.slot_for("turn_1")
    grace = final_grace(console.config.dialect, console.config.inactivity_timeout)
    clock.advance(1.0)
    assert figures(slot, slot.countdown(clock())).plain.splitlines()[0] == f"⏱ final {grace - 1:.1f}s"
    clock.advance(grace)
    console.session.apply(Tick())
    assert state_label(slot) == "no final" and "no final" in subtitle(slot, False, False)
    assert figures(slot, slot.countdown(clock())).plain.splitlines()[0] == "⏱ –"


def test_a_final_with_no_audio_is_marked_on_its_slot():
    console, _ = console_with_turn_1(3)
    console.ingest("received", FINAL)
    slot = console.session.slot_for("turn_1")
    assert state_label(slot) == "final" and "no audio" in subtitle(slot, False, False)


async def test_a_turn_stopped_by_a_final_with_no_audio_shows_why_and_its_unsent_words_at_80x24():
    console, _ = console_with_turn_1(12)
    console.ingest("received", FINAL)  # mid-turn: the quota's answer
    app = make_app(console, start=False, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = " ".join(words_on_screen(app))
        assert NO_AUDIO in shown and "12 of 33 words sent, the rest stopped" in shown
        # It wraps: cut at the edge, the line would end inside the note, before any word.
        words = words_on_screen(app)
        assert TYPED.split()[11] in words and TYPED.split()[12] in words  # the last sent, the first not
