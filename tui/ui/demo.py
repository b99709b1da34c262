"""`switchboard --demo [SCENARIO]`: the demo layout, optionally playing a scenario for the room.

    plan = load_plan("demo-flight-booking", wait_key=False)     # ScenarioError: line and key
    console, taps = demo_console(config, plan)                   # a Console whose recorder is a Tap
    SwitchboardApp(console, demo=plan).run()                     # the app plays it (play_demo)

The scenario plays through the scenario runner (tui.scenario.runner), on the very console the
screen shows: `DemoRunner` is the runner with one step done the demo's way, the barge-in:

- auto (the default): pressed at the scripted moment (`at_ms`, or once `after_words` were
  heard), on the runner's 50 ms look-ups rather than its precise sleep (a room does not see
  50 ms; `switchboard run` keeps the precise one for its figures);
- wait for the key (`--demo-wait-key`): at the scripted moment the screen says "press Esc to
  interrupt" and the turn speaks on until the operator presses it; if the turn is heard whole
  first, the demo goes on without a barge-in and says so (bounded: after KEY_TIMEOUT_S the demo
  presses it itself and says so);
- either way, an Escape pressed before the moment is the barge-in: the scripted one is skipped.

After a barge-in the demo holds `hold_s` (default HOLD_S) before the next step: in a real call
the caller now speaks, and the room reads the callout; the turn would otherwise start at once.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..clock import Clock
from ..core import ConfigError, Console, ConsoleConfig
from ..core.seams import RecorderLike, default_recorder
from ..protocol.urls import redact_query_secrets
from ..scenario import Scenario, ScenarioError, load_scenario
from ..scenario.command import provider_fit
from ..scenario.facts import Tap
from ..scenario.runner import Runner
from ..scenario.spec import BargeIn
from ..shipped import find_scenario

if TYPE_CHECKING:
    from .app import SwitchboardApp
    from .screens.demo import DemoScreen

HOLD_S = 1.5  # after a barge-in: the caller's turn to speak, the room's to read the callout
KEY_TIMEOUT_S = 300.0  # wait-for-key: the longest the demo waits for the operator's Escape
CONNECT_TIMEOUT_S = 60.0  # the embedded Piper server takes seconds to load its voice
PROMPT = "press Esc to interrupt"


@dataclass(frozen=True)
class DemoPlan:
    """What the demo layout plays: a scenario (None: the operator types), and how it barges in."""

    scenario: Scenario | None = None
    wait_key: bool = False
    hold_s: float = HOLD_S
    key_timeout_s: float = KEY_TIMEOUT_S

    @property
    def title(self) -> str:
        return f"Switchboard  ·  {self.scenario.name}" if self.scenario else "Switchboard  ·  demo"

    @property
    def about(self) -> str:
        return self.scenario.description if self.scenario else ""


def load_plan(name: str | Path | None, *, wait_key: bool = False, hold_s: float = HOLD_S) -> DemoPlan:
    """The plan for `--demo [NAME]`; ScenarioError (with line and key) for a bad file."""
    scenario = load_scenario(find_scenario(name)) if name else None
    return DemoPlan(scenario, wait_key, hold_s)


def demo_console(
    config: ConsoleConfig, plan: DemoPlan | None = None, clock: Clock | None = None, **options
) -> tuple[Console, list[Tap]]:
    """A console whose recorder is a `Tap` (what the runner reads: which context each turn got),
    handing on to the real recorder when the operator records; the list fills at start. A
    scenario with `guard = false` turns the guard off, as `switchboard run` does."""
    taps: list[Tap] = []
    records = config.record
    console_clock = clock or time.monotonic  # the console's own default

    def recorder(cfg: ConsoleConfig, url: str) -> RecorderLike:
        inner = default_recorder(cfg, url, console_clock) if records else None
        tap = Tap(cfg.dialect, console_clock, inner)
        taps.append(tap)
        return tap

    guard = config.guard and (plan is None or plan.scenario is None or plan.scenario.guard)
    # record=True: the console starts a recorder (the tap) even when nothing is written.
    config = replace(config, record=True, guard=guard)
    return Console(config, clock=console_clock, recorder_factory=recorder, **options), taps


class DemoRunner(Runner):
    """The scenario runner, with the barge-in step done the demo's way (module docstring)."""

    def __init__(
        self,
        scenario: Scenario,
        console: Console,
        tap: Tap,
        plan: DemoPlan,
        on_prompt: Callable[[str], None],
    ) -> None:
        super().__init__(scenario, console, tap, console.clock)
        self.plan = plan
        self.on_prompt = on_prompt

    def _cut(self) -> bool:
        """The last turn was interrupted already (the operator pressed Escape)."""
        cid = self.last_context()
        turn = self.console.session.transcript.turn(cid) if cid else None
        return turn is not None and turn.interrupted

    async def _barge_in(self, i: int, step: BargeIn) -> None:
        if step.at_s is not None and self.submitted:
            moment = self.t0 + self.submitted[-1].at_s + step.at_s
            await self.until(lambda: self._cut() or self.clock() >= moment, step.at_s + step.timeout_s)
        elif step.after_words is not None:
            wanted = step.after_words

            def heard() -> bool:
                cid = self.last_context()
                words = self.collector.heard_words(cid) if cid else None
                return words is not None and words >= wanted

            if not await self.until(lambda: self._cut() or heard(), step.timeout_s):
                self.errors.append((self.now(), f"step {i}: {wanted} words were not heard within {step.timeout_s:g} s"))
        if not self._cut():
            if self.plan.wait_key:
                self.on_prompt(PROMPT)
                # Until Escape, or until the turn is all heard: then there is nothing left to cut.
                pressed = await self.until(lambda: self._cut() or self._last_heard(), self.plan.key_timeout_s)
                self.on_prompt("")
                if not self._cut():
                    why = "the turn ended before Escape" if pressed else f"no Escape in {self.plan.key_timeout_s:g} s"
                    self.errors.append((self.now(), f"step {i}: {why}"))
                    if pressed:
                        return  # heard whole: no barge-in, and no caller to hold for
            if not self._cut():
                await super()._barge_in(i, BargeIn())  # now: the runner's own press and bookkeeping
        await asyncio.sleep(self.plan.hold_s)


async def play_demo(app: SwitchboardApp, plan: DemoPlan, screen: DemoScreen, taps: list[Tap]) -> None:
    """Play `plan.scenario` on the app's console once it is connected; the end in the title."""
    console = app.core
    scenario = plan.scenario
    if scenario is None:
        return
    screen.set_playing(True)
    try:
        loop = asyncio.get_running_loop()
        end = loop.time() + CONNECT_TIMEOUT_S
        while not (console.connected and taps):
            if loop.time() > end:
                app.report(f"demo: no connection within {CONNECT_TIMEOUT_S:g} s: {scenario.name} did not play")
                screen.finished("not played: no connection")
                return
            await asyncio.sleep(0.05)
        runner = DemoRunner(scenario, console, taps[0], plan, screen.set_prompt)
        await runner.play(screen.set_step)
        for _, message in runner.errors:
            app.report(f"demo: {message}", level="warning")
        screen.finished("the end" if not runner.errors else "the end (see the banner)")
    finally:
        screen.set_prompt("")
        screen.set_playing(False)


# ---- the command line: `switchboard --demo [SCENARIO] [--demo-wait-key]` ---------------------


def open_demo(args: argparse.Namespace, make_config: Callable[[argparse.Namespace], ConsoleConfig]) -> int:
    """Open the console in the demo layout, playing the scenario `args.demo` names ("" none).

    Exit 2 with one line for a bad scenario file or bad options; the scenario's dialect and
    output format apply where the command line names none and the local server plays it, as
    `switchboard run` does."""

    def fail(message: str) -> int:
        print(f"switchboard: error: {redact_query_secrets(message)}", file=sys.stderr)
        return 2

    if args.headless:
        return fail("--demo is the full-screen console; it does not go with --headless")
    try:
        plan = load_plan(args.demo or None, wait_key=args.demo_wait_key)
    except ScenarioError as exc:
        return fail(str(exc))
    scenario = plan.scenario
    if scenario is not None and args.provider in (None, "local") and args.url is None:
        args.dialect = args.dialect or scenario.dialect
        args.output_format = args.output_format or scenario.output_format
        if args.server_faults is None and scenario.server_faults:
            args.server_faults, args.fault_seed = scenario.server_faults, scenario.fault_seed
    try:
        config = make_config(args)
    except (ConfigError, ValueError) as exc:
        return fail(str(exc))
    misfit = provider_fit(scenario, config) if scenario is not None else None
    if misfit:  # e.g. a barge-in after N words on Murf, which sends no word timings
        return fail(misfit)
    from .app import SwitchboardApp  # Textual loads only when the full-screen console is wanted

    console, taps = demo_console(config, plan)
    SwitchboardApp(console, demo=plan, demo_taps=taps).run()
    return 0
