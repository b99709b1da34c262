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

from typing import TYPE_CHECKING

from tui.protocol.dialect import Dialect
from tui.session import Interrupted, SlotState, StatusUpdate

from .turns import wire_cid

if TYPE_CHECKING:
    from .console import Console


def barge_in(console: Console) -> str | None:
    speaker = console.speaker
    assert speaker is not None, "start() first"
    pressed = console.clock()
    playing: str | None = speaker.call("barge_in")  # the context it was playing
    silenced_after = console.clock() - pressed
    # What the output still held at the stop, as the backend reports it: for the status strip.
    console.apply(StatusUpdate({"output_latency": getattr(speaker.speaker, "output_latency", None)}))
    targets = [
        s
        for s in console.session.slots
        if s.context_id is not None
        and s.state is not SlotState.INTERRUPTED
        and (s.occupied or s.context_id == playing or console.may_still_play(s.context_id))
    ]
    if not targets:
        return playing
    # The speaker names the head of its play order even when that turn is starved (all its
    # audio heard, the pacer still typing) or has no audio yet: something was playing only if
    # audio received for it was still unheard when it stopped.
    received = next((s.metrics.audio_seconds for s in targets if s.context_id == playing), 0.0)
    was_playing = playing is not None and (speaker.heard_seconds(playing) or 0.0) < received - 0.001
    current = list(console.turns.active)
    primary = (
        playing if playing in [s.context_id for s in targets] else (current[-1] if current else targets[-1].context_id)
    )
    for slot in targets:
        cid = slot.context_id
        assert cid is not None
        console.turns.cancel(cid)
        if cid != playing:
            speaker.call("stop", cid)
        if slot.occupied:
            frame = console.wire.barge_in(wire_cid(cid))
            if frame is None:
                console.connection.close_socket("barge-in: the single-context endpoint reconnects")
            elif console.config.dialect is Dialect.MURF or not slot.close_sent:
                console.emit(frame)
        heard = speaker.heard_seconds(cid)
        console.record_action("barge-in", context_id=cid, heard=heard)  # replay folds this
        is_primary = cid == primary
        console.apply(
            Interrupted(
                cid,
                heard,
                pressed if is_primary else None,
                silenced_after if is_primary else None,
                was_playing=was_playing,
            )
        )
    return primary
