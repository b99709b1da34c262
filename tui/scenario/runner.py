"""Play a scenario on a headless `Console`, the way an operator would, and keep its facts.

    result = await run_scenario(scenario, config)        # RunResult: turns, lanes, outcomes
    result = await run_scenario(scenario, config, on_step=lambda i, n, label: ...)

Each step goes to the console's own commands (submit_turn, barge_in, keep_alive, flush_now,
send_raw, reconnect; pace, end-of-turn pattern and settings as an operator sets them before a
turn); nothing is sent behind the console's back. A turn's pace, pattern and settings are set
just before it is handed over and hold until the next turn sets its own: a turn that has to wait
in the queue starts with those in force when it starts.

An LLM pace (`pace = "llm"`) is the console's rate switched between the fastest pace (a burst)
and the slowest (a pause) while the turn streams; the rate is the console's, so a turn streaming
alongside follows the same bursts.

Time: scripted barge-ins are placed on the console's clock (`clock`), `at_ms` after the last turn
was handed over; how late each one was pressed is in the result (`barge_ins`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from tui.clock import Clock, sleep_until
from tui.core import ConfigError, Console, ConsoleConfig
from tui.core.seams import RecorderLike, default_recorder
from tui.session import Changes, SlotState
from tui.session.pacer import MAX_RATE, MIN_RATE
from tui.session.settings import Settings
from tui.session.status import ConnectionState

from .facts import Collector, Lane, Tap
from .spec import BargeIn, Command, LlmPace, Say, Scenario, Step, Wait

CONNECT_TIMEOUT = 15.0
PLAYED_OUT = 0.02  # seconds still to hear that count as none (the speaker's last block)
StepCallback = Callable[[int, int, str], None]


class NoConnection(Exception):
    """The console could not start or connect; `str()` says why in one line."""


@dataclass
class Pressed:
    """One barge-in step: when it was scripted and when it was pressed (run seconds)."""

    step: int
    context_id: str | None
    pressed_s: float
    scripted_s: float | None = None  # at_ms: the moment asked for
    after_words: int | None = None
    heard_words: int | None = None  # words heard when it was pressed (after_words)
    heard_s: float | None = None  # seconds of the turn heard when it was pressed
    target_heard_s: float | None = None  # after_words: the midpoint of that word in the turn's audio

    @property
    def error_ms(self) -> float | None:
        """How late it was pressed: after the scripted moment (at_ms), or, after N words, how far
        past the Nth word's midpoint (where it counts as heard) the listener had heard."""
        if self.scripted_s is not None:
            return (self.pressed_s - self.scripted_s) * 1000
        if self.target_heard_s is not None and self.heard_s is not None:
            return (self.heard_s - self.target_heard_s) * 1000
        return None


@dataclass
class Submitted:
    step: int
    text: str
    at_s: float
    pace: float | str
    turn_end: str


@dataclass
class RunResult:
    scenario: Scenario
    provider: str
    dialect: str
    url: str
    started_wall: float
    duration_s: float = 0.0
    cpu_s: float = 0.0  # this process's CPU time while the steps played (console + runner)
    submitted: list[Submitted] = field(default_factory=list)
    barge_ins: list[Pressed] = field(default_factory=list)
    lanes: list[Lane] = field(default_factory=list)
    run_errors: list[tuple[float, str]] = field(default_factory=list)
    collector: Collector | None = None
    tap: Tap | None = None


def step_label(step: Step) -> str:
    match step:
        case Say(text=text):
            return f"say {text[:40]!r}" + ("…" if len(text) > 40 else "")
        case Wait(until=until, seconds=seconds):
            return f"wait {until}" if until else f"wait {seconds:g} s"
        case BargeIn(at_s=at, after_words=words):
            return (
                "barge-in"
                + (f" at {at * 1000:g} ms" if at is not None else "")
                + (f" after {words} words heard" if words else "")
            )
        case Command(name=name):
            return name
    return "step"


class Runner:
    def __init__(self, scenario: Scenario, console: Console, tap: Tap, clock: Clock) -> None:
        self.scenario, self.console, self.tap, self.clock = scenario, console, tap, clock
        self.t0 = clock()
        self.collector = Collector(console.session, clock, self.t0)
        tap.t0 = self.t0
        self.detach = console.add_observer(self._on_changes)  # a live console outlives its run
        self._wake = asyncio.Event()
        self._last_turn: Submitted | None = None
        self.submitted: list[Submitted] = []
        self.barge_ins: list[Pressed] = []
        self.errors: list[tuple[float, str]] = []
        self._llm: asyncio.Task[None] | None = None

    def _on_changes(self, changes: Changes) -> None:
        self.collector.on_changes(changes)
        self._wake.set()

    def now(self) -> float:
        return self.clock() - self.t0

    async def until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait (bounded) until `done()`: looked at after every change of the model, and every
        50 ms for what moves without one (the speaker's finished set)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not done():
            left = end - loop.time()
            if left <= 0:
                return False
            self._wake.clear()
            try:
                async with asyncio.timeout(min(left, 0.05)):
                    await self._wake.wait()
            except TimeoutError:
                pass
        return True

    async def play(self, on_step: StepCallback | None = None) -> None:
        steps = self.scenario.steps
        for i, step in enumerate(steps, 1):
            if on_step is not None:
                on_step(i, len(steps), step_label(step))
            await self._step(i, step)
        if not await self.until(self.idle, self.scenario.drain_timeout_s):
            self.errors.append((self.now(), f"still busy {self.scenario.drain_timeout_s:g} s after the last step"))
        if self._llm is not None:
            self._llm.cancel()

    async def _step(self, i: int, step: Step) -> None:
        c = self.console
        match step:
            case Say():
                self._say(i, step)
            case Wait(seconds=seconds) if seconds is not None:
                await asyncio.sleep(seconds)
            case Wait(until=until, timeout_s=timeout):
                done = {
                    "idle": self.idle,
                    "final": self._last_final,
                    "heard": self._last_heard,
                    "connected": lambda: c.connected,
                }[until or "idle"]
                if not await self.until(done, timeout):
                    self.errors.append((self.now(), f"step {i}: wait {until} ran out after {timeout:g} s"))
            case BargeIn():
                await self._barge_in(i, step)
            case Command(name="raw", frame=frame):
                self._result(i, c.send_raw(frame))
            case Command(name="keep_alive"):
                self._result(i, c.keep_alive())
            case Command(name="flush"):
                self._result(i, c.flush_now())
            case Command(name="reconnect", timeout_s=timeout):
                before = self.tap.connections
                c.reconnect()
                if not await self.until(lambda: c.connected and self.tap.connections > before, timeout):
                    self.errors.append((self.now(), f"step {i}: no connection {timeout:g} s after reconnect"))

    def _result(self, i: int, result: Any) -> None:
        if not result.ok:
            self.errors.append((self.now(), f"step {i}: {result.message}"))

    def _say(self, i: int, step: Say) -> None:
        c, sc = self.console, self.scenario
        pace = step.pace if step.pace is not None else sc.pace
        rate = pace if isinstance(pace, float) else (MAX_RATE if isinstance(pace, LlmPace) else c.config.rate)
        c.turns.rate = rate  # for this turn on; turns already streaming keep their pace
        pattern = step.turn_end or sc.turn_end or c.config.turn_end
        if pattern is not c.turn_end:
            c.set_turn_end(pattern)
        wanted = {**sc.settings, **step.settings}
        settings, problems = Settings.defaults(c.config.dialect).updated(
            {k: v if isinstance(v, bool) else str(v) for k, v in wanted.items()}
        )
        if problems:  # checked when the file was read; a hosted provider's family may differ
            self.errors.append((self.now(), f"step {i}: settings: {'; '.join(problems.values())}"))
        if settings != c.settings:
            c.set_settings(settings)
        sub = Submitted(i, step.text, self.now(), "llm" if isinstance(pace, LlmPace) else rate, c.turn_end.value)
        self.submitted.append(sub)
        self._last_turn = sub
        self._result(i, c.submit_turn(step.text))
        if isinstance(pace, LlmPace):
            if self._llm is not None:
                self._llm.cancel()
            self._llm = asyncio.ensure_future(self._bursts(pace))

    async def _bursts(self, pace: LlmPace) -> None:
        """Switch the console's rate between bursts and pauses while turns stream."""
        c = self.console
        try:
            while True:
                c.set_rate(MAX_RATE)
                await asyncio.sleep(pace.burst / MAX_RATE)
                if not c.turns.active:
                    return
                c.set_rate(MIN_RATE)
                await asyncio.sleep(pace.gap_s)
        finally:
            c.turns.rate = c.config.rate

    def last_context(self) -> str | None:
        """The context of the last turn handed over, once it has started."""
        n = len(self.submitted)
        return self.tap.turns[n - 1][1] if n and len(self.tap.turns) >= n else None

    def _last_final(self) -> bool:
        cid = self.last_context()
        slot = self.console.session.slot_for(cid) if cid else None
        return slot is not None and not slot.occupied

    def _last_heard(self) -> bool:
        cid = self.last_context()
        if cid is None:
            return False
        slot = self.console.session.slot_for(cid)
        speaker = self.console.speaker
        if slot is None or slot.occupied and slot.state is not SlotState.INTERRUPTED:
            return False
        finished = speaker is not None and cid in speaker.finished
        return finished or slot.state in (SlotState.INTERRUPTED, SlotState.ERROR)

    def idle(self) -> bool:
        """Nothing queued, no context the server still counts, nothing left to hear."""
        c = self.console
        if c.queued_turns or c.session.occupied_count():
            return False
        finished = c.speaker.finished if c.speaker is not None else set()
        return all(
            s.state is SlotState.INTERRUPTED
            or s.context_id in finished
            or s.metrics.audio_seconds - s.metrics.heard_seconds <= PLAYED_OUT
            for s in c.session.slots
            if s.metrics.audio_bytes
        )

    async def _barge_in(self, i: int, step: BargeIn) -> None:
        scripted = None
        if step.at_s is not None and self._last_turn is not None:
            scripted = self._last_turn.at_s + step.at_s
            await sleep_until(self.t0 + scripted, self.clock)
        elif step.after_words is not None:
            wanted = step.after_words

            def heard_enough() -> bool:
                cid = self.last_context()
                words = self.collector.heard_words(cid) if cid else None
                return words is not None and words >= wanted

            if not await self.until(heard_enough, step.timeout_s):
                self.errors.append((self.now(), f"step {i}: {wanted} words were not heard within {step.timeout_s:g} s"))
        pressed = self.now()
        cid = self.console.barge_in()
        last = self.last_context()
        heard_s = target = None
        turn = self.console.session.transcript.turn(last) if last is not None else None
        if turn is not None:
            heard_s = turn.heard_at_interrupt if turn.heard_at_interrupt is not None else turn.heard_seconds
            words = turn.words
            if step.after_words is not None and len(words) >= step.after_words:
                word = words[step.after_words - 1]
                if word.start is not None and word.end is not None:
                    target = (word.start + word.end) / 2
        heard_words = turn.words_spoken(heard_s) if turn is not None else None
        self.barge_ins.append(Pressed(i, cid, pressed, scripted, step.after_words, heard_words, heard_s, target))


async def run_scenario(
    scenario: Scenario,
    config: ConsoleConfig,
    *,
    clock: Clock = time.monotonic,
    on_step: StepCallback | None = None,
    record: bool = False,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> RunResult:
    """Run `scenario` once on a fresh console; NoConnection if it cannot start or connect.

    `record`: also write the session recording the console would (config.record_dir)."""
    config = replace(config, guard=config.guard and scenario.guard, record=True)  # record: the tap
    tap_box: list[Tap] = []

    def recorder(cfg: ConsoleConfig, url: str) -> RecorderLike:
        inner = default_recorder(cfg, url, clock) if record else None
        tap = Tap(cfg.dialect, clock, inner)
        tap_box.append(tap)
        return tap

    console = Console(config, clock=clock, recorder_factory=recorder)
    result = RunResult(scenario, config.provider, config.dialect.value, "", time.time())
    try:
        if not await console.start():
            banner = console.session.banner
            raise NoConnection(banner.text if banner else "the console could not start")
        if not await _connect(console, connect_timeout):
            raise NoConnection(_why_not_connected(console, connect_timeout))
        result.url = console.session.status.url
        tap = tap_box[0] if tap_box else Tap(config.dialect, clock)
        runner = Runner(scenario, console, tap, clock)
        cpu0 = time.process_time()
        await runner.play(on_step)
        result.duration_s = runner.now()
        result.cpu_s = time.process_time() - cpu0  # playing it: not the start or the shutdown
        result.submitted, result.barge_ins = runner.submitted, runner.barge_ins
        result.lanes, result.collector, result.tap = runner.collector.lanes, runner.collector, tap
        result.run_errors = runner.errors + tap.closes
    finally:
        await console.shutdown()
    return result


async def _connect(console: Console, timeout: float) -> bool:
    """Wait (bounded) for the connection; without auto-reconnect, the first failed attempt ends
    the wait (nothing would try again)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    status = console.session.status
    while not console.connected:
        failed = status.attempt > 0 and status.connection is ConnectionState.DISCONNECTED
        if loop.time() >= end or (failed and not console.config.auto_reconnect):
            return False
        await asyncio.sleep(0.02)
    return True


def _why_not_connected(console: Console, timeout: float) -> str:
    banner = console.session.banner
    status = console.session.status
    why = banner.text if banner else (status.close_reason or "")
    if why:
        return f"no connection to {status.url or 'the server'}: {why}"
    return f"no connection to {status.url or 'the server'} within {timeout:g} s"


__all__ = ["ConfigError", "NoConnection", "RunResult", "Runner", "run_scenario"]
