"""The default pace is the measured one (bench/pace.py, docs/PERFORMANCE.md "Turn pace"), set in
one place; the slow pace for exploring flushes is one key away, and the footer shows that key."""

from __future__ import annotations

from tui.cli import build_parser
from tui.core.config import ConsoleConfig, resolve_config
from tui.session.pacer import DEFAULT_RATE, SLOW_RATE

from .consoles import make_app, make_console


def test_the_default_pace_is_one_constant_the_cli_config_and_console_all_use():
    assert SLOW_RATE < DEFAULT_RATE
    assert build_parser().parse_args([]).rate == DEFAULT_RATE
    assert ConsoleConfig().rate == DEFAULT_RATE
    assert resolve_config(provider="local").rate == DEFAULT_RATE
    console = make_console()
    assert console.turns.rate == console.session.status.rate == DEFAULT_RATE


async def test_one_key_the_footer_shows_toggles_the_slow_pace_and_back():
    app = make_app(make_console(), blink=False)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        footer = " ".join(str(key.render()) for key in app.screen.query("FooterKey"))
        assert "^s slow" in footer or "ctrl+s slow" in footer.replace("  ", " ")
        await pilot.press("ctrl+s")
        assert app.core.turns.rate == app.session.status.rate == SLOW_RATE
        await pilot.press("ctrl+s")
        assert app.core.turns.rate == app.session.status.rate == DEFAULT_RATE


async def test_the_footer_fits_at_120_columns_without_keys_running_into_each_other():
    app = make_app(make_console(), blink=False)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        regions = sorted((key.region for key in app.screen.query("FooterKey") if key.display), key=lambda r: r.x)
        assert regions and regions[-1].right <= 120, [(r.x, r.right) for r in regions]
        for left, right in zip(regions, regions[1:]):
            assert left.right <= right.x, f"footer keys overlap at column {right.x}"
