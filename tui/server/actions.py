"""What the sans-IO connection models ask the runtime to do, and the turn state they share.

A dialect model (`contexts`, `single_stream`, `murf_turns`) takes decoded client frames and
the clock, and answers with a list of these actions; `connection.py` carries them out. Nothing
here touches a socket or a thread, so every protocol rule is testable without either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tui.protocol.frames import ErrorFrame, ServerEvent

NORMAL_CLOSURE = 1000
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011
# Text a connection may hold unspoken (buffered, or handed to the voice and not yet all sent):
# 2 Mi chars, some 35 hours of speech and two of the largest frames the server takes; no real
# client comes near it. Past it a text frame is refused with an error for its context (issue 11).
MAX_UNSPOKEN_CHARS = 1 << 21


@dataclass(eq=False)
class Turn:
    """One stream of audio: an ElevenLabs context or a Murf turn.

    Compared by identity: an id may be reused for a new, unrelated turn once the old one has
    sent its final, and the runtime keys its per-turn audio lanes on this object.
    """

    context_id: str | None
    speed: float = 1.0
    buffer: str = ""  # text received and not yet handed to the voice
    pending: int = 0  # generations handed to the voice whose audio is not all sent
    queued: int = 0  # chars of those generations
    closing: bool = False  # no new text accepted; the final follows the last pending audio
    deadline: float | None = None
    # The turn's own synthesis.AudioEncoder where its format or frames are its own (a Cartesia
    # context names its output_format and counts its timestamps); None: the connection's.
    encoder: Any = None


@dataclass(frozen=True, eq=False)
class Generate:
    """Synthesize `text` for `turn`, after that turn's earlier generations (audio stays in order)."""

    turn: Turn
    text: str
    flush: bool = False  # answer with flush_done once this audio is out (ElevenLabs)
    speaker: int = 0  # which of the server's speakers says it (synth/voice_bank.py; Text-to-Dialogue)


@dataclass(frozen=True)
class SendFinal:
    """The turn's last frame: `isFinal` (ElevenLabs) or `final` (Murf), with no audio."""

    turn: Turn


@dataclass(frozen=True)
class SendFlushDone:
    turn: Turn
    flush_id: int | None = None  # Cartesia numbers its flushes from 1


@dataclass(frozen=True)
class CancelPending:
    """Drop the turn's generations whose synthesis has not started (Murf `clear`)."""

    turn: Turn


@dataclass(frozen=True)
class SendEvent:
    """Any other server event, sent as it is (Inworld `contextCreated`, `contextUpdated`)."""

    event: ServerEvent


@dataclass(frozen=True)
class SendError:
    """An error frame; the socket stays open."""

    error: ErrorFrame


@dataclass(frozen=True)
class Fail:
    """An error frame, then close the socket with the error's code (1008 unless it says)."""

    error: ErrorFrame

    @property
    def code(self) -> int:
        return self.error.code or POLICY_VIOLATION


@dataclass(frozen=True)
class CloseSocket:
    """Close the socket; every turn has already sent its final."""

    code: int = NORMAL_CLOSURE
    reason: str = ""


@dataclass(frozen=True)
class Abandon:
    """Drop what the turn still has to send and forget it; then a final with no audio, or nothing.
    A cancel (Inworld `cancel_context`, Cartesia `cancel`) and the fault plan's lost races and
    spent quotas (fault_plan.py) end a turn this way."""

    turn: Turn
    final: bool


Action = Generate | SendFinal | SendFlushDone | CancelPending | SendEvent | SendError | Fail | CloseSocket | Abandon


def finish_if_drained(turn: Turn) -> list[Action]:
    """The final for a closing turn whose audio is all out, else nothing."""
    if turn.closing and turn.pending == 0:
        return [SendFinal(turn)]
    return []


def dispatch(turn: Turn, text: str, *, flush: bool = False, speaker: int = 0) -> Generate:
    """Hand `text` to the voice for `turn` and count it as pending."""
    turn.pending += 1
    turn.queued += len(text)
    return Generate(turn, text, flush, speaker)


def settle(generate: Generate) -> Turn:
    """The runtime has sent all of `generate`'s audio (or dropped it): no longer pending."""
    turn = generate.turn
    turn.pending -= 1
    turn.queued -= len(generate.text)
    return turn


def over_budget(turns: Iterable[Turn], adding: int) -> bool:
    """True if `adding` more chars would take the connection's unspoken text past its cap."""
    return sum(turn.queued + len(turn.buffer) for turn in turns) + adding > MAX_UNSPOKEN_CHARS
