"""The console shell on a bare session: layout, help, banner, themes, keymap, palette, raw send."""

from tests.fixtures.frozen_clock import FrozenClock
from tui.ui.actions import ACTIONS
from tui.ui.commands import ConsoleCommands
from tui.ui.keymap import LoadedKeymap
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.raw_send import RawSendScreen, check_frame
from tui.ui.widgets.banner import ErrorBanner
from tui.ui.widgets.frame_log import FrameLogView
from tui.ui.widgets.slot_panel import SlotPanel

from .consoles import make_app, make_console
from .scene import build_scene


def frozen_app(**kwargs):
    """A console that never connects, on a clock that never moves."""
    return make_app(make_console(clock=lambda: 100.0), connect=False, blink=False, **kwargs)


async def test_five_slot_panels_fit_side_by_side_at_80_by_24():
    app = frozen_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panels = list(app.screen.query(SlotPanel))
        assert len(panels) == 5
        assert all(p.region.width >= 14 and p.region.right <= 80 for p in panels)
        assert app.focused.id == "composer"
        assert "-wide" not in app.screen.classes


async def test_a_large_terminal_puts_the_transcript_beside_the_log():
    app = frozen_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert {"-wide", "-tall"} <= set(app.screen.classes)
        transcript = app.screen.query_one("#transcript-box")
        log = app.screen.query_one(FrameLogView)
        assert transcript.region.y == log.region.y and transcript.region.right <= log.region.x


async def test_a_problem_shows_in_the_banner_and_the_log_until_dismissed():
    app = frozen_app()
    async with app.run_test() as pilot:
        app.report("closed 1008 (policy violation): [bold]not markup[/bold]")
        await pilot.pause()
        banner = app.screen.query_one(ErrorBanner)
        assert banner.shown and "[bold]not markup[/bold]" in str(banner.render())
        assert any("1008" in e.summary for e in app.session.log)
        await pilot.press("f12")
        assert not banner.shown and app.session.banner is None


async def test_help_lists_the_keys_as_remapped():
    app = frozen_app(keymap=LoadedKeymap({"keep-alive": "f11"}))
    async with app.run_test() as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert app.screen._keys_for["keep-alive"] == "f11"
        await pilot.press("escape")
        assert app.screen is app.console_screen


async def test_a_remapped_key_runs_its_action_and_the_old_key_no_longer_does():
    app = frozen_app(keymap=LoadedKeymap({"log-follow": "f11"}))
    async with app.run_test() as pilot:
        log = app.screen.query_one(FrameLogView)
        await pilot.press("f9")
        assert log.follow
        await pilot.press("f11")
        assert not log.follow and "PAUSED" in str(log.border_title)


async def test_keymap_problems_reach_the_banner():
    app = frozen_app(keymap=LoadedKeymap(problems=("keymap: unknown binding id 'x'",)))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "unknown binding id" in app.screen.query_one(ErrorBanner).message


async def test_themes_switch_live_and_only_switchboard_themes_are_offered():
    app = frozen_app(theme="switchboard-dark")
    async with app.run_test(size=(160, 48)) as pilot:
        assert "textual-dark" not in app.theme_names()
        assert {"stage", "switchboard-light"} <= set(app.theme_names())
        panel = app.screen.query_one(SlotPanel)
        before = panel.styles.border_top[1]
        app.switch_theme("stage")
        await pilot.pause()
        assert app.theme == "stage" and panel.styles.border_top[1] != before
        assert "-big-digits" in app.screen.classes  # stage asks for big countdown digits


async def test_an_unknown_theme_falls_back_with_a_message():
    app = frozen_app(theme="no-such-theme")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "switchboard-dark"
        assert "no-such-theme" in app.screen.query_one(ErrorBanner).message


async def test_the_palette_offers_every_action_of_a_live_console():
    app = frozen_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        provider = ConsoleCommands(app.screen)
        helps = [hit.help async for hit in provider.discover()]
        live = [a for a in ACTIONS if a.mode not in ("replay", "scenario")]  # scenario: only while one plays
        assert [a.id for a in live if a.help not in helps] == []
        assert not any(a.help in helps for a in ACTIONS if a.mode == "replay")


def test_raw_frames_must_be_json_and_say_where_they_break():
    assert check_frame('{"context_id": "a", "text": ""}') is None
    assert "line 1, column 2" in check_frame("{oops}")
    assert check_frame("   ").startswith("Nothing to send")


async def test_invalid_json_in_the_raw_send_modal_keeps_the_text():
    app = frozen_app()
    async with app.run_test() as pilot:
        screen = RawSendScreen('{"text": ')
        app.push_screen(screen)
        await pilot.pause()
        await pilot.press("ctrl+s")
        assert app.screen is screen and screen.draft == '{"text": '
        assert "Not JSON" in str(screen.query_one("#raw-problem").render())


async def test_a_recording_that_cannot_be_written_is_reported_and_the_console_goes_on(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the recordings folder should be")
    console = make_console(clock=lambda: 100.0, record=True, record_dir=blocker / "recordings")
    app = make_app(console, connect=False, blink=False)
    async with app.run_test() as pilot:
        for _ in range(50):
            await pilot.pause(0.02)
            if app.screen.query_one(ErrorBanner).shown:
                break
        assert "record" in app.screen.query_one(ErrorBanner).message


async def test_big_digits_show_the_countdown_as_soon_as_they_appear_even_on_a_stopped_clock():
    # A paused replay stops the clock: the digits must not wait for the countdown to move.
    clock = FrozenClock()
    console = make_console(clock=clock)
    build_scene(console, clock)
    app = make_app(console, start=False, theme="stage", blink=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        counting = [
            (p, s.countdown(clock()))
            for p, s in zip(app.console_screen._panels, console.session.slots)
            if s.countdown(clock()) is not None
        ]
        assert counting, "the scene has open contexts"
        for panel, remaining in counting:
            assert panel._digits.styles.display == "block"
            assert panel._digits.value == f"{remaining:04.1f}"
