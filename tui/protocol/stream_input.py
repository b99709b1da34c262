"""ElevenLabs single-context `stream-input` (PROTOCOL.md §1.5), for contrast.

One stream per socket, no context id. The first message is `{"text": " ", ...settings}`;
afterwards a single space is a keep-alive and `{"text": ""}` ends the stream and the socket.
Server frames are the multi-context ones without a context id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from . import elevenlabs
from .elevenlabs import CloseSocket, ContextSettings, Flush, KeepAlive, SendText
from .frames import DecodeError, ServerEvent, dumps

__all__ = [
    "EndOfStream",
    "SendText",
    "Flush",
    "ContextSettings",
    "decode_client",
    "encode_client",
    "encode_server",
    "decode_server",
]


@dataclass(frozen=True)
class EndOfStream:
    """`{"text": ""}`: generate what is left, send the final, close the socket."""


ClientFrame = SendText | Flush | EndOfStream


def encode_client(frame: ClientFrame) -> str:
    if isinstance(frame, EndOfStream):
        return dumps({"text": ""})
    if getattr(frame, "context_id", None) is not None:
        raise ValueError("the single-context endpoint has no context ids")
    return elevenlabs.encode_client(frame)


def decode_client(raw: str | bytes) -> ClientFrame | DecodeError:
    frame = elevenlabs.decode_client(raw)
    if isinstance(frame, KeepAlive):
        return EndOfStream()
    if isinstance(frame, CloseSocket):
        # Not part of this endpoint's schema; the service treats it as the end of input.
        return EndOfStream()
    if isinstance(frame, elevenlabs.CloseContext):
        return DecodeError("close_context is not valid on the single-context endpoint")
    if isinstance(frame, (SendText, Flush)) and frame.context_id is not None:
        # The endpoint has no contexts: a stray context_id is ignored like any unknown field,
        # so what this decodes always re-encodes (encode_client refuses context ids).
        return replace(frame, context_id=None)
    return frame


encode_server = partial(elevenlabs.encode_server, with_context=False)


def decode_server(raw: str | bytes) -> ServerEvent | DecodeError:
    return elevenlabs.decode_server(raw)
