"""The transcript pane at 80×24 shows what happened to each turn: the struck-through part of an
interrupted turn wraps instead of being cut at the edge, the words typed but never sent are
there (dimmed), and a turn that waits says it is queued until it starts.

Built from wire frames on a frozen clock (as tests/ui/scene.py), no connection, no speaker.
"""

from __future__ import annotations

import json

from rich.style import Style

from tests.fixtures.frozen_clock import FrozenClock
from tui.session import Connected, Interrupted, SpeakerProgress, TurnOpened, TurnQueued
from tui.ui.widgets.styles import component_style
from tui.ui.widgets.transcript import TranscriptView

from .consoles import make_app, make_console
from .scene import CHAR_MS, RATE, _audio_frame, _open, _say

# 33 words typed; 12 sent before the barge-in, 3 of them heard.
TYPED = (
    "Sure, I can look at the morning and the evening flights for you and tell you which of them "
    "fly direct and which stop over somewhere on the way there and back again."
)
SENT = TYPED.split()[:12]


def transcript_rows(app) -> list[list[tuple[str, Style]]]:
    """The transcript pane's rows as the compositor paints them: (text, style) runs."""
    view = app.screen.query_one(TranscriptView)
    region = view.content_region
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    rows = []
    for y, line in enumerate(update.strips):
        if not region.y <= y < region.bottom:
            continue
        runs = []
        x = 0
        for strip in line:
            for segment in strip:
                if region.x <= x < region.right and segment.text.strip():
                    runs.append((segment.text, segment.style or Style()))
                x += segment.cell_length
        rows.append(runs)
    return rows


def words_on_screen(app, *, struck: bool | None = None) -> list[str]:
    return [
        w
        for row in transcript_rows(app)
        for text, style in row
        if struck is None or bool(style.strike) == struck
        for w in text.split()
    ]


def app_with_a_cut_turn():
    """turn_1 typed whole, 12 words sent and voiced, cut after 3 words were heard."""
    clock = FrozenClock()
    console = make_console(clock=clock)
    s = console.session
    s.apply(Connected("ws://127.0.0.1:8765"))
    console.apply(TurnOpened("turn_1", TYPED))
    _open(console, "turn_1")
    _say(console, "turn_1", SENT, flush=True)
    spoken = " " + " ".join(SENT) + " "
    console.ingest("received", _audio_frame("turn_1", spoken))
    heard = len(" Sure, I can ") * CHAR_MS / 1000
    s.apply(SpeakerProgress("turn_1", int(RATE * heard), RATE))
    console.ingest("sent", json.dumps({"context_id": "turn_1", "close_context": True}))
    s.apply(Interrupted("turn_1", heard, clock(), 0.003))
    return make_app(console, start=False, blink=False)


async def test_at_80x24_the_struck_part_of_an_interrupted_turn_wraps_and_its_last_word_is_on_screen():
    app = app_with_a_cut_turn()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        struck = words_on_screen(app, struck=True)
        assert struck and struck[-1] == SENT[-1], struck  # the last word sent and not heard
        assert "3 of 33 words spoken" in " ".join(words_on_screen(app))  # against all it typed


async def test_the_words_typed_but_never_sent_are_shown_after_the_sent_ones():
    app = app_with_a_cut_turn()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = words_on_screen(app, struck=False)
        unsent = TYPED.split()[12:]
        assert shown[-len(unsent) :] == unsent, shown
        unsent_style = component_style(app.screen.query_one(TranscriptView), "transcript--unsent")
        last = [style for row in transcript_rows(app) for text, style in row if unsent[-1] in text.split()]
        assert [(s.color, bool(s.italic), bool(s.strike)) for s in last] == [(unsent_style.color, True, False)]


async def test_a_queued_turn_is_in_the_transcript_as_queued_until_it_starts():
    clock = FrozenClock()
    console = make_console(clock=clock)
    console.apply(TurnQueued("Still there?"))
    app = make_app(console, start=False, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = " ".join(words_on_screen(app))
        assert "queued" in text and "Still there?" in text
        console.session.apply(Connected("ws://127.0.0.1:8765"))
        console.apply(TurnOpened("turn_1", "Still there?"))
        _open(console, "turn_1")
        await pilot.pause()
        text = " ".join(words_on_screen(app))
        assert "queued" not in text and "turn_1" in text


def test_both_ttfas_are_named_in_the_slot_panel_the_status_strip_and_help():
    from tui.session import StatusStrip
    from tui.session.slot import ContextSlot
    from tui.ui.screens.help import PANELS
    from tui.ui.widgets.slot_panel import figures
    from tui.ui.widgets.status import timing_fields

    slot = ContextSlot(0)
    slot.occupy("turn_1", 10.0, phantom=False)
    m = slot.metrics
    m.first_text_at, m.first_trigger_at, m.first_audio_at = 10.1, 10.5, 10.7
    assert "ttfa 600/200ms" in figures(slot, None).plain
    strip = StatusStrip(last_ttfa=0.2, last_ttfa_text=0.6)
    line = ["".join(text for text, _ in field) for field in timing_fields(strip)]
    assert line[:2] == ["text→audio 600ms", "flush→audio 200ms"]
    assert "first text → first audio" in PANELS and "flush → first audio" in PANELS
