"""The turn pacer and the dialects' frames for a turn: word by word, flush at sentence ends,
the end of a turn each dialect's way."""

from __future__ import annotations

import json

import pytest

from tui.protocol import murf
from tui.protocol.dialect import Dialect
from tui.session import DEFAULT_VOICE_SETTINGS, TurnPacer, Wire, check_rate
from tui.session.pacer import split_words


def test_words_come_one_per_interval_from_the_start():
    pacer = TurnPacer("Sure, when would you like to travel?", rate=4, start=10.0)
    assert [s.text for s in pacer.take_due(10.0)] == ["Sure, "]
    assert pacer.next_due == pytest.approx(10.25)
    assert pacer.take_due(10.2499) == []
    assert [s.text for s in pacer.take_due(10.25)] == ["when "]
    assert [s.text for s in pacer.take_due(10.75)] == ["would ", "you "]  # a late caller skips none


def test_the_sentence_ending_word_flushes_and_the_end_comes_with_the_last_word():
    pacer = TurnPacer('Got it. Morning or "evening?" Fine', rate=2, start=0.0)
    steps = pacer.take_due(100.0)
    assert [(s.text, s.flush, s.end) for s in steps] == [
        ("Got ", False, False),
        ("it. ", True, False),
        ("Morning ", False, False),
        ("or ", False, False),
        ('"evening?" ', True, False),
        ("Fine ", False, False),
        ("", False, True),
    ]
    assert pacer.done and pacer.next_due is None


def test_the_end_step_is_due_with_the_last_word():
    pacer = TurnPacer("One two.", rate=1, start=0.0)
    pacer.take_due(0.0)
    assert [(s.text, s.end) for s in pacer.take_due(1.0)] == [("two. ", False), ("", True)]


def test_a_new_rate_applies_from_the_next_word():
    pacer = TurnPacer("a b c d", rate=1, start=0.0)
    pacer.take_due(0.0)
    pacer.set_rate(10)
    assert pacer.next_due == pytest.approx(0.1)
    pacer.take_due(0.1)
    assert pacer.next_due == pytest.approx(0.2)


@pytest.mark.parametrize("bad", [0, 0.1, 51, "fast", None])
def test_a_rate_out_of_range_is_a_readable_error(bad):
    with pytest.raises(ValueError, match="words per second"):
        check_rate(bad)


def test_cancel_stops_a_turn():
    pacer = TurnPacer("a b c", rate=1, start=0.0)
    pacer.cancel()
    assert pacer.take_due(99) == [] and pacer.done


def test_whitespace_is_normalised_to_one_trailing_space():
    assert [s.text for s in split_words("  Hi\n\tthere  ")] == ["Hi ", "there "]


# ---- each dialect's frames ---------------------------------------------------------------------


def frames(texts: list[str]) -> list[dict]:
    return [json.loads(t) for t in texts]


def test_elevenlabs_opens_with_voice_settings_then_text_then_flush_and_close():
    wire = Wire(Dialect.ELEVENLABS, voice_settings=DEFAULT_VOICE_SETTINGS)
    assert frames(wire.open("t1")) == [{"text": " ", "context_id": "t1", "voice_settings": DEFAULT_VOICE_SETTINGS}]
    assert frames(wire.text("t1", "Hi. ", True)) == [{"text": "Hi. ", "context_id": "t1", "flush": True}]
    assert frames(wire.end_turn("t1", unflushed=True)) == [
        {"context_id": "t1", "flush": True},
        {"context_id": "t1", "close_context": True},
    ]
    assert frames(wire.end_turn("t1", unflushed=False)) == [{"context_id": "t1", "close_context": True}]
    assert json.loads(wire.keep_alive("t1")) == {"text": "", "context_id": "t1"}
    assert json.loads(wire.barge_in("t1")) == {"context_id": "t1", "close_context": True}


def test_murf_sends_voice_config_in_every_text_frame_ends_with_end_and_barges_with_clear():
    wire = Wire(Dialect.MURF, voice_config=murf.VoiceConfig(voice_id="en-US-natalie"))
    assert wire.open("t1") == []
    assert frames(wire.text("t1", "Sure, ", False)) == [
        {"text": "Sure, ", "context_id": "t1", "voice_config": {"voice_id": "en-US-natalie"}}
    ]
    (end,) = frames(wire.end_turn("t1", unflushed=True))
    assert end["end"] is True and end["text"] == "" and end["context_id"] == "t1"
    assert json.loads(wire.barge_in("t1")) == {"context_id": "t1", "clear": True}
    with pytest.raises(ValueError, match="no flush"):
        wire.flush("t1")


def test_the_single_context_endpoint_ends_with_empty_text_and_barges_by_closing_the_socket():
    wire = Wire(Dialect.ELEVENLABS_SINGLE, voice_settings=DEFAULT_VOICE_SETTINGS)
    assert frames(wire.open(None)) == [{"text": " ", "voice_settings": DEFAULT_VOICE_SETTINGS}]
    assert frames(wire.text(None, "Hi. ", True)) == [{"text": "Hi. ", "flush": True}]
    assert frames(wire.end_turn(None, unflushed=True)) == [{"text": ""}]
    assert json.loads(wire.keep_alive(None)) == {"text": " "}
    assert wire.barge_in(None) is None and wire.barge_in_closes_socket


@pytest.mark.parametrize("dialect", list(Dialect))
def test_every_frame_a_turn_sends_decodes_with_the_dialects_own_client_decoder(dialect):
    wire = Wire(dialect, voice_settings=DEFAULT_VOICE_SETTINGS, voice_config=murf.VoiceConfig(voice_id="v"))
    cid = None if dialect is Dialect.ELEVENLABS_SINGLE else "t1"
    out = wire.open(cid) + wire.text(cid, "Hi. ", True) + wire.end_turn(cid, unflushed=True)
    out.append(wire.keep_alive(cid))
    for text in out:
        assert type(dialect.decode_client(text)).__name__ != "DecodeError", text
