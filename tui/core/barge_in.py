"""Barge-in, in the order DESIGN.md sets: silence first (it is what the listener judges), then
close_context (Murf: clear) for each context that could still be heard, then mark it
interrupted so its later audio is dropped and counted. The next turn gets a new context.

"Could still be heard" is every context the server still counts (closing ones included: their
drained audio must not play), plus any whose received audio the speaker has not finished.
A close is sent only where one is still due: a second close_context for a closing context is
redundant, and one after its final would open a phantom. Murf gets `clear` even after `end`,
which cancels what has not been synthesized yet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tui.clock import Clock
from tui.protocol.dialect import Dialect
from tui.session import ContextSlot, Interrupted, SlotState, StatusUpdate, Wire

from .speaker_link import SpeakerLink
from .turns import Turns, wire_cid


@dataclass(frozen=True)
class BargeInParts:
    """The parts of a running console a barge-in acts on, and nothing else of it.

    Built at the moment of the barge-in: the speaker exists only once the console started, and
    live settings replace the console's wire.
    """

    speaker: SpeakerLink  # silenced first; then what each context was heard for
    slots: Sequence[ContextSlot]  # the model's, read only: changes go through `apply`
    turns: Turns  # the pacers to cancel, and the current turn
    wire: Wire  # the frame that abandons a context, in the connection's dialect
    clock: Clock
    apply: Callable[[object], None]  # fold an event into the model and act on what changed
    emit: Callable[[str], bool]  # hand a frame to the writer (counted in the model)
    close_socket: Callable[[str], object]  # the single-context endpoint abandons by reconnecting
    record_action: Callable[..., None]  # into the recording, for a replay to fold


def _may_still_play(parts: BargeInParts, cid: str) -> bool:
    """Audio of this context was received and the speaker has not finished playing it."""
    # The slot showing it is the first with its id, as Session.slot_for finds it.
    slot = next((s for s in parts.slots if s.context_id == cid), None)
    return (
        slot is not None
        and cid not in parts.speaker.finished
        and slot.metrics.audio_seconds > slot.metrics.heard_seconds
    )


def barge_in(parts: BargeInParts) -> str | None:
    """Console.barge_in, on the parts it needs: returns the context that was playing (or the
    current turn's)."""
    speaker = parts.speaker
    pressed = parts.clock()
    playing: str | None = speaker.call("barge_in")  # the context it was playing
    silenced_after = parts.clock() - pressed
    # What the output still held at the stop, as the backend reports it: for the status strip.
    parts.apply(StatusUpdate({"output_latency": getattr(speaker.speaker, "output_latency", None)}))
    targets = [
        s
        for s in parts.slots
        if s.context_id is not None
        and s.state is not SlotState.INTERRUPTED
        and (s.occupied or s.context_id == playing or _may_still_play(parts, s.context_id))
    ]
    if not targets:
        return playing
    # The speaker names the head of its play order even when that turn is starved (all its
    # audio heard, the pacer still typing) or has no audio yet: something was playing only if
    # audio received for it was still unheard when it stopped.
    received = next((s.metrics.audio_seconds for s in targets if s.context_id == playing), 0.0)
    was_playing = playing is not None and (speaker.heard_seconds(playing) or 0.0) < received - 0.001
    current = list(parts.turns.active)
    primary = (
        playing if playing in [s.context_id for s in targets] else (current[-1] if current else targets[-1].context_id)
    )
    for slot in targets:
        cid = slot.context_id
        assert cid is not None
        parts.turns.cancel(cid)
        if cid != playing:
            speaker.call("stop", cid)
        if slot.occupied:
            frame = parts.wire.barge_in(wire_cid(cid))
            if frame is None:
                parts.close_socket("barge-in: the single-context endpoint reconnects")
            elif parts.wire.dialect is Dialect.MURF or not slot.close_sent:
                parts.emit(frame)
        heard = speaker.heard_seconds(cid)
        parts.record_action("barge-in", context_id=cid, heard=heard)  # replay folds this
        is_primary = cid == primary
        parts.apply(
            Interrupted(
                cid,
                heard,
                pressed if is_primary else None,
                silenced_after if is_primary else None,
                was_playing=was_playing,
            )
        )
    return primary
