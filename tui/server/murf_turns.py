"""The Murf `stream-input` connection as a sans-IO model (PROTOCOL.md §2.2–§2.4).

Text of a turn is buffered until a sentence ends, `min_buffer_size` characters are waiting, or
`max_buffer_delay_in_ms` has passed since the oldest waiting character arrived. `end` generates
what is left, then `{"final": true, "context_id": ...}`. `voice_config` may come alone (for one
context or, without an id, for the socket) or ride in every text frame; its `rate` sets the
speed (percent: +50 is 1.5x), the rest is accepted and noted only (one local voice).

Decisions where Murf publishes nothing (each tested):
- `clear` ends the turn: buffered text is dropped; generations not yet started are cancelled;
  one already started plays to its end. Either way a `final` follows, so a client that counts
  turns until their final (as Switchboard does) frees the turn.
- A frame that cannot be decoded gets an error frame and the socket stays open; the model does
  not let one bad frame end a conversation. Bad query options close it (nothing can be served).
  Every error carries human text in `error` and, when the frame named one, its `context_id`.
- Buffer settings ride in any frame (LiveKit's Murf plugin sends them in every text frame and
  in `end`); out-of-range values are clamped by the decoder (tui/protocol/murf.py), and they
  apply to the whole socket from that frame on. Applying them per socket rather than per context
  is a choice: Murf documents them as connection settings.
- After 180 s with no client frame the socket closes with 1000.
- At most `murf.MAX_ACTIVE_CONTEXTS` turns at once (why that value: tui/protocol/murf.py),
  counted until their final. A frame that would open one more gets Murf's "Exceeded Active
  context limit" error with its context id, and the socket stays open; the id is not remembered,
  so each later frame naming it is refused the same way until a turn has finished.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.protocol import murf
from tui.protocol.frames import DecodeError, ErrorFrame, load_object, optional_str
from tui.protocol.murf import BufferSettings, Clear, End, SendText, SetVoiceConfig, VoiceConfig

from .actions import (
    MAX_UNSPOKEN_CHARS,
    NORMAL_CLOSURE,
    Action,
    CancelPending,
    CloseSocket,
    Generate,
    SendError,
    Turn,
    dispatch,
    finish_if_drained,
    over_budget,
    settle,
)
from .clock import Clock
from .text_buffer import SENTENCE_END, cut_after_last, cut_at_word, unspeakable

IDLE_CLOSE_REASON = "closing idle connection: no message for 180 seconds"
TEXT_CAP_ERROR = (
    f"Exceeded text buffer limit: more than {MAX_UNSPOKEN_CHARS} characters waiting to be "
    "spoken on this connection; the message was ignored"
)


@dataclass(frozen=True)
class Unreadable:
    """A client frame the decoder refused, with the context id it named, if one can be read."""

    reason: str
    context_id: str | None = None


def decode_frame(raw: str | bytes) -> object:
    """The server's reading of a Murf frame: the decoded frame, or `Unreadable` with its context
    id, so the error can echo it (pipecat-murf ignores errors without one)."""
    frame = murf.decode_client(raw)
    if not isinstance(frame, DecodeError):
        return frame
    obj = load_object(raw)
    context_id = optional_str(obj, "context_id", "contextId") if isinstance(obj, dict) else None
    return Unreadable(frame.reason, context_id if isinstance(context_id, str) else None)


def invalid_frame_error(reason: str, context_id: str | None = None) -> ErrorFrame:
    """Human text in `error` (the encoder puts the message there) and the context id echoed."""
    return ErrorFrame(message=f"Invalid message: {reason}", context_id=context_id)


def speed_of(config: VoiceConfig | None) -> float | None:
    if config is None or config.rate is None:
        return None
    return 1.0 + config.rate / 100.0


@dataclass(eq=False)
class MurfTurn(Turn):
    """A Murf context; `deadline` is when its waiting text must go regardless (buffer delay)."""


class MurfConnection:
    """One Murf socket: its turns, their buffers and buffer deadlines, and the idle timeout."""

    def __init__(self, clock: Clock, *, inactivity_timeout: float = murf.SOCKET_INACTIVITY_TIMEOUT):
        self.clock = clock
        self.timeout = inactivity_timeout
        self.turns: dict[str | None, MurfTurn] = {}
        self.speeds: dict[str | None, float] = {}  # from voice_config, per context id (None: socket)
        self.min_buffer_size = murf.DEFAULT_MIN_BUFFER_SIZE
        self.max_buffer_delay = murf.DEFAULT_MAX_BUFFER_DELAY_MS / 1000.0
        self.done = False
        self.last_frame = clock()
        self.max_contexts = murf.MAX_ACTIVE_CONTEXTS  # a fault spec may lower it (fault_plan.py)

    def receive(self, frame: object) -> list[Action]:
        if self.done:
            return []
        self.last_frame = self.clock()
        match frame:
            case Unreadable(reason=reason, context_id=context_id):
                return [SendError(invalid_frame_error(reason, context_id))]
            case DecodeError(reason=reason):
                return [SendError(invalid_frame_error(reason))]
            case BufferSettings():
                self._buffer(frame)
                return []
            case SetVoiceConfig(voice_config=config, context_id=context_id, buffer=buffer):
                self._buffer(buffer)
                return self._configure(context_id, config)
            case SendText(text=text, context_id=context_id, end=end, voice_config=config, buffer=buffer):
                if (problem := unspeakable(text)) is not None:  # that context's error, nothing more
                    return [SendError(invalid_frame_error(problem, context_id))]
                self._buffer(buffer)
                if not text and not end:
                    return self._configure(context_id, config)  # empty text: opens nothing
                return self._configure(context_id, config) or self._add_text(context_id, text, end)
            case End(context_id=context_id, voice_config=config, buffer=buffer):
                self._buffer(buffer)
                return self._configure(context_id, config) or self._add_text(context_id, "", True)
            case Clear(context_id=context_id):
                return self._clear(context_id)
        return [SendError(invalid_frame_error(f"unexpected frame {type(frame).__name__}"))]

    def _buffer(self, settings: BufferSettings | None) -> None:
        """Buffer settings apply from whichever frame carries them, for the whole socket."""
        if settings is None:
            return
        if settings.min_buffer_size is not None:
            self.min_buffer_size = settings.min_buffer_size
        if settings.max_buffer_delay_in_ms is not None:
            self.max_buffer_delay = settings.max_buffer_delay_in_ms / 1000.0

    def _configure(self, context_id: str | None, config: VoiceConfig | None) -> list[Action]:
        """Note a voice config's speed; [] when done, or the context limit's error for a config
        naming one context id more than the limit allows (configured ids count as contexts: a
        socket keeps no unbounded table of them, issue 11, item 3)."""
        speed = speed_of(config)
        if speed is None:
            return []
        turn = self.turns.get(context_id)
        if turn is None and context_id is not None and context_id not in self.speeds:
            waiting = len(self.speeds) - (None in self.speeds)
            if waiting + len(self.turns) >= self.max_contexts:
                return [SendError(murf.context_limit_error(context_id))]
        if turn is not None and not turn.closing:
            turn.speed = speed
        elif turn is None:
            self.speeds[context_id] = speed  # for the turn this id opens next
        return []

    def _add_text(self, context_id: str | None, text: str, end: bool) -> list[Action]:
        if text and over_budget(self.turns.values(), len(text)):
            return [SendError(ErrorFrame(message=TEXT_CAP_ERROR, context_id=context_id))]
        turn = self.turns.get(context_id)
        if turn is None:
            if len(self.turns) >= self.max_contexts:
                return [SendError(murf.context_limit_error(context_id))]
            speed = self.speeds.pop(context_id, None) if context_id is not None else None
            speed = speed if speed is not None else self.speeds.get(None, 1.0)
            turn = self.turns[context_id] = MurfTurn(context_id, speed=speed)
        elif turn.closing:
            return []  # the turn has ended; its final is on the way
        if not turn.buffer and text:
            turn.deadline = self.last_frame + self.max_buffer_delay
        turn.buffer += text
        if end:
            actions = self._send_all(turn)
            turn.closing = True
            return actions + self._finish(turn)
        ready, rest = cut_after_last(SENTENCE_END, turn.buffer)
        if not ready.strip() and len(turn.buffer) >= self.min_buffer_size:
            ready, rest = cut_at_word(turn.buffer)
        if not ready.strip():
            return []
        turn.buffer = rest
        turn.deadline = self.last_frame + self.max_buffer_delay if rest else None
        return [dispatch(turn, ready)]

    def _send_all(self, turn: MurfTurn) -> list[Action]:
        text, turn.buffer, turn.deadline = turn.buffer, "", None
        return [dispatch(turn, text)] if text.strip() else []

    def _clear(self, context_id: str | None) -> list[Action]:
        turn = self.turns.get(context_id)
        if turn is None or turn.closing:
            return []
        turn.buffer, turn.deadline, turn.closing = "", None, True
        return [CancelPending(turn)] + self._finish(turn)

    def _finish(self, turn: Turn) -> list[Action]:
        actions = finish_if_drained(turn)
        if actions and self.turns.get(turn.context_id) is turn:
            del self.turns[turn.context_id]
        return actions

    def generation_finished(self, generate: Generate) -> list[Action]:
        turn = settle(generate)
        return [] if self.done else self._finish(turn)

    def expire(self) -> list[Action]:
        """Send text whose buffer delay has passed; close a socket idle for `timeout` seconds."""
        if self.done:
            return []
        now = self.clock()
        if now >= self.last_frame + self.timeout:
            self.done = True
            return [CloseSocket(NORMAL_CLOSURE, IDLE_CLOSE_REASON)]
        actions: list[Action] = []
        for turn in self.turns.values():
            if turn.deadline is not None and turn.deadline <= now and not turn.closing:
                actions += self._send_all(turn)
        return actions

    def next_deadline(self) -> float | None:
        if self.done:
            return None
        deadlines = [t.deadline for t in self.turns.values() if t.deadline is not None and not t.closing]
        return min(deadlines + [self.last_frame + self.timeout])

    def forget(self, turn: Turn) -> None:
        """Stop counting `turn` (a fault abandoned it: fault_plan.py): it no longer holds one of
        the active contexts. A newer turn under the same id is left alone."""
        if self.turns.get(turn.context_id) is turn:
            del self.turns[turn.context_id]
