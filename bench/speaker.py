"""Speaker: feed → audible, stop → silence, gaps, and CPU, for every backend, on the virtual speaker.

    .venv/bin/python bench/speaker.py [--trials 20] [--backends sounddevice,miniaudio,simpleaudio]
                                      [--formats mp3_24000,mp3_44100_128]

Everything is heard through a private PulseAudio null sink whose monitor is recorded with clock
stamps (tests/fixtures/virtual_speaker.py), so each figure is what came out, not what the
speaker believes. Per trial and backend, interleaved so the shared machine's noise falls on all:

- fast turn: 1 s of audio in 20 ms chunks at 1.2× real time. feed → audible is the first
  chunk's feed to the first sound; gaps are silent runs over 5 ms inside the turn; the heard
  audio is compared with the fed audio sample for sample; CPU is the process's CPU time over
  the turn per second of audio.
- jittery turn (its own speaker: the playout delay is learnt per link): the same at 1.2× with
  each chunk moved by up to ±30 ms; gaps are counted.
- busy interpreter (its own speaker): the fast turn again while another Python thread computes
  without pause, as a busy UI thread would: the audio callback then waits for the GIL.
- barge-in: a 1.5 s turn fed at once, barge_in() after 0.3 s heard; stop → silence is the last
  sound after the call; the speaker's heard-samples count at the call is compared with what the
  recording shows was heard.

- MP3 rows (--formats, empty for none): the fast turn and the barge-in again with the same noise
  encoded as the local server encodes it (LAME, per turn), cut into 20 ms of its bitrate per
  chunk (so a chunk ends mid-frame), with the PCM rows of the same backend as their reference.
  feed → audible includes what MP3 itself costs: the first frame must complete before it can
  be decoded, and LAME's priming (1105 samples, ~46 ms at 24 kHz, 25 ms at 44.1 kHz) decodes to
  near-silence before the first sound. mp3_24000 (Murf) plays at the sink's own rate, so heard
  = fed is checked sample for sample against the whole-stream decode; mp3_44100_128 (the
  ElevenLabs default) is resampled by the sound server, so it is not.

The reference, in the same run: a bare PortAudio stream with no speaker around it, started
when the audio is handed over and aborted on stop: the floor this machine's sound path allows.
Times are when the null sink rendered a sample, and it renders up to one period (a few ms)
ahead of its clock: an instant stop reads as a few ms below zero, hence the differences to the
reference.
Prints a table of medians and p95; writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.stats import percentile  # noqa: E402
from tests.fixtures.virtual_speaker import Recording, VirtualSpeaker, arrival_times, feed_paced, noise  # noqa: E402
from tui.audio import PlayoutDelay, make_speaker  # noqa: E402
from tui.audio.alsa import silence_alsa  # noqa: E402
from tui.protocol.formats import AudioFormat, parse_format_spelling  # noqa: E402
from tui.server.encoding import Mp3Encoder  # noqa: E402

RATE = 24000
PCM = AudioFormat("pcm", RATE)
CHUNK = 0.02
HEAD = int(0.005 * RATE)
RESULTS = ROOT / "bench" / "results"


def wait_finished(speaker, context_id: str, samples: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while speaker.heard_samples(context_id) < samples and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)


def wire_of(fmt: AudioFormat, seconds: float, seed: int):
    """(wire bytes, bytes per 20 ms chunk, what it decodes to or None if not at the sink's rate,
    samples it decodes to, silent runs over 5 ms in what it decodes to)."""
    signal = noise(fmt.sample_rate, seconds, seed=seed, band=min(8000, 0.3 * fmt.sample_rate))
    if fmt.encoding != "mp3":
        return signal.tobytes(), int(CHUNK * fmt.sample_rate) * 2, signal, signal.size, 0
    import miniaudio
    import numpy as np

    encoder = Mp3Encoder(fmt)
    step = fmt.sample_rate // 50
    wire = b"".join(encoder.encode(signal[i : i + step].tobytes()) for i in range(0, signal.size, step))
    wire += encoder.finish()
    decoded = np.frombuffer(
        miniaudio.decode(wire, nchannels=1, sample_rate=fmt.sample_rate).samples.tobytes(), dtype="<i2"
    )
    kbps = fmt.bitrate or 128
    reference = decoded if fmt.sample_rate == RATE else None
    # LAME's priming can decode to a blip and then a few ms of near-silence: the stream's own
    # "gaps", which a perfect player plays too. Paced turns count only the ones beyond these.
    own_gaps = len(Recording(decoded, 0.0, fmt.sample_rate).gaps(0.005))
    return wire, int(kbps * 1000 / 8 * CHUNK), reference, decoded.size, own_gaps


def paced_turn(vs, speaker, context_id: str, jitter: float, seed: int, fmt: AudioFormat = PCM) -> dict[str, float]:
    wire, chunk_bytes, reference, samples, own_gaps = wire_of(fmt, 1.0, seed)
    times = arrival_times(-(-len(wire) // chunk_bytes), CHUNK, 1.2, jitter, seed)
    cpu = time.process_time()
    speaker.open_context(context_id)
    start = feed_paced(speaker, context_id, wire, fmt, chunk_bytes, times)
    speaker.end(context_id)
    wait_finished(speaker, context_id, samples)
    cpu = time.process_time() - cpu
    rec = vs.record(start - 0.05, time.monotonic())
    onset = rec.onset()
    worst = rec.align(reference[HEAD:])[1] if reference is not None else float("nan")
    return {
        "feed_to_audible_ms": (onset - start) * 1000 if onset else float("nan"),
        "gaps": max(0, len(rec.gaps(0.005)) - own_gaps),
        "exact": float(worst <= 2),
        "cpu_per_audio_s": cpu / (samples / fmt.sample_rate),
    }


def busy_turn(vs, speaker, context_id: str, seed: int) -> dict[str, float]:
    stop = threading.Event()

    def compute() -> None:
        total = 0
        while not stop.is_set():
            for i in range(10_000):
                total += i * i

    worker = threading.Thread(target=compute, daemon=True)
    worker.start()
    try:
        return paced_turn(vs, speaker, context_id, 0.0, seed)
    finally:
        stop.set()
        worker.join()


def barge_in_turn(vs, speaker, context_id: str, seed: int, fmt: AudioFormat = PCM) -> dict[str, float]:
    wire, _, signal, _, _ = wire_of(fmt, 1.5, seed)
    speaker.open_context(context_id)
    start = time.monotonic()
    speaker.feed(context_id, wire, fmt)
    deadline = start + 3
    while speaker.heard_seconds(context_id) < 0.3 and time.monotonic() < deadline:
        time.sleep(0.005)
    called = time.monotonic()
    speaker.barge_in()
    returned = time.monotonic()
    reported = speaker.heard_samples(context_id)
    time.sleep(0.35)
    rec = vs.record(start - 0.05, called + 0.3)
    last = rec.last_sound()
    if signal is None:  # resampled by the sound server: no sample-exact heard count to compare
        truly = float("nan")
    else:
        lag, _ = rec.align(signal[HEAD : RATE // 4])
        truly = (last - rec.time_of(lag)) * RATE + HEAD if last else float("nan")
    return {
        "stop_to_silence_ms": (last - called) * 1000 if last else float("nan"),
        "barge_in_call_ms": (returned - called) * 1000,
        "heard_error_ms": abs(reported - truly) / RATE * 1000,
    }


def reference_turn(vs, sd, seed: int) -> dict[str, float]:
    """A bare PortAudio stream: started when the audio is handed over, aborted on stop."""
    data = noise(RATE, 0.6, seed=seed).tobytes()
    pos = [0]

    def callback(outdata, frames, _time, _status):
        chunk = data[pos[0] : pos[0] + frames * 2]
        pos[0] += frames * 2
        outdata[:] = chunk + bytes(frames * 2 - len(chunk))

    start = time.monotonic()
    stream = sd.RawOutputStream(samplerate=RATE, channels=1, dtype="int16", latency="low", callback=callback)
    stream.start()
    time.sleep(0.3)
    called = time.monotonic()
    stream.abort()
    stream.close()
    time.sleep(0.3)
    rec = vs.record(start - 0.05, called + 0.25)
    onset, last = rec.onset(), rec.last_sound()
    return {
        "feed_to_audible_ms": (onset - start) * 1000 if onset else float("nan"),
        "stop_to_silence_ms": (last - called) * 1000 if last else float("nan"),
    }


def summarise(rows: list[dict[str, float]], key: str) -> tuple[float, float]:
    values = [r[key] for r in rows if r[key] == r[key]]
    return (statistics.median(values), percentile(values, 0.95)) if values else (float("nan"),) * 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--backends", default="sounddevice,miniaudio,simpleaudio")
    parser.add_argument(
        "--formats", default="mp3_24000,mp3_44100_128", help="MP3 rows beside PCM (console spellings; empty: none)"
    )
    args = parser.parse_args()
    backends = args.backends.split(",")
    formats = {name: parse_format_spelling(name) for name in args.formats.split(",") if name}
    silence_alsa()
    load_before = os.getloadavg()
    results: dict[str, dict[str, list]] = {
        b: {
            "fast": [],
            "jitter": [],
            "busy": [],
            "barge": [],
            **{f"{f}-{k}": [] for f in formats for k in ("fast", "barge")},
        }
        for b in backends
    }
    results["reference"] = {"bare": []}
    with VirtualSpeaker(rate=RATE) as vs:
        import sounddevice as sd  # after the sound server is up: PortAudio lists devices once

        speakers = {b: (make_speaker(b), make_speaker(b), make_speaker(b)) for b in backends}
        for name, (fast, _, _) in speakers.items():
            if fast.backend_name != name:
                sys.exit(f"{name}: no audio output ({fast.silent_reason})")
        for trial in range(args.trials):
            for name, (fast, jittery, busy) in speakers.items():
                r = results[name]
                r["fast"].append(paced_turn(vs, fast, f"fast-{trial}", 0.0, trial))
                r["jitter"].append(paced_turn(vs, jittery, f"jitter-{trial}", 0.03, 100 + trial))
                r["busy"].append(busy_turn(vs, busy, f"busy-{trial}", 400 + trial))
                r["barge"].append(barge_in_turn(vs, fast, f"barge-{trial}", 200 + trial))
                for f, fmt in formats.items():
                    r[f"{f}-fast"].append(paced_turn(vs, fast, f"{f}-fast-{trial}", 0.0, 500 + trial, fmt))
                    r[f"{f}-barge"].append(barge_in_turn(vs, fast, f"{f}-barge-{trial}", 600 + trial, fmt))
            results["reference"]["bare"].append(reference_turn(vs, sd, 300 + trial))
            print(f"trial {trial + 1}/{args.trials} done", file=sys.stderr)
        for trio in speakers.values():
            for speaker in trio:
                speaker.close()
    load_after = os.getloadavg()

    ref = results["reference"]["bare"]
    ref_feed, ref_stop = summarise(ref, "feed_to_audible_ms")[0], summarise(ref, "stop_to_silence_ms")[0]
    header = (
        "| backend | feed → audible ms p50 / p95 | stop → silence ms p50 / p95 | gaps >5 ms per "
        "stream, 1.2× (streams with any) | gaps, ±30 ms jitter | gaps, busy interpreter | "
        "heard = fed | heard-count error at barge-in ms p50 / p95 | "
        "CPU s per s of audio p50 / p95 |"
    )
    print(header)
    print("|" + "---|" * 9)
    summary: dict[str, dict[str, float]] = {}
    for name in backends:
        r = results[name]
        feed = summarise(r["fast"], "feed_to_audible_ms")
        stop = summarise(r["barge"], "stop_to_silence_ms")
        cpu = summarise(r["fast"], "cpu_per_audio_s")
        heard = summarise(r["barge"], "heard_error_ms")
        gaps = {k: [x["gaps"] for x in r[k]] for k in ("fast", "jitter", "busy")}
        exact = sum(x["exact"] for x in r["fast"] + r["jitter"])
        n = len(gaps["fast"])
        summary[name] = {
            "feed_p50": feed[0],
            "feed_p95": feed[1],
            "stop_p50": stop[0],
            "stop_p95": stop[1],
            "cpu_p50": cpu[0],
            "heard_error_p50": heard[0],
            **{f"{k}_gaps_per_stream": sum(v) / n for k, v in gaps.items()},
        }
        cells = " | ".join(f"{sum(v) / n:.2f} ({sum(1 for g in v if g)}/{n})" for v in gaps.values())
        print(
            f"| {name} | {feed[0]:.1f} / {feed[1]:.1f} | {stop[0]:.1f} / {stop[1]:.1f} | {cells} | "
            f"{exact:.0f}/{2 * n} | {heard[0]:.1f} / {heard[1]:.1f} | {cpu[0]:.3f} / {cpu[1]:.3f} |"
        )
    print(
        f"| reference: bare PortAudio stream | {ref_feed:.1f} / "
        f"{summarise(ref, 'feed_to_audible_ms')[1]:.1f} | {ref_stop:.1f} / "
        f"{summarise(ref, 'stop_to_silence_ms')[1]:.1f} | – | – | – | – | – | – |"
    )
    print()
    print(
        "| backend · format | feed → audible ms p50 / p95 | ratio to PCM p50 | stop → silence ms p50 / p95 | "
        "gaps >5 ms per stream (streams with any) | heard = fed | CPU s per s of audio p50 / p95 |"
    )
    print("|" + "---|" * 7)
    for name in backends:
        r, pcm = results[name], summary[name]
        for f in formats:
            feed = summarise(r[f"{f}-fast"], "feed_to_audible_ms")
            stop = summarise(r[f"{f}-barge"], "stop_to_silence_ms")
            cpu = summarise(r[f"{f}-fast"], "cpu_per_audio_s")
            gaps = [x["gaps"] for x in r[f"{f}-fast"]]
            n = len(gaps)
            exact = (
                f"{sum(x['exact'] for x in r[f'{f}-fast']):.0f}/{n}"
                if formats[f].sample_rate == RATE
                else "– (resampled)"
            )
            summary[name].update(
                {
                    f"{f}_feed_p50": feed[0],
                    f"{f}_feed_p95": feed[1],
                    f"{f}_stop_p50": stop[0],
                    f"{f}_stop_p95": stop[1],
                    f"{f}_cpu_p50": cpu[0],
                    f"{f}_gaps_per_stream": sum(gaps) / n,
                }
            )
            print(
                f"| {name} · {f} | {feed[0]:.1f} / {feed[1]:.1f} | {feed[0] / pcm['feed_p50']:.2f} | "
                f"{stop[0]:.1f} / {stop[1]:.1f} | {sum(gaps) / n:.2f} ({sum(1 for g in gaps if g)}/{n}) | "
                f"{exact} | {cpu[0]:.3f} / {cpu[1]:.3f} |"
            )
        print(
            f"| {name} · pcm_{RATE} (reference) | {pcm['feed_p50']:.1f} / {pcm['feed_p95']:.1f} | 1.00 | "
            f"{pcm['stop_p50']:.1f} / {pcm['stop_p95']:.1f} | {pcm['fast_gaps_per_stream']:.2f} | – | "
            f"{pcm['cpu_p50']:.3f} / – |"
        )
    learnt = PlayoutDelay().window
    for name in backends:
        late = {k: results[name][k][learnt:] for k in ("fast", "jitter")}
        if late["fast"]:
            fast, jit = (summarise(v, "feed_to_audible_ms") for v in late.values())
            summary[name].update(
                learnt_feed_p50=fast[0],
                learnt_feed_p95=fast[1],
                learnt_jitter_feed_p50=jit[0],
                learnt_jitter_feed_p95=jit[1],
            )
            print(
                f"{name}: once the playout delay has learnt the link (turns {learnt + 1}+), "
                f"feed → audible p50 / p95: {fast[0]:.1f} / {fast[1]:.1f} ms at 1.2×, "
                f"{jit[0]:.1f} / {jit[1]:.1f} ms with ±30 ms jitter"
            )
    for name in backends:
        print(
            f"{name}: p50 over the bare stream: feed → audible "
            f"{summary[name]['feed_p50'] - ref_feed:+.1f} ms, stop → silence "
            f"{summary[name]['stop_p50'] - ref_stop:+.1f} ms"
        )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load_before[0]:.2f} before / {load_after[0]:.2f} after"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"speaker-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "trials": args.trials,
                "formats": list(formats),
                "load": [load_before, load_after],
                "summary": summary,
                "raw": results,
            },
            indent=1,
        )
    )
    print(f"raw results: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
