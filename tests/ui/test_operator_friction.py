"""What the operator reaches for first: raw send aimed at the live context, the log filter with
the newest contexts on top, and a long frame-log line read whole. Driven by keys (Pilot) on the
snapshot scene: turn_3 speaking, turn_4 streaming, turn_1 and turn_2 done."""

from __future__ import annotations

import json

from textual.widgets import OptionList, TextArea

from tests.fixtures.frozen_clock import FrozenClock
from tui.ui.screens.frame_detail import FrameDetailScreen
from tui.ui.screens.raw_send import RawSendScreen

from .consoles import make_app, make_console
from .scene import build_scene


def scene_app():
    clock = FrozenClock()
    console = make_console(clock=clock)
    build_scene(console, clock)
    return make_app(console, start=False, blink=False)


async def test_raw_send_opens_on_the_speaking_context_with_its_id_selected_so_typing_replaces_it():
    app = scene_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, RawSendScreen)
        area = app.screen.query_one(TextArea)
        assert json.loads(area.text)["context_id"] == "turn_3"  # speaking, not a stale turn_1
        assert area.selected_text == "turn_3"
        await pilot.press(*"turn_4")
        assert json.loads(area.text)["context_id"] == "turn_4"


async def test_raw_send_without_a_speaking_context_takes_the_newest_open_one_even_over_an_old_draft():
    app = scene_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen._raw_draft = '{"context_id": "turn_1", "text": "again "}'
        app.session.slot_for("turn_3").state = app.session.slot_for("turn_4").state  # nobody speaks
        await pilot.press("f7")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        assert json.loads(area.text) == {"context_id": "turn_4", "text": "again "}
        assert area.selected_text == "turn_4"


async def test_the_log_filter_lists_the_newest_contexts_first():
    app = scene_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f10")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert [label.split()[-1] for label in labels] == ["contexts", "turn_4", "turn_3", "turn_2", "turn_1"]
        await pilot.press("2")
        assert app.screen.query_one("#frames").filter_context == "turn_4"


async def test_a_long_frame_log_line_can_be_read_whole_with_a_key_the_footer_shows():
    app = scene_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = " ".join(str(key.render()) for key in app.screen.query("FooterKey"))
        assert "line" in footer
        last = app.session.log.entries(since=0)[-1]
        long_entry = next(e for e in app.session.log.entries(since=0) if len(e.summary) > 80)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, FrameDetailScreen)
        assert app.screen.entry == last  # following: the newest line
        while app.screen.entry != long_entry:
            await pilot.press("up")
        header, body = str(app.screen.query_one("#frame-detail-text").render()).split("\n", 1)
        assert header.startswith("sent") and "context turn_1" in header
        assert json.loads(body) == json.loads(long_entry.summary)  # all of it, not cut at 80 columns
        assert max(map(len, body.splitlines())) < 76  # one key a line: fits the view
        await pilot.press("escape")
        assert not isinstance(app.screen, FrameDetailScreen)
