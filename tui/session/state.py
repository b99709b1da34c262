"""`SessionState`: what one conversation holds (the slots, the frame log, the transcript, the
status strip, the banner) and the queries on it. `Session` (tui.session.model) folds events into
it; `Outbound` (tui.session.outbound) what the client sent.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from tui.clock import Clock
from tui.protocol import cartesia, elevenlabs, inworld, murf
from tui.protocol.dialect import Dialect
from tui.protocol.formats import AudioFormat, AudioMeter
from tui.protocol.secret import Secret

from .changes import Banner, Changes
from .framelog import DEFAULT_CAPACITY, FrameLog, Level
from .slot import DEFAULT_CONTEXT, OPEN_STATES, ContextSlot
from .status import StatusStrip, check_fields
from .transcript import Transcript

MURF_SOCKET_TIMEOUT = murf.SOCKET_INACTIVITY_TIMEOUT
# Services that close the whole socket after a while with no message, not each context: every
# open slot counts down to that one deadline, reset by any frame sent (Inworld: "10 minutes of
# inactivity across any context"; Cartesia: idle sockets closed after 5 minutes). The close
# arrives from the server; no context times out on its own.
SOCKET_TIMEOUTS: dict[Dialect, float] = {
    Dialect.MURF: MURF_SOCKET_TIMEOUT,
    Dialect.INWORLD: inworld.IDLE_TIMEOUT_SECONDS,
    Dialect.CARTESIA: cartesia.IDLE_TIMEOUT,
}


class SessionState:
    """The slots (one per context the dialect allows), the frame log, the transcript and the
    status strip of one connection, and what can be asked of them."""

    def __init__(
        self,
        dialect: Dialect = Dialect.ELEVENLABS,
        output_format: AudioFormat = AudioFormat("pcm", 22050),
        *,
        clock: Clock = time.monotonic,
        inactivity_timeout: float = elevenlabs.DEFAULT_INACTIVITY_TIMEOUT,
        guard: bool = True,
        log_capacity: int = DEFAULT_CAPACITY,
        secrets: Iterable[Secret | None] = (),
    ) -> None:
        self.dialect = dialect
        self.output_format = output_format
        # What each context's bytes decode to (MP3 frames, a WAV header, stereo), counted as they
        # arrive, so a turn's seconds are its decoded samples (bytes / rate is wrong for MP3).
        self.meter = AudioMeter(output_format)
        self.clock = clock
        # Murf times out the socket (3 minutes), ElevenLabs each context.
        self.socket_timeout = SOCKET_TIMEOUTS.get(dialect)
        self.inactivity_timeout = inactivity_timeout if self.socket_timeout is None else self.socket_timeout
        self.slots = [ContextSlot(i) for i in range(dialect.slot_count)]
        self.log = FrameLog(log_capacity, secrets)
        self.transcript = Transcript()
        self.status = StatusStrip(dialect=dialect.value, output_format=output_format.name, guard=guard)
        self.banner: Banner | None = None
        self.started_at = clock()
        self._turn_ids: set[str] = set()
        self._turn_counter = 0
        # The single-context endpoint names no context on the wire: each stream (one per socket,
        # one per turn) is named after the turn that opened it, so every turn keeps its own slot,
        # transcript line and speaker context. `_next_stream` is the turn whose opening frame is
        # due; `_stream_id` the stream on the socket now (or the last one).
        self._next_stream: str | None = None
        self._stream_id: str | None = None
        # Contexts the console released with no final (finals.release_overdue), by id: the
        # server may still count them, and a final that comes later is folded, not a stray.
        self.released: dict[str, float] = {}
        # Dialogue voices (Text-to-Dialogue `voice_id`s) → the label the transcript shows; a
        # front end may name them (e.g. from its voice list) before the first turn.
        self.speaker_names: dict[str, str] = {}
        self._lettered: set[str] = set()

    # ---- queries ---------------------------------------------------------------------------

    @property
    def guard(self) -> bool:
        return self.status.guard

    @property
    def default_context(self) -> str:
        """The context a frame without a context id addresses: on the single-context endpoint
        the stream on the socket (named after its turn), elsewhere the connection's default."""
        if self.dialect is Dialect.ELEVENLABS_SINGLE and self._stream_id is not None:
            return self._stream_id
        return DEFAULT_CONTEXT

    def slot_for(self, context_id: str | None) -> ContextSlot | None:
        """The slot showing this context (occupied or finished), if any."""
        cid = context_id if context_id is not None else self.default_context
        return next((s for s in self.slots if s.context_id == cid), None)

    def occupied_count(self) -> int:
        return sum(s.occupied for s in self.slots)

    def can_open_context(self) -> bool:
        """Whether a new context fits within the dialect's limit (what the server allows)."""
        limit = self.dialect.max_contexts
        return limit is None or self.occupied_count() < limit

    def open_contexts(self) -> list[ContextSlot]:
        """Occupied slots the client has not closed (the targets of keep-alive and flush)."""
        return [s for s in self.slots if s.occupied and s.state in OPEN_STATES and not s.close_sent]

    def new_context_id(self) -> str:
        """A fresh id for a turn (`turn_N`), never one a slot shows; the turn is not a phantom."""
        while True:
            self._turn_counter += 1
            cid = f"turn_{self._turn_counter}"
            if self.slot_for(cid) is None:
                self._turn_ids.add(cid)
                if self.dialect is Dialect.ELEVENLABS_SINGLE:
                    self._next_stream = cid
                return cid

    def adopt_turn(self, cid: str) -> None:
        """Count `cid` as a turn, not a phantom, as if `new_context_id` had returned it (a
        recorded turn being replayed); later fresh ids come after it."""
        self._turn_ids.add(cid)
        if self.dialect is Dialect.ELEVENLABS_SINGLE:
            self._next_stream = cid
        number = cid.removeprefix("turn_")
        if number.isdigit():
            self._turn_counter = max(self._turn_counter, int(number))

    def elapsed(self) -> float:
        return self.clock() - self.started_at

    def name_speakers(self, voice_ids: Iterable[str]) -> None:
        """Label a dialogue's voices in the order the front end lists them: A, B, ... (the
        labels an operator types before each speaker's words: tui.session.dialogue_speakers)."""
        for voice_id in voice_ids:
            if voice_id not in self._lettered:
                self.speaker_names[voice_id] = _letter(len(self._lettered))
                self._lettered.add(voice_id)

    def speaker_label_words(self) -> frozenset[str]:
        """The label words ("A:") a typed dialogue turn may hold: typed, never sent."""
        return frozenset(f"{label}:" for label in self.speaker_names.values())

    def speaker_label(self, voice_id: str | None) -> str | None:
        """Who speaks a dialogue segment, short: the name `speaker_names` gives the voice, else
        a letter by order of first appearance in this session (A, B, ...), so one voice keeps
        its label across turns. None for text no voice was named for (a one-voice dialect)."""
        if voice_id is None:
            return None
        label = self.speaker_names.get(voice_id)
        if label is None:
            label = self.speaker_names[voice_id] = _letter(len(self._lettered))
            self._lettered.add(voice_id)
        return label

    # ---- notes and banners (shared with inbound) -----------------------------------------

    def note(self, text: str, changes: Changes, *, level: Level = "info", context_id: str | None = None) -> None:
        self.log.add(self.elapsed(), "note", context_id, 0, text, level)
        changes.log = True

    def show_banner(self, text: str, changes: Changes, *, level: Level = "error") -> None:
        self.banner = changes.banner = Banner(text, level, self.elapsed())
        changes.status = True

    def _set_status(self, changes: Changes, **fields: object) -> None:
        check_fields(fields)
        for name, value in fields.items():
            setattr(self.status, name, value)
        changes.status = True


def _letter(n: int) -> str:
    """A, B, ... Z, then A2, B2, ...: a dialogue has a handful of voices (ten at most on eleven_v3)."""
    return chr(ord("A") + n % 26) + (str(n // 26 + 1) if n >= 26 else "")
