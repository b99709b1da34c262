"""The settings screen (ctrl+y, in the footer and the palette), driven by keys against the REAL
local server (tone voice): what is changed there goes out with the next context, a query option
reconnects with the new URL, a bad value is a message beside its field while the rest applies,
and the settings are saved per provider and loaded at the next start."""

from __future__ import annotations

import logging
import tomllib

from rich.text import Text
from textual.widgets import Input, Static, Switch

from tui.ui.screens.settings import SettingsScreen
from tui.ui.widgets.status import StatusView

from .consoles import make_app, make_console
from .test_live import connected, live_app, sent_frames, type_turn, wait_until  # noqa: F401 (a fixture)
from .test_turn_end_ui import offered


async def open_settings(pilot) -> SettingsScreen:
    await pilot.press("ctrl+y")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SettingsScreen), 5, "the settings screen")
    return pilot.app.screen


def type_into(screen: SettingsScreen, **values) -> None:
    for name, value in values.items():
        widget = screen.query_one(f"#setting-{name}")
        widget.value = value


async def apply(pilot) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause()


def strip_text(app) -> str:
    return Text.from_markup(str(app.screen.query_one(StatusView).render())).plain


async def test_the_settings_key_is_in_the_footer_and_the_palette():
    app = make_app(make_console(), blink=False)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        text = await offered(app)
        assert "settings" in text and "voice_settings" in text


async def test_voice_settings_changed_in_the_screen_go_out_with_the_next_context(live_app):
    app = live_app(rate=20)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        screen = await open_settings(pilot)
        type_into(screen, stability="0.3", speed="1.1", chunk_length_schedule="60 120")
        await apply(pilot)
        assert not isinstance(app.screen, SettingsScreen)  # all good: it closed
        await wait_until(pilot, lambda: "voice: stab 0.3" in strip_text(app), 2, "the strip names them")
        assert "speed 1.1" in strip_text(app)
        await type_turn(pilot, "Hello there.")
        await wait_until(pilot, lambda: app.session.slots[0].metrics.final_at is not None, what="final")
        shown = [e.summary for e in app.session.log if e.direction == "sent" and e.context_id == "turn_1"]
        assert any('"stability":0.3' in line and '"speed":1.1' in line for line in shown)  # the frame log
        opening = next(f for f in sent_frames(app.core) if "voice_settings" in f)
        assert opening["voice_settings"]["stability"] == 0.3 and opening["voice_settings"]["speed"] == 1.1
        assert opening["generation_config"] == {"chunk_length_schedule": [60, 120]}


async def test_a_bad_value_is_a_message_beside_its_field_and_the_rest_applies(live_app):
    app = live_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        screen = await open_settings(pilot)
        type_into(screen, stability="2", speed="1.1")
        await apply(pilot)
        assert app.screen is screen  # stays open on the bad one
        problem = str(screen.query_one("#problem-stability", Static).render())
        assert "0..1" in problem and "2" in problem
        assert screen.query_one("#setting-stability", Input).value == "2"  # kept as typed, to fix
        assert str(screen.query_one("#problem-speed", Static).render()).strip() == ""
        assert app.core.settings.get("speed") == 1.1 and app.core.settings.get("stability") == 0.5
        type_into(screen, stability="0.25")
        await apply(pilot)
        assert app.screen is not screen and app.core.settings.get("stability") == 0.25


async def test_a_query_option_changed_in_the_screen_reconnects_with_the_new_url(live_app, caplog):
    app = live_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        caplog.set_level(logging.INFO, logger="tui.server.server")
        screen = await open_settings(pilot)
        screen.query_one("#setting-auto_mode", Switch).value = True
        type_into(screen, apply_text_normalization="off")
        await apply(pilot)
        await wait_until(
            pilot,
            lambda: any(
                "auto_mode=true" in r.getMessage() and "apply_text_normalization=off" in r.getMessage()
                for r in caplog.records
            ),
            what="the server saw it",
        )
        await connected(pilot)
        assert "auto_mode=true" in app.session.status.url
        assert any("reconnecting: auto_mode, apply_text_normalization" in e.summary for e in app.session.log)
        await wait_until(pilot, lambda: "auto_mode" in strip_text(app), 2, "the strip names it")


async def test_murf_voice_config_changed_in_the_screen_rides_in_the_next_text_frames(live_app):
    app = live_app(dialect="murf", rate=20)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        screen = await open_settings(pilot)
        assert not screen.query("#setting-stability")  # ElevenLabs' fields are not Murf's
        type_into(screen, style="Conversational", rate="-10", pitch="5", max_buffer_delay_in_ms="100")
        await apply(pilot)
        await type_turn(pilot, "Hello there.")
        await wait_until(pilot, lambda: app.session.slots[0].metrics.final_at is not None, what="final")
        texts = [f for f in sent_frames(app.core) if f.get("context_id") == "turn_1" and f.get("text")]
        assert texts and all(
            f["voice_config"] == {"voice_id": "en-US-natalie", "style": "Conversational", "rate": -10, "pitch": 5}
            and f["max_buffer_delay_in_ms"] == 100
            for f in texts
        )


async def test_settings_are_saved_per_provider_and_loaded_at_the_next_start(live_app, private_config_home):
    path = private_config_home / "switchboard" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('theme = "stage"\n[providers.murf.murf]\nrate = 7\n', encoding="utf-8")
    app = live_app(rate=20)
    app._save_choices = True  # as the CLI opens it: choices are saved
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        screen = await open_settings(pilot)
        type_into(screen, stability="0.3", seed="42")
        await apply(pilot)
    saved = tomllib.loads(path.read_text(encoding="utf-8"))
    assert saved["theme"] == "stage" and saved["providers"]["murf"] == {"murf": {"rate": 7}}  # the rest kept
    assert saved["providers"]["local"]["elevenlabs"] == {"stability": 0.3, "seed": 42}
    app = live_app(rate=20)  # the next start
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        assert app.core.settings.get("stability") == 0.3 and "seed=42" in app.session.status.url
        screen = await open_settings(pilot)
        assert screen.query_one("#setting-stability", Input).value == "0.3"
