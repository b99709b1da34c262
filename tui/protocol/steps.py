"""What a client frame does to a context, said the same way for every dialect.

ElevenLabs, its single-context endpoint and Murf came first, and the session model reads their
frame types directly. The dialects added after them (Inworld, Cartesia, ElevenLabs
Text-to-Dialogue) each give a `client_step(frame)` function instead, and the model reads only
this: a new dialect adds no case to the session's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class StepKind(str, Enum):
    OPEN = "open"  # creates the context and sends no text (Inworld `create`, TTD's `voices` message)
    TEXT = "text"  # text for the context (opens it if new); see ClientStep.flush / .close
    FLUSH = "flush"  # generate what is buffered; the context stays open
    CLOSE = "close"  # no more text: the buffer is generated, then the context's final follows
    CANCEL = "cancel"  # barge-in that drops what is not generated yet (Cartesia `cancel`)
    KEEP_ALIVE = "keep_alive"  # resets the context's inactivity clock, nothing else
    CONFIG = "config"  # changes the context's settings (Inworld `update_config`)
    CLOSE_SOCKET = "close_socket"  # every context closes, then the socket (TTD `close_socket`)
    NONE = "none"  # addresses no context (a context-less keep-alive)


@dataclass(frozen=True)
class ClientStep:
    kind: StepKind
    context_id: str | None = None
    text: str = ""
    flush: bool = False  # TEXT with a flush riding along (Inworld `send_text.flush_context`, Cartesia `flush`)
    close: bool = False  # TEXT that also ends the context (Cartesia `continue: false`)
    speaker: str | None = None  # who speaks this text (TTD `inputs[].voice_id`)
