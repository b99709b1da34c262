"""The Piper voice, loaded once per session (tests/fixtures/voices.py): real speech, real timings."""

import numpy as np
import pytest

from tests.fixtures.voices import assert_chunks_cover
from tui.server.synth import load_voice
from tui.server.synth.units import split_units


def pcm(chunks) -> np.ndarray:
    return np.frombuffer(b"".join(c.pcm for c in chunks), dtype="<i2").astype(np.float64)


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio**2))) if audio.size else 0.0


def test_piper_speaks_for_a_plausible_time_with_char_timings_that_match_the_sound(piper_voice):
    text = "One, two, three, four, five."
    rate = 16000
    chunks = list(piper_voice.synthesize(text, rate))
    assert_chunks_cover(chunks, text)
    assert piper_voice.has_alignments
    seconds = sum(c.duration_ms for c in chunks) / 1000
    assert 0.25 * 5 <= seconds <= 0.9 * 5  # five words, pauses between them
    assert rms(pcm(chunks)) > 1500  # speech, not silence
    # The letters' time is where the sound is; the commas' and spaces' time is the pauses.
    letters, pauses = [], []
    for chunk in chunks:
        audio = np.frombuffer(chunk.pcm, dtype="<i2").astype(np.float64)
        for ch, start, duration in zip(chunk.text, chunk.char_start_ms, chunk.char_durations_ms):
            span = audio[start * rate // 1000 : (start + duration) * rate // 1000]
            (letters if ch.isalpha() else pauses).append(span)
    assert rms(np.concatenate(letters)) > 4 * rms(np.concatenate(pauses))
    # Cut into 50 ms wire frames, the audio and text join back and every frame's timings stay valid.
    for chunk in chunks:
        frames = chunk.split(50)
        assert b"".join(f.pcm for f in frames) == chunk.pcm
        assert_chunks_cover([f for f in frames if f.text], chunk.text)


def test_the_first_chunk_comes_after_one_short_model_run_speaks_at_once_and_closing_stops_the_rest(
    piper_voice, monkeypatch
):
    runs = []
    model_run = piper_voice._piper.phoneme_ids_to_audio
    monkeypatch.setattr(
        piper_voice._piper, "phoneme_ids_to_audio", lambda *args, **kwargs: runs.append(1) or model_run(*args, **kwargs)
    )
    text = "Your order ships out tomorrow morning. The courier will call you first. Thanks!"
    assert len(split_units(text)) == 4
    generation = piper_voice.synthesize(text, 24000)
    first = next(generation)
    assert first.text == "Your order " and len(runs) == 1
    # Piper's leading silence is trimmed: speech starts within the first 20 ms.
    onset = np.flatnonzero(np.abs(np.frombuffer(first.pcm, dtype="<i2")) >= 500)[0]
    assert onset < 0.020 * 24000
    generation.close()
    assert len(runs) == 1


@pytest.mark.parametrize(
    "text, rate",
    [
        ("Call 555-0199 at 3:30pm... $5 & 10% off!!! 😀 \u200b ok?", 8000),
        ("...", 48000),
        ("\u200b", 22050),
    ],
)
def test_digits_symbols_and_unpronounceable_text_are_covered(piper_voice, text, rate):
    chunks = list(piper_voice.synthesize(text, rate))
    assert_chunks_cover(chunks, text)
    assert all(c.sample_rate == rate for c in chunks)


def test_blank_text_yields_nothing_and_speed_shortens_speech(piper_voice):
    assert list(piper_voice.synthesize(" \n ", 16000)) == []
    text = "This sentence checks the speaking rate."
    normal = sum(c.duration_ms for c in piper_voice.synthesize(text, 16000))
    fast = sum(c.duration_ms for c in piper_voice.synthesize(text, 16000, speed=2.0))
    assert fast < 0.75 * normal


def test_without_phoneme_durations_timings_are_estimated_but_still_cover_the_text():
    voice = load_voice("piper", alignments=False, warm=False, threads=1)
    assert not voice.has_alignments
    text = "Estimated, but whole."
    assert_chunks_cover(list(voice.synthesize(text, 16000)), text)
