"""The footer at 80 and 100 columns: every key it shows reads whole, and the keys that did not fit
are one keystroke away, in F1's list and the command palette (issue 12: it overflowed below 120)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widget import Widget
from textual.widgets import Static

from tui.ui.actions import ACTIONS
from tui.ui.screens.console import FOOTER_YIELDS_FIRST
from tui.ui.screens.help import HelpScreen

from .test_snapshots import scene_app

IDS = {a.id for a in ACTIONS}


def help_text(screen: HelpScreen) -> str:
    out = Console(width=200, record=True, file=io.StringIO())
    for static in screen.query(Static):
        out.print(static.content)
    return out.export_text()


def footer(app) -> tuple[list[Widget], list[Widget], Widget]:
    keys = list(app.screen.query("FooterKey"))
    palette = next(k for k in keys if k.has_class("-command-palette"))
    rest = [k for k in keys if k is not palette]
    return [k for k in rest if k.display], [k for k in rest if not k.display], palette


@pytest.mark.parametrize(
    ("size", "gone"),
    [((80, 24), {"settings", "turn-end", "slow-pace"}), ((100, 30), {"settings"}), ((120, 30), set())],
    ids=["80x24", "100x30", "120x30"],
)
async def test_every_shown_key_reads_whole_and_the_rest_are_in_help(size, gone):
    app = scene_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        shown, hidden, palette = footer(app)
        width = size[0]
        regions = sorted([k.region for k in shown] + [palette.region], key=lambda r: r.x)
        assert regions[-1].right <= width
        for left, right in zip(regions, regions[1:]):
            assert left.right <= right.x, f"footer keys overlap at column {right.x}"
        for key in shown + [palette]:
            assert key.content_region.width == key.render().cell_len  # never cut
        labels = {str(k.render()) for k in shown}
        assert {"esc barge-in", "f1 help"} <= labels and str(palette.render()) == "^p palette"
        by_action = {a.action: a.id for a in ACTIONS}
        assert {by_action.get(k.action) for k in hidden} == gone
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert gone <= set(help_text(app.screen).split())  # each id with its key and what it does


async def test_a_wider_terminal_shows_the_hidden_keys_again():
    app = scene_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert len(footer(app)[1]) == 3
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert footer(app)[1] == []


def test_the_keys_that_give_way_first_are_actions():
    assert set(FOOTER_YIELDS_FIRST) <= IDS
