"""SVG snapshots pin the layout: 80×24 and 160×48, and one per shipped theme.

pytest-textual-snapshot's `snap_compare` runs the app headless and compares its screenshot with
tests/ui/__snapshots__/test_snapshots/<test id>.svg (syrupy's layout). Deterministic by
construction: a frozen clock, a scene built from wire frames before the app starts
(tests/ui/scene.py), no connection, no speaker, no cursor blink.

To accept a deliberate change, run `.venv/bin/python -m pytest --snapshot-update
tests/ui/test_snapshots.py` and look at the changed SVGs (`rsvg-convert -w 1300 X.svg -o X.png`)
before committing them. A mismatch writes snapshot_report.html (old and new side by side) to the
directory pytest runs in. A missing snapshot fails like a changed one: syrupy writes snapshots
only under --snapshot-update, so CI (CI=true, never passed that flag) cannot create one.
"""

from __future__ import annotations

import pytest

from tests.fixtures.frozen_clock import FrozenClock
from tui.ui.app import SwitchboardApp
from tui.ui.themes import BUILTIN_DIR, load_themes

from .consoles import make_app, make_console
from .scene import build_scene

THEMES = sorted(load_themes([BUILTIN_DIR]).themes)  # the shipped ones, never the operator's
ACCEPT = "if the change is meant: pytest --snapshot-update tests/ui/test_snapshots.py, look at the SVG, commit it"


def scene_app(theme: str = "switchboard-dark") -> SwitchboardApp:
    """The console showing the fixed scene, built before the app runs (nothing moves after)."""
    clock = FrozenClock()
    console = make_console(clock=clock)
    build_scene(console, clock)
    return make_app(console, start=False, theme=theme, blink=False)


# The tests are plain functions: snap_compare runs the app with App.run, which starts its own
# event loop and cannot be called from inside one (an async test).
@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_the_layout_at_two_sizes(snap_compare, size):
    assert snap_compare(scene_app(), terminal_size=size), ACCEPT


@pytest.mark.parametrize("theme", THEMES)
def test_one_snapshot_per_shipped_theme(snap_compare, theme):
    assert snap_compare(scene_app(theme), terminal_size=(100, 30)), ACCEPT


async def test_snapshots_do_not_depend_on_when_they_are_taken():
    async def screenshot() -> str:
        app = scene_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            return app.export_screenshot()

    assert await screenshot() == await screenshot()
