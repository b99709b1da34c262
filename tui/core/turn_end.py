"""End-of-turn patterns: how a turn's last frames go out, to compare what each loses.

The live service can lose the audio of a turn whose `close_context` follows its `flush` within
a few milliseconds (PROTOCOL.md §5, pipecat #4681 / PR #5282): an `isFinal` with no audio, or
none at all. These are the four ways clients end a turn; the console can switch between them
live (each turn keeps the one it started with) and shows which one every turn used.

- `flush-close` (the default, today's behaviour and pipecat's): flush (if anything is unflushed)
  and `close_context` at once.
- `close-after-first-audio` (pipecat's proposed fix): flush, then `close_context` once the
  context's first audio has arrived. A turn of several sentences may already have audio from an
  earlier one when its last flush goes out; the close then goes at once, as in the fix.
- `close-after-last-audio`: flush, then `close_context` once all audio of the text sent has
  arrived. With alignment (the console's own URL asks for `sync_alignment=true`), that is when
  the alignment has reached the last word sent. A context that brings no alignment (Murf, or a
  `--url` without sync_alignment whose audio carries none) is taken as complete after
  `QUIET_AFTER_AUDIO` seconds with no new audio for it, counted from the later of the turn's end
  and its last audio; no close goes before its first audio.
- `flush-only`: flush and never close; the server's inactivity timeout closes the context
  (ElevenLabs: `inactivity_timeout`, 20 s unless the URL says otherwise) and sends its final.

Murf has no flush and its "close" is `{"end": true}`: `flush-close` sends `end` at once (as
today); the two deferred patterns send nothing at the turn's end and `end` later, by the same
rules (Murf sends no alignment, so `close-after-last-audio` uses the quiet period);
`flush-only` never sends `end` (Murf generates each sentence as its punctuation arrives; text
after the last sentence end waits for `max_buffer_delay_in_ms`, and the socket closes after
3 minutes of inactivity).

The single-context endpoint (`stream-input`) has no close_context: its close is `{"text": ""}`,
which also ends the socket. `flush-close` sends it at once (as today, no separate flush: the
empty text generates what is left); the deferred patterns flush first, then send it later;
`flush-only` flushes and leaves the socket to the server's inactivity timeout (the next turn
waits for the next connection, as after any turn there).

A deferred close is never sent for a context that has ended meanwhile (its final came, a
barge-in or a lost connection): waiting for audio that never comes ends with the server's own
inactivity close, which is the behaviour under study.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class TurnEnd(str, Enum):
    FLUSH_CLOSE = "flush-close"
    CLOSE_AFTER_FIRST_AUDIO = "close-after-first-audio"
    CLOSE_AFTER_LAST_AUDIO = "close-after-last-audio"
    FLUSH_ONLY = "flush-only"

    @property
    def deferred(self) -> bool:
        """The close waits for audio (it goes out later, from the turn's task)."""
        return self in (TurnEnd.CLOSE_AFTER_FIRST_AUDIO, TurnEnd.CLOSE_AFTER_LAST_AUDIO)


DEFAULT_TURN_END = TurnEnd.FLUSH_CLOSE
TURN_ENDS = tuple(p.value for p in TurnEnd)
# Seconds with no new audio after which a context with no alignment counts as complete. Longer
# than the local voices' gap between sentences and a loaded service's frame jitter (tens of
# ms), short enough that a developer comparing patterns does not wait on it.
QUIET_AFTER_AUDIO = 0.6


def parse_turn_end(value: object) -> TurnEnd:
    """The pattern named by `value`, or ValueError with one line listing the choices."""
    if isinstance(value, TurnEnd):
        return value
    try:
        return TurnEnd(str(value).strip().lower())
    except ValueError:
        raise ValueError(f"the end-of-turn pattern must be one of {', '.join(TURN_ENDS)}, not {value!r}") from None


def next_turn_end(current: TurnEnd) -> TurnEnd:
    """The pattern after `current`, in the order above, wrapping around."""
    order = list(TurnEnd)
    return order[(order.index(current) + 1) % len(order)]


@dataclass(frozen=True)
class AudioSeen:
    """What has arrived for a context: audio frames, and whether the alignment has reached the
    last word sent (None when no alignment has come at all)."""

    frames: int
    aligned_to_end: bool | None


class CloseWatch:
    """When a deferred pattern's close is due. `due(seen, now)` answers: 0.0 (close now), a clock
    time to look again at (the quiet period), or None (wait for more audio)."""

    def __init__(self, pattern: TurnEnd, ended_at: float, seen: AudioSeen) -> None:
        self.pattern = pattern
        self._frames = seen.frames
        self._last_change = ended_at  # the quiet period counts from the end or the last audio

    def due(self, seen: AudioSeen, now: float) -> float | None:
        if seen.frames != self._frames:
            self._frames, self._last_change = seen.frames, now
        if seen.frames == 0:
            return None
        if self.pattern is TurnEnd.CLOSE_AFTER_FIRST_AUDIO or seen.aligned_to_end:
            return 0.0
        if seen.aligned_to_end is None:
            return self._last_change + QUIET_AFTER_AUDIO
        return None  # aligned, not to the end yet: the rest is on its way
