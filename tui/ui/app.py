"""`SwitchboardApp`: the Textual shell around one headless `Console` (tui.core).

The app owns what is app-wide: starting and shutting down the console, themes (registered from
`themes/*.toml`, switched live, saved), the keymap file, the command palette, and the single
ticker that repaints countdowns from deadlines. Everything on screen lives in `ConsoleScreen`;
every operator action is listed in `actions.py` and implemented in `screens/console_actions.py`.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.theme import BUILTIN_THEMES
from textual.worker import Worker, WorkerState

from tui.clock import Clock

if TYPE_CHECKING:
    from ..scenario.facts import Tap
    from .demo import DemoPlan

from ..core import Console
from ..core.config import PROVIDERS_KEY, provider_settings, with_provider_settings
from ..core.replay import drive_console
from ..replay import ReplayTransport
from ..session import Changes, Level, Notice
from ..session.settings import Settings
from .actions import APP_KEYS, default_keys
from .commands import ConsoleCommands
from .keymap import LoadedKeymap, load_keymap
from .quick_escape import quick_escape_driver
from .screens.console import ConsoleScreen
from .screens.demo import DemoScreen
from .settings import load_config, save_setting, save_theme, screenshot_dir
from .themes import ThemeSet, load_themes

TICK_HZ = 15  # countdowns tick at >= 10 Hz; computed from deadlines, so a skipped tick costs nothing
PAINT_HZ = 20  # at most this many repaints a second however fast frames arrive (5 contexts: ~100/s)


class SwitchboardApp(App[None]):
    CSS_PATH = "console.tcss"
    TITLE = "Switchboard"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    BINDINGS = [
        Binding(APP_KEYS["quit"], "quit", "quit", priority=True, id="quit"),
        Binding(
            APP_KEYS["command-palette"], "command_palette", "palette", show=False, priority=True, id="command-palette"
        ),
    ]

    def __init__(
        self,
        console: Console,
        *,
        start: bool = True,
        connect: bool = True,
        themes: ThemeSet | None = None,
        theme: str | None = None,
        keymap: LoadedKeymap | None = None,
        config_path: Path | None = None,
        save_choices: bool = True,
        tick_hz: float = TICK_HZ,
        paint_hz: float = PAINT_HZ,
        paint_clock: Clock = time.monotonic,
        blink: bool = True,
        replay: ReplayTransport | None = None,
        problems: tuple[str, ...] = (),
        demo: DemoPlan | None = None,
        demo_taps: list[Tap] | None = None,
    ) -> None:
        """`start=False` leaves the console to the caller (tests and snapshots feed it frames);
        `connect=False` starts speaker and recorder but opens no connection; `replay` plays a
        recording into the console (which must run on `replay.clock`) instead of connecting;
        `problems` are shown in the banner once the screen is up; `demo` opens the demo layout
        and plays its scenario, on a console from `demo.demo_console` (whose `demo_taps` it reads)."""
        super().__init__(driver_class=quick_escape_driver())  # Escape in ~10 ms, not ~100
        self.core = console
        self.session = console.session
        self.clock: Clock = console.clock
        self._start, self._connect = start, connect
        self._config_path = config_path
        self._save_choices = save_choices
        self._tick_hz = tick_hz
        self._paint_interval = 1 / paint_hz
        self._paint_clock = paint_clock  # wall time for throttling; the session clock may be frozen
        self._last_paint = float("-inf")
        self._pending: Changes | None = None
        self._startup_problems: list[str] = list(problems)
        self.replay = replay
        self.console_screen = ConsoleScreen(console, blink=blink, replay=replay)
        self.demo_plan, self._demo_taps = demo, demo_taps if demo_taps is not None else []
        title, about = (demo.title, demo.about) if demo is not None else ("", "")
        self.demo_screen = DemoScreen(console, title=title, about=about, blink=blink, replay=replay is not None)
        self._themes = themes or load_themes()
        self._install_themes(theme if theme is not None else console.config.theme)
        self._keymap_file = keymap if keymap is not None else load_keymap()
        self._startup_problems.extend(self._keymap_file.problems)
        if replay is None:
            self._load_live_settings()
        self._remove_observer = console.add_observer(self._on_changes)

    # ---- themes ----------------------------------------------------------------------------

    def _install_themes(self, requested: str | None) -> None:
        # Only Switchboard themes: Textual's built-ins lack the $slot-* variables the CSS uses.
        for name in list(BUILTIN_THEMES):
            self.unregister_theme(name)
        for sb_theme in self._themes.themes.values():
            self.register_theme(sb_theme.theme)
        self._startup_problems.extend(str(p) for p in self._themes.problems)
        if requested is None:
            config = load_config(self._config_path)
            if config.problem:
                self._startup_problems.append(config.problem)
            requested = config.theme
        chosen, problem = self._themes.get(requested)
        if chosen.name not in self.available_themes:
            self.register_theme(chosen.theme)  # the last-resort fallback theme
        if problem:
            self._startup_problems.append(problem)
        self.theme = chosen.name

    def theme_names(self) -> list[str]:
        return sorted(self.available_themes)

    def switch_theme(self, name: str) -> None:
        self.theme = name
        if self._save_choices:
            problem = save_theme(name, self._config_path)
            if problem:
                self.report(problem, level="warning")

    # ---- live settings, per provider (tui.session.settings) -----------------------------------

    def _load_live_settings(self) -> None:
        # Before the console starts: the first connection already carries the saved query options.
        config = self.core.config
        settings, problems = provider_settings(load_config(self._config_path).data, config.provider, config.dialect)
        self._startup_problems.extend(problems)
        if settings.values:
            self.core.set_settings(settings)

    def save_live_settings(self, settings: Settings) -> None:
        """Keep `settings` for this provider in config.toml (when choices are saved)."""
        if not self._save_choices:
            return
        table = with_provider_settings(load_config(self._config_path).data, self.core.config.provider, settings)
        problem = save_setting(PROVIDERS_KEY, table, self._config_path)
        if problem:
            self.report(problem, level="warning")

    def watch_theme(self, name: str) -> None:
        chosen, _ = self._themes.get(name)
        self.console_screen.set_class(chosen.name == name and chosen.big_digits, "-big-digits")

    def action_next_theme(self) -> None:
        names = self.theme_names()
        at = names.index(self.theme) if self.theme in names else -1
        self.switch_theme(names[(at + 1) % len(names)])

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot: saved in `screenshot_dir()`; Textual's notice names the file."""
        return super().deliver_screenshot(filename, path or str(screenshot_dir()), time_format)

    # ---- keys ------------------------------------------------------------------------------

    def keys_for(self) -> dict[str, str]:
        """Binding id → the keys it has now (the keymap applied over the defaults)."""
        return default_keys() | self._keymap_file.keymap

    # ---- life cycle ------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_keymap(self._keymap_file.keymap)
        self.push_screen(self.console_screen)
        self.install_screen(self.demo_screen, "demo")  # kept while the console layout is shown
        if self.demo_plan is not None:
            self.push_screen("demo")
            if self.demo_plan.scenario is not None:
                self._play_demo()
        for problem in self._startup_problems:
            self.report(problem, level="warning")
        self.set_interval(1 / self._tick_hz, self._tick, name="countdown-ticker")
        if self._start:
            self._start_console()

    @work(exclusive=True, group="console", exit_on_error=False, name="starting the console")
    async def _start_console(self) -> None:
        # start() waits for the embedded server (seconds for Piper): the screen is live meanwhile
        # and shows "connecting"; a failure arrives as a banner through the observer.
        if self.replay is None:
            await self.core.start(connect=self._connect)
            return
        await self.core.start(connect=False)
        await drive_console(self.replay, self.core)
        self._on_changes(self.session.apply(Notice("replay finished: the recording has no more entries")))
        self.notify("replay finished", timeout=4)

    @work(exclusive=True, group="demo", exit_on_error=False, name="playing the demo")
    async def _play_demo(self) -> None:
        from .demo import play_demo

        assert self.demo_plan is not None
        await play_demo(self, self.demo_plan, self.demo_screen, self._demo_taps)

    def action_toggle_demo(self) -> None:
        """The demo layout and back (the session carries on underneath)."""
        if self.screen is self.demo_screen:
            self.pop_screen()
        elif self.screen is self.console_screen:
            self.push_screen("demo")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Workers fail here, in one place: as a banner, never as a traceback."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.report(f"{event.worker.name or 'background work'} failed: {type(error).__name__}: {error}")

    async def action_quit(self) -> None:
        await self.core.shutdown()
        self.exit()

    async def on_unmount(self) -> None:
        self._remove_observer()
        self.demo_screen.detach()
        await self.core.shutdown()  # idempotent: a no-op after action_quit

    def _tick(self) -> None:
        now = self.clock()
        self.console_screen.tick(now)
        self.demo_screen.tick(now)

    # ---- changes from the console ------------------------------------------------------------

    def _on_changes(self, changes: Changes) -> None:
        """Observer (loop thread). Frames arrive faster than a screen is worth painting, and a
        paint that holds the loop delays the next barge-in's close frame: changes are merged and
        painted at most `paint_hz` times a second."""
        if self._pending is None:
            self._pending = Changes()
            wait = self._last_paint + self._paint_interval - self._paint_clock()
            if wait > 0:
                # The loop's own timer, not a Textual one: observers may run outside the app's
                # context (e.g. speaker progress hopped from the audio thread).
                asyncio.get_running_loop().call_later(wait, self.call_later, self._paint_pending)
            else:
                self.call_later(self._paint_pending)
        self._pending.merge(changes)

    def _paint_pending(self) -> None:
        changes, self._pending = self._pending, None
        self._last_paint = self._paint_clock()
        if changes is not None:
            self.console_screen.paint(changes)
            self.demo_screen.paint(changes)

    def report(self, text: str, *, level: Level = "error") -> None:
        """A problem the console found itself: into the log and the banner."""
        self._on_changes(self.session.apply(Notice(text, level=level, banner=True)))
