"""A final that arrives before the turn's text has gone out (issue 11, item 7): the server forgets
the id at its final and opens a new context for the text that follows (server/contexts.py), so
the console shows that context, as the same turn (not a phantom), and keeps what was typed.

The order of frames is the race itself (open sent, final received, then the first words sent),
fixed here on the model, since on a socket it depends on scheduling."""

from __future__ import annotations

from tui.protocol.dialect import Dialect
from tui.protocol.formats import parse_output_format
from tui.session import Session
from tui.session.events import FrameReceived, FrameSent, TurnOpened


def test_a_final_before_the_turns_text_reopens_the_same_turn_and_keeps_its_words():
    session = Session(Dialect.ELEVENLABS, parse_output_format("pcm_16000"), clock=lambda: 1.0)
    cid = session.new_context_id()
    session.apply(TurnOpened(cid, "Hello there."))
    session.apply(FrameSent('{"text":" ","context_id":"%s"}' % cid))
    session.apply(FrameReceived('{"isFinal":true,"contextId":"%s"}' % cid))
    session.apply(FrameSent('{"text":"Hello ","context_id":"%s"}' % cid))
    session.apply(FrameSent('{"text":"there. ","context_id":"%s","flush":true}' % cid))
    slot = session.slot_for(cid)
    assert slot is not None and slot.occupied and not slot.phantom  # the server's new context, shown
    turn = session.transcript.turn(cid)
    assert turn.typed == "Hello there." and turn.text.split() == ["Hello", "there."]
    notes = [e.summary for e in session.log if e.direction == "note"]
    assert not any("phantom" in n for n in notes)
    assert any("opens a new context" in n for n in notes)


def test_a_raw_frame_reusing_a_finished_turns_id_is_still_a_new_context_afresh():
    session = Session(Dialect.ELEVENLABS, parse_output_format("pcm_16000"), clock=lambda: 1.0)
    cid = session.new_context_id()
    session.apply(TurnOpened(cid, "Hi."))
    session.apply(FrameSent('{"text":" ","context_id":"%s"}' % cid))
    session.apply(FrameSent('{"text":"Hi. ","context_id":"%s","flush":true}' % cid))
    session.apply(FrameSent('{"context_id":"%s","close_context":true}' % cid))
    session.apply(FrameReceived('{"isFinal":true,"contextId":"%s"}' % cid))
    session.apply(FrameSent('{"text":"Other ","context_id":"%s"}' % cid))  # typed by hand
    assert session.transcript.turn(cid).text.split() == ["Other"]
    assert session.slot_for(cid).phantom
