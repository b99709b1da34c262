"""The palette's Screenshot saves where the operator can find it, and says where."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from .consoles import make_app, make_console


async def test_the_palette_screenshot_without_a_downloads_folder_saves_in_the_current_directory(
    tmp_path: Path, monkeypatch
):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))  # no ~/Downloads here
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    monkeypatch.chdir(work)
    app = make_app(make_console(), start=False, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        end = time.monotonic() + 5
        while not list(work.glob("*.svg")) and time.monotonic() < end:
            await asyncio.sleep(0.05)
        await pilot.pause(0.2)
        [saved] = list(work.glob("*.svg"))
        assert "<svg" in saved.read_text(encoding="utf-8")
        notices = [n.message for n in app._notifications]
        assert any(str(saved) in m for m in notices), notices
        assert not any("Failed" in m for m in notices)
