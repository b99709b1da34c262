"""A scenario as the runner reads it: typed steps and expectations, checked already (parse.py).

A scenario is a list of steps played in order, each one as soon as the one before it is done:
a turn (`say`) is done when it has been handed to the console (its words go on streaming while
the next steps run), a wait when what it waits for has happened (or its bound ran out), a
barge-in when it has been pressed. Times in a step are on the console's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tui.core.turn_end import TurnEnd

from .expect import Expectation

WAIT_FOR = ("idle", "final", "heard", "connected")


@dataclass(frozen=True)
class LlmPace:
    """Words as an LLM streams them: `burst` words at the fastest pace, then a pause of `gap_s`."""

    burst: int = 6
    gap_s: float = 0.25


@dataclass(frozen=True)
class Say:
    """A turn: `text` streamed at `pace` (words per second, or an LlmPace), ended by `turn_end`,
    with per-context `settings` (field name -> value, tui.session.settings). None: the scenario's."""

    text: str
    pace: float | LlmPace | None = None
    turn_end: TurnEnd | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    expect: tuple[Expectation, ...] = ()


@dataclass(frozen=True)
class Wait:
    """Wait for `until` (one of WAIT_FOR) or for `seconds`; bounded by `timeout_s`."""

    until: str | None = None
    seconds: float | None = None
    timeout_s: float = 30.0


@dataclass(frozen=True)
class BargeIn:
    """Press barge-in: `at_s` after the last turn was handed over, or once `after_words` of it
    were heard; neither: at once."""

    at_s: float | None = None
    after_words: int | None = None
    timeout_s: float = 30.0


@dataclass(frozen=True)
class Command:
    """One of the console's other commands: keep_alive, flush, reconnect, raw (with `frame`)."""

    name: str
    frame: str = ""
    timeout_s: float = 10.0  # reconnect: the bound on waiting for the connection


Step = Say | Wait | BargeIn | Command


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    steps: tuple[Step, ...]
    steps_lines: tuple[int, ...]  # the line of each step's table, for messages
    description: str = ""
    dialect: str | None = None  # the local server's dialect (a hosted provider has its own)
    output_format: str | None = None
    pace: float | LlmPace | None = None  # None: the console's default rate
    turn_end: TurnEnd | None = None
    guard: bool = True
    settings: Mapping[str, Any] = field(default_factory=dict)
    expect: tuple[Expectation, ...] = ()
    drain_timeout_s: float = 30.0  # the wait for everything to finish after the last step
    # The embedded local server's faults (`switchboard serve --faults`) and their seed; a hosted
    # provider or a --url ignores them, the command line's --server-faults replaces them.
    server_faults: str | None = None
    fault_seed: int | None = None

    @property
    def turns(self) -> list[Say]:
        return [s for s in self.steps if isinstance(s, Say)]
