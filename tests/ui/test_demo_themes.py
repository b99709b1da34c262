"""The demo layout is readable from the back of a room in every shipped theme: every text on it,
the barge-in callout included, meets WCAG's 4.5:1, at 80x24 and 120x36.

The screen shows the snapshot scene (five slots in five states; turn_2 cut after a barge-in) on
a frozen clock, with an error in the banner, so the callout and every state colour are painted.
"""

from __future__ import annotations

import pytest

from tests.fixtures.frozen_clock import FrozenClock
from tui.ui.demo import DemoPlan
from tui.ui.screens.demo import DemoScreen
from tui.ui.themes import BUILTIN_DIR, load_themes
from tui.ui.widgets.demo_callout import DemoCallout

from .consoles import make_app, make_console
from .contrast import BODY_TEXT, screen_contrast
from .scene import build_scene

THEMES = sorted(load_themes([BUILTIN_DIR]).themes)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
async def test_every_text_of_the_demo_layout_is_readable_in_every_theme(theme, size):
    clock = FrozenClock()
    console = make_console(clock=clock)
    build_scene(console, clock)
    app = make_app(console, start=False, theme=theme, blink=False, demo=DemoPlan())
    async with app.run_test(size=size) as pilot:
        app.report("server error: 1008 (policy violation): a sixth context was refused")
        await pilot.pause()
        assert isinstance(app.screen, DemoScreen)
        callout = app.screen.query_one(DemoCallout)
        assert callout.display and callout.shown is not None and callout.shown.context_id == "turn_2"
        assert callout.region.bottom <= size[1] - 1  # the whole callout above the footer
        low = screen_contrast(app)
    assert low == [], f"{theme}: text below {BODY_TEXT}:1\n" + "\n".join(map(str, low))


async def test_the_scene_callout_reads_the_scenes_figures():
    clock = FrozenClock()
    console = make_console(clock=clock)
    build_scene(console, clock)
    app = make_app(console, start=False, blink=False, demo=DemoPlan())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        line = str(app.screen.query_one("#callout-line").render())
    # turn_2: first audio 0.21 s after its words, the key right then; 7 characters of 60 ms heard
    # ("I can l"): the words whose midpoints were played are "I" and "can"; the stop call 3 ms.
    assert line == "interrupted after 0.0 s · 2 of 6 words spoken · stop call 3.0ms"
