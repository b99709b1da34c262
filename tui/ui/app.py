"""`SwitchboardApp`: the Textual shell around one session.

The app owns what is app-wide: themes (registered from `themes/*.toml`, switched live, saved),
the keymap file, the command palette, and the single ticker that repaints countdowns from
deadlines. Everything on screen lives in `ConsoleScreen`; every operator action is in
`actions.py`.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.theme import BUILTIN_THEMES

from ..session.events import Notice
from ..session.model import Session
from .actions import ACTIONS
from .commands import ConsoleCommands
from .keymap import LoadedKeymap, load_keymap
from .screens.console import ConsoleScreen
from .settings import load_config, save_theme
from .themes import ThemeSet, load_themes

TICK_HZ = 15  # countdowns tick at >= 10 Hz; computed from deadlines, so skipped ticks cost nothing


class SwitchboardApp(App[None]):
    CSS_PATH = "console.tcss"
    TITLE = "Switchboard"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "quit", priority=True, id="quit"),
        Binding("ctrl+p", "command_palette", "palette", show=False, priority=True, id="command-palette"),
    ]

    def __init__(
        self,
        session: Session,
        *,
        clock: Callable[[], float] | None = None,
        themes: ThemeSet | None = None,
        theme: str | None = None,
        keymap: LoadedKeymap | None = None,
        config_path: Path | None = None,
        save_choices: bool = True,
        tick_hz: float = TICK_HZ,
        blink: bool = True,
    ) -> None:
        super().__init__()
        self.session = session
        self.clock = clock or session.clock or time.monotonic
        self._config_path = config_path
        self._save_choices = save_choices
        self._tick_hz = tick_hz
        self._problems: list[str] = []
        self.console_screen = ConsoleScreen(session, blink=blink)
        self._themes = themes or load_themes()
        self._install_themes(theme)
        self._keymap_file = keymap if keymap is not None else load_keymap()
        self._problems.extend(self._keymap_file.problems)

    # ---- themes ----------------------------------------------------------------------------

    def _install_themes(self, requested: str | None) -> None:
        # Only Switchboard themes: Textual's built-ins lack the $slot-* variables the CSS uses.
        for name in list(BUILTIN_THEMES):
            self.unregister_theme(name)
        for sb_theme in self._themes.themes.values():
            self.register_theme(sb_theme.theme)
        self._problems.extend(str(p) for p in self._themes.problems)
        if requested is None:
            config = load_config(self._config_path)
            if config.problem:
                self._problems.append(config.problem)
            requested = config.theme
        chosen, problem = self._themes.get(requested)
        if chosen.name not in self._themes.themes:
            self.register_theme(chosen.theme)  # the last-resort fallback theme
        if problem:
            self._problems.append(problem)
        self.theme = chosen.name

    def theme_names(self) -> list[str]:
        return sorted(self.available_themes)

    def switch_theme(self, name: str) -> None:
        self.theme = name
        if self._save_choices:
            problem = save_theme(name, self._config_path)
            if problem:
                self.report(problem, level="warning")

    def watch_theme(self, name: str) -> None:
        chosen, _ = self._themes.get(name)
        self.console_screen.set_class(chosen.name == name and chosen.big_digits, "-big-digits")

    def action_next_theme(self) -> None:
        names = self.theme_names()
        at = names.index(self.theme) if self.theme in names else -1
        self.switch_theme(names[(at + 1) % len(names)])

    # ---- keys ------------------------------------------------------------------------------

    def keys_for(self) -> dict[str, str]:
        """Binding id → the keys it has now (the keymap applied over the defaults)."""
        keys = {a.id: a.keys for a in ACTIONS} | {"quit": "ctrl+q", "command-palette": "ctrl+p"}
        return keys | self._keymap_file.keymap

    # ---- life cycle ------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_keymap(self._keymap_file.keymap)
        self.push_screen(self.console_screen)
        for problem in self._problems:
            self.report(problem, level="warning")
        self.set_interval(1 / self._tick_hz, self._tick, name="countdown-ticker")

    def _tick(self) -> None:
        self.console_screen.tick(self.clock())

    def report(self, text: str, *, level: str = "error") -> None:
        """A problem the console found itself: into the log and the banner."""
        changes = self.session.apply(Notice(text, level=level, banner=True))
        self.console_screen.paint(changes)
