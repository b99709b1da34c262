"""The timeline panel and a turn's figures, for any session (typed turns here, no scenario),
driven by keys and clicks (Pilot) against the REAL local server (tone voice); and the panel's
drawing on hand-made lanes, where every cell is known."""

from __future__ import annotations

import asyncio
import io

import pytest
from rich.console import Console
from textual.widgets import Static

from tui.scenario.facts import Lane
from tui.session import SlotState
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.pick_context import ContextPicker
from tui.ui.screens.turn_detail import TurnDetailScreen
from tui.ui.widgets.timeline import Frame, TimelinePanel, choose_frame, lane_marks
from tui.ui.widgets.transcript import TranscriptView

from .consoles import make_app, make_console
from .test_live import LONG_TURN, connected, press_now, type_turn, wait_until


@pytest.fixture
def app_on_server(local_server, tmp_path):
    def build(**options):
        options = {"record_dir": tmp_path, "record": False, "dialect": "elevenlabs", **options}
        return make_app(make_console(local_server, **options), blink=False)

    return build


def lane_rows(panel: TimelinePanel) -> list[str]:
    """The panel's lines that are lanes (each starts with its context id)."""
    ids = {lane.context_id for lane in panel.shown_lanes}
    return [line for line in str(panel.render()).splitlines() if line.split(" ")[0] in ids]


def drawn(row: str) -> int:
    return sum(1 for ch in row[10:] if ch != " ")


async def test_the_timeline_panel_shows_a_lane_per_context_and_grows_live(app_on_server):
    app = app_on_server(rate=12)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot)
        assert not app.screen.query(TimelinePanel)
        await pilot.press("ctrl+f")
        panel = app.screen.query_one(TimelinePanel)
        assert panel.display and "no context yet" in str(panel.render())
        await type_turn(pilot, "Hello there, this is the first turn.")
        await type_turn(pilot, LONG_TURN)
        await wait_until(pilot, lambda: len(lane_rows(panel)) == 2, 3, "two lanes")
        first = [drawn(r) for r in lane_rows(panel)]
        await wait_until(
            pilot,
            lambda: app.session.slot_for("turn_2") is not None and app.session.slot_for("turn_2").metrics.audio_frames,
            10,
            "turn 2 audio",
        )
        await asyncio.sleep(1.0)
        rows = lane_rows(panel)
        assert [r.split(" ")[0] for r in rows] == ["turn_1", "turn_2"]
        assert drawn(rows[1]) > first[1], (first, rows)  # turn 2's lane grew
        assert "▒" in rows[1] and "╵" in rows[1]  # audio received, text sent
        await press_now(app, "escape")  # a barge-in shows on its lane
        await wait_until(pilot, lambda: "✂" in "".join(lane_rows(panel)), 3, "the barge-in mark")
        await pilot.press("ctrl+f")
        assert not panel.display
        await pilot.press("ctrl+f")
        assert panel.display


async def test_a_turns_figures_open_from_its_slot_its_transcript_line_and_the_list(app_on_server):
    app = app_on_server(rate=30)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot)
        await type_turn(pilot, "Hello there, how are you?")
        await wait_until(pilot, lambda: app.session.slots[0].state is SlotState.FINAL, 10, "final")
        await wait_until(pilot, lambda: app.session.slots[0].metrics.heard_seconds > 0 or True, 1)
        await pilot.click("#slot-0")
        await wait_until(pilot, lambda: isinstance(app.screen, TurnDetailScreen), 3, "the detail view")
        rows = dict(app.screen.rows)
        assert rows["context"] == "turn_1" and rows["state"] == "final"
        assert rows["ttfa from text"].endswith(" ms") and rows["ttfa from flush"].endswith(" ms")
        assert rows["close → final"].endswith(" ms")
        assert rows["words spoken"].endswith("of 5") and rows["late frames"].startswith("0 ")
        assert rows["audio"].split(" ")[0] != "0" and rows["errors"] == "none"
        assert "Hello there, how are you?" in rows["text"]
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, TurnDetailScreen), 2, "closed")
        # the same from the list of turns (f11)
        await pilot.press("f11")
        await wait_until(pilot, lambda: isinstance(app.screen, ContextPicker), 2, "the list of turns")
        await pilot.press("1")
        await wait_until(pilot, lambda: isinstance(app.screen, TurnDetailScreen), 2, "the detail view")
        assert dict(app.screen.rows)["context"] == "turn_1"
        await pilot.press("escape")
        # and from its transcript line (the newest turn is on top)
        await type_turn(pilot, "A second turn.")
        await wait_until(pilot, lambda: app.session.slots[1].state is SlotState.FINAL, 10, "turn 2 final")
        view = app.screen.query_one(TranscriptView)
        await wait_until(pilot, lambda: str(view.render()).startswith("turn_2"), 2, "the transcript repainted")
        await pilot.click(TranscriptView, offset=(4, 1))
        await wait_until(pilot, lambda: isinstance(app.screen, TurnDetailScreen), 3, "the detail view")
        assert dict(app.screen.rows)["context"] == "turn_1"
        await pilot.press("escape")
        await pilot.click(TranscriptView, offset=(4, 0))
        await wait_until(pilot, lambda: isinstance(app.screen, TurnDetailScreen), 3, "the detail view")
        assert dict(app.screen.rows)["context"] == "turn_2"


async def test_help_lists_the_scenario_timeline_and_turn_keys(app_on_server):
    app = app_on_server()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 2, "help")
        out = Console(width=200, record=True, file=io.StringIO())
        for static in app.screen.query(Static):
            out.print(static.content)
        lines = out.export_text().splitlines()
        for key, binding_id in (
            ("ctrl+r", "scenario-open"),
            ("ctrl+z", "scenario-pause"),
            ("ctrl+n", "scenario-step"),
            ("ctrl+f", "timeline"),
            ("f11", "turn-detail"),
        ):
            assert any(line.split()[:1] == [key] and line.split()[-1] == binding_id for line in lines), key


def lane(**fields) -> Lane:
    return Lane(context_id=fields.pop("cid", "turn_1"), slot=1, opened=fields.pop("opened", 0.0), **fields)


def test_each_moment_lands_in_its_cell_and_the_later_kind_wins_a_shared_cell():
    frame = Frame(start=0.0, scale=0.1, cells=30)
    marks = lane_marks(
        lane(
            text=[0.05, 0.25],
            audio=[(0.45, 0.2), (0.65, 0.2)],
            heard=[(0.9, 0.1), (1.5, 0.7)],
            closed=1.55,
            barge_in=1.55,
            final=1.95,
            errors=[(2.5, "boom")],
        ),
        frame,
        now=3.0,
    )
    assert marks[0] == "╵" and marks[2] == "╵"  # text at 0.05 and 0.25
    assert marks[4] == "▒" and marks[6] == "▒"  # audio arrivals
    assert marks[8:15] == "█" * 7  # heard from 0.8 (0.9 less 0.1 heard by then) to 1.5
    assert marks[15] == "✂"  # the barge-in over the close in the same cell
    assert marks[19] == "◆" and marks[25] == "✖"
    assert marks[20:25] == " " * 5  # after the final: no life line
    assert marks[1] == "─" and marks[3] == "─"  # open, nothing else


def test_the_axis_zooms_out_as_the_session_grows_and_slides_past_the_largest_scale():
    lanes = [lane(opened=1.0)]
    assert choose_frame(lanes, now=3.0, cells=100).scale == 0.05
    assert choose_frame(lanes, now=41.0, cells=100).scale == 0.5
    far = choose_frame(lanes, now=1e5, cells=100)
    assert far.scale == 60.0 and far.cell(1e5) == 99 and far.cell(1.0) is None
