"""Carrying out a `FaultSpec` (faults.py): a seeded plan per server, per connection a model wrapper
and the pacing of each turn's audio.

The dialect models stay faithful; faults sit at two seams of the runtime (connection.py):
- `ConnectionFaults.wrap(model)`: a `FaultyModel` between the runtime and the model rewrites
  the model's actions (the flush→close race, the exhausted quota) and lowers Murf's limit.
- `ConnectionFaults.pace(...)`: what a turn's lane sends goes through `AudioPacing` (first-audio
  delay, jitter, dropping the TCP connection).

Every decision is drawn from a `random.Random` seeded by (seed, connection number, fault), so
the same seed and the same client behaviour give the same faults, and one fault's draws do not
shift another's. Each fault is logged (warning; latency at info) when it fires; the client sees
only frames, or their absence, as from the real service.

How the race is carried out: a flush that the draw dooms has its audio held for `RACE_WINDOW`.
A close_context for that context within the window loses the race (the held audio and whatever
the context still had to send are dropped, then an isFinal with no audio, or nothing, and the
server forgets the context); with no close in time the held audio goes out late and nothing
else happens (the race needs the close).
"""

from __future__ import annotations

import itertools
import logging
import random
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tui.protocol import dialogue, elevenlabs as el, inworld, murf
from tui.protocol.frames import ErrorFrame

from .actions import Abandon, Action, Generate, SendError, SendFinal, Turn
from .clock import Clock, sleep_on
from .contexts import MultiContextConnection
from .faults import RACE_WINDOW, FaultSpec, Seam
from .inworld_contexts import InworldConnection
from .logs import RedactingLogger
from .model import DialectModel, Model
from .murf_turns import MurfConnection

_LOGGER = logging.getLogger("tui.server.faults")  # the name `--log-level` and tests filter on
DEFAULT_FAULT_SEED = 1
_NO_ID = object()

Send = Callable[[str], Awaitable[None]]
Finished = Callable[[Generate], Awaitable[None]]


@dataclass
class _Hold:
    """A doomed flush's audio, held until a close loses the race or the window passes."""

    deadline: float
    silent: bool
    actions: list[Action] = field(default_factory=list)


class FaultPlan:
    """The faults of one server: `connection(label)` for each accepted socket, in order."""

    def __init__(self, spec: FaultSpec, seed: int = DEFAULT_FAULT_SEED) -> None:
        self.spec = spec
        self.seed = seed
        self._numbers = itertools.count(1)

    def connection(self, label: str, clock: Clock) -> ConnectionFaults:
        return ConnectionFaults(self.spec, self.seed, next(self._numbers), label, clock)


class ConnectionFaults:
    def __init__(self, spec: FaultSpec, seed: int, number: int, label: str, clock: Clock) -> None:
        self.spec = spec
        self.clock = clock
        self._seed = f"{seed}/{number}"
        self._label = f"connection {number} ({label})"
        self._rngs: dict[str, random.Random] = {}
        self._log = RedactingLogger(_LOGGER)

    def rng(self, fault: str) -> random.Random:
        if fault not in self._rngs:
            self._rngs[fault] = random.Random(f"{self._seed}/{fault}")  # str seeds are stable across runs
        return self._rngs[fault]

    def roll(self, fault: str, probability: float) -> bool:
        return probability > 0 and self.rng(fault).random() < probability

    def fired(self, fault: str, what: str, level: int = logging.WARNING) -> None:
        self._log.log(level, "fault %s on %s: %s", fault, self._label, what)

    def race_outcome(self) -> str | None:
        """'silent' (no isFinal), 'empty' (isFinal with no audio), or None (no race) for a flush."""
        if self.roll("race_silent", self.spec.race_silent):
            return "silent"
        if self.roll("race_empty", self.spec.race_empty):
            return "empty"
        if self.roll("race", self.spec.race):
            return "silent" if self.rng("race_outcome").random() < 0.5 else "empty"
        return None

    def wrap(self, model: DialectModel) -> Model:
        return FaultyModel(model, self) if self.spec.acts_at(Seam.ACTIONS) else model

    def pace(self, turn: Turn, send: Send, finished: Finished, abort: Callable[[], None]) -> tuple[Send, Finished]:
        if not self.spec.acts_at(Seam.AUDIO):
            return send, finished
        pacing = AudioPacing(self, turn, send, finished, abort)
        return pacing.send, pacing.finished


_RACING_MODELS = (MultiContextConnection, InworldConnection)
_CLOSES = (el.CloseContext, inworld.CloseContext)  # a cancel drops the audio itself: no race


class FaultyModel:
    """A dialect model with faults: same interface (model.Model), rewritten actions."""

    def __init__(self, model: DialectModel, faults: ConnectionFaults) -> None:
        self._model = model
        self._faults = faults
        self._clock = faults.clock
        self._holds: dict[Turn, _Hold] = {}
        self._quota_drawn: weakref.WeakSet[Turn] = weakref.WeakSet()
        self._abandoned: weakref.WeakSet[Turn] = weakref.WeakSet()
        self._spent: set[str | None] = set()  # ids the quota answered: frames ignored until their close
        # The race needs a close that still generates what is flushed: ElevenLabs' and Inworld's
        # close_context (PROTOCOL-DIALECTS.md §1.4: "the same close race as ElevenLabs").
        self._races = isinstance(model, _RACING_MODELS)
        if faults.spec.murf_limit and isinstance(model, MurfConnection):
            model.max_contexts = faults.spec.murf_limit

    @property
    def done(self) -> bool:
        return self._model.done

    @done.setter
    def done(self, value: bool) -> None:
        self._model.done = value

    def receive(self, frame: object) -> list[Action]:
        cid = getattr(frame, "context_id", _NO_ID)
        if cid in self._spent:
            self._model.last_frame = self._clock()  # still a frame: the socket is not idle
            ends = (*_CLOSES, inworld.CancelContext, dialogue.CloseContext, murf.End, murf.Clear)
            if isinstance(frame, ends) or getattr(frame, "end", False):
                self._spent.discard(cid)
            return []
        turn = self._open_context(frame.context_id) if isinstance(frame, _CLOSES) else None
        actions = self._model.receive(frame)
        hold = self._holds.pop(turn, None) if turn is not None else None
        if turn is not None and hold is not None:
            # The close came while the flush's audio was held: the race is lost.
            outcome = "no isFinal" if hold.silent else "isFinal with no audio"
            self._faults.fired("race", f"close_context {cid} right after its flush: {outcome}")
            actions = [a for a in actions if not (isinstance(a, SendFinal) and a.turn is turn)]
            actions.append(self._abandon(turn, final=not hold.silent))
        self._note_limit(actions)
        return self._filter(actions)

    def generation_finished(self, generate: Generate) -> list[Action]:
        if generate.turn in self._abandoned:
            return []
        return self._filter(self._model.generation_finished(generate))

    def expire(self) -> list[Action]:
        actions = self._filter(self._model.expire())
        now = self._clock()
        for turn, hold in list(self._holds.items()):
            if hold.deadline <= now:  # no close in time: the held audio goes out late, no race
                del self._holds[turn]
                actions += hold.actions
        return actions

    def next_deadline(self) -> float | None:
        deadlines = [h.deadline for h in self._holds.values()]
        own = self._model.next_deadline()
        return min(deadlines + ([own] if own is not None else []), default=None)

    # ---- internals -----------------------------------------------------------------------

    def _open_context(self, cid: str | None) -> Turn | None:
        if not isinstance(self._model, _RACING_MODELS):
            return None
        turn = self._model.contexts.get(cid)
        return turn if turn is not None and not turn.closing else None

    def _filter(self, actions: list[Action]) -> list[Action]:
        out: list[Action] = []
        for action in actions:
            turn: Turn | None = getattr(action, "turn", None)  # most actions are about one turn
            if turn is not None and turn in self._abandoned and not isinstance(action, Abandon):
                continue  # the fault has answered this turn already
            if isinstance(action, Generate):
                turn = action.turn
                if turn not in self._quota_drawn:
                    self._quota_drawn.add(turn)
                    if self._faults.roll("quota", self._faults.spec.quota):
                        self._faults.fired("quota", f"context {turn.context_id}: final at once, no audio, no error")
                        self._spent.add(turn.context_id)
                        out.append(self._abandon(turn, final=True))
                        continue
                if turn in self._holds:  # later audio waits behind the held flush: order kept
                    self._holds[turn].actions.append(action)
                    continue
                if action.flush and self._races and (outcome := self._faults.race_outcome()) is not None:
                    self._holds[turn] = _Hold(self._clock() + RACE_WINDOW, outcome == "silent", [action])
                    continue
            out.append(action)
        return out

    def _abandon(self, turn: Turn, *, final: bool) -> Action:
        self._abandoned.add(turn)
        self._holds.pop(turn, None)
        self._model.forget(turn)  # the server no longer counts it
        return Abandon(turn, final)

    def _note_limit(self, actions: list[Action]) -> None:
        if not self._faults.spec.murf_limit:
            return
        for action in actions:
            if isinstance(action, SendError) and action.error.message == murf.CONTEXT_LIMIT_MESSAGE:
                error: ErrorFrame = action.error
                self._faults.fired(
                    "murf_limit", f"context {error.context_id} refused: more than {self._faults.spec.murf_limit} active"
                )


class AudioPacing:
    """One turn's audio frames on their way out: first-audio delay, jitter, the dropped connection."""

    def __init__(
        self, faults: ConnectionFaults, turn: Turn, send: Send, finished: Finished, abort: Callable[[], None]
    ) -> None:
        self._faults = faults
        self._turn = turn
        self._send = send
        self._finished = finished
        self._abort = abort
        self._first = True  # the next frame is the first of a generation

    async def send(self, frame: str) -> None:
        spec, faults, cid = self._faults.spec, self._faults, self._turn.context_id
        drop = False
        if self._first:
            self._first = False
            delay = spec.ttfa.draw(faults.rng("ttfa")) if spec.ttfa else 0.0
            if delay:
                faults.fired("ttfa", f"{delay * 1000:.0f} ms before audio of context {cid}", logging.INFO)
            drop = faults.roll("drop", spec.drop)
        else:
            delay = faults.rng("jitter").uniform(0.0, spec.jitter) if spec.jitter else 0.0
        await sleep_on(faults.clock, delay)
        await self._send(frame)
        if drop:
            faults.fired("drop", f"TCP connection aborted after the first audio of context {cid} (client sees 1006)")
            self._abort()

    async def finished(self, generate: Generate) -> None:
        self._first = True
        await self._finished(generate)
