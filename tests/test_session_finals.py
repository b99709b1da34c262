"""Finals the server gets wrong, on a frozen clock with raw frames (the real codecs): a final that
never comes (the console's own close→final deadline frees the slot) and a final with no audio
(the flush→close race, an exhausted quota). PROTOCOL.md §5.

The local server always answers a Murf `clear` with a final, so the clear that gets none is
driven here by frames: the service's behaviour is undocumented ("a client must not wait forever").
"""

from __future__ import annotations

import pytest

from tui.protocol import murf
from tui.protocol.dialect import Dialect
from tui.protocol.frames import Audio, Final
from tui.session import FrameReceived, Interrupted, SlotState, Tick, TurnOpened
from tui.session.finals import final_grace

from .test_session_model import EL, MURF, audio, final, open_turn, send, session


def warnings(s) -> list[str]:
    return [e.summary for e in s.log.entries() if e.direction == "note" and e.level == "warning"]


def test_a_closed_context_whose_final_never_comes_is_released_after_the_consoles_deadline(frozen_clock):
    s = session(frozen_clock, inactivity_timeout=5)
    cid = open_turn(s)
    send(s, EL.close(cid))
    slot = s.slot_for(cid)
    grace = final_grace(Dialect.ELEVENLABS, 5)
    assert grace > 5  # past the server's own drain bound
    assert slot.countdown(frozen_clock()) == pytest.approx(grace)  # the wait is shown, counting down
    frozen_clock.advance(grace - 0.01)
    s.apply(Tick())
    assert slot.occupied and slot.state is SlotState.CLOSING
    frozen_clock.advance(0.01)
    changes = s.apply(Tick())
    assert not slot.occupied and s.can_open_context() and slot.index in changes.slots
    assert cid in changes.end_audio  # the speaker context ends, the turn stops
    assert slot.state is SlotState.ERROR and slot.error == f"no final: released after {grace:g} s"
    assert slot.countdown(frozen_clock()) is None
    note = warnings(s)[-1]
    assert note.startswith(f"context {cid}: no final {grace:g} s after its close") and "may still count it" in note


def test_a_final_that_comes_after_the_release_is_folded_without_a_phantom(frozen_clock):
    s = session(frozen_clock, inactivity_timeout=5)
    cid = open_turn(s)
    send(s, EL.close(cid))
    frozen_clock.advance(final_grace(Dialect.ELEVENLABS, 5) + 3)
    s.apply(Tick())
    before = warnings(s)
    s.apply(audio(cid, 800))
    s.apply(final(cid))
    slot = s.slot_for(cid)
    assert not slot.occupied and not slot.phantom and s.occupied_count() == 0
    assert slot.metrics.late_frames == 1 and slot.metrics.audio_bytes == 0  # counted, never played
    assert warnings(s) == before  # not "a final for a context that is not open"
    last = s.log.entries()[-1]
    assert last.level == "info" and "came after all" in last.summary
    assert "came after all" in slot.error


def test_a_murf_clear_that_gets_no_final_frees_its_slot_after_a_few_seconds(frozen_clock):
    s = session(frozen_clock, Dialect.MURF)
    a = s.new_context_id()
    send(s, *MURF.text(a, "Sure, let me look. ", False))
    s.apply(FrameReceived(murf.encode_server(Audio(b"\x01" * 3200, a))))
    s.apply(Interrupted(a, 0.05))  # the operator barged in
    send(s, MURF.barge_in(a))
    slot = s.slot_for(a)
    grace = final_grace(Dialect.MURF, 180, clear=True)
    assert grace <= 10 and grace < final_grace(Dialect.MURF, 180)
    assert slot.countdown(frozen_clock()) == pytest.approx(grace)
    frozen_clock.advance(grace)
    s.apply(Tick())  # Murf's socket timeout does not stop this one
    assert not slot.occupied and slot.state is SlotState.INTERRUPTED  # what the listener met stays
    assert slot.error == f"no final: released after {grace:g} s"
    assert "may still count it" in warnings(s)[-1]
    s.apply(FrameReceived(murf.encode_server(Final(a))))
    assert not slot.occupied and s.occupied_count() == 0


def test_a_final_before_the_deadline_cancels_it(frozen_clock):
    s = session(frozen_clock, inactivity_timeout=5)
    cid = open_turn(s)
    s.apply(audio(cid))
    send(s, EL.close(cid))
    frozen_clock.advance(1)
    s.apply(final(cid))
    frozen_clock.advance(100)
    s.apply(Tick())
    slot = s.slot_for(cid)
    assert slot.state is SlotState.FINAL and slot.error is None and slot.countdown(frozen_clock()) is None
    assert warnings(s) == []


def test_a_final_with_no_audio_after_text_is_marked_in_the_log_the_slot_and_the_transcript(frozen_clock):
    s = session(frozen_clock)
    cid = open_turn(s)
    send(s, EL.close(cid))
    s.apply(final(cid))
    slot, turn = s.slot_for(cid), s.transcript.turn(cid)
    assert slot.state is SlotState.FINAL and slot.no_audio_final
    assert warnings(s) == [f"context {cid}: final with no audio: flush→close race or exhausted quota?"]
    assert turn.summary == "final with no audio: flush→close race or exhausted quota?"


def test_a_final_with_no_audio_for_an_interrupted_or_textless_context_is_not_marked(frozen_clock):
    s = session(frozen_clock)
    cut = open_turn(s)
    s.apply(Interrupted(cut, 0.0))
    send(s, EL.barge_in(cut))
    s.apply(final(cut))
    send(s, *EL.open("idle"))  # opened, never given words
    send(s, EL.close("idle"))
    s.apply(final("idle"))
    assert not s.slot_for(cut).no_audio_final and not s.slot_for("idle").no_audio_final
    assert not any("no audio" in w for w in warnings(s))


def test_a_final_with_no_audio_mid_turn_says_the_rest_was_not_sent(frozen_clock):
    s = session(frozen_clock)
    cid = s.new_context_id()
    s.apply(TurnOpened(cid, "one two three four five six"))
    send(s, *EL.open(cid))
    for word in ("one ", "two "):
        send(s, *EL.text(cid, word, False))
    s.apply(final(cid))  # before the turn closed: the quota's answer
    turn = s.transcript.turn(cid)
    assert turn.unsent_words == ["three", "four", "five", "six"]
    assert turn.summary == (
        "final with no audio: flush→close race or exhausted quota? · 2 of 6 words sent, the rest stopped"
    )
