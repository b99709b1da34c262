"""Cutting text into synthesis units, and char timings from phoneme timings (no model needed)."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tui.server.synth.char_timing import Phoneme, char_boundaries, estimated_boundaries
from tui.server.synth.seams import trim_silence
from tui.server.synth.units import ends_clause, split_units


@pytest.mark.parametrize(
    "text, units",
    [
        ("Sure, I can help with that.", ["Sure, ", "I can help with that."]),
        ("Your order ships out tomorrow.", ["Your order ", "ships out tomorrow."]),
        ("I can help you.", ["I can ", "help you."]),
        ("I can help.", ["I ", "can help."]),  # no lone word left behind
        ("Hi.", ["Hi."]),
        ("  Hello there!  How are you? ", ["  Hello there!  ", "How are you? "]),
        ("... Well, fine.", ["... Well, ", "fine."]),  # bare punctuation joins
        ("Wait... what?!  ...", ["Wait... ", "what?!  ..."]),
        ("Ask Dr. Smith, e.g. today.", ["Ask ", "Dr. Smith, ", "e.g. today."]),  # no cut after abbreviations
        ("J. R. Tolkien wrote it.", ["J. R. ", "Tolkien wrote it."]),
        ("line one\nline two", ["line one\n", "line two"]),
        ("Ask Dr.\nThen go.", ["Ask Dr.\n", "Then go."]),
        ("Pay $3.50, or 1,000 points.", ["Pay $3.50, ", "or 1,000 points."]),
        ("Unfortunately international regulations apply.", ["Unfortunately ", "international regulations apply."]),
    ],
)
def test_clauses_become_units_with_a_short_first_one(text, units):
    assert split_units(text) == units


def test_long_clauses_are_capped_so_the_next_unit_is_ready_in_time():
    words = [f"w{i}" for i in range(60)]
    units = split_units(" ".join(words))
    assert [len(u.split()) for u in units] == [2, 10, 30, 18]


def test_first_unit_length_is_configurable():
    assert split_units("one two three four five", first_words=1) == ["one ", "two three four five"]
    assert split_units("one two three four five", first_words=5) == ["one two three four five"]
    with pytest.raises(ValueError):
        split_units("x", first_words=0)


@given(st.text(st.sampled_from("ab .,!?\n\t-'$4"), max_size=80))
def test_units_always_join_back_to_the_text_and_each_holds_something_to_say(text):
    units = split_units(text)
    if not text.strip():
        assert units == []
    else:
        assert "".join(units) == text
        assert all(units)


# ---- char timings from phonemes ----------------------------------------------------------------


def phonemes(spec: str, frame: int = 256) -> list[Phoneme]:
    """ "^hə lˈoʊ,$" → one phoneme per symbol, each one frame long."""
    return [Phoneme(symbol, frame) for symbol in spec]


def word_spans(text: str, bounds: list[float]) -> dict[str, tuple[float, float]]:
    spans, i = {}, 0
    for word in text.split():
        i = text.index(word, i)
        spans[word] = (bounds[i], bounds[i + len(word)])
        i += len(word)
    return spans


def test_words_pair_one_to_one_and_letters_share_their_word_evenly():
    text = "go now"
    bounds = char_boundaries(text, phonemes("^ɡoʊ nˈaʊ$"))
    # ^=0-256, ɡoʊ=256-1024, space=1024-1280, nˈaʊ=1280-2304, $=2304-2560
    assert bounds == [256, 640, 1024, 1280, 1280 + 1024 / 3, 1280 + 2048 / 3, 2304]


def test_a_number_spoken_as_two_words_takes_both():
    text = "I have 42 apples"
    spoken = "^aɪ hæv fˈɔːɹɾi tˈuː ˈæpəlz$"
    bounds = char_boundaries(text, phonemes(spoken))
    spans = word_spans(text, bounds)
    assert spans["42"] == (spoken.index("f") * 256, spoken.index("u") * 256 + 512)  # through "tˈuː"
    assert spans["apples"][0] == spoken.index("ˈæ") * 256


def test_two_written_words_spoken_as_one_share_it():
    text = "out of the box"
    spoken = "^aʊt ʌvðə bɑːks$"
    spans = word_spans(text, char_boundaries(text, phonemes(spoken)))
    of_the = (spoken.index("ʌ") * 256, spoken.index("ə") * 256 + 256)
    assert spans["of"][0] == of_the[0] and spans["the"][1] == of_the[1]
    assert spans["of"][1] <= spans["the"][0]


def test_punctuation_and_spaces_take_the_pause_between_words():
    text = "Hi, you"
    bounds = char_boundaries(text, phonemes("^haɪ, juː$"))
    # "haɪ" ends at 4 frames; "," and " " are frames 4–6; "juː" starts at frame 6.
    assert bounds[2:5] == [1024, 1280, 1536]


def test_unpronounced_text_falls_back_to_estimates():
    assert char_boundaries("hello", phonemes("^$")) is None
    est = estimated_boundaries("ab, c", 1000)
    assert est[0] == 0 and est[-1] == 1000 and est == sorted(est)


# ---- seams ------------------------------------------------------------------------------------


def test_a_unit_ends_a_clause_at_punctuation_or_a_line_break_only():
    assert [ends_clause(u) for u in ["Your order ", "Hello, ", 'ok?" ', "line\n", "word"]] == [
        False,
        True,
        True,
        True,
        False,
    ]


def test_quiet_head_and_tail_are_trimmed_to_short_margins_with_fades():
    rate = 1000  # 1 sample per ms keeps the arithmetic readable
    audio = np.concatenate([np.zeros(60), np.full(100, 0.5), np.zeros(120)]).astype(np.float32)
    bounds = [0.0, 60.0, 110.0, 160.0, 280.0]  # lead silence, two letters, trailing space
    trimmed, moved = trim_silence(audio, bounds, rate, head=True, tail=True)
    assert trimmed.size == 10 + 100 + 30
    assert moved == [0.0, 10.0, 60.0, 110.0, 140.0]
    assert trimmed[0] == 0 and trimmed[-1] == 0 and trimmed[70] == 0.5  # faded edges only
    kept, same = trim_silence(audio, bounds, rate, head=False, tail=False)
    assert kept is audio and same == bounds
