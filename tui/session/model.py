"""`Session`: the Textual-free model of one conversation. `apply(event)` in, `Changes` out.

The model counts contexts the way the server does, by decoding every client frame with the
dialect's own client decoder: a turn's frames, a command's, or a hand-typed one all open,
feed and close contexts alike, so a phantom context (a frame naming an unknown id) takes a slot
exactly as it does on the server. It never raises on anything the server sends.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from tui.clock import Clock
from tui.protocol import cartesia, elevenlabs, inworld, murf, stream_input
from tui.protocol.dialect import Dialect
from tui.protocol.formats import AudioFormat, AudioMeter
from tui.protocol.frames import DecodeError
from tui.protocol.secret import Secret
from tui.protocol.steps import ClientStep, StepKind

from . import finals, inbound
from .changes import Banner, Changes
from .events import (
    Connected,
    Connecting,
    Disconnected,
    FrameReceived,
    FrameSent,
    Interrupted,
    Notice,
    ReconnectScheduled,
    SendFailed,
    SessionEvent,
    SpeakerProgress,
    StatusUpdate,
    Tick,
    TurnOpened,
    TurnQueued,
)
from .framelog import DEFAULT_CAPACITY, FrameLog, Level
from .pacer import SENTENCE_END
from .slot import DEFAULT_CONTEXT, OPEN_STATES, ContextSlot, SlotState
from .status import BargeInTiming, ConnectionState, StatusStrip, check_fields
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
# A dialect with no per-socket cap (Cartesia) gets a slot per live context, growing from its
# `slot_count`; finished slots are reused first (the one finished longest ago), so the most
# recent results stay visible. Past this many the console shows no more (the transcript keeps
# them): three times the largest published per-account concurrency (Cartesia Scale, 15), so a
# runaway client or script cannot grow the panel list without limit.
MAX_UNCAPPED_SLOTS = 45


class Session:
    """Five context slots, the frame log, the transcript and the status strip of one connection.

    Call `apply` on one thread only (the asyncio loop's). Read the attributes freely after it.
    """

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

    def context_opened_by(self, text: str) -> str | None | DecodeError:
        """The new context this client frame would open on the server, or None if none.

        A DecodeError when the frame is not valid for the dialect (the server will refuse it).
        """
        frame = self.dialect.decode_client(text)
        if isinstance(frame, DecodeError):
            return frame
        step = self.dialect.client_step(frame)
        if step is not None:
            if step.kind not in (StepKind.OPEN, StepKind.TEXT):
                return None  # only these open a context (_fold_step)
            opened = step.context_id if step.context_id is not None else DEFAULT_CONTEXT
            held = self.slot_for(opened)
            return None if held is not None and held.occupied else opened
        cid = _opens(self.dialect, frame)
        if isinstance(cid, _NoContext):
            return None
        if self.dialect is Dialect.ELEVENLABS_SINGLE:
            return None if self._stream_open() else (self._next_stream or f"turn_{self._turn_counter + 1}")
        slot = self.slot_for(cid)
        return None if slot is not None and slot.occupied else (cid or DEFAULT_CONTEXT)

    def elapsed(self) -> float:
        return self.clock() - self.started_at

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

    # ---- apply -----------------------------------------------------------------------------

    def apply(self, event: SessionEvent) -> Changes:
        """Fold one event into the model and say what changed."""
        changes = Changes()
        match event:
            case FrameSent(text=text):
                self._on_sent(text, changes)
            case FrameReceived(raw=raw):
                # A deadline that has passed has passed, whether or not the console's timer has
                # fired yet: the server's final for a timed-out context can arrive first.
                self._on_tick(changes)
                inbound.on_received(self, raw, changes)
            case SendFailed(text=text, reason=reason):
                self.note(f"not sent ({reason}): {self.log.summarize(text)}", changes, level="warning")
            case SpeakerProgress():
                self._on_progress(event, changes)
            case Interrupted():
                self._on_interrupted(event, changes)
            case TurnQueued(text=text):
                self.transcript.queue(text)
                changes.transcript = True
            case TurnOpened(context_id=cid, text=text):
                self.adopt_turn(cid)
                self.transcript.open(cid, text)
                changes.transcript = True
            case Tick():
                self._on_tick(changes)
            case Connecting(url=url, attempt=attempt):
                self._set_status(
                    changes, connection=ConnectionState.CONNECTING, url=url, attempt=attempt, reconnect_at=None
                )
                self.note(f"connecting to {url}" + (f" (attempt {attempt})" if attempt > 1 else ""), changes)
            case Connected(url=url):
                self._set_status(
                    changes,
                    connection=ConnectionState.CONNECTED,
                    url=url,
                    close_code=None,
                    close_reason="",
                    reconnect_at=None,
                    overflow_contexts=[],
                )
                self.note(f"connected to {url}", changes)
            case Disconnected():
                inbound.on_disconnected(self, event, changes)
            case ReconnectScheduled(at=at, attempt=attempt):
                self._set_status(changes, connection=ConnectionState.WAITING, reconnect_at=at, attempt=attempt)
                self.note(f"reconnecting in {max(0.0, at - self.clock()):.1f} s (attempt {attempt})", changes)
            case Notice(text=text, level=level, banner=banner, context_id=cid):
                self.note(text, changes, level=level, context_id=cid)
                if banner:
                    self.show_banner(text, changes, level=level)
            case StatusUpdate(fields=fields):
                self._set_status(changes, **fields)
        return changes

    def dismiss_banner(self) -> Changes:
        self.banner = None
        return Changes(status=True)

    def clear_log(self) -> Changes:
        self.log.clear()
        return Changes(log=True)

    # ---- helpers shared with inbound -------------------------------------------------------

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

    # ---- what the client sent --------------------------------------------------------------

    def _on_sent(self, text: str, changes: Changes) -> None:
        now = self.clock()
        frame = self.dialect.decode_client(text)
        step = None if isinstance(frame, DecodeError) else self.dialect.client_step(frame)
        if step is not None:
            cid: str | None = step.context_id
        else:
            cid = None if isinstance(frame, DecodeError) else _context_of(self.dialect, frame)
        if self.dialect is Dialect.ELEVENLABS_SINGLE and cid is not None:
            cid = self._stream_for(opening=_opens(self.dialect, frame) is not _NO_CONTEXT)
        size = len(text.encode("utf-8"))
        self.log.add(now - self.started_at, "sent", cid, size, self.log.summarize(text))
        changes.log = True
        if isinstance(frame, DecodeError):
            self.note(
                f"this frame does not fit the {self.dialect.value} schema ({frame.reason}): the server will refuse it",
                changes,
                level="warning",
            )
            return
        if self.socket_timeout is not None:
            self._reset_socket_deadline(now, changes)
        if step is not None:
            self._fold_step(step, size, now, changes)
            return
        if isinstance(frame, elevenlabs.CloseSocket):
            self._close_all(now, changes)
            return
        if _opens(self.dialect, frame) is _NO_CONTEXT:
            return
        slot = self._slot_for_frame(cid, now, changes)
        if slot is None:
            self._keep_unslotted_text(cid, getattr(frame, "text", ""), changes)
            return
        self._count_sent(slot, size, now, changes)
        self._apply_client_frame(slot, frame, now, changes)

    def sent_step(self, step: ClientStep, size: int = 0) -> Changes:
        """Fold what a sent client frame does to its context, said as a `ClientStep`
        (tui.protocol.steps), as `apply(FrameSent(...))` does for the dialects that say it so;
        `size` is the frame's bytes on the wire. The frame log is not written here (the frame is)."""
        changes = Changes()
        self._fold_step(step, size, self.clock(), changes)
        return changes

    def _fold_step(self, step: ClientStep, size: int, now: float, changes: Changes) -> None:
        """A step of a dialect that says what its frames do (Inworld, Cartesia, Text-to-Dialogue).

        Only OPEN and TEXT open a context: in these dialects a flush, close, cancel, keep-alive
        or config change naming a context the server does not hold is refused or ignored by it
        (Inworld "Context … not found", Text-to-Dialogue's voices-first rule), never a new context.
        """
        kind = step.kind
        if kind is StepKind.NONE:
            return
        if kind is StepKind.CLOSE_SOCKET:
            self._close_all(now, changes)
            return
        cid = step.context_id if step.context_id is not None else DEFAULT_CONTEXT
        slot = self.slot_for(cid)
        if kind in (StepKind.OPEN, StepKind.TEXT):
            slot = self._slot_for_frame(cid, now, changes)
            if slot is None:
                self._keep_unslotted_text(cid, step.text, changes, speaker=step.speaker)
                return
        elif slot is None or not slot.occupied:
            self.note(
                f"{kind.value} for context {cid}, which is not open: nothing to {kind.value}",
                changes,
                context_id=cid,
            )
            return
        self._count_sent(slot, size, now, changes)
        match kind:
            case StepKind.OPEN | StepKind.KEEP_ALIVE:
                slot.move(SlotState.OPENING)
            case StepKind.TEXT:
                self._on_text(slot, step.text, now, changes, speaker=step.speaker)
                if step.close:
                    self._close(slot, now, changes, stepped=True)
                elif step.flush:
                    self._flush(slot, now)
            case StepKind.FLUSH:
                self._flush(slot, now)
            case StepKind.CLOSE:
                self._close(slot, now, changes, stepped=True)
            case StepKind.CANCEL:
                # What is not generated yet is dropped: no audio is owed, and the wait for a
                # final that may never come is Murf clear's (tui.session.finals).
                self._close(slot, now, changes, clear=True)

    def _count_sent(self, slot: ContextSlot, size: int, now: float, changes: Changes) -> None:
        m = slot.metrics
        m.frames_sent += 1
        m.bytes_sent += size
        if self.dialect is not Dialect.MURF:
            slot.deadline = now + self.inactivity_timeout
        changes.slots.add(slot.index)

    def _close_all(self, now: float, changes: Changes) -> None:
        """close_socket: every context the server holds closes (and drains) before the socket."""
        for occupied in self.slots:
            if occupied.occupied:
                self._close(occupied, now, changes)

    def _stream_open(self) -> bool:
        slot = self.slot_for(self._stream_id) if self._stream_id is not None else None
        return slot is not None and slot.occupied

    def _stream_for(self, *, opening: bool) -> str | None:
        """Single-context endpoint: the stream a context-less frame addresses. A frame that
        opens a stream when none is open starts the next turn's (or, hand-typed, a fresh one)."""
        if self._stream_open() or not opening:
            return self._stream_id
        cid = self._next_stream or self.new_context_id()
        self._next_stream = None
        self._stream_id = cid
        return cid

    def _slot_for_frame(self, cid: str | None, now: float, changes: Changes) -> ContextSlot | None:
        """The slot a frame feeds: the context's own, or a new one for an unknown id."""
        cid = cid if cid is not None else DEFAULT_CONTEXT
        slot = self.slot_for(cid)
        if slot is not None and slot.occupied:
            return slot
        # A finished id used again is a new context: it takes its old slot, so one id never
        # shows in two slots.
        free = slot if slot is not None else self._free_slot()
        if free is None:
            if cid in self.status.overflow_contexts:
                return None
            self.status.overflow_contexts.append(cid)
            changes.status = True
            # Nothing typed is lost silently: its text (and any audio) stays in the transcript.
            self.transcript.start(cid)
            changes.transcript = True
            if self.dialect.max_contexts is None:
                text = (
                    f"context {cid} opened while all {len(self.slots)} slots the console shows are occupied "
                    f"({self.dialect.value} has no per-socket cap; the service counts contexts per account): "
                    "no slot shows it, the transcript keeps it"
                )
            else:
                text = (
                    f"context {cid} opened while all {len(self.slots)} slots are occupied: the server will "
                    f"refuse it ({self.dialect.value} allows {self.dialect.max_contexts} at once); "
                    "the transcript keeps it"
                )
            self.note(text, changes, level="warning", context_id=cid)
            self.show_banner(text, changes, level="warning")
            return None
        resumed = self._resumed_turn(free, cid)
        phantom = cid not in self._turn_ids and cid != DEFAULT_CONTEXT and not resumed
        self._turn_ids.discard(cid)
        free.occupy(cid, now, phantom=phantom)
        changes.opened.append(cid)
        if resumed:  # the same turn goes on: what was typed and sent stays in its transcript
            self.note(
                f"context {cid}: its final came before the turn's text was all sent; the server "
                f"opens a new context {cid} for the text that follows",
                changes,
                level="warning",
                context_id=cid,
            )
        else:
            self.transcript.start(cid)
        changes.transcript = True
        if phantom:
            self.note(
                f"context {cid} opened by a frame that named an unknown id: it occupies a "
                "slot until its final (phantom context)",
                changes,
                level="warning",
                context_id=cid,
            )
        return free

    def _resumed_turn(self, slot: ContextSlot, cid: str) -> bool:
        """Whether a frame re-opening `cid` is its own turn's text still going out after a final
        that came before the turn had closed it (a final before any text: check_audio stops
        nothing then). The server forgets an id at its final and opens a new context for text
        naming it (server/contexts.py): the console shows that context, as the same turn."""
        turn = self.transcript.turn(cid)
        return (
            slot.context_id == cid
            and not slot.phantom
            and slot.metrics.closed_at is None
            and turn is not None
            and bool(turn.typed)
            and not turn.stopped
            and not turn.interrupted
        )

    def _keep_unslotted_text(
        self, cid: str | None, text: object, changes: Changes, *, speaker: str | None = None
    ) -> None:
        turn = self.transcript.turn(cid if cid is not None else DEFAULT_CONTEXT)
        if turn is not None and isinstance(text, str) and text.strip():
            turn.add_text(text, self.speaker_label(speaker))
            changes.transcript = True

    def _free_slot(self) -> ContextSlot | None:
        free = [s for s in self.slots if not s.occupied]
        if not free:
            if self.dialect.max_contexts is None and len(self.slots) < MAX_UNCAPPED_SLOTS:
                # No per-socket cap: the list grows, only once every slot shown is in use.
                self.slots.append(ContextSlot(len(self.slots)))
                return self.slots[-1]
            return None
        never_used = [s for s in free if s.state is SlotState.FREE]
        if never_used:
            return never_used[0]
        # Reuse the slot whose context finished longest ago, so recent results stay visible.
        return min(free, key=lambda s: s.metrics.final_at if s.metrics.final_at is not None else -1.0)

    def _apply_client_frame(self, slot: ContextSlot, frame: object, now: float, changes: Changes) -> None:
        match frame:
            case elevenlabs.SendText(text=text, flush=flush) | murf.SendText(text=text, end=flush):
                self._on_text(slot, text, now, changes)
                if isinstance(frame, murf.SendText):
                    if frame.end:
                        self._close(slot, now, changes)
                    elif _ends_sentence(text):
                        self._trigger(slot, now)  # Murf generates at sentence ends
                elif flush:
                    self._flush(slot, now)
            case elevenlabs.Flush():
                self._flush(slot, now)
            case elevenlabs.KeepAlive():
                slot.move(SlotState.OPENING)
            case murf.Clear():
                self._close(slot, now, changes, clear=True)
            case elevenlabs.CloseContext() | stream_input.EndOfStream() | murf.End():
                self._close(slot, now, changes)

    def _on_text(
        self, slot: ContextSlot, text: str, now: float, changes: Changes, *, speaker: str | None = None
    ) -> None:
        slot.metrics.chars_sent += len(text)
        if not text.strip():
            slot.move(SlotState.OPENING)  # the opening " " (or a single-space keep-alive)
            return
        if slot.metrics.first_text_at is None:
            slot.metrics.first_text_at = now
        if slot.state is not SlotState.SPEAKING:
            slot.move(SlotState.STREAMING)
        turn = self.transcript.turn(slot.context_id or self.default_context)
        if turn is not None:
            turn.add_text(text, self.speaker_label(speaker))
            changes.transcript = True

    def _trigger(self, slot: ContextSlot, now: float) -> None:
        if slot.metrics.first_trigger_at is None:
            slot.metrics.first_trigger_at = now

    def _flush(self, slot: ContextSlot, now: float) -> None:
        self._trigger(slot, now)
        if slot.state is not SlotState.SPEAKING:
            slot.move(SlotState.GENERATING)

    def _close(
        self, slot: ContextSlot, now: float, changes: Changes, *, clear: bool = False, stepped: bool = False
    ) -> None:
        self._trigger(slot, now)
        if not slot.close_sent:
            slot.close_sent = True
            slot.metrics.closed_at = now
        slot.move(SlotState.CLOSING)
        finals.await_final(self, slot, now, clear=clear, stepped=stepped)
        changes.slots.add(slot.index)

    def _reset_socket_deadline(self, now: float, changes: Changes) -> None:
        # The socket closes after its idle time (Murf 3 minutes): every open slot shows that countdown.
        for slot in self.slots:
            if slot.occupied:
                slot.deadline = now + self.inactivity_timeout
                changes.slots.add(slot.index)

    # ---- time, speaker, barge-in -----------------------------------------------------------

    def _on_tick(self, changes: Changes) -> None:
        now = self.clock()
        finals.release_overdue(self, now, changes)
        if self.socket_timeout is not None:
            return  # a socket timeout arrives as a close from the server
        for slot in self.slots:
            if slot.countdown(now) == 0.0 and slot.move(SlotState.TIMED_OUT):
                # The server closes it at its deadline, not when this tick ran (a replay's ticks
                # run late): the wait for its final starts there.
                finals.await_final(self, slot, slot.deadline if slot.deadline is not None else now)
                changes.slots.add(slot.index)
                self.note(
                    f"context {slot.context_id}: nothing sent for {self.inactivity_timeout:g} s, "
                    "the server closes it (inactivity timeout) and drains it",
                    changes,
                    level="warning",
                    context_id=slot.context_id,
                )

    def _on_progress(self, event: SpeakerProgress, changes: Changes) -> None:
        if event.sample_rate <= 0:
            return
        heard = event.heard_samples / event.sample_rate
        slot = self.slot_for(event.context_id)
        if slot is not None:
            slot.metrics.heard_seconds = heard
            changes.slots.add(slot.index)
        turn = self.transcript.turn(event.context_id)
        if turn is not None:
            turn.heard_seconds = heard
            changes.transcript = True

    def _on_interrupted(self, event: Interrupted, changes: Changes) -> None:
        slot = self.slot_for(event.context_id)
        # What the listener heard decides (slot.interrupt): a turn heard to its end is not cut.
        cut = slot is None or slot.interrupt(event.heard_seconds)
        if slot is not None:
            changes.slots.add(slot.index)
        turn = self.transcript.turn(event.context_id)
        if turn is not None and cut:
            turn.interrupted = True
            if event.heard_seconds is not None:
                turn.heard_seconds = turn.heard_at_interrupt = event.heard_seconds
            changes.transcript = True
        if event.pressed_at is not None:
            now = self.clock()
            close_after = now - event.pressed_at if slot is not None and slot.close_sent else None
            self.status.last_barge_in = BargeInTiming(
                event.context_id, event.pressed_at, event.silenced_after, close_after, was_playing=event.was_playing
            )
            changes.status = True
        if cut:
            self.note(
                f"barge-in: context {event.context_id} interrupted; its later audio is dropped",
                changes,
                context_id=event.context_id,
            )
        else:
            self.note(
                f"barge-in: context {event.context_id} had been heard to its end; nothing cut",
                changes,
                context_id=event.context_id,
            )


# ---- which context a client frame addresses ------------------------------------------------


class _NoContext:
    """Marker: the frame addresses no context (close_socket, buffer settings, a bare keep-alive)."""


_NO_CONTEXT = _NoContext()


def _context_of(dialect: Dialect, frame: object) -> str | None:
    if dialect is Dialect.ELEVENLABS_SINGLE:
        return DEFAULT_CONTEXT
    return getattr(frame, "context_id", None)


def _opens(dialect: Dialect, frame: object) -> str | None | _NoContext:
    """The context id a frame addresses on the server, or _NO_CONTEXT when it addresses none."""
    match frame:
        case elevenlabs.CloseSocket() | murf.BufferSettings() | murf.SetVoiceConfig():
            return _NO_CONTEXT
        case elevenlabs.KeepAlive(context_id=None):
            # pipecat's context-less `{"text": ""}` keeps the socket alive; it opens nothing.
            return _NO_CONTEXT
        case murf.SendText(text="", end=False):
            return _NO_CONTEXT if frame.context_id is None else frame.context_id
    return _context_of(dialect, frame)


def _letter(n: int) -> str:
    """A, B, ... Z, then A2, B2, ...: a dialogue has a handful of voices (ten at most on eleven_v3)."""
    return chr(ord("A") + n % 26) + (str(n // 26 + 1) if n >= 26 else "")


def _ends_sentence(text: str) -> bool:
    return bool(SENTENCE_END.search(text.rstrip()))
