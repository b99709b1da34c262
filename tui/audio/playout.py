"""The speaker's model of turns: play order, queued audio, and how much of each turn was heard.

Backend-independent and Textual-free. Turns play one after another in the order they were
opened; a turn whose queue runs dry before its final is still the current one (the device plays
silence and the underrun is counted). The device's thread pulls exactly the frames it asks for
and says when they will become audible; from those stamps each turn knows how many of its
samples the listener has heard at any instant.

Thread-safety: one lock, held only for queue bookkeeping (never while decoding or calling a
device), so the audio thread never waits on slow work. Feeds of one context come from one
thread (the receive loop), in wire order.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from tui.protocol.formats import AudioFormat

from .decode import TurnDecoder, turn_decoder
from .jitter import PlayoutDelay, lateness

SAMPLE_BYTES = 2  # s16le mono
_REMEMBERED_TURNS = 256  # finished turns kept for heard_samples() look-ups


@dataclass(frozen=True)
class Progress:
    """How much of one context the listener has heard; `finished` once that can no longer grow."""

    context_id: str
    heard_samples: int
    sample_rate: int
    finished: bool

    @property
    def heard_seconds(self) -> float:
        return self.heard_samples / self.sample_rate if self.sample_rate else 0.0


@dataclass(frozen=True)
class Want:
    """What the device should be doing: play `rate` from `start_at` (clock time)."""

    rate: int
    start_at: float


class _Turn:
    __slots__ = (
        "context_id",
        "rate",
        "chunks",
        "offset",
        "queued",
        "decoder",
        "fed",
        "pulled",
        "first_arrival",
        "worst_lateness",
        "ended",
        "stopped",
        "drained",
        "final_heard",
        "reported",
        "underruns",
        "starving",
        "blocks",
    )

    def __init__(self, context_id: str) -> None:
        self.context_id = context_id
        self.rate = 0
        self.chunks: deque[bytes] = deque()
        self.offset = 0  # bytes of chunks[0] already pulled
        self.queued = 0  # bytes waiting to be pulled
        self.decoder: TurnDecoder | None = None  # wire bytes → mono PCM, made at the first feed
        self.fed = 0  # samples queued so far
        self.pulled = 0  # samples handed to the device
        self.first_arrival: float | None = None
        self.worst_lateness: float | None = None
        self.ended = False  # its final arrived: no more audio will come
        self.stopped = False
        self.drained = False  # ended and every sample pulled
        self.final_heard: int | None = None
        self.reported: tuple[int, bool] | None = None
        self.underruns = 0
        self.starving = False
        # Recent pulls, kept until heard so a halted device can give them back:
        # (clock time the block becomes audible, index of its first sample, samples, bytes).
        self.blocks: deque[tuple[float, int, int, bytes]] = deque(maxlen=64)

    def heard(self, now: float) -> int:
        if self.final_heard is not None:
            return self.final_heard
        for at, first, count, _ in reversed(self.blocks):
            if at <= now:
                return first + min(count, int((now - at) * self.rate + 1e-6))
        return self.blocks[0][1] if self.blocks else self.pulled

    def take(self, nbytes: int) -> bytes:
        parts = []
        need = nbytes
        while need and self.chunks:
            head = self.chunks[0]
            avail = len(head) - self.offset
            if avail <= need:
                parts.append(head[self.offset :] if self.offset else head)
                self.chunks.popleft()
                self.offset = 0
                need -= avail
            else:
                parts.append(head[self.offset : self.offset + need])
                self.offset += need
                need = 0
        self.queued -= nbytes - need
        return b"".join(parts)

    def rewind(self, now: float) -> None:
        """Queue again what was pulled but not heard (the device dropped it)."""
        heard = self.heard(now)
        back = [
            data[max(0, heard - first) * SAMPLE_BYTES :]
            for _, first, count, data in self.blocks
            if first + count > heard
        ]
        if not back:
            return
        if self.offset:
            self.chunks[0] = self.chunks[0][self.offset :]
            self.offset = 0
        again = b"".join(back)
        self.chunks.appendleft(again)
        self.queued += len(again)
        self.pulled -= len(again) // SAMPLE_BYTES
        self.blocks.clear()

    def drop_queue(self) -> None:
        self.chunks.clear()
        self.offset = self.queued = 0


class Playout:
    def __init__(
        self, delay: PlayoutDelay | None = None, prefill: float = 0.0, on_first_audio: Callable[[], None] | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._turns: OrderedDict[str, _Turn] = OrderedDict()
        self._order: deque[_Turn] = deque()  # neither drained nor stopped, in open order
        self._reporting: list[_Turn] = []  # progress not yet final
        self._delay = delay or PlayoutDelay()
        self.prefill = prefill  # how far the device pulls ahead (seconds)
        self._busy_until = 0.0  # when the last pulled sample will be heard
        # Called (lock released) when a turn's first audio is queued: the only feed that can
        # change what `want` says; later chunks of a turn change nothing the device's owner
        # decides on, so they wake no one.
        self._on_first_audio = on_first_audio

    # ---- the caller's side -------------------------------------------------------------

    def open(self, context_id: str) -> None:
        """A context opened: its place in the play order is fixed now. An id whose earlier
        context was stopped or played out starts afresh (the server opens a new context for a
        finished id), so its audio plays instead of being ignored as the old one's."""
        with self._lock:
            turn = self._turns.get(context_id)
            if turn is not None and (turn.stopped or turn.drained):
                del self._turns[context_id]
                if turn in self._reporting:
                    self._reporting.remove(turn)
            self._turn(context_id)

    def feed(self, context_id: str, data: bytes, fmt: AudioFormat, now: float) -> str | None:
        """Queue wire bytes; returns why they were refused, or None (queued, or ignored because
        the turn was stopped or already played out)."""
        with self._lock:
            turn = self._turn(context_id)
            if turn.stopped or turn.drained:
                return None
            if turn.rate and turn.rate != fmt.sample_rate:
                return (
                    f"context {context_id!r} changed from {turn.rate} Hz to "
                    f"{fmt.sample_rate} Hz mid-turn; chunk dropped"
                )
            if turn.decoder is None:
                try:
                    turn.decoder = turn_decoder(fmt)
                except ValueError as exc:
                    return str(exc)
            decoder = turn.decoder
        # Decoding (G.711, MP3) is slow: outside the lock. Feeds of a turn come from one
        # thread in wire order, so its decoder is never used by two at once.
        pcm = decoder.decode(data)
        if not pcm:
            return None
        with self._lock:
            if turn.stopped or turn.drained:
                return None
            turn.rate = fmt.sample_rate
            first = turn.first_arrival is None
            if turn.first_arrival is None:  # not `if first`: mypy narrows only this form
                turn.first_arrival = now
            else:
                late = lateness(now, turn.first_arrival, turn.fed, turn.rate)
                worst = turn.worst_lateness
                turn.worst_lateness = late if worst is None else max(worst, late)
            turn.chunks.append(pcm)
            turn.queued += len(pcm)
            turn.fed += len(pcm) // SAMPLE_BYTES
        if first and self._on_first_audio is not None:
            self._on_first_audio()
        return None

    def end(self, context_id: str) -> None:
        with self._lock:
            turn = self._turn(context_id)
            turn.ended = True
            if not turn.queued and not turn.stopped and not turn.drained:
                self._drain(turn)

    def stop(self, context_id: str, now: float) -> bool:
        """Drop the turn's queue and ignore its later audio. True when samples of it are still
        in the device: the caller must halt the device to silence them."""
        with self._lock:
            turn = self._turn(context_id)
            if turn.stopped or turn.final_heard is not None:
                return False
            turn.final_heard = turn.heard(now)
            in_device = turn.final_heard < turn.pulled
            turn.stopped = True
            turn.drop_queue()
            if not turn.drained:
                self._order.remove(turn)
                self._delay.observe(turn.worst_lateness)
            if turn.fed and turn not in self._reporting:
                self._reporting.append(turn)
            return in_device

    def device_halted(self, now: float) -> None:
        """The device dropped whatever it held. Turns already played out were heard up to now;
        the turn being played (if not stopped) gets its unheard samples back and resumes there."""
        with self._lock:
            for turn in self._reporting:
                if turn.drained and turn.final_heard is None:
                    turn.final_heard = turn.heard(now)
            if self._order:
                self._order[0].rewind(now)
            self._busy_until = min(self._busy_until, now)

    # ---- queries ---------------------------------------------------------------------

    def current_id(self) -> str | None:
        """The turn now playing or next to play (the one a barge-in interrupts)."""
        with self._lock:
            return self._order[0].context_id if self._order else None

    def playing_id(self, now: float) -> str | None:
        with self._lock:
            if self._order and self._order[0].pulled:
                return self._order[0].context_id
            for turn in self._reporting:
                if not turn.stopped and turn.final_heard is None and turn.heard(now) < turn.pulled:
                    return turn.context_id
            return None

    def heard(self, context_id: str, now: float) -> tuple[int, int]:
        """(samples heard, sample rate) of a context; (0, 0) for one never seen."""
        with self._lock:
            turn = self._turns.get(context_id)
            return (turn.heard(now), turn.rate) if turn else (0, 0)

    def underruns(self, context_id: str) -> int:
        with self._lock:
            turn = self._turns.get(context_id)
            return turn.underruns if turn else 0

    def want(self, now: float) -> Want | None:
        """The device should play the head turn's rate from `start_at`; None: nothing to play."""
        with self._lock:
            turn = self._order[0] if self._order else None
            if turn is None or not turn.rate:
                return None
            if self._startable(turn, now):
                return Want(turn.rate, now)
            assert turn.first_arrival is not None
            return Want(turn.rate, turn.first_arrival + self._delay.start_delay(self.prefill))

    def busy_until(self) -> float:
        """Clock time by which everything handed to the device will have been heard."""
        with self._lock:
            return self._busy_until

    def progress(self, now: float) -> tuple[list[Progress], bool]:
        """Progress of every turn whose heard count or state changed since the last call, and
        whether some turn is still being heard (more progress to come)."""
        out: list[Progress] = []
        with self._lock:
            still: list[_Turn] = []
            for turn in self._reporting:
                heard = turn.heard(now)
                if turn.drained and turn.final_heard is None and heard >= turn.pulled:
                    turn.final_heard = heard = turn.pulled
                finished = turn.final_heard is not None
                if turn.reported != (heard, finished):
                    turn.reported = (heard, finished)
                    out.append(Progress(turn.context_id, heard, turn.rate, finished))
                if not finished:
                    still.append(turn)
            self._reporting = still
        return out, bool(still)

    # ---- the device's side -------------------------------------------------------------

    def pull(self, frames: int, rate: int, audible_at: float, now: float) -> bytes:
        """Exactly `frames` frames for a device playing `rate`; silence where nothing is due.
        `audible_at` is when the first of them will be heard."""
        want = frames * SAMPLE_BYTES
        parts: list[bytes] = []
        got = 0
        with self._lock:
            while got < want and self._order:
                turn = self._order[0]
                if turn.rate != rate or not self._startable(turn, now):
                    break
                data = turn.take(want - got)
                if data:
                    if not turn.pulled:
                        self._reporting.append(turn)
                    at = audible_at + got / SAMPLE_BYTES / rate
                    turn.blocks.append((at, turn.pulled, len(data) // SAMPLE_BYTES, data))
                    turn.pulled += len(data) // SAMPLE_BYTES
                    turn.starving = False
                    parts.append(data)
                    got += len(data)
                if turn.queued:
                    continue
                if turn.ended:
                    self._drain(turn)
                    continue
                if got < want and turn.pulled and not turn.starving:
                    turn.starving = True
                    turn.underruns += 1
                break
            if got:
                self._busy_until = max(self._busy_until, audible_at + got / SAMPLE_BYTES / rate)
        if got < want:
            parts.append(bytes(want - got))
        return b"".join(parts)

    # ---- internals (lock held) -----------------------------------------------------------

    def _turn(self, context_id: str) -> _Turn:
        turn = self._turns.get(context_id)
        if turn is None:
            turn = self._turns[context_id] = _Turn(context_id)
            self._order.append(turn)
            self._forget_finished()
        return turn

    def _forget_finished(self) -> None:
        while len(self._turns) > _REMEMBERED_TURNS:
            oldest = next(iter(self._turns.values()))
            if oldest.final_heard is None or oldest in self._reporting:
                return
            del self._turns[oldest.context_id]

    def _startable(self, turn: _Turn, now: float) -> bool:
        if turn.pulled or turn.ended:
            return True
        if turn.first_arrival is None:
            return False
        return now >= turn.first_arrival + self._delay.start_delay(self.prefill)

    def _drain(self, turn: _Turn) -> None:
        turn.drained = True
        if turn in self._order:
            self._order.remove(turn)
        self._delay.observe(turn.worst_lateness)
        if turn not in self._reporting:
            self._reporting.append(turn)
