"""Scenarios in the console, driven by keys (Pilot) against the REAL local server (tone voice):
open one from the picker, play it to its end with its expectations in the log and the banner,
pause (nothing is sent) and step, barge in by hand mid-scenario, and a bad file that plays nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from textual.widgets import Input

from tui.session import SlotState
from tui.ui.screens.scenario_pick import ReportOffer, ScenarioPicker
from tui.ui.widgets.banner import ErrorBanner

from .test_live import connected, press_now, type_turn, wait_until

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"
LONG = (
    "Sure, when would you like to travel? I can look at the morning and the evening flights for you "
    "and tell you which ones fly direct and which ones stop over on the way."
)


@pytest.fixture
def scenario_app(local_server, tmp_path):
    from .consoles import make_app, make_console

    def build(**options):
        options = {"record_dir": tmp_path, "record": True, "dialect": "elevenlabs", **options}
        return make_app(make_console(local_server, **options), blink=False)

    return build


def sent(app) -> int:
    """Frames the console has sent so far (the frame log keeps each one)."""
    return sum(1 for e in app.session.log if e.direction == "sent")


def caption(app) -> str:
    return app.console_screen.replay_caption or ""


async def open_by_path(pilot, path: Path) -> None:
    """ctrl+r, then the path typed into the picker's field and enter, as an operator would."""
    app = pilot.app
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: isinstance(app.screen, ScenarioPicker), 3, "the picker")
    field = app.screen.query_one("#scenario-path", Input)
    field.focus()
    field.value = str(path)
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, ScenarioPicker), 3, "the picker closed")


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_shipped_scenario_opened_from_the_picker_plays_to_its_end_with_its_expectations(scenario_app, tmp_path):
    app = scenario_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, ScenarioPicker), 3, "the picker")
        names = [p.name for p, _ in app.screen.choices]
        assert "elevenlabs.toml" in names and "tour.toml" in names  # the shipped ones, listed
        await pilot.press("escape")
        await open_by_path(pilot, SHIPPED / "elevenlabs.toml")
        screen = app.console_screen
        play = screen.playing
        assert play is not None and play.total == 4
        await wait_until(pilot, lambda: play.step_no >= 1, 5, "the first step")
        assert caption(app).startswith("scenario elevenlabs: barge-in mid-sentence step ")
        # pause and step are in the footer (bindings) only while it plays
        assert "ctrl+z" in app.screen.active_bindings and "ctrl+n" in app.screen.active_bindings
        await wait_until(pilot, lambda: isinstance(app.screen, ReportOffer), 40, "the end and the report offer")
        assert caption(app) == "scenario elevenlabs: barge-in mid-sentence step 4/4 (done)"
        assert "ctrl+z" not in app.console_screen.active_bindings
        report = screen.last_report
        outcomes = report["runs"][0]["expectations"]
        assert len(outcomes) == 3 + 4 + 4  # the run's, turn 1's and turn 2's
        notes = [e.summary for e in app.session.log if e.direction == "note"]
        for o in outcomes:
            mark = "✓" if o["ok"] else "✗"
            assert any(n.startswith(f"{mark} {o['expectation']} · {o['where']}") for n in notes), o
        assert report["passed"], [o for o in outcomes if not o["ok"]]
        banner = app.console_screen.query_one(ErrorBanner)
        await wait_until(pilot, lambda: banner.shown, 2, "the verdict in the banner")
        assert banner.message.startswith("scenario elevenlabs: barge-in mid-sentence PASSED: 11 of 11")
        assert report["runs"][0]["turns"][0]["interrupted"] is True
        # enter writes the report where the operator says
        folder = tmp_path / "report"
        app.screen.query_one(Input).value = str(folder)
        await pilot.press("enter")
        await wait_until(pilot, lambda: (folder / "report.html").exists(), 30, "the report written")
        assert json.loads((folder / "report.json").read_text())["passed"] is True
        assert (folder / "timeline-1.svg").stat().st_size > 0


PAUSABLE = """
[scenario]
name = "pausable"
pace = 5
[[step]]
say = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen."
[[step]]
wait = "final"
[[step]]
say = "Second turn."
[[step]]
wait = "idle"
"""


async def test_pause_holds_every_frame_and_step_plays_one_step(scenario_app, tmp_path):
    app = scenario_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot)
        await open_by_path(pilot, write(tmp_path, PAUSABLE))
        play = app.console_screen.playing
        slot = app.session.slots[0]
        await wait_until(pilot, lambda: slot.metrics.chars_sent > 10, 5, "turn 1 streaming")
        await press_now(app, "ctrl+z")
        await wait_until(pilot, lambda: play.paused, 2, "paused")
        assert caption(app).endswith("(paused)")
        await asyncio.sleep(0.3)  # a frame already handed to the writer may still go out
        before, step_before = sent(app), play.step_no
        await asyncio.sleep(1.2)  # at 5 words a second, six words would have gone out
        assert sent(app) == before, "a frame went out while paused"
        assert play.step_no == step_before == 2 and not app.session.slot_for("turn_2")
        # step: the wait under way finishes (turn 1's words go on, its final comes), the next
        # step plays, then everything holds again
        await press_now(app, "ctrl+n")
        await wait_until(pilot, lambda: play.step_no == step_before + 1, 5, "one step further")
        assert play.paused and caption(app) == f"scenario pausable step {step_before + 1}/4 (paused)"
        # the stepped step played (and the turns' words went out), then everything held again
        await wait_until(pilot, lambda: not app.core.turns.streaming, 10, "the stepped words out")
        await asyncio.sleep(0.3)
        held = sent(app)
        await asyncio.sleep(0.8)
        assert sent(app) == held and play.step_no == step_before + 1
        await press_now(app, "ctrl+z")  # play on to the end
        await wait_until(pilot, lambda: play.done, 30, "the end")
        turns = app.console_screen.last_report["runs"][0]["turns"]
        assert [t["words_total"] for t in turns] == [14, 2] and all(t["final"] for t in turns)


async def test_escape_barges_in_by_hand_mid_scenario_and_the_scenario_plays_on(scenario_app, tmp_path):
    text = f'[scenario]\nname = "by hand"\npace = 20\n[[step]]\nsay = "{LONG}"\n[[step]]\nwait = "idle"\n'
    text += '[[step]]\nsay = "Okay."\n[[step]]\nwait = "idle"\n'
    app = scenario_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot)
        await open_by_path(pilot, write(tmp_path, text))
        play = app.console_screen.playing
        await wait_until(pilot, lambda: app.session.slots[0].metrics.audio_frames > 0, 10, "turn 1 audio")
        await press_now(app, "escape")
        await wait_until(pilot, lambda: play.done, 30, "the end")
        turns = app.console_screen.last_report["runs"][0]["turns"]
        assert turns[0]["interrupted"] is True and turns[0]["context_id"] == "turn_1"
        assert turns[1]["interrupted"] is False and turns[1]["final"] is True
        assert app.session.slot_for("turn_1").state is SlotState.INTERRUPTED or turns[0]["words_spoken"] is not None


async def test_a_turn_typed_by_hand_mid_scenario_plays_and_stays_out_of_the_scenarios_facts(scenario_app, tmp_path):
    text = '[scenario]\nname = "typed"\npace = 8\n[[step]]\nsay = "The first scripted turn is here."\n'
    text += '[[step]]\nwait = "idle"\n[[step]]\nsay = "The second one."\n[[step]]\nwait = "idle"\n'
    app = scenario_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot)
        await open_by_path(pilot, write(tmp_path, text))
        play = app.console_screen.playing
        await wait_until(pilot, lambda: app.session.slot_for("turn_1") is not None, 5, "turn 1")
        await type_turn(pilot, "Typed by hand.")
        await wait_until(pilot, lambda: play.done, 30, "the end")
        turns = app.console_screen.last_report["runs"][0]["turns"]
        assert [(t["context_id"], t["words_total"]) for t in turns] == [("turn_1", 6), ("turn_3", 3)]
        assert app.session.transcript.turn("turn_2").typed == "Typed by hand."
        assert app.console_screen.last_report["passed"]


async def test_the_palette_offers_each_shipped_scenario_and_plays_the_one_chosen(scenario_app):
    app = scenario_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"scenario: elevenlabs: barge")
        await wait_until(pilot, lambda: app.screen.query_one("CommandList").option_count > 0, 3, "the palette's hits")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.console_screen.playing is not None, 3, "playing")
        assert app.console_screen.playing.scenario.name == "elevenlabs: barge-in mid-sentence"
        await press_now(app, "escape")  # a barge-in by hand: the scenario plays on regardless


async def test_a_bad_scenario_file_shows_its_line_and_key_in_the_banner_and_nothing_plays(scenario_app, tmp_path):
    bad = write(tmp_path, '[scenario]\nname = "bad"\n[[step]]\nsay = "Hello."\npace = "fast"\n', "bad.toml")
    app = scenario_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot)
        before = sent(app)
        await open_by_path(pilot, bad)
        banner = app.console_screen.query_one(ErrorBanner)
        await wait_until(pilot, lambda: banner.shown, 3, "the banner")
        assert f"{bad}:5" in banner.message and "pace" in banner.message, banner.message
        assert app.console_screen.playing is None and not app.console_screen.scenario_playing
        await asyncio.sleep(0.3)
        assert sent(app) == before and app.session.slots[0].context_id is None


async def test_a_scenario_for_another_dialect_is_refused_with_the_way_to_play_it(scenario_app):
    app = scenario_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot)
        await open_by_path(pilot, SHIPPED / "murf.toml")
        banner = app.console_screen.query_one(ErrorBanner)
        await wait_until(pilot, lambda: banner.shown, 3, "the banner")
        assert "written for murf" in banner.message and "--dialect murf" in banner.message
        assert app.console_screen.playing is None


async def test_the_tour_every_kind_of_step_passes_on_the_live_console_and_puts_the_operators_choices_back(
    scenario_app,
):
    app = scenario_app(rate=12)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot)
        await pilot.press("ctrl+s")  # the operator's own pace: the slow one, not the configured 12
        assert app.session.status.rate == 4
        settings, turn_end = app.core.settings, app.core.turn_end
        await open_by_path(pilot, SHIPPED / "tour.toml")  # llm pace, settings, raw frames, a reconnect
        play = app.console_screen.playing
        await wait_until(pilot, lambda: play.done, 60, "the end")
        report = app.console_screen.last_report
        assert report["passed"], [o for o in report["runs"][0]["expectations"] if not o["ok"]]
        assert app.core.turns.rate == 4 and app.session.status.rate == 4
        assert app.core.turn_end is turn_end and app.core.settings == settings
