"""The ElevenLabs Text-to-Dialogue connection as a sans-IO model (PROTOCOL-DIALECTS.md §3.4).

A context opens with its first message, which must set `voices` (at most 10 for eleven_v3 and
the v4 models, exactly 1 for eleven_v3_conversational); each registered voice id speaks with its own local
speaker (synth/voice_bank.py: the same voice pitched apart, so a dialogue is two people).
`inputs` name their speaker; text waits until about 40 characters and 8 words are buffered,
then what is complete (up to the last whitespace) is generated; `flush` generates the rest and
keeps the context; `close_context` generates the rest, then `is_final`, and the context holds
its slot until then. `close_socket` closes every context that way, then the socket (1000).
Five contexts per socket, closing ones included. Any protocol error (a frame that does not
decode, a message for a context whose first message set no voices, an unregistered voice, a
sixth context, `voices` or other first-message fields resent, a message to a closing context,
a missing or wrong key) sends an error frame, then closes the socket with 1008.

Choices where the reference says unverified or is silent (each tested):
- `is_final_audio_for_turn`: exactly one per `flush`, after all audio the flush generated and
  all audio generated before it (the §3.6 default pipecat needs to close its contexts); never
  for batches the buffer starts itself, nor for the generation a close starts. A flush with
  nothing buffered still gets one (after any audio still going out).
- A segment ends when `new_turn: true` arrives or the next input names another speaker; an
  ended segment is generated at once ("as if the speaker finished their turn"), whatever its
  length. Only the open segment waits for the 40 chars / 8 words.
- A context with no message for 20 s closes as `close_context` does: its buffer is generated,
  then `is_final` (whether the service sends one then is unverified). The socket fails with
  `input_timeout_exceeded` and 1008 (code unverified) when no context is left and no message
  has come for 20 s; each message for a context keeps both alive, `keep_alive` included.
- `close_context` for an id the server does not know (never opened, or already final) is
  ignored, and so is a second `close_context` for a closing context: a client that closes on
  barge-in and on turn end may send both; every other message to a closing context is refused.
- Error frames carry `context_id` when a context is concerned (unverified; pipecat ignores it).
  Error ids other than `max_active_conversations`, `authentication_required` and
  `context_closing` (seen on the service) are the local server's own.
- `voice_settings.stability` and `pronunciation_dictionary_locators` are accepted and noted
  only (one local voice per speaker). Text a voice cannot speak and text past the connection's
  cap are protocol errors here too (1008), as the route closes on every error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from tui.protocol import dialogue as ttd
from tui.protocol.dialogue import CloseContext, CloseSocket, DialogueInput, Flush, KeepAlive, OpenContext, SendInputs
from tui.protocol.frames import DecodeError, ErrorFrame
from tui.protocol.secret import Secret

from .actions import (
    MAX_UNSPOKEN_CHARS,
    POLICY_VIOLATION,
    Action,
    CloseSocket as CloseSocketAction,
    Fail,
    Generate,
    SendFlushDone,
    Turn,
    dispatch,
    finish_if_drained,
    settle,
)
from .auth import ELEVENLABS_KEY_MISSING, ELEVENLABS_KEY_WRONG, KeyCheck, check_key
from .clock import Clock
from .contexts import ContextDeadlines
from .synth.voice_bank import assign_speakers
from .text_buffer import cut_at_word, unspeakable

MAX_CONTEXTS_ERROR = ErrorFrame(ttd.MAX_CONTEXTS_MESSAGE, "max_active_conversations", POLICY_VIOLATION)
KEY_MISSING_ERROR = ErrorFrame(ELEVENLABS_KEY_MISSING.message, "authentication_required", POLICY_VIOLATION)
_WORD_START = re.compile(r"(?<!\S)\S")
ContextFrame = OpenContext | SendInputs | Flush | KeepAlive | CloseContext


def protocol_error(message: str, error: str, context_id: str | None = None) -> ErrorFrame:
    return ErrorFrame(message, error, POLICY_VIOLATION, context_id)


def input_timeout_error(seconds: float) -> ErrorFrame:
    return protocol_error(
        f"No message received for {seconds:g} seconds; the connection is closed. "
        "Send keep_alive for an open context to keep it.",
        "input_timeout_exceeded",
    )


@dataclass
class Segment:
    """Buffered text of one speaker, not yet generated."""

    voice_id: str
    text: str = ""


@dataclass(eq=False)
class DialogueContext(Turn):
    speakers: dict[str, int] = field(default_factory=dict)  # registered voice id → local speaker
    segment: Segment | None = None  # the open segment (an ended one is generated at once)
    words: int = 0  # words in the open segment

    @property
    def chars(self) -> int:
        return len(self.segment.text) if self.segment is not None else 0


def count_words(text: str, after: str) -> int:
    """Words that start in `text`, which follows `after` (a word may run on across frames)."""
    count = len(_WORD_START.findall(text))
    if text[:1] and not text[0].isspace() and after[-1:] and not after[-1].isspace():
        count -= 1  # the first "word" continues the previous one
    return count


class DialogueConnection(ContextDeadlines):
    """One `text-to-dialogue/multi-stream-input` socket (module docstring)."""

    def __init__(
        self,
        clock: Clock,
        *,
        model_id: str = ttd.DEFAULT_MODEL,
        inactivity_timeout: float = ttd.INACTIVITY_TIMEOUT,
        api_key: Secret | None = None,
        key_check: KeyCheck = KeyCheck.OK,
    ) -> None:
        self.clock = clock
        self.model_id = model_id
        self.max_voices = ttd.MAX_VOICES[model_id]
        self.timeout = inactivity_timeout
        self.done = False
        self.last_frame = clock()
        self.contexts: dict[str, DialogueContext] = {}
        self.closing_socket = False
        self._api_key = api_key
        self._awaiting_key = key_check is KeyCheck.MISSING  # it may come in the first message

    # ---- input ---------------------------------------------------------------------------

    def receive(self, frame: object) -> list[Action]:
        if self.done:
            return []
        self.last_frame = self.clock()
        if isinstance(frame, DecodeError):
            return self._fail(protocol_error(f"Invalid message: {frame.reason}", "invalid_message"))
        if self._awaiting_key:
            setup = getattr(frame, "setup", None)
            check = check_key(self._api_key, setup.api_key.reveal() if setup and setup.api_key else None)
            if check is not KeyCheck.OK:
                return self._fail(KEY_MISSING_ERROR if check is KeyCheck.MISSING else ELEVENLABS_KEY_WRONG)
            self._awaiting_key = False
            if isinstance(frame, ContextFrame) and frame.setup:
                frame = _without_key(frame)
        if self.closing_socket:
            return []
        match frame:
            case CloseSocket():
                self.closing_socket = True
                actions: list[Action] = []
                for context in list(self.contexts.values()):
                    if not context.closing:
                        actions += self._close(context)
                return actions + self._close_socket_if_drained()
            case CloseContext(context_id=cid, setup=setup):
                closing = self.contexts.get(cid)
                if closing is not None and setup is not None:
                    return self._fail(protocol_error(ttd.VOICES_RESENT_MESSAGE, "voices_already_set", cid))
                return [] if closing is None or closing.closing else self._close(closing)
            case OpenContext() | SendInputs() | Flush() | KeepAlive():
                return self._to_context(frame)
        return self._fail(protocol_error(f"Invalid message: {type(frame).__name__}", "invalid_message"))

    def _to_context(self, frame: OpenContext | SendInputs | Flush | KeepAlive) -> list[Action]:
        cid = frame.context_id
        context = self.contexts.get(cid)
        if context is None:
            opened = self._open(frame)
            if isinstance(opened, ErrorFrame):
                return self._fail(opened)
            context = opened
        elif context.closing:
            return self._fail(
                protocol_error(
                    f"Context {cid!r} is closing: send nothing to it until its is_final", "context_closing", cid
                )
            )
        elif frame.setup is not None:
            return self._fail(protocol_error(ttd.VOICES_RESENT_MESSAGE, "voices_already_set", cid))
        context.deadline = self.last_frame + self.timeout
        if isinstance(frame, SendInputs):
            return self._inputs(context, frame)
        if isinstance(frame, Flush):
            return self._generate(context, self._take_all(context), flush=True)
        return []  # OpenContext, KeepAlive: the context's clock is reset, nothing else

    def _open(self, frame: OpenContext | SendInputs | Flush | KeepAlive) -> DialogueContext | ErrorFrame:
        cid, setup = frame.context_id, frame.setup
        if setup is None or not setup.voices:
            return protocol_error(
                f"Context {cid!r} is not open: its first message must set voices (a non-empty list of voice ids)",
                "voices_required",
                cid,
            )
        if len(self.contexts) >= ttd.MAX_CONTEXTS:
            return MAX_CONTEXTS_ERROR
        speakers = assign_speakers(setup.voices)
        if len(speakers) > self.max_voices:
            exactly = "exactly" if self.max_voices == 1 else "at most"
            return protocol_error(
                f"{self.model_id} takes {exactly} {self.max_voices} voice(s) per context; got {len(speakers)}",
                "too_many_voices",
                cid,
            )
        context = DialogueContext(cid, speakers=speakers)
        self.contexts[cid] = context
        return context

    def _inputs(self, context: DialogueContext, frame: SendInputs) -> list[Action]:
        cid = context.context_id
        for item in frame.inputs:
            if item.voice_id not in context.speakers:
                return self._fail(
                    protocol_error(
                        f"voice_id {item.voice_id[:60]!r} is not registered for context {cid!r}: "
                        "list it in voices in the context's first message",
                        "voice_not_registered",
                        cid,
                    )
                )
            if (reason := unspeakable(item.text)) is not None:
                return self._fail(protocol_error(f"Invalid text: {reason}", "invalid_text", cid))
        adding = sum(len(item.text) for item in frame.inputs)
        if sum(c.queued + c.chars for c in self.contexts.values()) + adding > MAX_UNSPOKEN_CHARS:
            return self._fail(
                protocol_error(
                    f"Too much text waiting to be spoken on this connection "
                    f"(more than {MAX_UNSPOKEN_CHARS} characters)",
                    "text_buffer_exceeded",
                    cid,
                )
            )
        actions: list[Action] = []
        for item in frame.inputs:
            actions += self._append(context, item)
        if frame.flush:
            return actions + self._generate(context, self._take_all(context), flush=True)
        return actions + self._generate(context, self._take_ready(context))

    # ---- the buffer ----------------------------------------------------------------------

    def _append(self, context: DialogueContext, item: DialogueInput) -> list[Action]:
        """Add one input; the segment it ends is generated at once (module docstring)."""
        actions: list[Action] = []
        segment = context.segment
        if segment is not None and (item.new_turn or segment.voice_id != item.voice_id):
            actions = self._generate(context, self._take_all(context))
            segment = None
        if segment is None:
            segment = context.segment = Segment(item.voice_id)
        context.words += count_words(item.text, segment.text)
        segment.text += item.text
        return actions

    def _take_ready(self, context: DialogueContext) -> list[Segment]:
        """What the buffer starts by itself: all but a word still growing, once ~40 chars and 8 words wait."""
        segment = context.segment
        if segment is None or context.chars < ttd.BUFFER_MIN_CHARS or context.words < ttd.BUFFER_MIN_WORDS:
            return []
        ready, rest = cut_at_word(segment.text)
        context.segment = Segment(segment.voice_id, rest) if rest else None
        context.words = count_words(rest, "")
        return [Segment(segment.voice_id, ready)]

    def _take_all(self, context: DialogueContext) -> list[Segment]:
        taken = [context.segment] if context.segment is not None else []
        context.segment, context.words = None, 0
        return taken

    def _generate(self, context: DialogueContext, segments: list[Segment], *, flush: bool = False) -> list[Action]:
        """A generation for each segment with something to say, by its speaker; with `flush`,
        the last carries the flush (an empty generation if nothing is to be said)."""
        spoken = [(s.text, context.speakers[s.voice_id]) for s in segments if s.text.strip()]
        if flush and not spoken:
            spoken = [("", 0)]
        last = len(spoken) - 1
        return [
            dispatch(context, text, flush=flush and i == last, speaker=speaker)
            for i, (text, speaker) in enumerate(spoken)
        ]

    # ---- output and time -----------------------------------------------------------------

    def generation_finished(self, generate: Generate) -> list[Action]:
        context = settle(generate)
        if self.done or not isinstance(context, DialogueContext):
            return []
        actions: list[Action] = [SendFlushDone(context)] if generate.flush else []  # is_final_audio_for_turn
        return actions + self._finish(context)

    def _idle_error(self) -> ErrorFrame:
        return input_timeout_error(self.timeout)

    # ---- internals -----------------------------------------------------------------------

    def _close(self, context: DialogueContext) -> list[Action]:
        """No more text: the buffer is generated (close_context still flushes), then is_final."""
        actions = self._generate(context, self._take_all(context))
        context.closing = True
        return actions + self._finish(context)

    def _finish(self, context: DialogueContext) -> list[Action]:
        actions = finish_if_drained(context)
        if actions and self.contexts.get(context.context_id or "") is context:
            del self.contexts[context.context_id or ""]
            actions += self._close_socket_if_drained()
        return actions

    def _close_socket_if_drained(self) -> list[Action]:
        if self.closing_socket and not self.contexts and not self.done:
            self.done = True
            return [CloseSocketAction()]
        return []

    def _fail(self, error: ErrorFrame) -> list[Action]:
        self.done = True
        return [Fail(error)]


def _without_key(frame: ContextFrame) -> ContextFrame:
    """The frame with its (accepted) credential taken out: it is not a resent first-message field."""
    setup = frame.setup
    assert setup is not None
    rest = replace(setup, api_key=None)
    empty = not rest.voices and rest.voice_settings is None and rest.pronunciation_dictionary_locators is None
    if isinstance(frame, OpenContext):
        return replace(frame, setup=rest)
    return replace(frame, setup=None if empty else rest)
