"""Themes are data: every shipped file loads and drives Textual; a broken one is named, by line."""

import re
import tomllib
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import Static

from tui.ui.settings import config_path, load_config, save_theme
from tui.ui.themes import (
    BUILTIN_DIR,
    DEFAULT_THEME,
    SLOT_VARIABLES,
    ThemeProblem,
    fallback_theme,
    load_themes,
    parse_theme,
    slot_variable_defaults,
    user_themes_dir,
)

TUI = Path(__file__).resolve().parent.parent / "tui"
SHIPPED = sorted(BUILTIN_DIR.glob("*.toml"))
STATES = [v.removeprefix("slot-") for v in SLOT_VARIABLES]


def test_the_shipped_themes_are_a_dark_default_a_light_a_high_contrast_and_a_stage_one():
    themes = load_themes([BUILTIN_DIR])
    assert themes.problems == []
    assert {"switchboard-dark", "switchboard-light", "high-contrast", "stage"} <= set(themes.themes)
    assert themes.get(None)[0].name == DEFAULT_THEME == "switchboard-dark"
    assert themes.themes["switchboard-dark"].theme.dark and not themes.themes["switchboard-light"].theme.dark
    assert themes.themes["stage"].big_digits is True
    assert not any(t.big_digits for name, t in themes.themes.items() if name != "stage")
    for theme in themes.themes.values():
        assert set(SLOT_VARIABLES) <= set(theme.theme.variables), theme.name
        assert len({theme.theme.variables[v].upper() for v in SLOT_VARIABLES}) >= 8, theme.name


class SlotSample(App):
    """Every slot state as TCSS sees it through $slot-<state>."""

    CSS = "\n".join(
        f"#{state.replace(' ', '-')} {{ color: $slot-{state}; text-style: $slot-text-style; }}" for state in STATES
    )

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return slot_variable_defaults()

    def compose(self) -> ComposeResult:
        for state in STATES:
            yield Static(state, id=state)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
async def test_each_shipped_theme_colours_every_slot_state_in_textual(path):
    loaded = parse_theme(path.read_text(encoding="utf-8"), path.name)
    assert not isinstance(loaded, ThemeProblem), str(loaded)
    app = SlotSample()
    async with app.run_test(size=(40, 12)) as pilot:
        app.register_theme(loaded.theme)
        app.theme = loaded.name
        await pilot.pause()
        for state in STATES:
            widget = app.query_one(f"#{state}", Static)
            assert widget.styles.color == Color.parse(loaded.theme.variables[f"slot-{state}"]), state
            assert bool(widget.styles.text_style.bold) == (loaded.theme.variables["slot-text-style"] == "bold")


GOOD = (BUILTIN_DIR / "switchboard-dark.toml").read_text(encoding="utf-8")


def line_number(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    "edit, needle, why",
    [
        (lambda t: t.replace('accent = "#E5A44B"', 'accent = "#E5A44B'), 'accent = "#E5A44B', "not valid TOML"),
        (lambda t: t.replace('warning = "#E5C07B"', 'warning = "yellowish"'), "warning =", "not a colour"),
        (lambda t: t.replace('slot-speaking = "#98C379"', 'slot-speaking = "#98C37"'), "slot-speaking", "not a colour"),
        (lambda t: t.replace("slot-error =", "slot-eror ="), "slot-eror", "unknown slot variable"),
        (lambda t: t.replace("big-digits = false", "big-digits = 1"), "big-digits", "true or false"),
        (lambda t: t.replace("primary =", "primray ="), "primray", "unknown field"),
        (lambda t: t.replace('slot-free = "#7F848E"\n', ""), "[variables]", "lacks slot-free"),
    ],
)
def test_a_broken_theme_file_is_reported_by_name_and_line_and_the_default_is_used(tmp_path, edit, needle, why):
    (tmp_path / "switchboard-dark.toml").write_text(GOOD, encoding="utf-8")
    broken = edit(GOOD.replace('name = "switchboard-dark"', 'name = "mine"'))
    (tmp_path / "mine.toml").write_text(broken, encoding="utf-8")
    themes = load_themes([tmp_path])
    assert list(themes.themes) == [DEFAULT_THEME]
    [problem] = themes.problems
    assert str(problem).startswith(f"theme {tmp_path / 'mine.toml'}, line {line_number(broken, needle)}: ")
    assert why in str(problem)
    chosen, message = themes.get("mine")
    assert chosen.name == DEFAULT_THEME
    assert "'mine' is not available" in message and "line" in message


def test_an_unknown_theme_name_gives_the_default_and_lists_the_known_ones():
    chosen, message = load_themes([BUILTIN_DIR]).get("neon")
    assert chosen.name == DEFAULT_THEME
    assert "no such theme" in message and "stage" in message


def test_without_a_default_file_the_fallback_still_colours_every_slot(tmp_path):
    (tmp_path / "switchboard-dark.toml").write_text("name = ", encoding="utf-8")
    chosen, message = load_themes([tmp_path]).get(None)
    assert message is None and chosen.name == DEFAULT_THEME
    assert all(Color.parse(chosen.theme.variables[v]) for v in SLOT_VARIABLES)
    assert chosen.theme.variables == fallback_theme().theme.variables


def test_a_user_theme_overrides_a_shipped_one_of_the_same_name(tmp_path):
    (tmp_path / "stage.toml").write_text(GOOD.replace('"switchboard-dark"', '"stage"'), encoding="utf-8")
    themes = load_themes([BUILTIN_DIR, tmp_path])
    assert themes.themes["stage"].path == tmp_path / "stage.toml"
    assert themes.themes["stage"].big_digits is False
    assert user_themes_dir({"XDG_CONFIG_HOME": "/x"}) == Path("/x/switchboard/themes")


def test_no_widget_or_stylesheet_in_tui_hard_codes_a_colour():
    hex_in_python = re.compile(r"""["'][^"'\n]*#[0-9a-fA-F]{3,8}\b""")
    hex_in_tcss = re.compile(r":[^;{}\n]*#[0-9a-fA-F]{3,8}\b")
    offenders = [
        str(p.relative_to(TUI.parent))
        # The console's widgets and stylesheets (tui/ui): the report pages and timelines tui.scenario
        # writes are documents with their own fixed palette, not themed.
        for p in (TUI / "ui").rglob("*")
        if (p.suffix == ".py" and hex_in_python.search(p.read_text(encoding="utf-8")))
        or (p.suffix == ".tcss" and hex_in_tcss.search(p.read_text(encoding="utf-8")))
    ]
    assert offenders == []


# ---- the persisted choice ----------------------------------------------------------------------


def test_the_chosen_theme_persists_and_other_settings_survive(tmp_path):
    path = tmp_path / "switchboard" / "config.toml"
    assert load_config(path).theme is None
    assert save_theme("stage", path) is None
    assert load_config(path).theme == "stage"
    path.write_text('theme = "stage"\n[keys]\nbarge-in = "f9"\n', encoding="utf-8")
    assert save_theme("high-contrast", path) is None
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"theme": "high-contrast", "keys": {"barge-in": "f9"}}
    assert config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == path


def test_a_broken_config_is_reported_and_never_overwritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("theme = stage\n", encoding="utf-8")
    loaded = load_config(path)
    assert loaded.theme is None and "not valid TOML" in loaded.problem and "line 1" in loaded.problem
    assert "not saving theme" in save_theme("stage", path)
    assert path.read_text(encoding="utf-8") == "theme = stage\n"
    path.write_text("theme = 3\n", encoding="utf-8")
    assert "must be a theme name" in load_config(path).problem
    assert save_theme("stage", path) is None and load_config(path).theme == "stage"
