"""SVG snapshots pin the layout: 80×24 and 160×48, and one per shipped theme.

Deterministic by construction: a frozen clock, a scene built from wire frames before the app
starts (tests/ui/scene.py), no connection, no speaker, no cursor blink. To accept a deliberate
change, run `SNAPSHOT_UPDATE=1 .venv/bin/python -m pytest -q tests/ui/test_snapshots.py` and
look at the SVGs in tests/snapshots/ before committing them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fixtures.frozen_clock import FrozenClock
from tui.ui.themes import BUILTIN_DIR, load_themes

from .consoles import make_app, make_console
from .scene import build_scene

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
UPDATE = os.environ.get("SNAPSHOT_UPDATE") == "1"
THEMES = sorted(load_themes([BUILTIN_DIR]).themes)  # the shipped ones, never the operator's


async def screenshot(size: tuple[int, int], theme: str = "switchboard-dark") -> str:
    clock = FrozenClock()
    console = make_console(clock=clock)
    build_scene(console, clock)
    app = make_app(console, start=False, theme=theme, blink=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        return app.export_screenshot(title=f"Switchboard {size[0]}x{size[1]} {theme}")


def check(name: str, svg: str) -> None:
    path = SNAPSHOTS / f"{name}.svg"
    if UPDATE or not path.exists() and os.environ.get("CI") != "true":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        if not UPDATE:
            pytest.skip(f"wrote the missing snapshot {path.name}: look at it, then commit it")
        return
    assert path.exists(), f"missing snapshot {path.name}: run with SNAPSHOT_UPDATE=1 and commit it"
    assert svg == path.read_text(encoding="utf-8"), (
        f"{path.name} changed: if the change is meant, run with SNAPSHOT_UPDATE=1 and look at the SVG"
    )


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_the_layout_at_two_sizes(size):
    check(f"console-{size[0]}x{size[1]}", await screenshot(size))


@pytest.mark.parametrize("theme", THEMES)
async def test_one_snapshot_per_shipped_theme(theme):
    check(f"theme-{theme}", await screenshot((100, 30), theme))


async def test_snapshots_do_not_depend_on_when_they_are_taken():
    assert await screenshot((80, 24)) == await screenshot((80, 24))
