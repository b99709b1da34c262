"""A dialogue is audibly two people: each voice id of a context speaks with its own local speaker
(tui/server/synth/voice_bank.py), measured by pitch: exactly on the tone voice (zero crossings of
one steady tone), and on Piper's real speech by the median fundamental of its voiced frames."""

from __future__ import annotations

import itertools
import statistics

import numpy as np
import pytest

from tests.fixtures.voices import assert_chunks_cover
from tui.server.synth.voice_bank import PITCHES, PitchedVoice, VoiceBank, assign_speakers, speaker_for

from .dialogue_wire import A, B, flush, say, ttd_url, turn_done, voices
from .wire import audio_bytes, client

RATE = 22050


def fundamental(pcm: bytes, rate: int, low: float = 60.0, high: float = 400.0) -> float:
    """Median F0 (Hz) of the voiced 40 ms frames, by normalized autocorrelation."""
    audio = np.frombuffer(pcm, "<i2").astype(np.float64)
    size = int(0.040 * rate)
    lags = np.arange(int(rate / high), int(rate / low))
    found = []
    for start in range(0, audio.size - size - lags[-1], size // 2):
        frame = audio[start : start + size]
        energy = float(np.dot(frame, frame))
        if energy < 1e4 * size:  # silence or breath
            continue
        ac = np.array([np.dot(frame, audio[start + lag : start + lag + size]) for lag in lags]) / energy
        best = int(np.argmax(ac))
        if ac[best] > 0.6 and 0 < best < lags.size - 1:
            # parabolic interpolation around the peak, for a lag finer than a sample
            y0, y1, y2 = ac[best - 1 : best + 2]
            shift = 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2) if (y0 - 2 * y1 + y2) else 0.0
            found.append(rate / (lags[best] + shift))
    assert found, "no voiced frame"
    return float(np.median(found))


def sine_frequency(pcm: bytes, rate: int) -> float:
    """The frequency of a steady tone (Hz), from its zero crossings: exact for a sine."""
    audio = np.frombuffer(pcm, "<i2").astype(np.float64)
    audio = audio[audio.size // 8 : -audio.size // 8]  # away from the fades
    signs = np.signbit(audio)
    crossings = np.flatnonzero(signs[1:] != signs[:-1])
    return (crossings.size - 1) / 2 / ((crossings[-1] - crossings[0]) / rate)


def test_a_contexts_first_voice_is_the_base_voice_and_later_ones_distinct_pitches_by_crc32():
    assert speaker_for(A) == speaker_for(A) and 1 <= speaker_for(B) < len(PITCHES)
    assert assign_speakers([A]) == {A: 0}  # one voice (pipecat): the voice as it is
    for pair in itertools.permutations([A, B, "x", "y", "Adam"], 2):
        mapped = assign_speakers(pair)
        assert mapped == {pair[0]: 0, pair[1]: speaker_for(pair[1])}
    for ids in itertools.permutations(["v1", "v2", "v3", "v4"]):
        assert sorted(assign_speakers(ids).values()) == [0, 1, 2, 3]
    assert assign_speakers([A, B]) == assign_speakers([A, B, A])  # repeats change nothing


def test_every_two_speakers_differ_in_pitch_by_at_least_20_percent():
    for p, q in itertools.combinations(PITCHES, 2):
        assert max(p, q) / min(p, q) >= 1.2


def test_a_pitched_tone_voice_keeps_the_tempo_and_timings_and_moves_the_frequency_by_its_factor(tone_voice):
    text = "aaaa bb, cc."
    base = list(tone_voice.synthesize(text, RATE))
    for pitch in PITCHES[1:]:
        chunks = list(PitchedVoice(tone_voice, pitch).synthesize(text, RATE))
        assert_chunks_cover(chunks, text)
        assert sum(c.samples for c in chunks) == pytest.approx(sum(c.samples for c in base), abs=2)
        assert [c.char_start_ms for c in chunks] == pytest.approx([c.char_start_ms for c in base], abs=1)
        a = b"".join(c.pcm for c in base)[: 4 * 60 * RATE // 1000 * 2]
        b = b"".join(c.pcm for c in chunks)[: 4 * 60 * RATE // 1000 * 2]
        assert sine_frequency(b, RATE) / sine_frequency(a, RATE) == pytest.approx(pitch, rel=0.01)


async def speaker_audio(url: str, voice: str) -> bytes:
    async with client(url) as ws:
        await ws.send(voices("t1", A, B))
        await ws.send(say("t1", "aaaaaaaa ", voice))
        await ws.send(flush("t1"))
        return audio_bytes(await ws.until(turn_done))


async def test_the_two_voices_of_a_dialogue_context_are_two_pitches_on_the_server(local_server):
    url = ttd_url(local_server)
    first, second = await speaker_audio(url, A), await speaker_audio(url, B)
    assert abs(len(first) - len(second)) <= 2 * 2  # same tempo (a sample of rounding either way)
    mapped = assign_speakers([A, B])
    expected = PITCHES[mapped[B]] / PITCHES[mapped[A]]
    ratio = sine_frequency(second, RATE) / sine_frequency(first, RATE)
    assert ratio == pytest.approx(expected, rel=0.01)
    assert max(ratio, 1 / ratio) >= 1.2


def test_piper_speakers_are_two_people_a_third_or_more_apart_in_pitch_at_about_the_same_tempo(piper_voice):
    text = "Well, I think we should leave early tomorrow morning."
    bank = VoiceBank(piper_voice)
    measured = {}
    for speaker in range(len(PITCHES)):
        # Piper's noise moves a sentence's length by up to ~15 % and its F0 by a few per cent from
        # one synthesis to the next: the median of three is what each voice is measured by.
        takes = []
        for _ in range(3):
            chunks = list(bank.voice(speaker).synthesize(text, 16000))
            assert_chunks_cover(chunks, text)
            takes.append((fundamental(b"".join(c.pcm for c in chunks), 16000), sum(c.samples for c in chunks)))
        measured[speaker] = (statistics.median(t[0] for t in takes), statistics.median(t[1] for t in takes))
    base_f0, base_len = measured[0]
    for speaker, (f0, length) in measured.items():
        assert f0 / base_f0 == pytest.approx(PITCHES[speaker], rel=0.08), (speaker, f0, base_f0)
        # Near the base voice's tempo: Piper's durations do not scale exactly with length_scale, so
        # each pitch keeps a small offset of its own (measured, six takes each: 1.25 -8 %, 0.8
        # +11 %, 1.5625 -9 %), and its noise adds a few per cent. Unpitched, the
        # resampling alone would be 20-36 % off.
        assert length == pytest.approx(base_len, rel=0.18)
    # The closest pairs are designed 1.25 apart (a major third); Piper's noise moves a measured
    # median F0 by a few per cent from run to run, so 1.15 (more than two semitones) is the floor.
    for (f1, _), (f2, _) in itertools.combinations(measured.values(), 2):
        assert max(f1, f2) / min(f1, f2) >= 1.15
