"""What the server sent, folded into a `Session`: audio, markers, finals, errors, unknown frames, closes.

Nothing here raises on server input: every frame becomes slot numbers, a log line, and where the
operator must know, a banner. Audio for a context the client abandoned is counted and dropped.
"""

from __future__ import annotations

from typing import Protocol

from tui.protocol.formats import AudioFormat, AudioMeter
from tui.protocol.frames import (
    Audio,
    ContextOpened,
    DecodeError,
    ErrorFrame,
    Final,
    FlushDone,
    ServerEvent,
    TurnAudioDone,
    Unknown,
)

from . import finals
from .changes import Changes, PlayAudio
from .events import Disconnected
from .framelog import FrameLog, Level
from .slot import ContextSlot, SlotState
from .status import ConnectionState, StatusStrip
from .transcript import TurnTranscript


class Receiver(finals.FinalsHost, Protocol):
    """The part of a session that what the server sends changes (`Session` is one): beside what
    the finals rules use, the frame log and banner, the status strip and the audio meter. Named
    here, so this module does not import the model that calls it (an import cycle before)."""

    @property
    def output_format(self) -> AudioFormat: ...
    @property
    def meter(self) -> AudioMeter: ...
    @property
    def log(self) -> FrameLog: ...
    @property
    def status(self) -> StatusStrip: ...
    @property
    def default_context(self) -> str: ...

    def elapsed(self) -> float: ...
    def slot_for(self, context_id: str | None) -> ContextSlot | None: ...
    def show_banner(self, text: str, changes: Changes, *, level: Level = ...) -> None: ...


# Close codes worth a word (RFC 6455 §7.4.1 and what the services use).
CLOSE_MEANINGS = {
    1000: "normal closure",
    1001: "going away",
    1006: "connection lost (no close frame)",
    1008: "policy violation",
    1009: "message too big",
    1011: "server error",
}


def describe_close(code: int | None, reason: str) -> str:
    if code is None:
        return "connection lost"
    meaning = CLOSE_MEANINGS.get(code, "")
    text = f"closed {code}" + (f" ({meaning})" if meaning else "")
    return text + (f": {reason}" if reason else "")


# The markers a context gets between its opening and its final, in the log's words (each
# dialect's own name is in the frame beside it: flushCompleted, flush_done, is_final_audio_for_turn,
# contextCreated) and the slot panel's (short, to fit a panel).
MARKER_WORDS: dict[type, tuple[str, str]] = {
    FlushDone: ("flush done", "flush"),
    TurnAudioDone: ("turn final", "turn"),
    ContextOpened: ("context created", "ready"),
}


def marker_word(event: object) -> str | None:
    """The log's word for a marker event (with a flush's id), None for any other event."""
    words = MARKER_WORDS.get(type(event))
    if words is None:
        return None
    if isinstance(event, FlushDone) and event.flush_id is not None:
        return f"{words[0]} {event.flush_id}"
    return words[0]


def on_received(session: Receiver, raw: str | bytes, changes: Changes) -> None:
    event = session.dialect.decode_server(raw)
    size = len(raw) if isinstance(raw, (bytes, bytearray)) else len(raw.encode("utf-8"))
    cid = None if isinstance(event, DecodeError) else event.context_id
    if cid is None and isinstance(event, (Audio, Final, FlushDone, TurnAudioDone, ContextOpened)):
        cid = session.default_context  # on the single-context endpoint: the stream's turn
    marker = marker_word(event) or ""  # named beside the frame, which stays whole JSON
    session.log.add(session.elapsed(), "received", cid, size, session.log.summarize(raw), marker=marker)
    changes.log = True
    _note_oddities(session, raw, event, cid, size, changes)
    if isinstance(event, DecodeError):
        session.note(f"could not read a server frame: {event.reason}", changes, level="warning")
        session.show_banner(f"Unreadable frame from the server: {event.reason}", changes, level="warning")
        return
    on_event(session, event, cid, size, changes)


def on_event(session: Receiver, event: ServerEvent, cid: str | None, size: int, changes: Changes) -> None:
    """Fold one decoded server event (`cid`: its context, None if it names none; `size`: the
    frame's bytes) into the session; `on_received` logs the frame and calls this."""
    key = cid if cid is not None else session.default_context
    slot = session.slot_for(key) if not isinstance(event, (ErrorFrame, Unknown)) or cid is not None else None
    if slot is not None:
        slot.metrics.frames_received += 1
        slot.metrics.bytes_received += size
        changes.slots.add(slot.index)
    match event:
        case Audio():
            _on_audio(session, slot, key, event, changes)
        case Final():
            _on_final(session, slot, key, changes)
        case ErrorFrame():
            _on_error(session, slot, event, changes)
        case FlushDone() | TurnAudioDone() | ContextOpened():
            _on_marker(session, slot, key, event, changes)
        case Unknown():
            pass  # shown in the log, never fatal


# A frame of no known type this large is no status message: said, and shown only cut (the log
# line is a summary; nothing keeps the frame).
LARGE_UNKNOWN = 64 * 1024


def _note_oddities(
    session: Receiver, raw: str | bytes, event: object, cid: str | None, size: int, changes: Changes
) -> None:
    """A warning for frames that decode but are not what a service sends: the console reads
    them on, and the operator knows the server misbehaved."""
    if isinstance(raw, (bytes, bytearray)) and not isinstance(event, DecodeError):
        session.note(
            f"a binary frame carrying JSON text ({size:,} bytes): the services send JSON as text frames; read as text",
            changes,
            level="warning",
            context_id=cid,
        )
    if isinstance(event, Audio) and event.audio:
        fmt = session.output_format
        unit = fmt.bytes_per_sample * fmt.channels
        if fmt.encoding == "pcm" and len(event.audio) % unit:
            session.note(
                f"audio of {len(event.audio):,} bytes is not a whole number of {unit}-byte "
                f"samples ({fmt.name}): a byte is missing or extra",
                changes,
                level="warning",
                context_id=cid,
            )
    if isinstance(event, Unknown) and size > LARGE_UNKNOWN:
        session.note(
            f"an unknown frame of {size:,} bytes (no audio, final or error): shown cut",
            changes,
            level="warning",
            context_id=cid,
        )


def _on_audio(session: Receiver, slot: ContextSlot | None, cid: str, event: Audio, changes: Changes) -> None:
    n = len(event.audio)
    if slot is None or not slot.accepts_audio:
        turn = session.transcript.turn(cid) if slot is None else None
        if turn is not None and cid in session.status.overflow_contexts:
            # A context no slot shows (all taken, guard off): the transcript still has its audio.
            turn.add_audio(session.meter.seconds(cid, event.audio), event.alignment)
            _add_words(turn, event, changes)
            changes.transcript = True
        elif slot is not None and not n:
            # Timings only, after a barge-in: the words of audio that came before it (Inworld's
            # trail the audio), which decide how many words were spoken. Not a late frame.
            _add_words(session.transcript.turn(cid), event, changes)
        elif slot is None:
            session.status.stray_frames += 1
            changes.status = True
            session.note(
                f"audio for context {cid}, which no slot holds: dropped", changes, level="warning", context_id=cid
            )
        else:
            slot.metrics.late_frames += 1
            slot.metrics.late_bytes += n
        if event.is_final and slot is not None:
            _on_final(session, slot, cid, changes)
        return
    now = session.clock()
    m = slot.metrics
    if n:
        seconds = session.meter.seconds(cid, event.audio)
        m.audio_frames += 1
        m.audio_bytes += n
        m.audio_seconds += seconds
        if m.first_audio_at is None:
            m.first_audio_at = now
            session.status.last_ttfa = m.flush_to_audio
            session.status.last_ttfa_text = m.text_to_audio
            changes.status = True
        if slot.state in (SlotState.OPENING, SlotState.STREAMING, SlotState.GENERATING):
            slot.move(SlotState.SPEAKING)
    turn = session.transcript.turn(cid) if n or event.words is not None else None
    if turn is not None and n:
        turn.add_audio(seconds, event.alignment)
        changes.transcript = True
    # A frame of timings only (b"": Cartesia `timestamps`, Inworld's trailing timestampInfo) is
    # no audio: no TTFA, no speaking, no bytes; only its words reach the transcript.
    _add_words(turn, event, changes)
    if n:
        changes.play = PlayAudio(cid, event.audio, session.output_format)
    if event.is_final:
        if n:
            # Rare (the documented finals carry none, the local server never sends one), and a
            # client that reads a final as "no more audio" loses it: pipecat does. Said once, here.
            m.final_frame_audio_bytes += n
            session.note(
                f"final for context {cid} carried {n:,} bytes of audio: played and counted (a client that "
                "drops a final's audio, as pipecat does, loses it)",
                changes,
                level="info",
                context_id=cid,
            )
        _on_final(session, slot, cid, changes)


def _add_words(turn: TurnTranscript | None, event: Audio, changes: Changes) -> None:
    if turn is not None and event.words is not None:
        turn.add_words(event.words)
        changes.transcript = True


def _on_marker(session: Receiver, slot: ContextSlot | None, cid: str, event: ServerEvent, changes: Changes) -> None:
    """A flush's audio is out, a dialogue turn's audio is out, the server created the context:
    counted in the slot (the last one with its time) and, for a flush, where the next
    synthesis's word times count from. None of them ends the context (its final does)."""
    if isinstance(event, FlushDone):
        turn = session.transcript.turn(cid)
        if turn is not None:
            turn.flush_done()
    if slot is not None and slot.context_id == cid:
        slot.metrics.mark(MARKER_WORDS[type(event)][1], session.clock())
        changes.slots.add(slot.index)


def _on_final(session: Receiver, slot: ContextSlot | None, cid: str, changes: Changes) -> None:
    if slot is None or not slot.occupied:
        if not finals.fold_late_final(session, slot, cid, changes):
            session.note(f"final for context {cid}, which is not open", changes, level="warning", context_id=cid)
        return
    now = session.clock()
    finals.check_audio(session, slot, cid, changes)
    slot.finish(now)
    changes.slots.add(slot.index)
    changes.end_audio.add(cid)
    barge = session.status.last_barge_in
    if barge is not None and barge.context_id == cid and barge.final_after is None:
        barge.final_after = now - barge.pressed_at
        changes.status = True


def _on_error(session: Receiver, slot: ContextSlot | None, event: ErrorFrame, changes: Changes) -> None:
    text = event.message
    if event.error and event.error not in text:
        text += f" [{event.error}]"
    if event.code is not None:
        text += f" (code {event.code})"
    if event.context_id is not None:
        text = f"context {event.context_id}: {text}"
    session.show_banner(f"Server error: {text}", changes)
    # The close that usually follows repeats the message cut to 123 bytes: keep it whole.
    session.status.server_error = event.message
    # The turn it refuses stays in the transcript, marked: the one it names, else the contexts
    # opened past the limit (the error frame of a sixth context names none).
    for cid in [event.context_id] if event.context_id else session.status.overflow_contexts:
        turn = session.transcript.turn(cid)
        if turn is not None and not turn.error:
            turn.error = event.message
            changes.transcript = True
    if event.context_id is not None:
        # Refused or failed by name (Murf's context limit leaves the socket open): no audio
        # will come for it, and its turn must stop sending (each word would be refused again).
        changes.end_audio.add(event.context_id)
    if slot is not None and slot.occupied:
        slot.fail(event.message)
        changes.slots.add(slot.index)
        if slot.context_id is not None:
            changes.end_audio.add(slot.context_id)  # failed: nothing more comes, the speaker moves on


def on_disconnected(session: Receiver, event: Disconnected, changes: Changes) -> None:
    status = session.status
    status.connection = ConnectionState.DISCONNECTED
    status.close_code, status.close_reason = event.code, event.reason
    changes.status = True
    text = event.error or describe_close(event.code, _whole_reason(status.server_error, event))
    status.server_error = ""
    note = f"reconnecting (asked): connection {text}" if event.asked else f"connection {text}"
    session.note(note, changes, level="info" if event.expected else "error")
    lost = [s for s in session.slots if s.occupied]
    for slot in lost:
        # The server forgets its contexts with the socket: these will never get a final.
        slot.lose("connection closed before its final")
        changes.slots.add(slot.index)
    if not event.expected:
        session.show_banner(f"Connection {text}", changes)
    elif lost:
        first = "Reconnecting (asked)" if event.asked else f"Connection {text}"
        session.show_banner(
            f"{first}; {len(lost)} context(s) never got their final",
            changes,
            level="info" if event.asked else "warning",
        )


def _whole_reason(server_error: str, event: Disconnected) -> str:
    """The close reason, or the error frame's whole message when the reason is that message cut
    at the WebSocket limit (123 bytes) or the close came with none after a policy error."""
    reason = event.reason
    if server_error and (server_error.startswith(reason) if reason else event.code == 1008):
        return server_error
    return reason
