"""Each shipped theme on the real console: a replayed demo, paused on its barge-in, rendered.

The flight-booking demo is replayed (no server, no network) into the console, fast-forwarded to
the moment before its barge-in: turn_1 has finished, turn_2 is speaking. The screen is exported
as SVG (written to $THEME_SNAPSHOTS/<theme>.svg when that is set, for a person to look at) and
must paint those slots in the theme's own colours on the theme's background.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tui.core import Console, resolve_config
from tui.recording import read_recording
from tui.replay import ReplayTransport, drive
from tui.session import SlotState
from tui.ui.app import SwitchboardApp
from tui.ui.themes import BUILTIN_DIR, load_themes

from .test_core_console import wait_for

ROOT = Path(__file__).resolve().parent.parent
THEMES = load_themes([BUILTIN_DIR])


def hex_of(colour: str) -> str:
    from textual.color import Color

    return Color.parse(colour).hex.lower()


@pytest.mark.parametrize("name", sorted(THEMES.themes))
async def test_each_theme_paints_the_slots_in_its_own_colours(name, tmp_path):
    demo = read_recording(ROOT / "recordings" / "demo-flight-booking.jsonl")
    transport = ReplayTransport(demo, paused=True)
    await transport.connect()
    config = resolve_config(
        provider="local",
        url=demo.header.url,
        dialect=demo.header.dialect,
        output_format=demo.header.output_format,
        audio="none",
        record=False,
    )
    console = Console(config, clock=transport.clock)
    app = SwitchboardApp(
        console,
        start=False,
        themes=THEMES,
        theme=name,
        save_choices=False,
        config_path=tmp_path / "config.toml",
        blink=False,
    )
    async with app.run_test(size=(120, 36)) as pilot:
        assert transport.seek_next_barge_in()
        task = asyncio.ensure_future(drive(transport, console))
        turn_2 = lambda: console.session.slot_for("turn_2")  # noqa: E731
        await wait_for(lambda: turn_2() is not None and turn_2().state is SlotState.SPEAKING)
        await pilot.pause(0.2)
        svg = app.export_screenshot()
        task.cancel()
        assert app.theme == name
    variables = THEMES.themes[name].theme.variables
    theme = THEMES.themes[name].theme
    painted = svg.lower()
    assert hex_of(variables["slot-speaking"]) in painted
    assert hex_of(variables["slot-free"]) in painted  # turn_1 finished, three slots free
    assert hex_of(theme.background) in painted
    if os.environ.get("THEME_SNAPSHOTS"):
        folder = Path(os.environ["THEME_SNAPSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
