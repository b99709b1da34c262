"""Scenarios in the console, the timeline panel and a turn's figures: the keys of `actions.ACTIONS`
that belong to them, mixed into the console screen beside `ConsoleActions`.

- ctrl+r (scenario-open): pick a shipped scenario or type a path; a bad file is its line and key
  in the banner and nothing plays. It plays on this console (tui.scenario.live `LivePlay`, the
  scenario runner on the operator's console): the status strip says "scenario NAME step 3/9",
  ctrl+z pauses and resumes, ctrl+n steps (both in the footer only while one plays), Escape
  barges in by hand as always. At its end each expectation's result goes to the log, the
  verdict to the banner, and the report (tui.scenario.report/page) is offered.
- ctrl+f (timeline): the timeline panel, for any session (widgets/timeline.py).
- f11 (turn-detail), or a click on a slot or a transcript line: one turn's figures (turn_detail.py).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events
from textual.dom import DOMNode

from ...core import CommandResult
from ...scenario import ScenarioError, build_report, failures, load_scenario
from ...scenario.facts import Collector, Lane
from ...scenario.live import LivePlay
from ...scenario.runner import NoConnection
from ...session import Changes, Level, Notice
from ...session.transcript import TurnTranscript
from ..widgets.slot_panel import SlotPanel
from ..widgets.timeline import TimelinePanel
from ..widgets.transcript import TranscriptView
from .pick_context import ContextPicker
from .scenario_pick import ReportOffer, ScenarioPicker
from .turn_detail import TurnDetailScreen

if TYPE_CHECKING:
    from textual.screen import Screen

    from ...core import Console
    from ...session import Session

    _MixedInto = Screen[None]
else:
    _MixedInto = object

REPORTS = Path("reports")  # the report's default folder, under the console's working directory


class ScenarioActions(_MixedInto):
    """Needs `core`, `session`, `paint`, `replay_caption` and `_say` from the console screen."""

    core: Console
    session: Session
    replay_caption: str | None
    playing: LivePlay | None = None
    last_report: dict[str, Any] | None = None

    if TYPE_CHECKING:

        def _say(self, result: CommandResult, *, quiet_when_ok: bool = False) -> None: ...  # ConsoleActions'
        def paint(self, changes: Changes) -> None: ...  # ConsoleScreen's

    _facts: Collector | None = None

    @property
    def facts(self) -> Collector:
        """The session's facts, a lane per context (tui.scenario.facts), kept from the screen's
        mount (before the console starts) for the timeline and a turn's figures."""
        if self._facts is None:
            self._facts = Collector(self.session, self.core.clock, self.core.clock())
            self.core.add_observer(self._facts.on_changes)
        return self._facts

    def on_mount(self) -> None:
        # Textual calls each class's on_mount in turn: this one runs beside ConsoleScreen's.
        _ = self.facts

    @property
    def scenario_playing(self) -> bool:
        return self.playing is not None and not self.playing.done

    def _note(self, text: str, level: Level = "info", *, banner: bool = False) -> None:
        self.core.apply(Notice(text, level, banner=banner))

    # ---- open and play ----------------------------------------------------------------------

    def action_scenario_open(self) -> None:
        if self.scenario_playing:
            assert self.playing is not None
            self._say(CommandResult(False, f"{self.playing.caption} is playing: one at a time"))
            return
        self.app.push_screen(ScenarioPicker(), self._picked)

    def _picked(self, path: Path | None) -> None:
        self.open_scenario(path)

    def open_scenario(self, path: Path | None) -> bool:
        """Load and play `path`; False (the banner says why) for a bad file or a misfit."""
        if path is None or self.scenario_playing:
            return False
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            self._note(f"scenario not played: {exc}", "error", banner=True)
            return False
        play = LivePlay(scenario, self.core, on_change=self._scenario_changed)
        misfit = play.misfit()
        if misfit:
            self._note(f"scenario not played: {misfit}", "error", banner=True)
            return False
        for note in play.notes():
            self._note(note, "warning")
        self._note(f"scenario {scenario.name}: {play.total} steps from {path}")
        self.playing = play
        self._scenario_changed()
        self.run_worker(self._play(play), name="playing the scenario", group="scenario", exit_on_error=False)
        return True

    async def _play(self, play: LivePlay) -> None:
        try:
            result = await play.run()
        except NoConnection as exc:
            self._note(f"scenario {play.scenario.name} not played: {exc}", "error", banner=True)
            self._scenario_changed()
            return
        report = self.last_report = build_report([result])
        verdict = self._show_outcome(report)
        folder = REPORTS / f"{Path(play.scenario.path).stem}-{time.strftime('%Y%m%d-%H%M%S')}"
        self.app.push_screen(ReportOffer(verdict, folder), self._write_report)

    def _show_outcome(self, report: dict[str, Any]) -> str:
        """Each expectation's result into the log, the verdict into the banner; returns it."""
        run = report["runs"][0]
        for o in run["expectations"]:
            detail = f" ({o['detail']})" if o["detail"] else ""
            mark = "✓" if o["ok"] else "✗"
            self._note(
                f"{mark} {o['expectation']} · {o['where']}: {o['actual']!r}{detail}", "info" if o["ok"] else "warning"
            )
        for e in run["run_errors"]:
            self._note(f"scenario at {e['at_s']:.3f} s: {e['message']}", "warning")
        held = sum(1 for o in run["expectations"] if o["ok"])
        total = len(run["expectations"])
        name = report["scenario"]["name"]
        if report["passed"]:
            verdict = f"scenario {name} PASSED: {held} of {total} expectations held"
        else:
            verdict = (
                f"scenario {name} FAILED: {total - held} of {total} expectations failed; first: {failures(report)[0]}"
            )
        self._note(verdict, "info" if report["passed"] else "error", banner=True)
        return verdict

    def _write_report(self, folder: Path | None) -> None:
        self.playing = None  # answered: the status strip lets go of the scenario's caption
        self._scenario_changed()
        if folder is None or self.last_report is None:
            return
        self.run_worker(self._write(self.last_report, folder), name="writing the report", exit_on_error=False)

    async def _write(self, report: dict[str, Any], folder: Path) -> None:
        from ...scenario.page import write_report  # matplotlib: only when a report is written

        try:
            paths = await asyncio.to_thread(write_report, report, folder)
        except OSError as exc:
            self._note(f"report not written in {folder}: {exc.strerror or exc}", "error", banner=True)
            return
        self._note(f"report written: {', '.join(str(p) for p in paths)}")
        self.app.notify(f"report written in {folder}", timeout=4, markup=False)

    def _scenario_changed(self) -> None:
        play = self.playing
        self.replay_caption = play.caption if play is not None else None
        self.paint(Changes(status=True))
        self.refresh_bindings()  # pause/step are in the footer only while a scenario plays

    # ---- pause and step ---------------------------------------------------------------------

    def action_scenario_pause(self) -> None:
        if self.playing is not None and self.scenario_playing:
            self.playing.toggle()
            self.app.notify("paused: nothing more is sent" if self.playing.paused else "playing", timeout=2)

    def action_scenario_step(self) -> None:
        if self.playing is not None and self.scenario_playing:
            self.app.notify(self.playing.step(), timeout=2, markup=False)

    # ---- the timeline panel -----------------------------------------------------------------

    def action_timeline(self) -> None:
        found = self.query(TimelinePanel)
        if found:
            panel = found.first()
            panel.display = not panel.display
            panel.repaint()
            return
        facts = self.facts
        panel = TimelinePanel(facts, lambda: self.core.clock() - facts.t0, id="timeline")
        self.mount(panel, after=self.query_one("#slots"))

    # ---- a turn's figures -------------------------------------------------------------------

    def _lookup(self, cid: str) -> tuple[Lane | None, TurnTranscript | None]:
        lane = next((lane for lane in reversed(self.facts.lanes) if lane.context_id == cid), None)
        turn = self.session.transcript.turn(cid) or self.facts.transcripts.get(cid)
        return lane, turn

    def open_turn_detail(self, cid: str) -> None:
        self.app.push_screen(TurnDetailScreen(cid, lambda: self._lookup(cid)))

    def action_turn_detail(self) -> None:
        choices: dict[str, str] = {}
        for lane in reversed(self.facts.lanes):  # newest first, as the transcript lists them
            if lane.context_id in choices:
                continue  # a context id used twice: its newest
            turn = self.session.transcript.turn(lane.context_id)
            text = (turn.typed or turn.text) if turn is not None else ""
            choices[lane.context_id] = f"{lane.context_id}  {lane.state}  {text[:16]}"
        if not choices:
            self._say(CommandResult(False, "no turn yet"))
            return

        def chosen(cid: str | None) -> None:
            if cid is not None:
                self.open_turn_detail(cid)

        self.app.push_screen(ContextPicker("Turn figures of", list(choices.items())), chosen)

    def on_click(self, event: events.Click) -> None:
        """A click on a slot panel opens the figures of the turn it shows (or showed last); a
        click on a transcript line, that turn's."""
        widget: DOMNode | None = event.widget
        while widget is not None and not isinstance(widget, SlotPanel | TranscriptView):
            widget = widget.parent
        if isinstance(widget, TranscriptView):
            self._transcript_clicked(widget, event)
            return
        if not isinstance(widget, SlotPanel) or widget.index >= len(self.session.slots):
            return
        cid = self.session.slots[widget.index].context_id
        if cid is None:
            last = [lane for lane in self.facts.lanes if lane.slot == widget.index + 1]
            cid = last[-1].context_id if last else None
        if cid is None:
            self._say(CommandResult(False, f"slot {widget.index + 1} has had no context yet"))
            return
        self.open_turn_detail(cid)

    def _transcript_clicked(self, view: TranscriptView, event: events.Click) -> None:
        """The turn whose line was clicked: each turn's line starts with its context id, and a
        cut turn wraps onto lines below it, so look up from the clicked line for one that does."""
        offset = event.get_content_offset(view)
        if offset is None:
            return
        known = {t.context_id for t in self.session.transcript.turns} | {lane.context_id for lane in self.facts.lanes}
        for y in range(offset.y, -1, -1):
            line = view.render_line(y).text.strip()
            if line.startswith("queued:"):
                return  # not started: no figures yet
            cid = line.split(": ", 1)[0]
            if cid in known:
                self.open_turn_detail(cid)
                return
