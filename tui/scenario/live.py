"""A scenario played on a live console (the one the operator sees), with pause and step.

    play = LivePlay(scenario, console, on_change=repaint)
    problem = play.misfit()          # None, or why it cannot play on this console (one line)
    result = await play.run()        # RunResult: build_report([result]) as `switchboard run` does
    play.pause(); play.resume(); play.step()

The steps are played by the scenario `Runner` (runner.py), given the operator's console as it
is: connected, with its speaker, its recorder and its settings. The `Tap` the runner needs sits
in front of the console's recorder for the run and is taken out after, so a recording goes on
as before. The operator's keys keep working: Escape barges in by hand at any point, and a turn
typed by hand plays (and shows on the timeline) but is not one of the scenario's turns.

Pause holds the scenario before its next step and holds the console's turns (`Turns.hold`):
no word, flush or close of a turn goes out until it resumes; audio already asked for plays on.
A step under way when pause is pressed finishes: a wait for a moment goes on waiting (time
paused does not count against its bound), a timed wait runs out, a scripted barge-in is pressed
at its moment. Step, while paused: the step under way (if any) finishes, the next step plays
(a turn until its last word is sent), then everything holds again before the one after.

Chosen (the brief leaves it open): a pause is time on the console's clock like any other, so a
barge-in scripted `at_ms` after a turn counts a pause between them; the figures are the session's.
The rate, end-of-turn pattern, settings and guard the scenario sets hold while it plays and are
put back as the operator had them at its end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from tui.core import Console
from tui.core.seams import RecorderLike
from tui.core.turn_end import TurnEnd
from tui.session.settings import Settings

from .command import provider_fit
from .facts import Tap
from .runner import CONNECT_TIMEOUT, NoConnection, Runner, RunResult, step_label
from .spec import Scenario, Step

STEP_SETTLE_S = 60.0  # bound on a stepped turn's last word going out


class _LiveTap(Tap):
    """The runner's tap on a console the operator may also type into: a turn counts as the
    scenario's only when it is the next one the scenario handed over (by its text). A turn typed
    by hand plays, is recorded and shows on the timeline, and stays out of the scenario's facts
    (they would pair the scenario's turns with the wrong contexts)."""

    def __init__(self, console: Console, inner: RecorderLike | None, handed: Callable[[], list[str]]) -> None:
        super().__init__(console.config.dialect, console.clock, inner)
        self._handed = handed

    def action(self, kind: str, **fields: Any) -> None:
        if kind == "turn":
            waiting = self._handed()[len(self.turns) :]
            if not waiting or str(fields.get("text", "")) != waiting[0].strip():
                if self._inner is not None:
                    self._inner.action(kind, **fields)
                return
        super().action(kind, **fields)


class _GatedRunner(Runner):
    """The runner with a gate before each step and waits that do not count paused time."""

    def __init__(self, play: LivePlay, tap: Tap) -> None:
        super().__init__(play.scenario, play.console, tap, play.console.clock)
        self.live = play

    async def _step(self, i: int, step: Step) -> None:
        await self.live._before(i, step)
        await super()._step(i, step)
        await self.live._after()

    async def until(self, done: Callable[[], bool], timeout: float) -> bool:
        left = timeout
        while left > 0:
            chunk = min(left, 0.2)
            if await super().until(done, chunk):
                return True
            if not self.live.paused:
                left -= chunk
        return done()


class LivePlay:
    """One play of `scenario` on `console`; `on_change()` is called when the caption changes."""

    def __init__(
        self,
        scenario: Scenario,
        console: Console,
        *,
        on_change: Callable[[], None] | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self.scenario, self.console = scenario, console
        self._on_change = on_change
        self._connect_timeout = connect_timeout
        self.total = len(scenario.steps)
        self.step_no = 0  # the step playing, or the last one played (1-based); 0 before the first
        self.label = ""
        self.paused = False
        self.done = False
        self.result: RunResult | None = None
        self._go = asyncio.Event()
        self._granted = 0  # steps allowed to play while paused
        self._runner: _GatedRunner | None = None

    # ---- before it starts ---------------------------------------------------------------------

    def misfit(self) -> str | None:
        """Why this scenario cannot play on this console, None if it can."""
        sc, config = self.scenario, self.console.config
        if sc.dialect and sc.dialect != config.dialect.value:
            return (
                f"{sc.path}: written for {sc.dialect}, and this console speaks {config.dialect.value}: "
                f"start the console with --dialect {sc.dialect}, or run it headless with `switchboard run`"
            )
        return provider_fit(sc, config)

    def notes(self) -> list[str]:
        """What differs from a headless run, for the log."""
        sc, config = self.scenario, self.console.config
        if sc.server_faults and config.embedded and config.server_faults != sc.server_faults:
            running = config.server_faults or "none"
            return [
                f"this scenario rehearses the local server's faults '{sc.server_faults}'; the console's server "
                f"runs with {running}: start it with --server-faults {sc.server_faults} to rehearse them"
            ]
        return []

    @property
    def caption(self) -> str:
        """For the status strip: "scenario NAME step 3/9 (paused)"."""
        state = " (done)" if self.done else " (paused)" if self.paused else ""
        return f"scenario {self.scenario.name} step {self.step_no}/{self.total}{state}"

    # ---- the operator's controls --------------------------------------------------------------

    def pause(self) -> None:
        if self.done or self.paused:
            return
        self.paused = True
        self._granted = 0
        self._go.clear()
        self.console.turns.hold()
        self._changed()

    def resume(self) -> None:
        if not self.paused:
            return
        self.paused = False
        self._granted = 0
        self.console.turns.release()
        self._go.set()
        self._changed()

    def toggle(self) -> None:
        if self.paused:
            self.resume()
        else:
            self.pause()

    def step(self) -> str:
        """While paused: play the next step, then hold again. Returns a line for the operator."""
        if self.done:
            return "the scenario has ended"
        if not self.paused:
            self.pause()
            return "paused: step again to play the next step"
        self._granted += 1
        self.console.turns.release()  # a step under way finishes first: its turns speak on
        self._go.set()
        return f"playing step {min(self.step_no + 1, self.total)}/{self.total}"

    # ---- playing --------------------------------------------------------------------------------

    async def run(self) -> RunResult:
        """Play every step, then wait (bounded) for the session to settle; NoConnection when the
        console is not connected within the bound. The console stays the operator's."""
        c = self.console
        if not c.connected and not await c.wait_connected(self._connect_timeout):
            raise NoConnection(f"not connected within {self._connect_timeout:g} s: the scenario did not start")
        saved = (c.session.status.rate, c.turn_end, c.settings, c.session.guard)
        inner: RecorderLike | None = c.recorder
        tap = _LiveTap(c, inner, lambda: [sub.text for sub in runner.submitted])
        c.recorder = tap  # the runner's facts; the recording (if any) goes on behind it
        result = RunResult(self.scenario, c.config.provider, c.config.dialect.value, c.session.status.url, time.time())
        if not self.scenario.guard and c.session.guard:
            c.set_guard(False)
        runner = self._runner = _GatedRunner(self, tap)
        cpu0 = time.process_time()
        try:
            await runner.play()
        finally:
            runner.detach()
            await self._bursts_ended(runner)  # an LLM pace's rate switching: over before the rate is put back
            if c.recorder is tap:
                c.recorder = inner
            self.paused = False
            c.turns.release()
            if c.started:  # not while the console shuts down (the app quit mid-scenario)
                self._restore(*saved)
            self.done = True
            self._changed()
        result.duration_s = runner.now()
        result.cpu_s = time.process_time() - cpu0
        result.submitted, result.barge_ins = runner.submitted, runner.barge_ins
        result.lanes, result.collector, result.tap = runner.collector.lanes, runner.collector, tap
        result.run_errors = runner.errors + tap.closes
        self.result = result
        return result

    @staticmethod
    async def _bursts_ended(runner: Runner) -> None:
        task = runner._llm
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=1.0)

    def _restore(self, rate: float, turn_end: TurnEnd, settings: Settings, guard: bool) -> None:
        c = self.console
        if c.turns.rate != rate or c.session.status.rate != rate:
            c.set_rate(rate)  # the pace the operator had, on the status strip too
        if c.turn_end is not turn_end:
            c.set_turn_end(turn_end)
        if c.settings != settings:
            c.set_settings(settings)
        if c.session.guard != guard:
            c.set_guard(guard)

    async def _before(self, i: int, step: Step) -> None:
        while self.paused and not self.done:
            if self._granted:
                self._granted -= 1
                self.console.turns.release()  # the granted step's turns may speak
                break
            self.console.turns.hold()
            self._go.clear()
            await self._go.wait()
        self.step_no, self.label = i, step_label(step)  # the step playing: past the gate
        self._changed()

    async def _after(self) -> None:
        """A step played while paused (a granted one): its turn's words go out, then all holds."""
        if not self.paused or self._runner is None:
            return
        turns = self.console.turns
        await Runner.until(self._runner, lambda: not turns.streaming, STEP_SETTLE_S)
        if self.paused and not self._granted:
            turns.hold()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()


__all__ = ["LivePlay"]
