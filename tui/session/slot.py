"""One context slot: the state machine of one context as the server counts it, and its metrics.

A slot is *occupied* from the first frame that names its context until the server's final for
it arrives (`awaiting_final`), whatever the client did meanwhile: a closed or interrupted context
still drains on the server and still counts toward the five-context limit (PROTOCOL.md §1.4).
One exception: a final that never comes (PROTOCOL.md §5). The console then stops waiting on its
own deadline (`await_final`, `give_up`; the values are in tui.session.finals).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

# Frames without a context id address the connection's default context (and the single-context
# endpoint has only that one): it is shown under this name.
DEFAULT_CONTEXT = "(default)"


class SlotState(str, Enum):
    FREE = "free"
    OPENING = "opening"  # opening message sent, no text yet
    STREAMING = "streaming"  # text frames going out
    GENERATING = "generating"  # flushed: the server has text to generate, no audio yet
    SPEAKING = "speaking"  # audio arriving for this context
    CLOSING = "closing"  # close_context / end sent: draining until the final
    FINAL = "final"  # the server's final arrived; the slot is free for reuse
    INTERRUPTED = "interrupted"  # barged in: its later audio is dropped (and counted)
    TIMED_OUT = "timed out"  # inactivity deadline passed: the server closes it and drains
    ERROR = "error"  # an error named it, or the connection went before its final


# Legal moves. A move not listed is ignored (the state stays): the model never raises on what
# the server or a hand-typed frame does, it only refuses to show an impossible story.
TRANSITIONS: dict[SlotState, frozenset[SlotState]] = {
    SlotState.FREE: frozenset({SlotState.OPENING, SlotState.STREAMING, SlotState.GENERATING, SlotState.CLOSING}),
    SlotState.OPENING: frozenset(
        {
            SlotState.STREAMING,
            SlotState.GENERATING,
            SlotState.SPEAKING,
            SlotState.CLOSING,
            SlotState.FINAL,
            SlotState.INTERRUPTED,
            SlotState.TIMED_OUT,
            SlotState.ERROR,
        }
    ),
    SlotState.STREAMING: frozenset(
        {
            SlotState.GENERATING,
            SlotState.SPEAKING,
            SlotState.CLOSING,
            SlotState.FINAL,
            SlotState.INTERRUPTED,
            SlotState.TIMED_OUT,
            SlotState.ERROR,
        }
    ),
    SlotState.GENERATING: frozenset(
        {
            SlotState.STREAMING,
            SlotState.SPEAKING,
            SlotState.CLOSING,
            SlotState.FINAL,
            SlotState.INTERRUPTED,
            SlotState.TIMED_OUT,
            SlotState.ERROR,
        }
    ),
    SlotState.SPEAKING: frozenset(
        {SlotState.CLOSING, SlotState.FINAL, SlotState.INTERRUPTED, SlotState.TIMED_OUT, SlotState.ERROR}
    ),
    SlotState.CLOSING: frozenset({SlotState.FINAL, SlotState.INTERRUPTED, SlotState.ERROR}),
    SlotState.TIMED_OUT: frozenset({SlotState.INTERRUPTED, SlotState.ERROR}),
    SlotState.INTERRUPTED: frozenset({SlotState.ERROR}),
    SlotState.FINAL: frozenset({SlotState.FREE}),
    SlotState.ERROR: frozenset({SlotState.FREE}),
}

# A barge-in may still cut a context the server has finished with (its final arrived) while the
# speaker plays its audio: at 20+ words/s all of a turn's audio arrives long before it is heard.
# These labels then give way to INTERRUPTED, through `interrupt` only, and only when audio of it
# was still unheard (what the listener heard decides).
CUT_AFTER_FINAL = frozenset({SlotState.FINAL, SlotState.TIMED_OUT})
# Heard this close to what was received counts as heard to the end (sample rounding).
HEARD_TO_END = 0.001

# States in which the client may still send text for the context.
OPEN_STATES = frozenset({SlotState.OPENING, SlotState.STREAMING, SlotState.GENERATING, SlotState.SPEAKING})


@dataclass
class SlotMetrics:
    """Counters and timestamps (monotonic clock seconds) of the context now in the slot."""

    chars_sent: int = 0
    frames_sent: int = 0
    bytes_sent: int = 0
    frames_received: int = 0
    bytes_received: int = 0
    audio_frames: int = 0
    audio_bytes: int = 0
    audio_seconds: float = 0.0
    heard_seconds: float = 0.0
    late_frames: int = 0  # audio after the client abandoned the context: dropped
    late_bytes: int = 0
    final_frame_audio_bytes: int = 0  # audio riding inside a final frame (pipecat drops it): a log note says so
    opened_at: float | None = None
    first_text_at: float | None = None  # first text frame with words in it
    first_trigger_at: float | None = None  # first flush / close / end: generation may start
    first_audio_at: float | None = None
    closed_at: float | None = None
    final_at: float | None = None
    # Markers before the final (flush done, turn final, context created: tui.session.inbound),
    # counted by their short word; the last one and when it came.
    markers: dict[str, int] = field(default_factory=dict)
    last_marker: str = ""
    last_marker_at: float | None = None

    def mark(self, word: str, now: float) -> None:
        self.markers[word] = self.markers.get(word, 0) + 1
        self.last_marker, self.last_marker_at = word, now

    @property
    def text_to_audio(self) -> float | None:
        """TTFA from the first text sent (the turn's first word) to the first audio: what the
        listener waits for after the agent starts talking."""
        if self.first_audio_at is None or self.first_text_at is None:
            return None
        return max(0.0, self.first_audio_at - self.first_text_at)

    @property
    def flush_to_audio(self) -> float | None:
        """TTFA from the first generation trigger (or the opening) to the first audio: what the
        service takes once asked to generate.

        A trigger seen after the first audio did not cause it (Murf starts generating on its own
        buffering rules: `max_buffer_delay_in_ms`, `min_buffer_size`), so the opening counts then.
        """
        if self.first_audio_at is None:
            return None
        start = self.first_trigger_at
        if start is None or start > self.first_audio_at:
            start = self.opened_at
        return None if start is None else max(0.0, self.first_audio_at - start)

    ttfa = flush_to_audio  # the name the console used first (and bench/ttfa.py measures)

    @property
    def close_to_final(self) -> float | None:
        if self.closed_at is None or self.final_at is None:
            return None
        return max(0.0, self.final_at - self.closed_at)


@dataclass
class ContextSlot:
    """One of the session's slots (one per context the dialect allows). `context_id` stays
    after the final so its numbers stay readable."""

    index: int
    state: SlotState = SlotState.FREE
    context_id: str | None = None
    awaiting_final: bool = False
    phantom: bool = False  # opened by a hand-typed frame, not by a turn
    close_sent: bool = False
    deadline: float | None = None  # inactivity deadline on the session clock; None = no countdown
    # The console's own wait for the final of a closed (or timed-out) context (tui.session.finals):
    # when it passes with no final, the slot is released (`give_up`). `final_wait` is its length.
    final_due: float | None = None
    final_wait: float = 0.0
    released_after: float | None = None  # the console gave up on its final after this many seconds
    cleared: bool = False  # a Murf clear cancelled it: no audio is owed
    no_audio_final: bool = False  # its final came with no audio although text was sent
    turn_end: str = ""  # the end-of-turn pattern of its turn (tui.core.turn_end)
    error: str | None = None
    metrics: SlotMetrics = field(default_factory=SlotMetrics)

    @property
    def occupied(self) -> bool:
        """True while the server counts this context (until its final)."""
        return self.awaiting_final

    @property
    def draining(self) -> bool:
        """Closed (or interrupted, or timed out) and still waiting for the server's final."""
        return self.awaiting_final and self.state in (SlotState.CLOSING, SlotState.INTERRUPTED, SlotState.TIMED_OUT)

    @property
    def accepts_audio(self) -> bool:
        """Whether audio for this context should be played (not abandoned, not finished)."""
        return self.awaiting_final and self.state is not SlotState.INTERRUPTED

    @property
    def due(self) -> float | None:
        """The deadline that runs now: the server's inactivity timeout while the context is open;
        once it is closed (or timed out), the console's own wait for its final."""
        if not self.awaiting_final:
            return None
        return self.deadline if self.state in OPEN_STATES else self.final_due

    @property
    def waiting_for_final(self) -> bool:
        """The countdown is the console's wait for the final, not the server's inactivity clock."""
        return self.awaiting_final and self.state not in OPEN_STATES and self.final_due is not None

    def countdown(self, now: float) -> float | None:
        """Seconds left before `due`; None when no deadline runs."""
        due = self.due
        return None if due is None else max(0.0, due - now)

    def move(self, to: SlotState) -> bool:
        """Take a legal transition; return whether the state changed."""
        if to is self.state or to not in TRANSITIONS[self.state]:
            return False
        self.state = to
        return True

    def occupy(self, context_id: str, now: float, *, phantom: bool) -> None:
        """Start a new context in this slot (it must not be occupied)."""
        self.state = SlotState.FREE
        self.context_id = context_id
        self.awaiting_final = True
        self.phantom = phantom
        self.close_sent = False
        self.deadline = None
        self._clear_final_watch()
        self.error = None
        self.turn_end = ""
        self.metrics = SlotMetrics(opened_at=now)

    def _clear_final_watch(self) -> None:
        self.final_due = None
        self.final_wait = 0.0
        self.released_after = None
        self.cleared = False
        self.no_audio_final = False

    def await_final(self, due: float, wait: float) -> None:
        """Wait for the final until `due` (`wait` seconds after the close); an earlier wait
        already running is kept (a Murf clear after an end may shorten it, never lengthen it)."""
        if self.awaiting_final and (self.final_due is None or due < self.final_due):
            self.final_due, self.final_wait = due, wait

    def give_up(self) -> None:
        """The console's wait for the final ran out: the slot stops counting, labelled why.
        An interrupted context stays interrupted (what the listener met), others become errors."""
        wait = self.final_wait
        self.lose(f"no final: released after {wait:g} s")
        self.released_after = wait

    def finish(self, now: float) -> None:
        """The server's final: the slot no longer counts; interrupted/timed-out labels stay."""
        self.awaiting_final = False
        self.deadline = self.final_due = None
        self.metrics.final_at = now
        if self.state in OPEN_STATES or self.state is SlotState.CLOSING:
            self.move(SlotState.FINAL)

    def fail(self, message: str) -> None:
        """An error named this context, or the connection went before its final."""
        self.error = message
        self.move(SlotState.ERROR)
        self.awaiting_final = False
        self.deadline = self.final_due = None

    def interrupt(self, heard_seconds: float | None) -> bool:
        """Barge-in on this context, with what the speaker had played of it (None: unknown).
        True if it is now interrupted: a context the server still counts is abandoned; a
        finished one only if its audio was still playing (heard < received), shown as heard vs
        received seconds. A turn heard to its end stays final."""
        if heard_seconds is not None:
            self.metrics.heard_seconds = heard_seconds
        if self.awaiting_final:
            self.move(SlotState.INTERRUPTED)
        elif self.state in CUT_AFTER_FINAL and (
            heard_seconds is None or heard_seconds + HEARD_TO_END < self.metrics.audio_seconds
        ):
            self.state = SlotState.INTERRUPTED
        return self.state is SlotState.INTERRUPTED

    def lose(self, message: str) -> None:
        """The connection went before this context's final: the server forgets it. A context
        the client had already abandoned stays interrupted (that is what the listener met; on
        the single-context endpoint a barge-in *is* closing the socket); others become errors."""
        if self.state is SlotState.INTERRUPTED:
            self.error = message
            self.awaiting_final = False
            self.deadline = self.final_due = None
        else:
            self.fail(message)
