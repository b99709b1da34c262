"""What can happen to a session: the inputs of `Session.apply`.

Frames enter as wire text (`FrameSent`, `FrameReceived`), exactly as they crossed the socket,
so a live connection and a replayed recording drive the model the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .framelog import Level
from .status import check_fields


@dataclass(frozen=True)
class FrameSent:
    """A client frame handed to the socket (a turn's frame, a command's, or a hand-typed one)."""

    text: str


@dataclass(frozen=True)
class FrameReceived:
    """A server frame as received (text, or bytes for a binary frame)."""

    raw: str | bytes


@dataclass(frozen=True)
class SendFailed:
    """A frame the model already counted could not be written (the socket went away)."""

    text: str
    reason: str


@dataclass(frozen=True)
class Connecting:
    url: str  # redacted
    attempt: int = 1


@dataclass(frozen=True)
class Connected:
    url: str  # redacted


@dataclass(frozen=True)
class Disconnected:
    """The socket closed. `code`/`reason` as the server (or the network) left them."""

    code: int | None
    reason: str = ""
    error: str | None = None  # a client-side description when there was no close frame
    expected: bool = False  # the client asked for it (shutdown, reconnect, end of stream)
    asked: bool = False  # the operator asked for a reconnect (F5): a note, not an error


@dataclass(frozen=True)
class ReconnectScheduled:
    at: float  # session clock time of the next attempt
    attempt: int


@dataclass(frozen=True)
class SpeakerProgress:
    """Samples of a context the listener has heard so far (coalesced on the loop thread)."""

    context_id: str
    heard_samples: int
    sample_rate: int
    finished: bool = False


@dataclass(frozen=True)
class Interrupted:
    """Barge-in on a context: mark it interrupted and drop its later audio.

    `heard_seconds` is what the speaker had played of it when it went silent; `silenced_after`
    and `pressed_at` time the barge-in (seconds, session clock) for the status strip;
    `was_playing` is False when the speaker had nothing playing to stop.
    """

    context_id: str
    heard_seconds: float | None = None
    pressed_at: float | None = None
    silenced_after: float | None = None
    was_playing: bool = True


@dataclass(frozen=True)
class TurnQueued:
    """A typed turn waits (not connected, or no free context with the guard on): the transcript
    shows it as queued until it opens."""

    text: str


@dataclass(frozen=True)
class TurnOpened:
    """A typed turn starts in `context_id`, with all its text (before its first frame): the
    transcript counts its words against what was typed, not only what was sent. Live, the core
    applies it as the turn starts; a replay, from the recorded `turn` action."""

    context_id: str
    text: str


@dataclass(frozen=True)
class Tick:
    """Time passed: check inactivity deadlines against the session clock."""


@dataclass(frozen=True)
class Notice:
    """Something the operator should know: a log line, and a banner when `banner` is set."""

    text: str
    level: Level = "info"
    banner: bool = False
    context_id: str | None = None


@dataclass(frozen=True)
class StatusUpdate:
    """Fields of the status strip the core sets (provider, model, audio backend, rate, ...).
    A name that is not a `StatusStrip` field is a ValueError here, where it was written."""

    fields: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_fields(self.fields)


SessionEvent = (
    FrameSent
    | FrameReceived
    | SendFailed
    | Connecting
    | Connected
    | Disconnected
    | ReconnectScheduled
    | SpeakerProgress
    | Interrupted
    | TurnQueued
    | TurnOpened
    | Tick
    | Notice
    | StatusUpdate
)
