"""Demo mode (`switchboard --demo`), driven with Pilot against the REAL local server on loopback
(tone voice, the silent speaker playing in real time): the speaking turn in its fixed box with
its words revealed as heard, the callout at a barge-in with the session's own figures, the frame
log hidden until its key, and the wait-for-Escape mode waiting."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Static

from tui.cli import main
from tui.core import resolve_config
from tui.ui.app import SwitchboardApp
from tui.ui.demo import PROMPT, demo_console, load_plan
from tui.ui.screens.demo import DemoScreen
from tui.ui.widgets.demo_callout import DemoCallout, callout_for
from tui.ui.widgets.demo_turn import DemoTurn
from tui.ui.widgets.frame_log import FrameLogView
from tui.ui.widgets.status import timing_fields

from .consoles import make_app, make_console
from .test_live import press_now, wait_until

LONG = (
    "Lisbon, lovely. I have morning flights on Friday and Saturday, and an evening flight on Sunday "
    "that stops over in Madrid."
)


def scenario(tmp_path: Path, steps: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    head = '[scenario]\nname = "demo under test"\ndescription = "A turn and a cut-in."\ndialect = "elevenlabs"\n'
    path.write_text(head + 'output_format = "pcm_16000"\npace = 20\n' + steps, encoding="utf-8")
    return path


@pytest.fixture
def demo_app(local_server):
    """The app as `switchboard --demo FILE` opens it, on the local test server (no recording)."""

    def build(path: Path | str | None, *, wait_key: bool = False, audio: str = "none") -> SwitchboardApp:
        plan = replace(load_plan(path, wait_key=wait_key), hold_s=0.2)
        config = resolve_config(provider="local", url=local_server, audio=audio, record=False, dialect="elevenlabs")
        console, taps = demo_console(config, plan)
        return SwitchboardApp(console, demo=plan, demo_taps=taps, save_choices=False, blink=False)

    return build


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_the_speaking_turn_stays_in_its_box_and_its_words_appear_as_they_are_heard(demo_app, tmp_path):
    path = scenario(tmp_path, f'[[step]]\nsay = "{LONG}"\n[[step]]\nwait = "heard"\n[[step]]\nsay = "Thanks."\n')
    app = demo_app(path)
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen, DemoScreen)
        box = app.screen.query_one(DemoTurn)
        await wait_until(pilot, lambda: box.words_shown > 0, 15, "the first word heard")
        place = box.region
        strip = app.screen.query_one("#demo-slots", Static)
        await wait_until(pilot, lambda: "▶ 1 " in str(strip.render()), 2, "the slot being heard marked")
        turn = app.session.transcript.turn("turn_1")
        words = LONG.split()
        shown: list[int] = []
        while turn.words_spoken() < len(words):
            await asyncio.sleep(0.05)
            shown.append(box.words_shown)
            painted = str(box.render())
            # Never ahead of the listener: what is painted is what was heard (at most one paint behind).
            assert " ".join(painted.split()) == " ".join(words[: box.words_shown])
            assert turn.words_spoken() >= box.words_shown
        assert shown == sorted(shown) and len(set(shown)) > 5  # word after word, never back
        assert 0 < shown[0] < len(words)
        await wait_until(pilot, lambda: "Thanks." in str(box.render()), 10, "the next turn")
        assert box.region == place  # the next turn speaks from the same place
        assert "turn_2" in str(box.border_subtitle)


@pytest.mark.parametrize("audio", ["none", "miniaudio"])
async def test_a_scripted_barge_in_shows_a_callout_with_the_sessions_figures(demo_app, tmp_path, audio, request):
    if audio != "none":
        request.getfixturevalue("virtual_speaker")  # a real sound server: the backend reports its output
    steps = f'[[step]]\nsay = "{LONG}"\n[[step]]\nbarge_in = true\nafter_words = 5\n[[step]]\nsay = "Sure."\n'
    app = demo_app(scenario(tmp_path, steps), audio=audio)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        callout = screen.query_one(DemoCallout)
        assert not callout.display  # nothing to call out before a barge-in
        await wait_until(pilot, lambda: app.session.status.last_barge_in is not None, 20, "the scripted barge-in")
        # The session's figures, read the moment the barge-in is recorded (the slot still shows it).
        timing = app.session.status.last_barge_in
        slot = app.session.slot_for(timing.context_id)
        turn = app.session.transcript.turn(timing.context_id)
        spoken = turn.words_spoken(turn.heard_at_interrupt)
        after = timing.pressed_at - slot.metrics.first_audio_at
        stop = next(text for field in timing_fields(app.session.status) for text, _ in field if "stop call" in text)
        await wait_until(pilot, lambda: callout.display, 2, "the callout painted")
        line = text_of(app, "#callout-line")
        assert line == f"interrupted after {after:.1f} s · {spoken} of {len(LONG.split())} words spoken · {stop}"
        assert 5 <= spoken < len(LONG.split())
        assert "silent in" not in line  # the status strip's honest label, nothing the console cannot time
        assert ("+ output ≤ " in line) == (audio != "none")  # the backend's own figure, when it gives one
        assert text_of(app, "#callout-words").startswith(" ".join(LONG.split()[:spoken]))
        assert str(screen.query_one("#callout-spoken").value) == str(spoken)
        # The callout stays while the next turn speaks in the turn's box.
        box = screen.query_one(DemoTurn)
        await wait_until(pilot, lambda: "Sure." in str(box.render()), 10, "the next turn")
        assert callout.display and text_of(app, "#callout-line") == line


async def test_the_five_context_trap_shows_the_refused_turn_with_its_words_never_spoken(demo_app):
    app = demo_app("demo-five-context-trap")  # the shipped demo, by name; its guard is off
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.screen.query_one(DemoTurn)
        await wait_until(pilot, lambda: "refused" in str(box.border_subtitle), 15, "the sixth context refused")
        painted = str(box.render())
        assert "max_active_conversations" in painted or "Maximum simultaneous contexts" in painted
        assert " ".join(painted.split()).endswith("Six is one too many.")  # struck through: never heard
        assert "turn_6" in str(box.border_subtitle)


async def test_the_frame_log_is_hidden_until_its_key_shows_it(demo_app, tmp_path):
    app = demo_app(scenario(tmp_path, '[[step]]\nsay = "Hello there."\n[[step]]\nwait = "idle"\n'))
    async with app.run_test(size=(100, 30)) as pilot:
        log = app.screen.query_one(FrameLogView)
        await wait_until(pilot, lambda: app.session.slots[0].metrics.frames_received > 0, 15, "frames both ways")
        assert not log.display and log.region.height == 0
        # The status strip is not on this screen: a silent speaker is said here, in words.
        assert text_of(app, "#demo-warning") == "SILENT: audio turned off (--audio none)"
        await press_now(app, "ctrl+o")
        await wait_until(pilot, lambda: log.display and log.region.height > 0, 2, "the log shown")
        await wait_until(pilot, lambda: len(log.rows) > 0, 2, "the frames in it")
        await press_now(app, "ctrl+o")
        await wait_until(pilot, lambda: not log.display, 2, "the log hidden again")


async def test_wait_for_key_holds_the_barge_in_until_escape(demo_app, tmp_path):
    steps = f'[[step]]\nsay = "{LONG}"\n[[step]]\nbarge_in = true\nat_ms = 600\n[[step]]\nsay = "Sure."\n'
    app = demo_app(scenario(tmp_path, steps), wait_key=True)
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = app.screen.query_one("#demo-prompt", Static)
        await wait_until(pilot, lambda: prompt.display, 15, "the prompt at the scripted moment")
        assert str(prompt.render()) == PROMPT
        turn = app.session.transcript.turn("turn_1")
        heard = turn.heard_seconds
        await asyncio.sleep(0.8)  # past the moment: the demo waits for the operator, the turn speaks on
        assert not turn.interrupted and app.session.status.last_barge_in is None
        assert turn.heard_seconds > heard + 0.3
        await press_now(app, "escape")
        await wait_until(pilot, lambda: turn.interrupted, 2, "the operator's barge-in")
        await wait_until(pilot, lambda: app.screen.query_one(DemoCallout).display, 2, "the callout")
        assert not prompt.display
        await wait_until(pilot, lambda: "Sure." in str(app.screen.query_one(DemoTurn).render()), 10, "played on")


async def test_wait_for_key_gives_up_when_the_turn_is_heard_whole_before_escape(demo_app, tmp_path):
    steps = '[[step]]\nsay = "Hello there."\n[[step]]\nbarge_in = true\nat_ms = 100\n[[step]]\nsay = "Sure."\n'
    app = demo_app(scenario(tmp_path, steps), wait_key=True)
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = app.screen.query_one("#demo-prompt", Static)
        await wait_until(pilot, lambda: prompt.display, 15, "the prompt at the scripted moment")
        await wait_until(pilot, lambda: not prompt.display, 10, "the prompt gone with the turn heard whole")
        await wait_until(pilot, lambda: "Sure." in str(app.screen.query_one(DemoTurn).render()), 10, "played on")
        assert app.session.status.last_barge_in is None  # nothing was cut
        assert not app.session.transcript.turn("turn_1").interrupted


async def test_the_layout_key_switches_between_console_and_demo_and_back():
    app = make_app(make_console(), start=False, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        console_screen = app.screen
        await pilot.press("ctrl+backslash")
        assert isinstance(app.screen, DemoScreen)
        assert app.focused is app.screen.query_one("#demo-composer")  # no scenario: a demo by hand
        await pilot.press("ctrl+backslash")
        assert app.screen is console_screen


async def test_a_replay_in_the_demo_layout_calls_out_its_recorded_barge_in_and_escape_leaves_it_alone():
    from .test_replay import replay_app

    app, transport = replay_app(speed=32)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+backslash")
        assert isinstance(app.screen, DemoScreen)
        callout = app.screen.query_one(DemoCallout)
        await wait_until(pilot, lambda: transport.scheduler.done, 20, "the recording played")
        await wait_until(pilot, lambda: callout.display, 2, "the recorded barge-in called out")
        timing = app.session.status.last_barge_in
        assert callout.shown.context_id == timing.context_id == "turn_2"
        assert text_of(app, "#callout-line") == callout_for(app.session).line  # as recorded, read back
        assert not app.screen.query_one("#demo-composer-row").display  # nothing is typed into a replay
        await pilot.press("escape")
        assert app.session.status.last_barge_in is timing  # the recording is not barged into


def test_a_bad_demo_scenario_is_one_line_naming_its_line_and_key(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\n\n[[step]]\nsay = 3\n', encoding="utf-8")
    assert main(["--demo", str(bad), "--local-voice", "tone"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("switchboard: error: ") and "bad.toml:5" in err and "say" in err
    assert "Traceback" not in err
    assert main(["--demo", "no-such-demo"]) == 2
    assert "no-such-demo" in capsys.readouterr().err
    assert main(["--demo-wait-key"]) == 2  # nothing to wait in
    assert "--demo-wait-key goes with --demo" in capsys.readouterr().err
    # A barge-in after N words heard needs word timings, which Murf does not send.
    murf = ["--dialect", "murf", "--output-format", "pcm_24000", "--local-voice", "tone"]
    assert main(["--demo", "demo-flight-booking", *murf]) == 2
    assert "after_words: needs word timings" in capsys.readouterr().err
