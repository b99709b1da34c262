"""The three endpoints as one table: which codec decodes what a server sends."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from . import elevenlabs, murf, stream_input
from .frames import DecodeError, ServerEvent


class Dialect(str, Enum):
    ELEVENLABS = "elevenlabs"  # multi-stream-input: contexts, flush, close_context
    ELEVENLABS_SINGLE = "elevenlabs-single"  # stream-input: one stream per socket
    MURF = "murf"  # stream-input: context_id, end, clear

    @property
    def has_contexts(self) -> bool:
        return self is not Dialect.ELEVENLABS_SINGLE

    @property
    def max_contexts(self) -> int:
        """How many contexts one socket may hold at once (the console's guard counts to it)."""
        return _MAX_CONTEXTS[self]

    @property
    def slot_count(self) -> int:
        """Slots the console shows: one per context the socket may hold. The single-context
        endpoint holds one stream per socket (a turn each) and shows its recent ones instead,
        so every turn keeps its slot for a while after its socket closed."""
        return _RECENT_STREAMS if self is Dialect.ELEVENLABS_SINGLE else self.max_contexts

    def decode_server(self, raw: str | bytes) -> ServerEvent | DecodeError:
        return _SERVER_DECODERS[self](raw)

    def decode_client(self, raw: str | bytes) -> object:
        return _CLIENT_DECODERS[self](raw)


_SERVER_DECODERS: dict[Dialect, Callable[[str | bytes], ServerEvent | DecodeError]] = {
    Dialect.ELEVENLABS: elevenlabs.decode_server,
    Dialect.ELEVENLABS_SINGLE: stream_input.decode_server,
    Dialect.MURF: murf.decode_server,
}
_RECENT_STREAMS = 5
_MAX_CONTEXTS: dict[Dialect, int] = {
    Dialect.ELEVENLABS: elevenlabs.MAX_CONTEXTS,
    Dialect.ELEVENLABS_SINGLE: 1,  # stream-input: one stream per socket, no context id
    Dialect.MURF: murf.MAX_ACTIVE_CONTEXTS,
}
_CLIENT_DECODERS: dict[Dialect, Callable[[str | bytes], object]] = {
    Dialect.ELEVENLABS: elevenlabs.decode_client,
    Dialect.ELEVENLABS_SINGLE: stream_input.decode_client,
    Dialect.MURF: murf.decode_client,
}
