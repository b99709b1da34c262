"""SVG snapshots pin the demo layout (`switchboard --demo`) with a barge-in callout: 80×24 and
120×36, in a dark and a light theme. The snapshot scene (tests/ui/scene.py) on a frozen clock:
turn_2 cut after two of its six words, turn_4 the latest turn, nothing moving.

To accept a deliberate change: `.venv/bin/python -m pytest --snapshot-update
tests/ui/test_demo_snapshots.py`, then look at the SVGs (rsvg-convert -w 1300 X.svg -o X.png).
"""

from __future__ import annotations

import pytest

from tests.fixtures.frozen_clock import FrozenClock
from tui.ui.app import SwitchboardApp
from tui.ui.demo import DemoPlan

from .consoles import make_app, make_console
from .scene import build_scene

ACCEPT = "if the change is meant: pytest --snapshot-update tests/ui/test_demo_snapshots.py, look at the SVG"


def demo_scene_app(theme: str) -> SwitchboardApp:
    clock = FrozenClock()
    console = make_console(clock=clock)
    build_scene(console, clock)
    return make_app(console, start=False, theme=theme, blink=False, demo=DemoPlan())


# Plain functions: snap_compare runs the app with App.run, which starts its own event loop.
@pytest.mark.parametrize("theme", ["switchboard-dark", "switchboard-light"])
@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_the_demo_layout_with_a_callout(snap_compare, size, theme):
    assert snap_compare(demo_scene_app(theme), terminal_size=size), ACCEPT
