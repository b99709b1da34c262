"""The three endpoints as one table: which codec decodes what a server sends."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from . import cartesia, dialogue, elevenlabs, inworld, murf, stream_input
from .frames import DecodeError, ServerEvent
from .steps import ClientStep


class Dialect(str, Enum):
    ELEVENLABS = "elevenlabs"  # multi-stream-input: contexts, flush, close_context
    ELEVENLABS_SINGLE = "elevenlabs-single"  # stream-input: one stream per socket
    MURF = "murf"  # stream-input: context_id, end, clear
    ELEVENLABS_DIALOGUE = "elevenlabs-dialogue"  # text-to-dialogue: voices per context, inputs, is_final_audio_for_turn
    CARTESIA = "cartesia"  # /tts/websocket: context_id with continue, flush, cancel; no per-socket cap
    INWORLD = "inworld"  # voice:streamBidirectional: create, send_text, flush_context, close_context

    @property
    def has_contexts(self) -> bool:
        return self is not Dialect.ELEVENLABS_SINGLE

    @property
    def max_contexts(self) -> int | None:
        """How many contexts one socket may hold at once (the console's guard counts to it);
        None: the service sets no per-socket cap (Cartesia counts contexts per account)."""
        return _MAX_CONTEXTS[self]

    @property
    def slot_count(self) -> int:
        """Slots the console shows: one per context the socket may hold. The single-context
        endpoint holds one stream per socket (a turn each) and shows its recent ones instead,
        so every turn keeps its slot for a while after its socket closed. A dialect with no
        per-socket cap starts with as many and grows."""
        if self is Dialect.ELEVENLABS_SINGLE or self.max_contexts is None:
            return _RECENT_STREAMS  # no cap: the session adds slots as contexts open (tui.session)
        return self.max_contexts

    def decode_server(self, raw: str | bytes) -> ServerEvent | DecodeError:
        return _SERVER_DECODERS[self](raw)

    def decode_client(self, raw: str | bytes) -> object:
        return _CLIENT_DECODERS[self](raw)

    def client_step(self, frame: object) -> ClientStep | None:
        """What a decoded client frame does to its context (tui.protocol.steps), for the dialects
        that say it this way; None for the first three, which the session reads by frame type."""
        step = _CLIENT_STEPS.get(self)
        return step(frame) if step is not None else None


_SERVER_DECODERS: dict[Dialect, Callable[[str | bytes], ServerEvent | DecodeError]] = {
    Dialect.ELEVENLABS: elevenlabs.decode_server,
    Dialect.ELEVENLABS_SINGLE: stream_input.decode_server,
    Dialect.MURF: murf.decode_server,
    Dialect.ELEVENLABS_DIALOGUE: dialogue.decode_server,
    Dialect.CARTESIA: cartesia.decode_server,
    Dialect.INWORLD: inworld.decode_server,
}
_RECENT_STREAMS = 5
_MAX_CONTEXTS: dict[Dialect, int | None] = {
    Dialect.ELEVENLABS: elevenlabs.MAX_CONTEXTS,
    Dialect.ELEVENLABS_SINGLE: 1,  # stream-input: one stream per socket, no context id
    Dialect.MURF: murf.MAX_ACTIVE_CONTEXTS,
    Dialect.ELEVENLABS_DIALOGUE: dialogue.MAX_CONTEXTS,
    Dialect.CARTESIA: None,  # concurrency is counted per account (tui/server/cartesia_contexts.py)
    Dialect.INWORLD: inworld.MAX_CONTEXTS,
}
_CLIENT_STEPS: dict[Dialect, Callable[[object], ClientStep]] = {
    Dialect.ELEVENLABS_DIALOGUE: dialogue.client_step,
    Dialect.CARTESIA: cartesia.client_step,
    Dialect.INWORLD: inworld.client_step,
}
_CLIENT_DECODERS: dict[Dialect, Callable[[str | bytes], object]] = {
    Dialect.ELEVENLABS: elevenlabs.decode_client,
    Dialect.ELEVENLABS_SINGLE: stream_input.decode_client,
    Dialect.MURF: murf.decode_client,
    Dialect.ELEVENLABS_DIALOGUE: dialogue.decode_client,
    Dialect.CARTESIA: cartesia.decode_client,
    Dialect.INWORLD: inworld.decode_client,
}
