"""The ElevenLabs multi-context connection as a sans-IO model (PROTOCOL.md §1.2–§1.4).

Decisions where the published material leaves room (each one tested):

- `close_context`, `close_socket` and the inactivity timeout finish what was *flushed* (or
  already handed to the voice by the chunk schedule / auto_mode) and discard text still waiting
  in the buffer. The vendor's schema says of close_context "if it has already been set to flush
  it will continue flushing", and of close_socket "any context that was previously set to flush
  will wait to flush before closing"; PROTOCOL.md's race (a close right after the last text
  yields a final with zero audio) follows from it. This is why pipecat and LiveKit flush first.
- A frame without `context_id` addresses the default context (reported with `contextId: null`).
  A bare keep-alive `{"text": ""}` without an id does not open it: the service treats it as a
  connection keep-alive (pipecat sends it every 10 s for exactly that), so it never counts
  toward the five. Any other frame naming an unknown id, keep-alive or bare flush included,
  opens that context: the phantom context.
- `close_context` for an id the server does not know (already final, or never opened) is
  ignored: it opens nothing and sends no final.
- Frames for a context that is closing (other than more closes) are ignored: no new text.
- The socket itself times out like the single-context endpoint: when no context is left and no
  frame has arrived for `inactivity_timeout` seconds, `input_timeout_exceeded` and close 1008.
- No `flush_done` frame unless the server was started with it (`--flush-done`): ElevenLabs has
  no published source for one (PROTOCOL.md §5: the only example is Cartesia's frame). When on
  (unverified shape), `{"type": "flush_done", "context_id": ..., "flush_done": true}` follows the
  last audio of each flush; the single-context route never sends it.
- `pronunciation_dictionary_locators` follows the `voice_settings` rule: first message only,
  then absent or unchanged. `generation_config` later in a context is accepted (unverified: the
  vendor's websockets guide allows a schedule "when sending text", its AsyncAPI says first
  message only): its `chunk_length_schedule` applies to that context's generations from then on,
  continuing from the step the schedule has reached.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tui.protocol import elevenlabs as el
from tui.protocol.elevenlabs import CloseContext, CloseSocket, ContextSettings, Flush, KeepAlive, SendText
from tui.protocol.frames import DecodeError, ErrorFrame
from tui.protocol.secret import Secret

from .actions import (
    MAX_UNSPOKEN_CHARS,
    POLICY_VIOLATION,
    Action,
    CloseSocket as CloseSocketAction,
    Fail,
    Generate,
    SendError,
    SendFlushDone,
    Turn,
    dispatch,
    finish_if_drained,
    over_budget,
    settle,
)
from .auth import ELEVENLABS_KEY_MISSING, ELEVENLABS_KEY_WRONG, KeyCheck, check_key
from .clock import Clock
from .text_buffer import PHRASE_END, cut_after_last, cut_at_word, schedule_threshold, unspeakable

MAX_CONTEXTS_ERROR = ErrorFrame(el.MAX_CONTEXTS_MESSAGE, "max_active_conversations", POLICY_VIOLATION)
VOICE_SETTINGS_ERROR = ErrorFrame(el.VOICE_SETTINGS_MESSAGE, None, POLICY_VIOLATION)
INVALID_INPUT_ERROR = ErrorFrame(el.INVALID_INPUT_MESSAGE, "invalid_input_message", POLICY_VIOLATION)
JSON_DECODE_ERROR = ErrorFrame(el.JSON_DECODE_MESSAGE, "input_message_json_decode_fail", POLICY_VIOLATION)
# try_trigger_generation only generates once the buffer holds this much (the smallest allowed
# schedule size): the service's "minimum threshold of characters" is not published.
TRY_TRIGGER_MIN_CHARS = 50


def input_timeout_error(seconds: float) -> ErrorFrame:
    return ErrorFrame(el.input_timeout_message(seconds), "input_timeout_exceeded", POLICY_VIOLATION)


TEXT_CAP_MESSAGE = (
    f"Too much text waiting to be spoken on this connection (more than {MAX_UNSPOKEN_CHARS} "
    "characters); the frame was ignored"
)


def unspeakable_text_error(context_id: str | None, reason: str) -> ErrorFrame:
    """A frame whose text cannot be spoken (NUL, a lone surrogate): this error, for its context
    only; no close (the service's answer is not published: ours keeps the other contexts going)."""
    return ErrorFrame(f"Invalid text: {reason}", "invalid_text", None, context_id)


def refuse_text(frame: object, contexts: Iterable[Context]) -> list[Action] | None:
    """The error for a text frame no voice can speak, or one past the connection's cap on text
    waiting to be spoken; None to take it (both ElevenLabs routes). Neither closes the socket."""
    if not isinstance(frame, SendText):
        return None
    if (reason := unspeakable(frame.text)) is not None:
        return [SendError(unspeakable_text_error(frame.context_id, reason))]
    if over_budget(contexts, len(frame.text)):
        return [SendError(ErrorFrame(TEXT_CAP_MESSAGE, "text_buffer_exceeded", None, frame.context_id))]
    return None


def settings_changed_error(name: str) -> ErrorFrame:
    if name == "voice_settings":
        return VOICE_SETTINGS_ERROR
    return ErrorFrame(el.VOICE_SETTINGS_MESSAGE.replace("voice_settings", name, 1), None, POLICY_VIOLATION)


@dataclass(eq=False)
class Context(Turn):
    """An ElevenLabs context: a turn plus what its first message fixed."""

    settings: ContextSettings = field(default_factory=ContextSettings)
    schedule: tuple[int, ...] = el.DEFAULT_CHUNK_SCHEDULE
    scheduled: int = 0  # generations the chunk schedule has triggered so far


def open_context(context_id: str | None, settings: ContextSettings | None, deadline: float | None) -> Context:
    settings = settings or ContextSettings()
    speed = (settings.voice_settings or {}).get("speed", 1.0)
    return Context(
        context_id,
        speed=float(speed),
        deadline=deadline,
        settings=settings,
        schedule=settings.chunk_schedule or el.DEFAULT_CHUNK_SCHEDULE,
    )


def later_settings(context: Context, offered: ContextSettings | None) -> ErrorFrame | None:
    """The error for settings that differ from the context's first message, if they do;
    a later `generation_config` is no conflict: it is applied (see the module docstring)."""
    if offered is None:
        return None
    for name in ("voice_settings", "pronunciation_dictionary_locators"):
        value = getattr(offered, name)
        if value is not None and value != getattr(context.settings, name):
            return settings_changed_error(name)
    if offered.generation_config is not None:
        context.settings = replace(context.settings, generation_config=offered.generation_config)
        context.schedule = offered.chunk_schedule or context.schedule
    return None


def take_ready_text(context: Context, auto_mode: bool, new_from: int = 0) -> list[Action]:
    """Generations the buffer now triggers without a flush: a phrase end, or the schedule.
    `new_from`: where the text just appended starts (what came before holds no phrase end)."""
    if auto_mode:
        ready, context.buffer = cut_after_last(PHRASE_END, context.buffer, new_from)
        return [dispatch(context, ready)] if ready.strip() else []
    if len(context.buffer) < schedule_threshold(context.schedule, context.scheduled):
        return []
    ready, context.buffer = cut_at_word(context.buffer)
    context.scheduled += 1
    return [dispatch(context, ready)]


def flush_buffer(context: Context) -> Generate:
    """Everything buffered goes to the voice; flush_done (if enabled) follows its audio."""
    text, context.buffer = context.buffer, ""
    return dispatch(context, text, flush=True)


class ContextDeadlines:
    """Time for a model whose open contexts each have an inactivity deadline and whose socket
    fails once no context is open and no frame came for `timeout`: the ElevenLabs multi-context
    and Text-to-Dialogue routes. The model supplies the attributes below, `_close` (a context
    timed out) and `_fail`, and `_idle_error` (its dialect's words for the socket's timeout)."""

    clock: Clock
    done: bool
    timeout: float
    last_frame: float
    closing_socket: bool
    contexts: dict[Any, Any]  # id → the model's Turn subclass

    if TYPE_CHECKING:  # the model's own (declared only: a stub here would shadow a base's)

        def _close(self, context: Any) -> list[Action]: ...
        def _fail(self, error: ErrorFrame) -> list[Action]: ...
        def _idle_error(self) -> ErrorFrame: ...

    def expire(self) -> list[Action]:
        """Close the contexts whose inactivity deadline has passed; time out an idle socket."""
        if self.done:
            return []
        now = self.clock()
        actions: list[Action] = []
        for context in list(self.contexts.values()):
            if not context.closing and context.deadline is not None and context.deadline <= now:
                actions += self._close(context)
        if not self.contexts and not self.closing_socket and now >= self.last_frame + self.timeout:
            actions += self._fail(self._idle_error())
        return actions

    def next_deadline(self) -> float | None:
        if self.done:
            return None
        open_deadlines = [c.deadline for c in self.contexts.values() if not c.closing and c.deadline is not None]
        if open_deadlines:
            return min(open_deadlines)
        if not self.contexts and not self.closing_socket:
            return self.last_frame + self.timeout
        return None

    def forget(self, turn: Turn) -> None:
        """Stop counting `turn` (a fault abandoned it: fault_plan.py): its id and its place
        among the contexts are free again. A newer context under the same id is left alone."""
        if self.contexts.get(turn.context_id) is turn:
            del self.contexts[turn.context_id]


class ElevenLabsModel:
    """What both ElevenLabs endpoints share: the clock, the key check, failing once."""

    def __init__(
        self,
        clock: Clock,
        *,
        inactivity_timeout: float = el.DEFAULT_INACTIVITY_TIMEOUT,
        auto_mode: bool = False,
        api_key: Secret | None = None,
        key_check: KeyCheck = KeyCheck.OK,
        flush_done: bool = False,
    ):
        self.clock = clock
        self.timeout = inactivity_timeout
        self.auto_mode = auto_mode
        self.flush_done = flush_done  # opt-in: the service is not known to send it (see the module docstring)
        self.done = False
        self.last_frame = clock()
        self._api_key = api_key
        # MISSING: the key may still come as xi_api_key in the first message.
        self._awaiting_key = key_check is KeyCheck.MISSING

    def _admit(self, frame: object) -> list[Action] | None:
        """Note the frame's arrival; what to answer instead of handling it (after a failure:
        nothing; a bad frame or no key: the failure), or None to handle it."""
        if self.done:
            return []
        self.last_frame = self.clock()
        if isinstance(frame, DecodeError):
            # load_object's reasons: text that is not JSON at all, or JSON outside the schema.
            unparsed = frame.reason.startswith(("not JSON", "binary frame is not UTF-8"))
            return self._fail(JSON_DECODE_ERROR if unparsed else INVALID_INPUT_ERROR)
        if self._awaiting_key:
            offered = frame.xi_api_key.reveal() if isinstance(frame, SendText) and frame.xi_api_key else None
            check = check_key(self._api_key, offered)
            if check is not KeyCheck.OK:
                return self._fail(ELEVENLABS_KEY_MISSING if check is KeyCheck.MISSING else ELEVENLABS_KEY_WRONG)
            self._awaiting_key = False
        return None

    def _fail(self, error: ErrorFrame) -> list[Action]:
        self.done = True
        return [Fail(error)]


class MultiContextConnection(ContextDeadlines, ElevenLabsModel):
    """One `multi-stream-input` socket: up to five contexts, their buffers, deadlines and finals."""

    def __init__(self, clock: Clock, **options) -> None:
        super().__init__(clock, **options)
        self.contexts: dict[str | None, Context] = {}
        self.closing_socket = False

    # ---- input ---------------------------------------------------------------------------

    def receive(self, frame: object) -> list[Action]:
        """Fold one decoded client frame (or its DecodeError) into the model."""
        refusal = self._admit(frame)
        if refusal is not None:
            return refusal
        if self.closing_socket:
            return []
        match frame:
            case CloseSocket():
                self.closing_socket = True
                actions: list[Action] = []
                for context in list(self.contexts.values()):
                    actions += self._close(context)
                return actions + self._close_socket_if_drained()
            case CloseContext(context_id=context_id):
                target = self.contexts.get(context_id)
                return [] if target is None or target.closing else self._close(target)
            case KeepAlive(context_id=None, settings=None) if None not in self.contexts:
                return []  # a connection keep-alive: opens nothing
            case KeepAlive() | Flush() | SendText():
                return self._to_context(frame)
        return self._fail(INVALID_INPUT_ERROR)

    def _to_context(self, frame: KeepAlive | Flush | SendText) -> list[Action]:
        if (refusal := refuse_text(frame, self.contexts.values())) is not None:
            return refusal
        context = self.contexts.get(frame.context_id)
        if context is None:
            if len(self.contexts) >= el.MAX_CONTEXTS:
                return self._fail(MAX_CONTEXTS_ERROR)
            context = open_context(frame.context_id, frame.settings, self.last_frame + self.timeout)
            self.contexts[frame.context_id] = context
        elif context.closing:
            return []
        else:
            conflict = later_settings(context, frame.settings)
            if conflict is not None:
                return self._fail(conflict)
        context.deadline = self.last_frame + self.timeout
        if isinstance(frame, KeepAlive):
            return []
        if isinstance(frame, SendText):
            new_from = len(context.buffer)
            context.buffer += frame.text
            if not frame.flush:
                return take_ready_text(context, self.auto_mode, new_from)
        return [flush_buffer(context)]

    # ---- output and time -----------------------------------------------------------------

    def generation_finished(self, generate: Generate) -> list[Action]:
        """The runtime has sent all audio of `generate` (or dropped it)."""
        context = settle(generate)
        if self.done:
            return []
        actions: list[Action] = [SendFlushDone(context)] if generate.flush and self.flush_done else []
        return actions + self._finish(context)

    def _idle_error(self) -> ErrorFrame:
        return input_timeout_error(self.timeout)

    # ---- internals -----------------------------------------------------------------------

    def _close(self, context: Context) -> list[Action]:
        context.closing = True
        context.buffer = ""  # never flushed: discarded (see the module docstring)
        return self._finish(context)

    def _finish(self, context: Turn) -> list[Action]:
        actions = finish_if_drained(context)
        if actions and self.contexts.get(context.context_id) is context:
            del self.contexts[context.context_id]
            actions += self._close_socket_if_drained()
        return actions

    def _close_socket_if_drained(self) -> list[Action]:
        if self.closing_socket and not self.contexts and not self.done:
            self.done = True
            return [CloseSocketAction()]
        return []
