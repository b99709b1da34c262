"""What a run did, read from the console as it happens: one `Lane` per context for the timeline,
and per-turn facts at the end (from the session model: slot metrics, transcript words).

`Collector.on_changes` is a console observer: after every change it compares each changed slot's
metrics with the last copy it kept, so a frame sent, audio received, audio heard, the close and
the final each get the time they happened (the observer runs right after the `apply`). Slots are
reused by later contexts, so each context's figures are copied while its slot shows it.

`Tap` sits where the recorder sits (`Console(recorder_factory=...)`): it sees each frame and
each recorded action, which the model folds but does not keep: the error code of an error frame
(`max_active_conversations`), the moments of barge-ins and turn starts. It hands everything on
to a real recorder when one is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tui.clock import Clock
from tui.core.seams import RecorderLike
from tui.protocol.dialect import Dialect
from tui.protocol.frames import ErrorFrame
from tui.session import Changes, Session, SlotState
from tui.session.slot import SlotMetrics
from tui.session.transcript import TurnTranscript


@dataclass
class Lane:
    """One context on the run's time axis (seconds from the run's start)."""

    context_id: str
    slot: int  # 1-based, as the console shows it
    opened: float
    text: list[float] = field(default_factory=list)  # a frame with words went out
    audio: list[tuple[float, float]] = field(default_factory=list)  # (arrived, seconds of audio)
    heard: list[tuple[float, float]] = field(default_factory=list)  # (at, seconds heard so far)
    closed: float | None = None
    final: float | None = None
    barge_in: float | None = None
    errors: list[tuple[float, str]] = field(default_factory=list)
    state: str = ""
    metrics: SlotMetrics = field(default_factory=SlotMetrics)


@dataclass(frozen=True)
class TapError:
    at: float
    context_id: str | None
    code: str | None
    message: str


class Tap:
    """A recorder that keeps what the runner needs and hands on to `inner` (or nothing)."""

    def __init__(self, dialect: Dialect, clock: Clock, inner: RecorderLike | None = None) -> None:
        self._dialect, self._clock, self._inner = dialect, clock, inner
        self.t0 = clock()
        self.errors: list[TapError] = []
        self.turns: list[tuple[float, str, str]] = []  # (at, context_id, text) in start order
        self.barge_ins: list[tuple[float, str]] = []  # (at, context_id)
        self.closes: list[tuple[float, str]] = []  # (at, why) of the connection
        self.connections = 0  # how many times the connection came up

    def frame(self, direction: str, data: str | bytes) -> None:
        if direction == "received":
            event = self._dialect.decode_server(data)
            if isinstance(event, ErrorFrame):
                self.errors.append(TapError(self._now(), event.context_id, event.error, event.message))
        if self._inner is not None:
            self._inner.frame(direction, data)

    def action(self, kind: str, **fields: Any) -> None:
        if kind == "turn":
            self.turns.append((self._now(), str(fields.get("context_id")), str(fields.get("text", ""))))
        elif kind == "barge-in":
            self.barge_ins.append((self._now(), str(fields.get("context_id"))))
        elif kind == "connected":
            self.connections += 1
        elif kind == "closed" and not fields.get("expected"):
            self.closes.append(
                (self._now(), f"connection closed (code {fields.get('code')}) {fields.get('reason', '')}")
            )
        if self._inner is not None:
            self._inner.action(kind, **fields)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()

    def _now(self) -> float:
        return self._clock() - self.t0


class Collector:
    """A console observer that keeps a `Lane` per context and the transcript line of each turn."""

    def __init__(self, session: Session, clock: Clock, t0: float) -> None:
        self._session, self._clock, self.t0 = session, clock, t0
        self.lanes: list[Lane] = []
        self._by_key: dict[tuple[str, float | None], Lane] = {}
        self.transcripts: dict[str, TurnTranscript] = {}
        self.changed = 0  # bumps on every change: waiters look again

    def on_changes(self, changes: Changes) -> None:
        # Only the slots this change touched (`changes.slots`, what the slot panel repaints by):
        # it runs after every frame, and a Cartesia console can show 45 slots.
        self.changed += 1
        now = self._clock() - self.t0
        slots = self._session.slots
        for index in changes.slots:
            slot = slots[index] if index < len(slots) else None
            if slot is None or slot.context_id is None or slot.metrics.opened_at is None:
                continue
            key = (slot.context_id, slot.metrics.opened_at)
            lane = self._by_key.get(key)
            if lane is None:
                lane = Lane(slot.context_id, slot.index + 1, slot.metrics.opened_at - self.t0)
                self._by_key[key] = lane
                self.lanes.append(lane)
            self._follow(lane, slot.metrics, now)
            if slot.state is SlotState.INTERRUPTED and lane.barge_in is None:
                lane.barge_in = now
            if slot.error and not any(text == slot.error for _, text in lane.errors):
                lane.errors.append((now, slot.error))
            lane.state = slot.state.value
        if changes.transcript:  # a turn past the limit has no slot; the session keeps a bounded few
            for turn in self._session.transcript.turns:
                if turn.context_id:
                    self.transcripts[turn.context_id] = turn

    def _follow(self, lane: Lane, m: SlotMetrics, now: float) -> None:
        old = lane.metrics
        if m.chars_sent > old.chars_sent:
            lane.text.append(now)
        if m.audio_frames > old.audio_frames:
            lane.audio.append((now, m.audio_seconds - old.audio_seconds))
        if m.heard_seconds != old.heard_seconds:
            lane.heard.append((now, m.heard_seconds))
        if m.closed_at is not None and lane.closed is None:
            lane.closed = m.closed_at - self.t0
        if m.final_at is not None and lane.final is None:
            lane.final = m.final_at - self.t0
        if m != old:
            lane.metrics = replace(m)

    def lane(self, context_id: str) -> Lane | None:
        return next((lane for lane in self.lanes if lane.context_id == context_id), None)

    def heard_words(self, context_id: str) -> int | None:
        """Words of the turn the listener has heard so far (None: no word timings)."""
        turn = self._session.transcript.turn(context_id)
        return None if turn is None else turn.words_spoken()


# Reports of one stretch of playback arrive about every 0.28 s, each ending the audio it counts:
# two stretches closer than this are one (the report's own timing jitter).
HEARD_JOIN_SECONDS = 0.05


def heard_spans(heard: Sequence[Sequence[float]]) -> list[tuple[float, float]]:
    """When the listener was hearing a context, from its progress reports (at, seconds heard so
    far): the audio a report adds played in the moments just before it. A speaker starved of
    audio (the next sentence not generated yet, a paused scenario) leaves a gap, where one span
    from the first report to the last would draw sound that never played."""
    spans: list[tuple[float, float]] = []
    before = 0.0
    for at, seconds in heard:
        played, before = seconds - before, max(before, seconds)
        if played <= 0:
            continue
        start = max(0.0, at - played)
        if spans and start - spans[-1][1] <= HEARD_JOIN_SECONDS:
            spans[-1] = (spans[-1][0], at)
        else:
            spans.append((start, at))
    return spans
