"""The Inworld `voice:streamBidirectional` connection as a sans-IO model (PROTOCOL-DIALECTS.md §1).

Life cycle: `create` → `contextCreated` → (`send_text`)* → each synthesis (an explicit flush,
`autoMode`, the char threshold or the buffer delay) → its `audioChunk`s → `flushCompleted` …
→ `close_context` → the buffered text is still synthesized → its audio → `contextClosed`.
Every reply is wrapped in `{"result": …}` with a `status`, one event per frame.

Choices where the reference says "unverified" (each tested):
- `send_text` takes up to `iw.MAX_TEXT_CHARS` (2,000) chars; longer text is refused (code 3).
- Error codes: "Context X not found during <op>" 5 (seen live); "already exists" 6; "Max contexts
  limit reached" 8; a malformed message, unsupported format or bad value 3. Every error is a
  status in a `result` (with the `contextId` when one was named) and the socket stays open.
- `cancel_context` (sent by LiveKit's plugin 1.8.9): the buffer is dropped, generation stops at
  once (audio not yet sent is never sent), then `contextClosed`.
- A second `close_context` (or cancel) for a context already closing is ignored: LiveKit sends
  duplicates, and a code-5 reply for a context it still tracks would fail its stream.
- A context closed with no text gets `contextClosed` and no `flushCompleted` (nothing was
  synthesized); a flush of an empty buffer sends nothing.
- A message without `contextId` addresses the one open context; with none open, an empty
  `send_text` (pipecat's contextless keep-alive) gets "context_id is required when 0 contexts are
  open (payload=SEND_TEXT)" (code 3), which pipecat swallows; with several open, the same words
  with their count. A contextless `create` opens the context `None` (replies carry no contextId).
- Auto-flush: with `autoMode` the buffer is synthesized up to its last sentence end as soon as
  one arrives; in any mode at `bufferCharThreshold` chars (cut at a word; 1000 when not given, the
  service's hard limit) and `maxBufferDelayMs` after the oldest waiting text (only when given).
- `update_config` synthesizes the buffer with the old settings first, then applies voice,
  temperature and speakingRate (the rate from the next synthesis on) and answers
  `contextUpdated` at once, before that audio; `modelId`, `audioEncoding` and `sampleRateHertz`
  cannot change (code 3).
- Idle: 10 minutes with no client message and no synthesis running closes the socket with 1000
  "session closed after 10 minutes of inactivity"; any message, an empty `send_text` included,
  resets the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.protocol import inworld as iw
from tui.protocol.frames import ContextOpened, DecodeError, ErrorFrame, Unknown

from .actions import (
    MAX_UNSPOKEN_CHARS,
    NORMAL_CLOSURE,
    Abandon,
    Action,
    CloseSocket,
    Generate,
    SendError,
    SendEvent,
    SendFinal,
    SendFlushDone,
    Turn,
    dispatch,
    over_budget,
    settle,
)
from .clock import Clock
from .inworld_audio import context_encoder
from .synthesis import MAX_FRAME_MS
from .text_buffer import SENTENCE_END, cut_after_last, cut_at_word, unspeakable

IDLE_CLOSE_REASON = "session closed after 10 minutes of inactivity"


def status_error(message: str, code: int, context_id: str | None = None) -> SendError:
    return SendError(ErrorFrame(message, code=code, context_id=context_id))


@dataclass(eq=False)
class InworldContext(Turn):
    config: iw.ContextConfig = field(default_factory=iw.ContextConfig)
    last: Generate | None = None  # the synthesis handed to the voice most recently
    # update_config's speakingRate, held until this synthesis is done: the voice reads the
    # context's speed as a synthesis starts, and the lane starts the next only after it.
    speed_after: tuple[Generate, float] | None = None


class InworldConnection:
    """One Inworld socket: up to five contexts, counted until their `contextClosed`."""

    def __init__(
        self, clock: Clock, *, max_frame_ms: int = MAX_FRAME_MS, idle_timeout: float = iw.IDLE_TIMEOUT_SECONDS
    ):
        self.clock = clock
        self.max_frame_ms = max_frame_ms
        self.idle_timeout = idle_timeout
        self.contexts: dict[str | None, InworldContext] = {}
        self.max_contexts = iw.MAX_CONTEXTS
        self.done = False
        self.last_frame = clock()

    # ---- client frames -------------------------------------------------------------------

    def receive(self, frame: object) -> list[Action]:
        if self.done:
            return []
        self.last_frame = self.clock()
        match frame:
            case DecodeError(reason=reason):
                return [status_error(f"Invalid message: {reason}", iw.INVALID_ARGUMENT)]
            case iw.Create(config=config, context_id=cid):
                return self._create(cid, config)
        cid = getattr(frame, "context_id", None)
        op = _OP_NAMES.get(type(frame), "sendText")
        if cid is None and len(self.contexts) != 1:
            message = f"context_id is required when {len(self.contexts)} contexts are open (payload={_PAYLOAD[op]})"
            return [status_error(message, iw.INVALID_ARGUMENT)]
        if cid is None:
            cid = next(iter(self.contexts))
        context = self.contexts.get(cid)
        if context is None or (context.closing and not isinstance(frame, (iw.CloseContext, iw.CancelContext))):
            return [status_error(iw.not_found_message(cid, op), iw.NOT_FOUND, cid)]
        match frame:
            case iw.SendText(text=text, flush=flush):
                return self._text(context, text, flush)
            case iw.KeepAlive():
                return []
            case iw.FlushContext():
                return self._synthesize(context, context.buffer)
            case iw.UpdateConfig(config=config):
                return self._update(context, config)
            case iw.CloseContext():
                return self._close(context)
            case iw.CancelContext():
                return self._cancel(context)
        return [status_error(f"Invalid message: unexpected {type(frame).__name__}", iw.INVALID_ARGUMENT, cid)]

    def _create(self, cid: str | None, config: iw.ContextConfig) -> list[Action]:
        if cid in self.contexts:
            return [status_error(f"Context {cid} already exists", iw.ALREADY_EXISTS, cid)]
        if len(self.contexts) >= self.max_contexts:
            return [status_error("Max contexts limit reached", iw.RESOURCE_EXHAUSTED, cid)]
        encoder = context_encoder(config, cid, self.max_frame_ms)
        if isinstance(encoder, ErrorFrame):
            return [SendError(encoder)]
        speed = config.audio.speaking_rate if config.audio and config.audio.speaking_rate else 1.0
        self.contexts[cid] = InworldContext(cid, speed=speed, encoder=encoder, config=config)
        return [SendEvent(ContextOpened(cid, created_body(config, encoder.encoding, encoder.output.sample_rate)))]

    def _text(self, context: InworldContext, text: str, flush: bool) -> list[Action]:
        cid = context.context_id
        if len(text) > iw.MAX_TEXT_CHARS:
            message = f"send_text.text is {len(text)} characters; the maximum is {iw.MAX_TEXT_CHARS}"
            return [status_error(message, iw.INVALID_ARGUMENT, cid)]
        if (reason := unspeakable(text)) is not None:
            return [status_error(f"Invalid text: {reason}", iw.INVALID_ARGUMENT, cid)]
        if over_budget(self.contexts.values(), len(text)):
            message = f"more than {MAX_UNSPOKEN_CHARS} characters waiting to be spoken on this connection"
            return [status_error(message, iw.RESOURCE_EXHAUSTED, cid)]
        if not context.buffer:
            delay = context.config.max_buffer_delay_ms
            context.deadline = self.last_frame + delay / 1000.0 if delay else None
        context.buffer += text
        if flush:
            return self._synthesize(context, context.buffer)
        ready = ""
        if context.config.auto_mode:
            ready, _ = cut_after_last(SENTENCE_END, context.buffer)
        threshold = context.config.buffer_char_threshold or iw.AUTO_FLUSH_CHARS
        if not ready.strip() and len(context.buffer) >= min(threshold, iw.AUTO_FLUSH_CHARS):
            ready, _ = cut_at_word(context.buffer)
        return self._synthesize(context, ready) if ready.strip() else []

    def _synthesize(self, context: InworldContext, text: str) -> list[Action]:
        """Hand the buffer's first `text` chars to the voice as one synthesis (flushCompleted after)."""
        context.buffer = context.buffer[len(text) :]
        if not context.buffer:
            context.deadline = None
        if not text.strip():
            return []
        context.last = dispatch(context, text, flush=True)
        return [context.last]

    def _update(self, context: InworldContext, config: iw.ContextConfig) -> list[Action]:
        cid, old = context.context_id, context.config
        audio, was = config.audio, old.audio or iw.AudioConfig()
        if config.model_id is not None and config.model_id != old.model_id:
            return [status_error("modelId cannot be changed with update_config", iw.INVALID_ARGUMENT, cid)]
        if audio is not None and (
            (audio.encoding not in ("AUDIO_ENCODING_UNSPECIFIED", was.encoding))
            or (audio.sample_rate is not None and audio.sample_rate != was.sample_rate)
        ):
            message = "audioEncoding and sampleRateHertz cannot be changed in an open context"
            return [status_error(message, iw.INVALID_ARGUMENT, cid)]
        actions = self._synthesize(context, context.buffer)  # the buffer keeps the old settings
        if audio is not None and audio.speaking_rate:
            if context.pending and context.last is not None:
                context.speed_after = (context.last, audio.speaking_rate)
            else:
                context.speed = audio.speaking_rate
        changed = {k: v for k, v in config.to_json().items() if k != "audioConfig"}
        context.config = iw.ContextConfig(
            config.voice_id or old.voice_id,
            old.model_id,
            old.audio,
            config.temperature if config.temperature is not None else old.temperature,
            old.timestamp_type,
            old.timestamp_transport,
            old.auto_mode,
            old.max_buffer_delay_ms,
            old.buffer_char_threshold,
            old.extra,
        )
        body = {**context.config.to_json(), **changed}
        updated = {"result": {"contextId": cid, "contextUpdated": body, "status": iw.OK_STATUS}}
        return actions + [SendEvent(Unknown(updated, cid))]

    def _close(self, context: InworldContext) -> list[Action]:
        if context.closing:
            return []  # duplicates happen (LiveKit): the context is closing already
        actions = self._synthesize(context, context.buffer)  # "equivalent to a flush right before"
        context.closing = True
        return actions + self._finish(context)

    def _cancel(self, context: InworldContext) -> list[Action]:
        context.buffer, context.deadline, context.closing = "", None, True
        if self.contexts.get(context.context_id) is context:
            del self.contexts[context.context_id]
        # Abandon is exactly cancel: stop the lane, drop what it has not sent, then the final.
        return [Abandon(context, final=True)]

    def _finish(self, context: InworldContext) -> list[Action]:
        if not context.closing or context.pending:
            return []
        if self.contexts.get(context.context_id) is context:
            del self.contexts[context.context_id]
        return [SendFinal(context)]

    # ---- runtime callbacks ---------------------------------------------------------------

    def generation_finished(self, generate: Generate) -> list[Action]:
        context = settle(generate)
        if not isinstance(context, InworldContext):
            return []
        if context.speed_after is not None and context.speed_after[0] is generate:
            context.speed, context.speed_after = context.speed_after[1], None
        if self.done:
            return []
        if self.contexts.get(context.context_id) is not context:
            return []  # cancelled: its contextClosed has gone already
        return [SendFlushDone(context)] + self._finish(context)

    def expire(self) -> list[Action]:
        if self.done:
            return []
        now = self.clock()
        if self._idle_deadline() is not None and now >= self.last_frame + self.idle_timeout:
            self.done = True
            return [CloseSocket(NORMAL_CLOSURE, IDLE_CLOSE_REASON)]
        actions: list[Action] = []
        for context in list(self.contexts.values()):
            if context.deadline is not None and context.deadline <= now and not context.closing:
                actions += self._synthesize(context, context.buffer)
        return actions

    def _idle_deadline(self) -> float | None:
        busy = any(context.pending for context in self.contexts.values())
        return None if busy else self.last_frame + self.idle_timeout

    def next_deadline(self) -> float | None:
        if self.done:
            return None
        deadlines = [c.deadline for c in self.contexts.values() if c.deadline is not None and not c.closing]
        idle = self._idle_deadline()
        return min(deadlines + ([idle] if idle is not None else []), default=None)

    def forget(self, turn: Turn) -> None:
        """Stop counting `turn` (a fault abandoned it: fault_plan.py): its id and its place
        among the contexts are free again. A newer context under the same id is left alone."""
        if self.contexts.get(turn.context_id) is turn:
            del self.contexts[turn.context_id]


_OP_NAMES: dict[type, str] = {
    iw.SendText: "sendText",
    iw.KeepAlive: "sendText",
    iw.FlushContext: "flushContext",
    iw.UpdateConfig: "updateConfig",
    iw.CloseContext: "closeContext",
    iw.CancelContext: "cancelContext",
}
_PAYLOAD = {
    "sendText": "SEND_TEXT",
    "flushContext": "FLUSH_CONTEXT",
    "updateConfig": "UPDATE_CONFIG",
    "closeContext": "CLOSE_CONTEXT",
    "cancelContext": "CANCEL_CONTEXT",
}


def created_body(config: iw.ContextConfig, encoding: str, rate: int) -> dict[str, object]:
    """`contextCreated`: the context's settings as the service echoes them, defaults filled in."""
    body = config.to_json()
    body["audioConfig"] = {**body.get("audioConfig", {}), "audioEncoding": encoding, "sampleRateHertz": rate}
    return body
