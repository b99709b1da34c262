"""The Cartesia `/tts/websocket` connection as a sans-IO model (PROTOCOL-DIALECTS.md §2.4).

A context is created by the first generation request naming a new `context_id`; its inputs are
concatenated verbatim. `continue: false` ends it: what is buffered is generated, its audio goes
out, then `done`. Every frame is one event with `type` and `context_id`; nothing is ever sent for
a context after its `done` (LiveKit reuses a socket for its next stream).

Choices where the reference leaves room (PROTOCOL-DIALECTS.md §2.6; each one tested):
- Buffering: with `max_buffer_delay_ms` 0 each transcript is generated at once and answered
  with a `flush_done` after its audio (observed live); otherwise text waits for a sentence end,
  `MANAGED_BUFFER_CHARS` waiting (cut at the last word), a manual `flush`, `continue: false`,
  or the delay (default 3000 ms) after its first char.
  A manual `flush` generates what is buffered; its `flush_done` carries `flush_id` 1, 2, ...
  Chunks carry the `flush_id` of the flush their audio belongs to, while one is outstanding.
- Expiry: `done` follows the last audio of an ended context at once (clients wait for it). The
  context still counts as active for 1 s after that audio ("contexts automatically expire 1
  second after the last audio output is streamed out", CA-CTX): toward the concurrency limit, and
  an input reusing its id within that second gets the 400 "context has expired" error. After
  the second the id is forgotten and may open a new context. A context left open with
  `continue: true` never expires (pipecat keeps one across seconds-long LLM gaps).
- Cancel: buffered text is dropped and the context's audio stops at once, then `done` (whether
  the service sends `done` after `cancel` is unverified; neither client needs it, and it frees a
  slot in a console that waits for it). A cancel for an unknown id is ignored.
- Concurrency: unique active context ids per account (here: per server, over all sockets),
  `DEFAULT_CONCURRENCY` 15 (Cartesia's Scale plan, the highest published; `switchboard serve
  --cartesia-concurrency N` or `LocalServer(cartesia_concurrency=N)` lowers it). One more gets
  the 429 `concurrency_limited` error for its id (done: true); the socket stays open.
- Errors: every error carries `done: true` and ends its context (its audio stops, no `done`
  follows). A frame that cannot be decoded, a first transcript that is empty or punctuation
  only, a first request without model_id/voice/output_format, an output format the service
  does not offer, or a later input changing a field other than transcript/continue/flush gets a
  400 error for the context id it named ("" if none could be read); the socket stays open.
- Idle: after IDLE_TIMEOUT (5 min) with no client frame and no audio going out, close 1000
  "connection idle timeout" (observed, cartesia-python #39).
- Phoneme timestamps (only when asked): the local voices time characters, not phonemes, so each
  spoken character of a word stands for one phoneme (cartesia_audio.py).
- Speed: `generation_config.speed` (clamped to its documented 0.6-1.5) or the legacy `speed`
  word sets the voice's pace; emotion, volume and the pronunciation dictionary are noted only.
- A context a fault rehearsal abandons (`forget`) leaves the account's count at once.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass

from tui.protocol import cartesia as ca
from tui.protocol.cartesia import Cancel, Generation
from tui.protocol.frames import DecodeError, ErrorFrame, load_object, optional_str

from .actions import (
    NORMAL_CLOSURE,
    Abandon,
    Action,
    CloseSocket,
    Generate,
    SendError,
    SendFlushDone,
    Turn,
    dispatch,
    finish_if_drained,
    over_budget,
    settle,
)
from .cartesia_audio import CartesiaContext
from .clock import Clock
from .synthesis import MAX_FRAME_MS, AudioEncoder
from .text_buffer import SENTENCE_END, cut_after_last, cut_at_word, unspeakable

DEFAULT_CONCURRENCY = 15
EXPIRY_SECONDS = 1.0
# Managed buffering generates once this much text waits with no sentence end (the service says
# only "enough text"; ours: about a clause or two). It also bounds what each input rescans.
MANAGED_BUFFER_CHARS = 100
EMPTY_TRANSCRIPT = (
    "transcript empty or contains only punctuation: first transcript for WS is empty or contains only punctuation"
)
CONCURRENCY_MESSAGE = "You have exceeded your plan's concurrency limit."
_PUNCTUATION = set(string.punctuation + string.whitespace + "…“”‘’")


@dataclass(frozen=True)
class Unreadable:
    """A client frame the decoder refused, with the context id it named, if one can be read."""

    reason: str
    context_id: str = ""


def decode_frame(raw: str | bytes) -> object:
    frame = ca.decode_client(raw)
    if not isinstance(frame, DecodeError):
        return frame
    obj = load_object(raw)
    context_id = optional_str(obj, "context_id") if isinstance(obj, dict) else None
    return Unreadable(frame.reason, context_id if isinstance(context_id, str) else "")


def bad_request(message: str, context_id: str) -> ErrorFrame:
    return ca.error_event(message, "invalid_request", 400, context_id)


class Account:
    """Active context ids of one account (the local server has one), over all its sockets."""

    def __init__(self, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.concurrency = concurrency
        self.active: set[tuple[CartesiaConnection, str | None]] = set()  # (socket's model, context id)

    def admit(self, key: tuple[CartesiaConnection, str | None]) -> bool:
        if key not in self.active and len(self.active) >= self.concurrency:
            return False
        self.active.add(key)
        return True


# Cartesia's legacy `speed` words (before generation_config.speed, which takes 0.6-1.5).
LEGACY_SPEEDS = {"slowest": 0.6, "slow": 0.8, "normal": 1.0, "fast": 1.25, "fastest": 1.5}


def speed_of(frame: Generation) -> float:
    """The voice's speed: generation_config.speed (sonic-3+, clamped to 0.6-1.5 as documented),
    else the legacy `speed` word; 1.0 for anything else (emotion and volume are noted only)."""
    config = frame.generation_config or {}
    speed = config.get("speed")
    if isinstance(speed, (int, float)) and not isinstance(speed, bool) and math.isfinite(speed):
        return min(1.5, max(0.6, float(speed)))
    return LEGACY_SPEEDS.get(frame.speed, 1.0) if isinstance(frame.speed, str) else 1.0


def empty_or_punctuation(text: str) -> bool:
    return all(ch in _PUNCTUATION for ch in text)


class CartesiaConnection:
    """One Cartesia socket: its contexts, their buffers and expiry, the idle timeout."""

    def __init__(
        self,
        clock: Clock,
        *,
        account: Account | None = None,
        max_frame_ms: int = MAX_FRAME_MS,
        idle_timeout: float = ca.IDLE_TIMEOUT,
    ) -> None:
        self.clock = clock
        self.account = account if account is not None else Account()
        self.max_frame_ms = max_frame_ms
        self.idle_timeout = idle_timeout
        self.contexts: dict[str | None, CartesiaContext] = {}  # `contexts`: the fault plan's table
        self.done = False
        self.last_frame = clock()

    # ---- input ---------------------------------------------------------------------------

    def receive(self, frame: object) -> list[Action]:
        if self.done:
            return []
        self.last_frame = self.clock()
        self._forget_expired()
        match frame:
            case Unreadable(reason=reason, context_id=cid):
                return self._error(bad_request(f"Invalid message: {reason}", cid))
            case Cancel(context_id=cid):
                context = self.contexts.get(cid)
                if context is None or context.expires is not None:
                    return []
                return self._end(context, final=True)
            case Generation():
                return self._generation(frame)
        return self._error(bad_request(f"Invalid message: unexpected {type(frame).__name__}", ""))

    def _generation(self, frame: Generation) -> list[Action]:
        cid = frame.context_id
        context = self.contexts.get(cid)
        if context is not None and context.expires is not None:
            return self._error(bad_request(f"Context {cid[:80]} has expired; use a new context_id", cid))
        if (reason := unspeakable(frame.transcript)) is not None:
            return self._error(bad_request(f"Invalid transcript: {reason}", cid))
        if over_budget(self.contexts.values(), len(frame.transcript)):
            return self._error(bad_request("Too much text waiting to be spoken on this connection", cid))
        if context is None:
            opened = self._open(frame)
            if isinstance(opened, ErrorFrame):
                return self._error(opened)
            context = opened
        elif context.closing:
            return self._error(bad_request(f"Context {cid[:80]} has closed: no input after continue false", cid))
        elif (changed := self._changed(context, frame)) is not None:
            return self._error(bad_request(f"Context has closed: {changed} may not change within a context", cid))
        if frame.max_buffer_delay_ms is not None:
            context.buffer_delay = frame.max_buffer_delay_ms / 1000.0
        if not context.buffer and frame.transcript:
            context.deadline = self.last_frame + context.buffer_delay
        context.buffer += frame.transcript
        actions: list[Action] = []
        if frame.flush or not frame.continue_ or context.buffer_delay == 0:
            # A manual flush, the context's end, or no buffering: everything buffered goes now.
            flush = frame.flush or (context.buffer_delay == 0 and bool(frame.transcript.strip()))
            actions = self._send_buffer(context, flush=flush)
        else:
            ready, context.buffer = cut_after_last(SENTENCE_END, context.buffer)
            if not ready.strip() and len(context.buffer) >= MANAGED_BUFFER_CHARS:
                ready, context.buffer = cut_at_word(context.buffer)  # enough text for prosody
            if ready.strip():
                actions.append(self._dispatch(context, ready))
                context.deadline = self.last_frame + context.buffer_delay if context.buffer else None
        if not frame.continue_:
            context.closing = True
            actions += self._finish(context)
        return actions

    def _open(self, frame: Generation) -> CartesiaContext | ErrorFrame:
        cid = frame.context_id
        missing = [name for name in ("model_id", "voice", "output_format") if getattr(frame, name) is None]
        if missing:
            return bad_request(f"Missing required field(s) in the first request: {', '.join(missing)}", cid)
        assert frame.output_format is not None
        fmt = frame.output_format.audio_format()
        if isinstance(fmt, DecodeError):
            return bad_request(fmt.reason, cid)
        if empty_or_punctuation(frame.transcript):
            return bad_request(EMPTY_TRANSCRIPT, cid)
        if not self.account.admit((self, cid)):
            return ca.error_event(CONCURRENCY_MESSAGE, "concurrency_limited", 429, cid)
        context = CartesiaContext(
            cid,
            speed=speed_of(frame),
            settings=frame.settings(),
            fmt=fmt,
            words=frame.add_timestamps,
            phonemes=frame.add_phoneme_timestamps,
            normalized=frame.use_normalized_timestamps,
            last_step=self.last_frame,
            clock=self.clock,
        )
        context.encoder = AudioEncoder(fmt, context.audio_frames, True, self.max_frame_ms, 1, False)
        self.contexts[cid] = context
        return context

    def _changed(self, context: CartesiaContext, frame: Generation) -> str | None:
        for name, value in frame.settings().items():
            if context.settings.get(name, value) != value:
                return name
        return None

    def _dispatch(self, context: CartesiaContext, text: str, *, flush: bool = False) -> Generate:
        if flush:
            context.flushes += 1
        return dispatch(context, text, flush=flush)

    def _send_buffer(self, context: CartesiaContext, *, flush: bool) -> list[Action]:
        text, context.buffer, context.deadline = context.buffer, "", None
        if not text.strip() and not flush:
            return []
        return [self._dispatch(context, text if text.strip() else "", flush=flush)]

    # ---- output and time -----------------------------------------------------------------

    def generation_finished(self, generate: Generate) -> list[Action]:
        context = settle(generate)
        assert isinstance(context, CartesiaContext)
        if self.done or self.contexts.get(context.context_id) is not context:
            return []
        actions: list[Action] = []
        if generate.flush:
            context.flushes_done += 1
            actions.append(SendFlushDone(context, context.flushes_done))
        return actions + self._finish(context)

    def expire(self) -> list[Action]:
        if self.done:
            return []
        now = self.clock()
        self._forget_expired()
        actions: list[Action] = []
        for context in list(self.contexts.values()):
            if context.deadline is not None and context.deadline <= now and not context.closing:
                actions += self._send_buffer(context, flush=False)
        if now >= self._idle_deadline():
            self.release()
            self.done = True
            return actions + [CloseSocket(NORMAL_CLOSURE, ca.IDLE_CLOSE_REASON)]
        return actions

    def next_deadline(self) -> float | None:
        if self.done:
            return None
        deadlines = [self._idle_deadline()]
        for context in self.contexts.values():
            if context.expires is not None:
                deadlines.append(context.expires)
            elif context.deadline is not None and not context.closing:
                deadlines.append(context.deadline)
        soonest = min(deadlines)
        return None if soonest == float("inf") else soonest

    def forget(self, turn: Turn) -> None:
        """Stop counting `turn` (a fault abandoned it: fault_plan.py): it leaves the socket's
        table of contexts, as the fault plan has always done. A newer context under its id stays."""
        if self.contexts.get(turn.context_id) is turn:
            self._drop(turn.context_id)  # and from the account: it no longer counts there either

    def release(self) -> None:
        """The socket is gone: its contexts no longer count toward the account's limit."""
        for cid in self.contexts:
            self.account.active.discard((self, cid))
        self.contexts.clear()

    # ---- internals -----------------------------------------------------------------------

    def _idle_deadline(self) -> float:
        busy = any(c.pending or c.buffer for c in self.contexts.values() if c.expires is None)
        return float("inf") if busy else self.last_frame + self.idle_timeout

    def _finish(self, context: CartesiaContext) -> list[Action]:
        actions = finish_if_drained(context)
        if actions:
            context.expires = self.clock() + EXPIRY_SECONDS
            self.last_frame = max(self.last_frame, self.clock())  # audio went out: not idle
        return actions

    def _forget_expired(self) -> None:
        now = self.clock()
        for cid, context in list(self.contexts.items()):
            if context.expires is not None and context.expires <= now:
                self._drop(cid)

    def _drop(self, cid: str | None) -> None:
        self.contexts.pop(cid, None)
        self.account.active.discard((self, cid))

    def _end(self, context: CartesiaContext, *, final: bool) -> list[Action]:
        """Stop the context's audio now and forget it; `done` after it if `final`."""
        self._drop(context.context_id)
        context.buffer, context.closing = "", True
        return [Abandon(context, final)]

    def _error(self, error: ErrorFrame) -> list[Action]:
        """The error for its context (done: true): a live context with that id ends with it."""
        context = self.contexts.get(error.context_id)
        actions: list[Action] = []
        if context is not None and context.expires is None:
            actions = self._end(context, final=False)
        return actions + [SendError(error)]
