"""The command palette (ctrl+p) offers every console action, each shipped scenario and every theme."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .actions import ACTIONS
from .screens.scenario_pick import shipped_scenarios

if TYPE_CHECKING:
    from .app import SwitchboardApp

Command = tuple[str, str, Callable[[], Any]]  # title, help line, what it runs


class ConsoleCommands(Provider):
    """Each action from `ACTIONS` under its help line, with its current key; the shipped scenarios
    (live, none playing); then the themes."""

    def _commands(self) -> list[Command]:
        app = cast("SwitchboardApp", self.app)  # the one app whose COMMANDS hold this palette
        screen = app.console_screen
        keys = app.keys_for()
        found: list[Command] = []
        for action in ACTIONS:
            if screen.check_action(action.name, ()) is False:
                continue  # a live action while replaying, or a replay one while live
            title = f"{action.label.capitalize()} ({keys.get(action.id, action.keys)})"
            found.append((title, action.help, partial(screen.run_action, action.action)))
        if screen.check_action("scenario_open", ()) and not screen.scenario_playing:
            for path, name in shipped_scenarios():  # each one directly, beside the picker's key
                found.append(
                    (f"Scenario: {name}", f"Play {path.name} on this console", partial(screen.open_scenario, path))
                )
        for name in app.theme_names():
            found.append(
                (
                    f"Theme: {name}",
                    f"Switch the colours to {name} (saved for next time)",
                    partial(app.switch_theme, name),
                )
            )
        return found

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = max(matcher.match(title), matcher.match(help_text) * 0.8)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
