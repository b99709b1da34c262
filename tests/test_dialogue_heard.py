"""A two-voice dialogue heard on the virtual speaker: the real console in the Text-to-Dialogue
dialect, the real local server (tone voice) and the real audio path (miniaudio into a PulseAudio
null sink whose monitor is recorded). What came out of the speaker is two pitches, in the order
the operator's labels gave them, a fifth of the lower or more apart."""

from __future__ import annotations

import time

import numpy as np

from tests.test_console_plays_formats import play_turn
from tests.test_core_console import shutdown_after
from tests.test_truth_turns import console_on
from tui.server.synth.voice_bank import PITCHES, assign_speakers
from tui.session.dialogue_speakers import DEFAULT_VOICES

consoles = shutdown_after  # the fixture, under this module's name for it
CHAR = 0.060  # the tone voice's length of a char


def tone_hz(samples: np.ndarray, rate: int) -> float:
    """The frequency of the steady tone in `samples` (Hz), from its zero crossings."""
    signs = np.signbit(samples.astype(np.float64))
    crossings = np.flatnonzero(signs[1:] != signs[:-1])
    return (crossings.size - 1) / 2 / ((crossings[-1] - crossings[0]) / rate)


async def test_a_two_speaker_turn_comes_out_of_the_speaker_as_two_pitches_in_label_order(
    local_server, consoles, virtual_speaker
):
    console = await console_on(local_server, consoles, audio="miniaudio", dialect="elevenlabs-dialogue")
    metrics, start = await play_turn(console, "A: aaaaaaaa B: aaaaaaaa")
    heard = virtual_speaker.record(start, time.monotonic())
    onset = heard.onset()
    assert onset is not None and metrics.audio_seconds >= 2 * 8 * CHAR
    # A's eight chars, then its trailing space (silence), then B's eight chars.
    first = heard.between(onset + 0.05, onset + 8 * CHAR - 0.05).samples
    second = heard.between(onset + 9 * CHAR + 0.05, onset + 17 * CHAR - 0.05).samples
    a_hz, b_hz = tone_hz(first, heard.rate), tone_hz(second, heard.rate)
    speakers = assign_speakers(DEFAULT_VOICES)
    expected = PITCHES[speakers[DEFAULT_VOICES[1]]] / PITCHES[speakers[DEFAULT_VOICES[0]]]
    assert abs(b_hz / a_hz - expected) < 0.02 * expected, (a_hz, b_hz, expected)
    assert max(a_hz, b_hz) / min(a_hz, b_hz) >= 1.2
