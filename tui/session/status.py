"""The status strip: connection, endpoint, audio backend, last TTFA and barge-in timings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from enum import Enum

from .pacer import DEFAULT_RATE


class ConnectionState(str, Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    WAITING = "reconnecting"  # backoff: the next attempt is at `reconnect_at`


@dataclass
class BargeInTiming:
    """Seconds from the barge-in key to each step (the status strip's barge-in figures).

    `silenced_after` is the time to the speaker's stop call returning, not to silence at the
    speaker (the console cannot hear its device); `was_playing` is False when the speaker had
    nothing playing or due, and then there was nothing to silence.
    """

    context_id: str
    pressed_at: float
    silenced_after: float | None = None
    close_sent_after: float | None = None
    final_after: float | None = None
    was_playing: bool = True


@dataclass
class StatusStrip:
    provider: str = "local"
    dialect: str = "elevenlabs"
    url: str = ""  # always redacted
    connection: ConnectionState = ConnectionState.DISCONNECTED
    model: str | None = None
    voice: str | None = None
    output_format: str = ""
    audio_backend: str = "none"
    silent_reason: str | None = None  # why the speaker is silent (fell back to none)
    recording: str | None = None  # path of the session recording, if any
    guard: bool = True
    rate: float = DEFAULT_RATE
    turn_end: str = "flush-close"  # how the next turn ends (tui.core.turn_end)
    settings: list[str] = field(default_factory=list)  # live settings not at their default, short
    queued_turns: int = 0  # typed while disconnected or with no free slot
    close_code: int | None = None
    close_reason: str = ""
    attempt: int = 0
    reconnect_at: float | None = None
    reconnect_every: float | None = None  # a loopback server not listening: probed this often
    server_state: str = ""  # the embedded server's trouble, while it lasts ("" when fine)
    last_ttfa: float | None = None  # flush → first audio
    last_ttfa_text: float | None = None  # first text → first audio
    last_barge_in: BargeInTiming | None = None
    # What the speaker's backend says its output holds past a stop call (seconds; None: it does
    # not say): the strip shows it beside the stop call, as an upper bound, never as "silent in".
    output_latency: float | None = None
    stray_frames: int = 0  # frames for contexts no slot knows: dropped
    overflow_contexts: list[str] = field(
        default_factory=list
    )  # opened with every slot taken: past the cap, the server refuses
    server_error: str = ""  # the last error frame's whole message (a close reason is cut)


FIELDS = frozenset(f.name for f in fields(StatusStrip))


def context_limit(max_contexts: int | None) -> str:
    """The dialect's per-socket context limit in words, for the guard and its messages: "5 at
    once", or "no per-socket cap" (Cartesia counts contexts per account, not per socket)."""
    return "no per-socket cap" if max_contexts is None else f"{max_contexts} at once"


def check_fields(names: Iterable[str]) -> None:
    """A ValueError naming any field the status strip does not have (a misspelt key would
    otherwise be dropped without a word)."""
    unknown = sorted(set(names) - FIELDS)
    if unknown:
        raise ValueError(f"the status strip has no field {', '.join(map(repr, unknown))}")
