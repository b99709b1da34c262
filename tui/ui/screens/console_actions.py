"""What each console key does: one method per entry of `actions.ACTIONS`, each a thin call into
the headless `Console` (tui.core), whose result comes back as a toast when it has something to say.
Errors from the server are not handled here: they reach the banner through the session model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ...core import CommandResult
from ...replay import MAX_SPEED, MIN_SPEED
from ...session import SlotState
from ...session.pacer import DEFAULT_RATE, MAX_RATE, MIN_RATE, SLOW_RATE
from ...session.settings import Settings
from ...session.status import context_limit
from ..actions import action_modes
from ..widgets.banner import ErrorBanner
from ..widgets.composer import Composer
from ..widgets.frame_log import FrameLogView
from .frame_detail import FrameDetailScreen
from .help import HelpScreen
from .pick_context import ALL, ContextPicker
from .raw_send import RawSendScreen
from .scenario_actions import ScenarioActions
from .settings import SettingsScreen

if TYPE_CHECKING:
    from ...core import Console
    from ...replay import ReplayTransport
    from ...session import Session
    from ..app import SwitchboardApp

MODES = action_modes()


class ConsoleActions(ScenarioActions):
    """Mixed into ConsoleScreen, which provides `console`, `session`, `paint` and the DOM; the
    scenario, timeline and turn-figure keys are ScenarioActions' (scenario_actions.py)."""

    core: Console
    session: Session
    replay: ReplayTransport | None
    _raw_draft: str = ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Live-only keys are off (and out of the footer) while replaying, replay keys otherwise."""
        mode = MODES.get(action, "any")
        if mode == "any":
            return True
        if mode == "scenario":
            return self.replay is None and self.scenario_playing
        return mode == ("replay" if self.replay is not None else "live")

    def _say(self, result: CommandResult, *, quiet_when_ok: bool = False) -> None:
        if result.ok and (quiet_when_ok or not result.message):
            return
        self.app.notify(
            result.message,
            severity="information" if result.ok else "warning",
            timeout=3 if result.ok else 6,
            markup=False,
        )

    # ---- the composer ----------------------------------------------------------------------

    def on_composer_turn_submitted(self, event: Composer.TurnSubmitted) -> None:
        result = self.core.submit_turn(event.text)
        if result.ok:
            event.composer.accepted(event.text)  # only now: a refused turn keeps its text
        self._say(result, quiet_when_ok=result.message == "streaming")

    # ---- the speaking context ----------------------------------------------------------------

    def action_barge_in(self) -> None:
        if self.core.speaker is None:
            self._say(CommandResult(False, "the console is still starting"))
            return
        if self.core.barge_in() is None:
            self._say(CommandResult(False, "nothing to interrupt"))

    def action_keep_alive(self) -> None:
        self._say(self.core.keep_alive(), quiet_when_ok=True)

    def action_flush_now(self) -> None:
        self._say(self.core.flush_now(), quiet_when_ok=True)

    def action_close_context(self) -> None:
        open_slots = [s for s in self.session.slots if s.occupied and not s.close_sent and s.context_id]
        if not open_slots:
            self._say(CommandResult(False, "no open context to close"))
            return
        choices = [(s.context_id, f"{s.context_id}  ({s.state.value})") for s in open_slots if s.context_id]

        def chosen(cid: str | None) -> None:
            if cid is not None:
                self._say(self.core.close_context(cid), quiet_when_ok=True)

        self.app.push_screen(ContextPicker("Close which context?", choices), chosen)

    # ---- the connection ----------------------------------------------------------------------

    def action_reconnect(self) -> None:
        self.core.reconnect()

    def action_toggle_guard(self) -> None:
        on = not self.session.guard
        self.core.set_guard(on)
        limit = self.session.dialect.max_contexts
        if limit is None:
            # Nothing to guard per socket: the account's concurrency is the server's to refuse.
            text = (
                f"context-limit guard {'on' if on else 'OFF'} ({context_limit(limit)}: the server counts per account)"
            )
        elif on:
            text = f"context-limit guard on ({context_limit(limit)})"
        else:
            text = f"context-limit guard OFF: a context past {limit} goes out and the server refuses it"
        self._say(CommandResult(True, text))

    def action_rate(self, factor: float) -> None:
        rate = min(MAX_RATE, max(MIN_RATE, self.session.status.rate * factor))
        self._say(self.core.set_rate(round(rate, 2)))

    def action_toggle_pace(self) -> None:
        slow = self.session.status.rate == SLOW_RATE
        self._say(self.core.set_rate(DEFAULT_RATE if slow else SLOW_RATE))

    def action_cycle_turn_end(self) -> None:
        self._say(self.core.cycle_turn_end())

    def action_settings(self) -> None:
        def apply(settings: Settings) -> None:
            self._say(self.core.set_settings(settings))
            cast("SwitchboardApp", self.app).save_live_settings(settings)  # the only app it runs in

        config = self.core.config
        self.app.push_screen(
            SettingsScreen(
                self.core.settings,
                apply,
                dialect_name=self.session.dialect.value,
                command_line={
                    "voice_id": config.voice,
                    "model": config.model,
                    "inactivity_timeout": config.inactivity_timeout,
                },
            )
        )

    def action_raw_send(self) -> None:
        def sent(text: str | None) -> None:
            if text is None:
                return
            self._raw_draft = text  # kept for next time, sent or not
            self._say(self.core.send_raw(text))

        self.app.push_screen(RawSendScreen(self._raw_draft, self._live_context()), sent)

    def _live_context(self) -> str | None:
        """The speaking context, else the newest open one: what a hand-made frame is usually for."""
        speaking = [s for s in self.session.slots if s.state is SlotState.SPEAKING and s.context_id]
        if speaking:
            return speaking[0].context_id
        opened = [s for s in self.session.open_contexts() if s.context_id]
        newest = max(opened, key=lambda s: s.metrics.opened_at or 0.0, default=None)
        return newest.context_id if newest else None

    # ---- replay ------------------------------------------------------------------------------

    def action_replay(self, command: str) -> None:
        if self.replay is not None:
            self.app.notify(self.replay.command(command), timeout=2, markup=False)

    def action_replay_speed(self, factor: float) -> None:
        if self.replay is not None:
            speed = min(MAX_SPEED, max(MIN_SPEED, self.replay.scheduler.speed * factor))
            self.action_replay(f"speed {speed:g}")

    # ---- the frame log -----------------------------------------------------------------------

    def action_clear_log(self) -> None:
        self.core.clear_log()
        self.query_one(FrameLogView).repaint()

    def action_frame_detail(self) -> None:
        log = self.query_one(FrameLogView)
        if not log.rows:
            self._say(CommandResult(False, "the frame log is empty"))
            return
        self.app.push_screen(FrameDetailScreen(log.rows, log.bottom_index()))

    def action_toggle_follow(self) -> None:
        log = self.query_one(FrameLogView)
        log.follow = not log.follow

    def action_filter_log(self) -> None:
        seen = dict.fromkeys(e.context_id for e in self.session.log if e.context_id)
        choices = [(cid, cid) for cid in reversed(seen)]  # newest first: the live turn is "2"

        def chosen(cid: str | None) -> None:
            if cid is not None:
                self.query_one(FrameLogView).filter_context = None if cid == ALL else cid

        self.app.push_screen(ContextPicker("Show frames of", choices, offer_all=True), chosen)

    # ---- the screen --------------------------------------------------------------------------

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(cast("SwitchboardApp", self.app).keys_for()))

    def action_dismiss_banner(self) -> None:
        self.query_one(ErrorBanner).dismiss()
        self.core.dismiss_banner()

    def on_error_banner_dismissed(self) -> None:
        self.core.dismiss_banner()
