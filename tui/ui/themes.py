"""Colour themes as data: `themes/*.toml` (and the user's own), read at start.

A theme file holds the fields of a Textual `Theme` plus Switchboard's own:

    name = "stage"
    dark = true
    primary = "<colour>"         # also secondary, accent, foreground, background, surface,
    ...                          # panel, boost, warning, error, success (all optional but primary)
    big-digits = true            # countdowns in big digits where the terminal has room

    [variables]                  # Textual CSS variables: `$slot-speaking` in TCSS
    slot-free = "<colour>"       # one colour per slot state, see SLOT_VARIABLES
    slot-text-style = "bold"

The console registers these themes in `SwitchboardApp.__init__`, before its TCSS is parsed; an
app that parses `$slot-*` before registering one (the theme tests' sample app) returns
`slot_variable_defaults()` from `App.get_theme_variable_defaults()`.

A file with an error is reported by file name and line and skipped; asking for a theme that is
missing or broken gives the default theme and a message. No colour is written in this module:
the last-resort fallback borrows Textual's own built-in theme.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

from tui.shipped import shipped_dir

from .settings import config_dir

DEFAULT_THEME = "switchboard-dark"
BUILTIN_DIR = shipped_dir("themes")  # the repo's themes/, or the wheel's copy inside the package

# One variable per slot state the console shows (tui.session.slot.SlotState), as `$slot-<state>`.
SLOT_VARIABLES = (
    "slot-free",
    "slot-opening",
    "slot-streaming",
    "slot-generating",
    "slot-speaking",
    "slot-draining",
    "slot-interrupted",
    "slot-timed-out",
    "slot-error",
)
# States a theme may leave out, and the state whose colour they borrow.
SLOT_FALLBACKS = {"slot-opening": "slot-streaming", "slot-generating": "slot-streaming"}
REQUIRED_SLOT_VARIABLES = tuple(v for v in SLOT_VARIABLES if v not in SLOT_FALLBACKS)
STYLE_VARIABLES = {"slot-text-style": "none"}  # text-style of slot labels (stage: bold)

COLOR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)
OTHER_FIELDS = {
    "name": str,
    "dark": bool,
    "big-digits": bool,
    "luminosity_spread": float,
    "text_alpha": float,
    "ansi": bool,
}
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class SwitchboardTheme:
    """A Textual theme plus what the console reads beside its CSS variables."""

    theme: Theme
    big_digits: bool = False
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.theme.name


@dataclass(frozen=True)
class ThemeProblem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"theme {where}: {self.message}"


@dataclass
class ThemeSet:
    themes: dict[str, SwitchboardTheme] = field(default_factory=dict)
    problems: list[ThemeProblem] = field(default_factory=list)

    def get(self, requested: str | None) -> tuple[SwitchboardTheme, str | None]:
        """The theme asked for, or the default and a message saying why not."""
        if requested and requested in self.themes:
            return self.themes[requested], None
        default = self.themes.get(DEFAULT_THEME) or fallback_theme()
        if not requested or requested == default.name:
            return default, None
        broken = [p for p in self.problems if Path(p.file).stem == requested]
        why = (
            f"it has an error ({broken[0]})"
            if broken
            else f"there is no such theme (known: {', '.join(sorted(self.themes))})"
        )
        return default, f"theme {requested!r} is not available: {why}; using {default.name}"


def _line_of(text: str, key: str, table: str | None = None) -> int | None:
    """The line where `key` is set (inside `[table]` if given): tomllib reports no positions."""
    current: str | None = None
    pattern = re.compile(rf'^\s*("?){re.escape(key)}\1\s*=')
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1).strip('"')
        elif current == table and pattern.match(line):
            return number
    return None


def _table_line(text: str, table: str) -> int | None:
    pattern = re.compile(rf'^\s*\[\s*"?{re.escape(table)}"?\s*\]')
    return next((n for n, line in enumerate(text.splitlines(), 1) if pattern.match(line)), None)


def _is_color(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        Color.parse(value)
    except ColorParseError:
        return False
    return True


def parse_theme(text: str, file: str) -> SwitchboardTheme | ThemeProblem:
    """Validate one theme file's text; `file` names it in any problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return ThemeProblem(file, int(match.group(1)) if match else None, f"not valid TOML: {message}")

    def problem(key: str, message: str, table: str | None = None) -> ThemeProblem:
        return ThemeProblem(file, _line_of(text, key, table), message)

    known = set(COLOR_FIELDS) | set(OTHER_FIELDS) | {"variables"}
    for key in data:
        if key not in known:
            return problem(key, f"unknown field {key!r} (fields: {', '.join(sorted(known))})")
    name = data.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        return (
            problem("name", "'name' must be lower-case letters, digits and dashes")
            if "name" in data
            else ThemeProblem(file, None, "no 'name'")
        )
    if "primary" not in data:
        return ThemeProblem(file, None, "no 'primary' colour")
    for key in COLOR_FIELDS:
        if key in data and not _is_color(data[key]):
            return problem(key, f"{key} = {data[key]!r} is not a colour")
    for key, kind in OTHER_FIELDS.items():
        value = data.get(key)
        if value is not None and not (
            isinstance(value, kind) or (kind is float and isinstance(value, int) and not isinstance(value, bool))
        ):
            return problem(key, f"{key} must be {'true or false' if kind is bool else kind.__name__}")

    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        return problem("variables", "'variables' must be a table: [variables]")
    for key, value in variables.items():
        if not isinstance(value, str):
            return problem(key, f"variable {key} must be a string", "variables")
        if key.startswith("slot-") and key not in SLOT_VARIABLES and key not in STYLE_VARIABLES:
            return problem(key, f"unknown slot variable {key!r} (known: {', '.join(SLOT_VARIABLES)})", "variables")
        if key in SLOT_VARIABLES and not _is_color(value):
            return problem(key, f"{key} = {value!r} is not a colour", "variables")
    missing = [v for v in REQUIRED_SLOT_VARIABLES if v not in variables]
    if missing:
        return ThemeProblem(file, _table_line(text, "variables"), f"[variables] lacks {', '.join(missing)}")

    merged = {**STYLE_VARIABLES, **variables}
    for name_, source in SLOT_FALLBACKS.items():
        merged.setdefault(name_, merged[source])
    theme = Theme(
        name=name,
        **{k: data[k] for k in COLOR_FIELDS if k in data},
        dark=data.get("dark", True),
        **{k: float(data[k]) for k in ("luminosity_spread", "text_alpha") if k in data},  # type: ignore[arg-type]
        ansi=data.get("ansi", False),
        variables=merged,
    )
    return SwitchboardTheme(theme, big_digits=data.get("big-digits", False))


def user_themes_dir(environ: Mapping[str, str] = os.environ) -> Path:
    return config_dir(environ) / "themes"


def load_themes(directories: Iterable[Path] | None = None) -> ThemeSet:
    """Every `*.toml` in the directories (built-in first, then the user's, which may override)."""
    folders = [BUILTIN_DIR, user_themes_dir()] if directories is None else list(directories)
    found = ThemeSet()
    for folder in folders:
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                found.problems.append(ThemeProblem(str(path), None, f"cannot read it ({exc.__class__.__name__})"))
                continue
            parsed = parse_theme(text, str(path))
            if isinstance(parsed, ThemeProblem):
                found.problems.append(parsed)
                continue
            found.themes[parsed.name] = SwitchboardTheme(parsed.theme, parsed.big_digits, path)
    return found


def fallback_theme() -> SwitchboardTheme:
    """Used only when the default theme file itself is missing or broken: Textual's own dark
    theme, with the slot colours taken from its semantic colours."""
    base = BUILTIN_THEMES["textual-dark"]
    computed = base.to_color_system().generate()
    slots = {
        "slot-free": computed["foreground-muted"],
        "slot-opening": computed["accent"],
        "slot-streaming": computed["primary"],
        "slot-generating": computed["secondary"],
        "slot-speaking": computed["success"],
        "slot-draining": computed["accent"],
        "slot-interrupted": computed["warning"],
        "slot-timed-out": computed["error-muted"],
        "slot-error": computed["error"],
    }
    theme = Theme(
        **{**base.__dict__, "name": DEFAULT_THEME, "variables": {**base.variables, **STYLE_VARIABLES, **slots}}
    )
    return SwitchboardTheme(theme)


def slot_variable_defaults() -> dict[str, str]:
    """The slot variables of the fallback theme, for an app's `get_theme_variable_defaults`."""
    variables = fallback_theme().theme.variables
    return {k: variables[k] for k in (*SLOT_VARIABLES, *STYLE_VARIABLES)}
