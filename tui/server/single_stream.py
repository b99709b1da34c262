"""The ElevenLabs single-context `stream-input` connection as a sans-IO model (PROTOCOL.md §1.5).

One stream per socket, no context id. The first message (normally `{"text": " ", ...settings}`)
opens the stream and fixes its settings; afterwards a single space is a keep-alive. Text follows
the chunk schedule (or auto_mode); `flush` generates the buffer and the stream stays open;
`try_trigger_generation` generates early once the buffer holds `TRY_TRIGGER_MIN_CHARS`.
`{"text": ""}` ends the stream: unlike close_context it *generates what is left* (the vendor's
schema: the buffer "is automatically emptied with a final audio generation ... when the stream is
closed"), then `{"isFinal": true}`, then close 1000. A socket that receives nothing for
`inactivity_timeout` seconds gets `input_timeout_exceeded` and close 1008, as the service does.
"""

from __future__ import annotations

from tui.protocol.elevenlabs import Flush, SendText
from tui.protocol.stream_input import EndOfStream

from .actions import Action, CloseSocket, Generate, Turn, dispatch, finish_if_drained, settle
from .clock import Clock
from .contexts import (
    INVALID_INPUT_ERROR,
    TRY_TRIGGER_MIN_CHARS,
    Context,
    ElevenLabsModel,
    flush_buffer,
    input_timeout_error,
    later_settings,
    open_context,
    refuse_text,
    take_ready_text,
)
from .text_buffer import cut_at_word

KEEP_ALIVE_TEXT = " "


class SingleStreamConnection(ElevenLabsModel):
    """One `stream-input` socket: one stream, its buffer, its end and the socket's timeout."""

    def __init__(self, clock: Clock, **options) -> None:
        super().__init__(clock, **options)
        self.stream: Context | None = None
        self.ending = False

    def receive(self, frame: object) -> list[Action]:
        refusal = self._admit(frame)
        if refusal is not None:
            return refusal
        if self.ending:
            return []
        if not isinstance(frame, (SendText, Flush, EndOfStream)):
            return self._fail(INVALID_INPUT_ERROR)
        if (refusal := refuse_text(frame, [self.stream] if self.stream else [])) is not None:
            return refusal
        stream = self.stream
        if stream is None:
            stream = self.stream = open_context(None, getattr(frame, "settings", None), None)
        elif not isinstance(frame, EndOfStream):
            conflict = later_settings(stream, frame.settings)
            if conflict is not None:
                return self._fail(conflict)
            if isinstance(frame, SendText) and frame.text == KEEP_ALIVE_TEXT:
                return []
        if isinstance(frame, EndOfStream):
            self.ending = True
            actions: list[Action] = [flush_buffer(stream)] if stream.buffer.strip() else []
            stream.closing = True
            return actions + self._finish()
        if isinstance(frame, SendText):
            new_from = len(stream.buffer)
            stream.buffer += frame.text
            if frame.try_trigger_generation and len(stream.buffer) >= TRY_TRIGGER_MIN_CHARS:
                ready, stream.buffer = cut_at_word(stream.buffer)
                return [dispatch(stream, ready)]
            if not frame.flush:
                return take_ready_text(stream, self.auto_mode, new_from)
        return [flush_buffer(stream)]

    def generation_finished(self, generate: Generate) -> list[Action]:
        settle(generate)
        return [] if self.done else self._finish()

    def expire(self) -> list[Action]:
        if self.done or self.ending or self.clock() < self.last_frame + self.timeout:
            return []
        return self._fail(input_timeout_error(self.timeout))

    def next_deadline(self) -> float | None:
        return None if self.done or self.ending else self.last_frame + self.timeout

    def forget(self, turn: Turn) -> None:
        """Nothing to forget (a fault abandoned the stream: fault_plan.py). The socket's one
        stream is no entry in a table of contexts and no limit counts it; the fault plan answers
        for it from then on."""

    def _finish(self) -> list[Action]:
        actions = finish_if_drained(self.stream) if self.stream is not None else []
        if actions:
            self.done = True
            actions.append(CloseSocket())
        return actions
