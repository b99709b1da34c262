"""Every shipped theme is readable: all text on a populated console meets WCAG's 4.5:1.

The console shows the snapshot scene (five slots in five states, a barge-in, frames both ways)
with an error in the banner, in each theme in `themes/`; every text segment the compositor
paints is measured against its own background.
"""

from __future__ import annotations

import pytest

from tests.fixtures.frozen_clock import FrozenClock
from tui.ui.themes import BUILTIN_DIR, load_themes

from .consoles import make_app, make_console
from .contrast import BODY_TEXT, contrast_ratio, screen_contrast
from .scene import build_scene

THEMES = sorted(load_themes([BUILTIN_DIR]).themes)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_every_text_on_a_busy_console_is_readable_in_every_theme(theme, size):
    clock = FrozenClock()
    console = make_console(clock=clock)
    build_scene(console, clock)
    app = make_app(console, start=False, theme=theme, blink=False)
    async with app.run_test(size=size) as pilot:
        app.report("server error: 1008 (policy violation): a sixth context was refused")
        await pilot.pause()
        low = screen_contrast(app)
    assert low == [], f"{theme}: text below {BODY_TEXT}:1\n" + "\n".join(map(str, low))


def test_the_contrast_measure_is_wcags():
    white, black = (255, 255, 255), (0, 0, 0)
    assert contrast_ratio(white, black) == pytest.approx(21.0)
    assert contrast_ratio(white, white) == pytest.approx(1.0)
    assert contrast_ratio((0x76, 0x76, 0x76), white) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("level", ["info", "warning"])
async def test_a_notice_or_warning_in_the_banner_is_readable_and_not_marked_as_an_error(theme, level):
    clock = FrozenClock()
    console = make_console(clock=clock)
    build_scene(console, clock)
    app = make_app(console, start=False, theme=theme, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.report("scenario demo PASSED: 11 of 11 expectations held", level=level)
        await pilot.pause()
        low = screen_contrast(app)
        banner = app.screen.query_one("#banner")
        painted = str(banner.render())
    assert low == [], f"{theme}: text below {BODY_TEXT}:1\n" + "\n".join(map(str, low))
    assert not painted.startswith("✕") and painted.startswith({"info": "•", "warning": "⚠"}[level]), painted
