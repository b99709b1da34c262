"""The end-of-turn pattern (tui.core.turn_end) is one key away, in the footer and the palette; the
status strip names it when it is not the default, and a slot names the pattern its turn used."""

from __future__ import annotations

from rich.text import Text

from tui.session.slot import ContextSlot, SlotState
from tui.ui.commands import ConsoleCommands
from tui.ui.widgets.slot_panel import subtitle
from tui.ui.widgets.status import StatusView

from .consoles import make_app, make_console


async def offered(app) -> str:
    """The footer's keys and the palette's commands, as one text."""
    keys = [str(key.render()) for key in app.screen.query("FooterKey")]
    return "\n".join(keys + [hit.help async for hit in ConsoleCommands(app.screen).discover()])


async def test_one_key_in_the_footer_and_the_palette_cycles_the_pattern_and_the_strip_names_it():
    app = make_app(make_console(), blink=False)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        assert "ending" in await offered(app) and "Next end-of-turn pattern" in await offered(app)
        strip = app.screen.query_one(StatusView)
        assert "flush-close" not in str(strip.render())  # the default is not named
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert app.core.turn_end.value == app.session.status.turn_end == "close-after-first-audio"
        assert "end close-after-first-audio" in Text.from_markup(str(strip.render())).plain
        for _ in range(3):
            await pilot.press("ctrl+g")
        assert app.core.turn_end.value == "flush-close"


def test_a_slot_names_its_turns_pattern_when_it_is_not_the_default():
    slot = ContextSlot(0, SlotState.SPEAKING, "turn_1", awaiting_final=True, turn_end="flush-only")
    assert "flush-only" in subtitle(slot, on_air=False, compact=False)
    slot.turn_end = "flush-close"
    assert "flush" not in subtitle(slot, on_air=False, compact=False)
