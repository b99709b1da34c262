"""Every format the URL asks for plays (issue 10, item 3): MP3 streamed as it arrives, Murf WAV
and stereo, with heard == received and no gaps.

The real console against the REAL local server on loopback (tone voice: every char 60 ms,
whitespace silent) with the real client, heard on the virtual speaker (a PulseAudio null sink
whose monitor is recorded, at 24 kHz).
"""

from __future__ import annotations

import time

import miniaudio
import numpy as np
import pytest

from tests.fixtures.virtual_speaker import Recording, arrival_times, feed_paced, noise
from tests.test_core_console import shutdown_after, wait_for
from tests.test_truth_turns import console_on
from tui.audio import make_speaker
from tui.core import resolve_config
from tui.protocol.formats import parse_format_spelling
from tui.server.encoding import Mp3Encoder
from tui.session import SlotState

consoles = shutdown_after  # the fixture, under this module's name for it

CHAR = 0.060  # the tone voice's length of a char
ONE_WORD = "Supercalifragilistic."  # one flush, one MP3 stream: continuous sound from start to end


def full_url(base: str, dialect: str, query: str) -> str:
    """The console's own endpoint for `dialect` on `base`, with `query` as the whole query."""
    own = resolve_config(provider="local", url=base, dialect=dialect).endpoint()
    path = own.split("?")[0]
    return f"{path}?{query}"


async def play_turn(console, text: str, cid: str = "turn_1"):
    assert console.speaker.speaker.backend_name == "miniaudio", console.speaker.speaker.silent_reason
    start = time.monotonic()
    assert console.submit_turn(text).ok
    session = console.session
    await wait_for(
        lambda: (
            (s := session.slot_for(cid)) is not None
            and s.state is SlotState.FINAL
            and s.metrics.audio_seconds > 0
            and s.metrics.heard_seconds >= s.metrics.audio_seconds - 0.03
        ),
        15,
    )
    await wait_for(lambda: console.speaker.speaker.playing_context is None, 5)
    return session.slot_for(cid).metrics, start


async def test_a_full_url_asking_mp3_44100_128_plays_mp3_with_heard_equal_to_received(
    local_server, consoles, virtual_speaker
):
    url = full_url(local_server, "elevenlabs", "output_format=mp3_44100_128&sync_alignment=true")
    console = await console_on(url, consoles, audio="miniaudio")
    assert console.config.audio_format.encoding == "mp3"
    m, start = await play_turn(console, ONE_WORD)
    frame = 1152 / 44100
    assert abs(m.heard_seconds - m.audio_seconds) <= frame
    # Decoded MP3 is the voice (the text sent: the word and its trailing space) plus LAME's
    # priming and padding (a few frames), never less.
    voiced = len(console.session.transcript.turn("turn_1").text) * CHAR
    assert 0 <= m.audio_seconds - voiced <= 4 * frame
    assert m.audio_seconds != pytest.approx(m.audio_bytes / (2 * 44100), abs=0.1)  # not bytes/rate
    heard = virtual_speaker.record(start, time.monotonic())
    assert heard.onset() is not None
    assert heard.gaps() == [], heard.gaps()
    assert abs((heard.last_sound() - heard.onset()) - len(ONE_WORD) * CHAR) < 0.02
    assert console.speaker.speaker.underruns("turn_1") == 0
    words = console.session.transcript.turn("turn_1").words
    assert [w.text for w in words] == [ONE_WORD] and words[0].start is not None


def test_mp3_default_format_fed_at_real_time_pace_plays_without_gaps(virtual_speaker):
    fmt = parse_format_spelling("mp3_44100_128")
    signal = noise(44100, 1.2, seed=11, band=8000)
    encoder = Mp3Encoder(fmt)
    wire = b"".join(encoder.encode(signal[i : i + 882].tobytes()) for i in range(0, signal.size, 882))
    wire += encoder.finish()
    finished: list[int] = []
    sp = make_speaker("miniaudio", on_progress=lambda c, n, r, done: finished.append(n) if done else None)
    assert sp.backend_name == "miniaudio", sp.silent_reason
    try:
        chunk = 400  # ~25 ms of 128 kbps: cut anywhere, mostly mid-frame
        sp.open_context("mp3")
        start = feed_paced(sp, "mp3", wire, fmt, chunk, arrival_times(-(-len(wire) // chunk), 0.025, 1.2))
        sp.end("mp3")
        deadline = time.monotonic() + 5
        while not finished and time.monotonic() < deadline:
            time.sleep(0.02)
        assert finished, "the MP3 turn never finished playing"
        assert sp.underruns("mp3") == 0
    finally:
        sp.close()
    heard = virtual_speaker.record(start, time.monotonic())
    # LAME's priming may decode to a blip then a few ms of near-silence: the stream's own gaps.
    decoded = np.frombuffer(miniaudio.decode(wire, nchannels=1, sample_rate=44100).samples.tobytes(), "<i2")
    own = Recording(decoded, 0.0, 44100).gaps()
    assert len(heard.gaps()) == len(own), (heard.gaps(), own)
    assert finished[-1] % 1152 == 0 and finished[-1] >= signal.size


@pytest.mark.parametrize(
    "query, rate, channels",
    [
        ("format=WAV&sample_rate=24000", 24000, 1),  # Murf's default format
        ("format=WAV&sample_rate=44100&channel_type=STEREO", 44100, 2),
        ("format=PCM&sample_rate=24000&channel_type=STEREO", 24000, 2),
        ("format=MP3&sample_rate=24000", 24000, 1),
    ],
)
async def test_murf_wav_stereo_and_mp3_play_with_the_right_durations(
    local_server, consoles, virtual_speaker, query, rate, channels
):
    url = full_url(local_server, "murf", f"model=FALCON&{query}")
    console = await console_on(url, consoles, audio="miniaudio")
    fmt = console.config.audio_format
    assert (fmt.sample_rate, fmt.channels) == (rate, channels)
    text = ONE_WORD  # one synthesis unit: no wait for the next word's audio inside the turn
    m, start = await play_turn(console, text)
    expected = len(console.session.transcript.turn("turn_1").text) * CHAR  # as sent: a space ends it
    if fmt.encoding == "mp3":
        assert 0 <= m.audio_seconds - expected <= 4 * 576 / rate
    else:
        assert m.audio_seconds == pytest.approx(expected, abs=1 / rate)  # the header is no audio
    assert abs(m.heard_seconds - m.audio_seconds) <= 1152 / rate
    heard = virtual_speaker.record(start, time.monotonic())
    assert heard.onset() is not None
    assert abs((heard.last_sound() - heard.onset()) - len(text) * CHAR) < 0.03
    samples = heard.between(heard.onset(), heard.last_sound()).samples
    assert np.max(np.abs(samples.astype(np.int32))) > 4000  # the voice, not a click
