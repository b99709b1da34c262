"""Transcript words with audio spans from chunk-relative alignment, and words heard at a barge-in."""

from __future__ import annotations

import pytest

from tui.protocol.frames import Alignment
from tui.session.framelog import FrameLog, summarize
from tui.session.transcript import Transcript


def chunk(text: str, ms_per_char: int = 100) -> Alignment:
    n = len(text)
    return Alignment(tuple(text), tuple(i * ms_per_char for i in range(n)), (ms_per_char,) * n)


def test_alignment_times_are_offset_by_the_audio_already_received_in_the_context():
    t = Transcript().start("t1")
    t.add_text("Hi there you ")
    t.add_audio(0.5, chunk("Hi th"))  # 0.0 .. 0.5 s
    t.add_audio(0.8, chunk("ere you "))  # placed at 0.5 s, not 0
    words = t.words
    assert [w.text for w in words] == ["Hi", "there", "you"]
    assert (words[0].start, words[0].end) == pytest.approx((0.0, 0.2))
    assert (words[1].start, words[1].end) == pytest.approx((0.3, 0.8))  # spans both chunks
    assert (words[2].start, words[2].end) == pytest.approx((0.9, 1.2))


def test_words_not_yet_aligned_have_no_span():
    t = Transcript().start("t1")
    t.add_text("One two three ")
    t.add_audio(0.4, chunk("One "))
    assert [(w.text, w.start is not None) for w in t.words] == [("One", True), ("two", False), ("three", False)]


@pytest.mark.parametrize("heard, spoken", [(0.0, 0), (0.09, 0), (0.11, 1), (0.44, 1), (0.46, 2), (0.86, 3)])
def test_a_word_counts_as_spoken_once_the_speaker_played_past_its_middle(heard, spoken):
    t = Transcript().start("t1")
    t.add_text("Hi you all ")
    t.add_audio(1.0, chunk("Hi you all ", 100))  # Hi 0-0.2, you 0.3-0.6, all 0.7-1.0
    assert t.words_spoken(heard) == spoken


def test_an_interrupted_turn_says_how_many_words_were_spoken():
    t = Transcript().start("t1")
    t.add_text("Got it. Do you prefer morning or evening flights? ")
    t.add_audio(5.0, chunk("Got it. Do you prefer morning or evening flights? ", 100))
    t.interrupted, t.heard_at_interrupt = True, 1.25  # "Got it. Do you" heard
    assert t.summary == "interrupted · 4 of 9 words spoken"


def test_without_alignment_the_summary_gives_seconds_heard():
    t = Transcript().start("t1")
    t.add_text("No timings here ")
    t.add_audio(2.0, None)
    t.interrupted, t.heard_at_interrupt = True, 0.7
    assert t.words_spoken(0.7) is None and t.summary == "interrupted · 0.7 s heard of 3 words"


def test_a_turn_interrupted_before_any_audio_was_heard_spoke_none_of_its_words():
    # No alignment (no audio yet, or Murf) cannot place a word, but nothing heard is no word heard.
    t = Transcript().start("t1")
    t.add_text("Hello there, this is a long turn ")
    t.interrupted, t.heard_at_interrupt = True, 0.0
    assert t.words_spoken(0.0) == 0 and t.summary == "interrupted · 0 of 7 words spoken"


def test_the_transcript_keeps_recent_turns_in_opening_order():
    tr = Transcript(keep=2)
    for cid in ("a", "b", "c"):
        tr.start(cid)
    assert [t.context_id for t in tr.turns] == ["b", "c"] and tr.current.context_id == "c"


# ---- the frame log -------------------------------------------------------------------------------


def test_the_log_is_a_bounded_ring_filterable_by_context():
    log = FrameLog(capacity=3)
    for i in range(5):
        log.add(float(i), "sent", "a" if i % 2 else "b", 10, f"frame {i}")
    assert [e.summary for e in log] == ["frame 2", "frame 3", "frame 4"]
    assert [e.summary for e in log.entries("a")] == ["frame 3"]
    assert [e.seq for e in log.entries(since=4)] == [5]
    log.clear()
    assert len(log) == 0 and log.add(0, "note", None, 0, "x").seq == 6


def test_audio_is_elided_to_its_byte_count_on_one_line():
    line = summarize('{"audio": "AAAA' + "A" * 394 + '==",\n "contextId": "t1"}')
    assert line == '{"audio":"<298 bytes>", "contextId": "t1"}'
    assert summarize(b"\x00\x01") == "<binary frame, 2 bytes>"
    assert len(summarize('{"text": "' + "x" * 1000 + '"}')) == 240


def test_the_log_elides_each_dialects_audio_field_to_its_byte_count():
    b64 = "AAAA" * 100  # 300 bytes
    assert summarize('{"type":"chunk","data":"%s","context_id":"c1"}' % b64) == (
        '{"type":"chunk","data":"<300 bytes>","context_id":"c1"}'
    )
    inworld = '{"result":{"contextId":"c1","audioChunk":{"audioContent":"%s"}}}' % b64
    assert summarize(inworld) == '{"result":{"contextId":"c1","audioChunk":{"audioContent":"<300 bytes>"}}}'
