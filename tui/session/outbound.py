"""What the client sent, folded into a session: `Outbound`, the half of `Session` that reads
client frames.

The model counts contexts the way the server does, by decoding every client frame with the
dialect's own client decoder: a turn's frames, a command's, or a hand-typed one all open,
feed and close contexts alike, so a phantom context (a frame naming an unknown id) takes a slot
exactly as it does on the server. The first three dialects are read by frame type; the ones
added after them say what a frame does as a `ClientStep` (tui.protocol.steps).
"""

from __future__ import annotations

from tui.protocol import elevenlabs, murf, stream_input
from tui.protocol.dialect import Dialect
from tui.protocol.frames import DecodeError
from tui.protocol.steps import ClientStep, StepKind

from . import finals
from .changes import Changes
from .pacer import SENTENCE_END
from .slot import DEFAULT_CONTEXT, ContextSlot, SlotState
from .state import SessionState

# A dialect with no per-socket cap (Cartesia) gets a slot per live context, growing from its
# `slot_count`; finished slots are reused first (the one finished longest ago), so the most
# recent results stay visible. Past this many the console shows no more (the transcript keeps
# them): three times the largest published per-account concurrency (Cartesia Scale, 15), so a
# runaway client or script cannot grow the panel list without limit.
MAX_UNCAPPED_SLOTS = 45


class Outbound(SessionState):
    """Client frames in: which context each opens, feeds, flushes or closes."""

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
            self._close_all(now, changes, stepped=True)
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
            case StepKind.CONFIG if slot.state is SlotState.STREAMING:
                # Inworld's update_config synthesizes what is buffered with the old settings first.
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

    def _close_all(self, now: float, changes: Changes, *, stepped: bool = False) -> None:
        """close_socket: every context the server holds closes (and drains) before the socket."""
        for occupied in self.slots:
            if occupied.occupied:
                self._close(occupied, now, changes, stepped=stepped)

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


def _ends_sentence(text: str) -> bool:
    return bool(SENTENCE_END.search(text.rstrip()))
