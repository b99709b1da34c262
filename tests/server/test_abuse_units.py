"""Synthesis units under abuse (issue 11, items 2 and 4): a long run of letters is cut into pieces
a voice can take, splitting is linear and lazy, and a closed socket's work stops at once."""

from __future__ import annotations

import asyncio
import json
import time

from websockets.asyncio.client import connect

from tui.server import LocalServer
from tui.server.synth.tone import ToneVoice
from tui.server.synth.units import MAX_UNIT_CHARS, MAX_WORD_CHARS, WORD_PIECE_CHARS, iter_units, split_units
from tui.server.text_buffer import PHRASE_END, cut_after_last

from .wire import multi_url


def letter_runs(unit: str) -> list[int]:
    return [len(word) for word in unit.split()]


def test_a_20_kb_word_is_cut_into_pieces_a_voice_can_take_and_real_words_stay_whole():
    word = "x" * 20_000
    units = split_units(word)
    assert "".join(units) == word
    assert max(len(u) for u in units) <= WORD_PIECE_CHARS
    spaced = split_units(f"Say {word} now please.")
    assert "".join(spaced) == f"Say {word} now please."
    assert max(max(letter_runs(u)) for u in spaced) <= WORD_PIECE_CHARS
    long_but_real = "pneumonoultramicroscopicsilico"  # 30 letters
    assert len(long_but_real) <= MAX_WORD_CHARS
    assert any(long_but_real in u for u in split_units(f"A {long_but_real} case."))


def test_no_unit_holds_more_than_max_unit_chars_whatever_the_words():
    sentence = " ".join(["abcdefghij" * 3] * 2_000)  # 30-letter words: 30 of them would be 930 chars
    units = split_units(sentence)
    assert "".join(units) == sentence
    assert max(len(u) for u in units) <= MAX_UNIT_CHARS + 1  # + the space that rides with the last word


def test_splitting_costs_linear_work_2x_text_about_2x_time_in_the_same_run():
    def cost(size: int) -> float:
        text = "word " * (size // 5)  # no punctuation at all: one clause
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            split_units(text)
            best = min(best, time.process_time() - start)
        return best

    small, large = cost(200_000), cost(800_000)
    # Linear: 4x the text, ~4x the work. The old splitter was quadratic (~16x here; 1 MB took 12.8 s).
    assert large / max(small, 1e-4) < 8


def test_units_come_lazily_the_first_before_the_rest_is_split():
    text = "word " * 200_000
    units = iter_units(text)
    first = next(units)
    assert first == "word word " and units.gi_frame is not None  # a suspended generator, not a list


def test_cutting_at_phrase_ends_looks_only_at_the_new_text():
    buffer = "a b c " * 1000
    assert cut_after_last(PHRASE_END, buffer + "d, e", len(buffer)) == (buffer + "d, ", "e")
    assert cut_after_last(PHRASE_END, buffer + "no end", len(buffer)) == ("", buffer + "no end")


class CountingTone(ToneVoice):
    """The tone voice, counting the units it has produced (read from the test's thread)."""

    def __init__(self) -> None:
        super().__init__()
        self.units = 0

    def synthesize(self, text, sample_rate, *, speed=1.0):
        for chunk in super().synthesize(text, sample_rate, speed=speed):
            self.units += 1
            yield chunk


async def test_a_1_mb_unpunctuated_frame_speaks_at_once_and_stops_when_its_client_leaves():
    voice = CountingTone()
    async with LocalServer(voice) as server:
        ws = await connect(multi_url(server.url), max_size=None, open_timeout=10)
        await ws.send(json.dumps({"text": "word " * 200_000, "context_id": "big", "flush": True}))
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert first.get("audio")
        ws.transport.abort()
        for _ in range(100):  # until the server has noticed (bounded)
            if not server._server.connections:
                break
            await asyncio.sleep(0.05)
        assert not server._server.connections
        await asyncio.sleep(0.1)
        stopped_at = voice.units
        await asyncio.sleep(0.5)
        assert voice.units == stopped_at  # no unit after the socket went
        assert stopped_at < 200  # of the 6,667 units the text holds
