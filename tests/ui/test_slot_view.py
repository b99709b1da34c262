"""The slot view follows the dialect and marks the slot the listener is hearing (issue 8).

Driven by keys (Textual Pilot) against the REAL local server on loopback (tone voice); the
speaker is the silent backend, which plays in real time, so what it plays is known.
"""

from __future__ import annotations

import pytest

from tui.protocol.dialect import Dialect
from tui.session import SlotState
from tui.ui.widgets.slot_panel import SlotPanel

from .consoles import make_app, make_console
from .test_live import connected, type_turn, wait_until


def panels(app) -> list[SlotPanel]:
    return list(app.screen.query(SlotPanel))


def on_air(app) -> list[SlotPanel]:
    return [p for p in panels(app) if p.has_class("-on-air")]


@pytest.mark.parametrize("dialect", list(Dialect))
async def test_the_slot_view_shows_every_slot_the_dialect_allows_within_80x24(dialect):
    app = make_app(make_console(dialect=dialect.value), blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = panels(app)
        assert len(shown) == dialect.slot_count == len(app.session.slots)
        screen = app.screen.region
        for panel in shown:
            assert screen.contains_region(panel.region), (panel.id, panel.region)
            assert panel.region.height >= 3 and panel.region.width >= 14, (panel.id, panel.region)
        # The transcript and the frame log keep their rows.
        assert app.screen.query_one("#transcript-box").region.height >= 3
        assert app.screen.query_one("#frames").region.height >= 3


async def test_exactly_one_slot_is_marked_playing_while_a_turn_plays_even_off_the_first_panel(local_server):
    app = make_app(make_console(local_server, rate=20), blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        session = app.session
        await type_turn(pilot, "First turn.")
        await wait_until(pilot, lambda: session.slots[0].state is SlotState.FINAL, what="turn_1 final")
        first = session.slots[0].metrics
        await wait_until(
            pilot, lambda: 0 < first.audio_seconds <= first.heard_seconds + 0.05, 10, "turn_1 heard to its end"
        )
        await wait_until(pilot, lambda: not on_air(app), 2, "turn_1 no longer marked")
        # The next turn takes a slot that was never used: it plays in the second panel.
        await type_turn(pilot, "The second turn plays for a while.")
        await wait_until(pilot, lambda: len(on_air(app)) == 1, 10, "a slot marked playing")
        marked = on_air(app)
        assert len(marked) == 1 and marked[0].id == "slot-1"
        assert session.slots[1].context_id == "turn_2"
        assert "▶" in str(marked[0].border_subtitle)
        assert not any("▶" in str(p.border_subtitle) for p in panels(app) if p is not marked[0])
        await wait_until(pilot, lambda: not on_air(app), 10, "nothing marked once it was heard")
