"""The speaker on a real sound server: what the virtual speaker heard, for every backend."""

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.virtual_speaker import arrival_times, feed_paced, noise
from tui.audio import DEFAULT_BACKEND, make_speaker
from tui.protocol.formats import AudioFormat, alaw_encode, to_pcm16, ulaw_encode

RATE = 24000  # the virtual speaker's own rate: heard bit for bit
PCM = AudioFormat("pcm", RATE)
CHUNK = 0.02  # the smallest chunks a service sends are the hardest
# A new stream's first millisecond or two can miss the null sink's monitor (the sink rewinds
# to mix it in sooner; a monitor cannot rewind). Comparisons start this far in.
HEAD = int(0.005 * RATE)
MEASURE = 0.005  # how exactly the recording's clock is known
ROOT = Path(__file__).resolve().parent.parent

BACKENDS = ["miniaudio", "sounddevice", "simpleaudio"]


class Heard:
    """Collects on_progress calls; lets a test wait for a context to finish."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int, bool]] = []
        self._done = threading.Condition()

    def __call__(self, context_id: str, heard: int, rate: int, finished: bool) -> None:
        with self._done:
            self.calls.append((context_id, heard, rate, finished))
            self._done.notify_all()

    def wait_finished(self, context_id: str, timeout: float = 5.0) -> int:
        with self._done:
            ok = self._done.wait_for(lambda: any(c[0] == context_id and c[3] for c in self.calls), timeout)
        assert ok, f"{context_id} never finished: {self.calls[-3:]}"
        return next(c[1] for c in self.calls if c[0] == context_id and c[3])


@pytest.fixture(params=BACKENDS)
def speaker(request, virtual_speaker):
    heard = Heard()
    sp = make_speaker(request.param, on_progress=heard)
    assert sp.backend_name == request.param, sp.silent_reason
    sp.heard = heard
    yield sp
    sp.close()


def play(sp, context_id: str, signal: np.ndarray, pace: float = 1.2, jitter: float = 0.0, seed: int = 0) -> float:
    chunk_bytes = int(CHUNK * RATE) * 2
    times = arrival_times(-(-signal.size * 2 // chunk_bytes), CHUNK, pace, jitter, seed)
    sp.open_context(context_id)
    start = feed_paced(sp, context_id, signal.tobytes(), PCM, chunk_bytes, times)
    sp.end(context_id)
    return start


def assert_heard_exactly(recording, signal: np.ndarray) -> int:
    lag, worst = recording.align(signal[HEAD:])
    assert worst <= 2, f"heard audio differs from the fed audio by up to {worst}"
    return lag


def test_the_audio_heard_is_the_audio_fed_without_gaps(speaker, virtual_speaker):
    signal = noise(RATE, 0.8, seed=1)
    start = play(speaker, "turn-1", signal)
    assert speaker.heard.wait_finished("turn-1") == signal.size
    recording = virtual_speaker.record(start, time.monotonic())
    assert_heard_exactly(recording, signal)
    assert recording.gaps() == []
    assert speaker.underruns("turn-1") == 0


def test_chunks_arriving_with_30ms_of_jitter_still_play_without_gaps(speaker, virtual_speaker):
    signal = noise(RATE, 1.0, seed=2)
    start = play(speaker, "jittery", signal, pace=1.2, jitter=0.03, seed=7)
    speaker.heard.wait_finished("jittery")
    recording = virtual_speaker.record(start, time.monotonic())
    assert recording.gaps() == []
    assert_heard_exactly(recording, signal)


def test_barge_in_is_silent_within_the_device_period_and_the_next_context_plays(speaker, virtual_speaker):
    first, second = noise(RATE, 1.5, seed=3), noise(RATE, 0.5, seed=4)
    speaker.open_context("agent-1")
    speaker.open_context("agent-2")
    start = time.monotonic()
    speaker.feed("agent-1", first.tobytes(), PCM)  # a whole sentence at once
    deadline = start + 3
    while speaker.heard_seconds("agent-1") < 0.4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert speaker.playing_context == "agent-1"
    barged = time.monotonic()
    assert speaker.barge_in() == "agent-1"
    reported = speaker.heard_samples("agent-1")
    time.sleep(0.25)
    quiet = virtual_speaker.record(barged + speaker.stop_period + MEASURE, time.monotonic())
    assert quiet.onset() is None, f"sound {quiet.onset() - barged:.3f} s after the barge-in"

    speaker.feed("agent-1", first.tobytes(), PCM)  # late audio of a stopped turn
    speaker.feed("agent-2", second.tobytes(), PCM)
    speaker.end("agent-2")
    assert speaker.heard.wait_finished("agent-2") == second.size
    recording = virtual_speaker.record(start, time.monotonic())
    # What was heard of agent-1 is what the speaker says was heard, to within the stop period.
    before = recording.between(start, barged + speaker.stop_period + MEASURE)
    lag = assert_heard_exactly(before, first[: RATE // 4])
    truly_heard = int((before.last_sound() - before.time_of(lag)) * RATE) + HEAD
    assert abs(reported - truly_heard) <= (speaker.stop_period + 0.02) * RATE
    assert_heard_exactly(recording.between(barged + 0.25, float("inf")), second)


@pytest.mark.parametrize("fmt", ["ulaw_8000", "alaw_8000", "pcm_8000", "pcm_16000", "pcm_48000"])
def test_other_encodings_and_rates_play_through_the_default_backend(fmt, virtual_speaker):
    encoding, rate = fmt.split("_")
    audio_format = AudioFormat(encoding, int(rate))
    pcm = noise(audio_format.sample_rate, 0.5, seed=5, band=3000)
    wire = {"ulaw": ulaw_encode, "alaw": alaw_encode}.get(encoding, lambda b: b)(pcm.tobytes())
    expected = np.frombuffer(to_pcm16(audio_format, wire), dtype="<i2")
    heard = Heard()
    sp = make_speaker(DEFAULT_BACKEND, on_progress=heard)
    try:
        sp.open_context("c")
        start = time.monotonic()
        step = int(audio_format.sample_rate * audio_format.bytes_per_sample * CHUNK)
        for i in range(0, len(wire), step):
            sp.feed("c", wire[i : i + step], audio_format)
        sp.end("c")
        assert heard.wait_finished("c") == expected.size
    finally:
        sp.close()
    recording = virtual_speaker.record(start, time.monotonic())
    # The sound server resampled it to 24 kHz: compare with an ideal resampling, 50 ms at a
    # time. This checks the decoding: a stray underrun on a loaded machine may spoil the one
    # window it falls in (gaps are the other tests' business).
    reference = resample(expected.astype(np.float64), audio_format.sample_rate, RATE)
    window = RATE // 20
    matching = 0
    pieces = range(HEAD, reference.size - window, window)
    for at in pieces:
        piece = reference[at : at + window]
        lag, _ = recording.align(piece)
        heard = recording.samples[lag : lag + window].astype(np.float64)
        matching += heard.size == window and np.corrcoef(heard, piece)[0, 1] > 0.98
    assert matching >= 0.9 * len(pieces), f"{matching} of {len(pieces)} windows match"


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    n_out = int(round(x.size * rate_out / rate_in))
    spectrum = np.fft.rfft(x)
    out = np.zeros(n_out // 2 + 1, dtype=complex)
    keep = min(out.size, spectrum.size)
    out[:keep] = spectrum[:keep]
    return np.fft.irfft(out, n_out) * (n_out / x.size)


@pytest.mark.parametrize("name", BACKENDS)
def test_turn_after_turn_the_speaker_leaves_no_connections_to_the_sound_server_behind(name, virtual_speaker):
    before = virtual_speaker.clients()
    heard = Heard()
    sp = make_speaker(name, on_progress=heard)
    for turn in ("one", "two", "three"):
        sp.open_context(turn)
        sp.feed(turn, noise(RATE, 0.1, seed=9).tobytes(), PCM)
        if turn == "two":
            sp.barge_in()
        else:
            sp.end(turn)
        heard.wait_finished(turn)
        time.sleep(0.4)  # the device closes once it has been idle a moment
    sp.close()
    deadline = time.monotonic() + 2  # simpleaudio's own thread lets go a little later
    while virtual_speaker.clients() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert virtual_speaker.clients() <= before


MISSING_DEVICE = textwrap.dedent("""
    import json, threading, sys
    from tui.audio import make_speaker
    from tui.protocol.formats import AudioFormat
    out = []
    for name in (None, "miniaudio", "sounddevice", "simpleaudio", "none"):
        done = threading.Event()
        sp = make_speaker(name, on_progress=lambda c, h, r, f: f and done.set())
        sp.open_context("t")
        sp.feed("t", bytes(4800), AudioFormat("pcm", 24000))
        sp.end("t")
        finished = done.wait(3)
        out.append([name, sp.backend_name, sp.silent_reason, finished, sp.heard_samples("t")])
        sp.close()
    print(json.dumps(out))
""")


def test_without_an_audio_device_every_backend_falls_back_to_silent_and_keeps_time(tmp_path, virtual_speaker):
    # No sound server, and an ALSA whose default device names a card that does not exist.
    alsa_conf = tmp_path / "asound.conf"
    alsa_conf.write_text("pcm.!default { type hw card 99 }\nctl.!default { type hw card 99 }\n")
    env = {
        "PATH": "/usr/bin:/bin",
        "PULSE_SERVER": virtual_speaker.dead_server(),
        "ALSA_CONFIG_PATH": str(alsa_conf),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", MISSING_DEVICE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # ALSA's complaints never reach the terminal
    results = json.loads(done.stdout)
    for name, backend, reason, finished, heard in results:
        assert backend == "none", name
        assert reason and "\n" not in reason, name
        assert finished and heard == 2400, name
    assert "no audio output device" in results[0][2]


def test_an_unknown_backend_name_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="simpleaudio"):
        make_speaker("speakers-of-the-world")
