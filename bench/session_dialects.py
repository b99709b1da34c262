"""`Session.apply` per 250 ms of audio in each dialect, with its timings (issue 13).

ElevenLabs sends character alignment inside the audio frame; Text-to-Dialogue the same in
snake_case; Inworld words inside its audioChunk; Cartesia a chunk and a separate timestamps
frame. Each run feeds one context `--frames` such audio units (audio + timings) after a turn's
text was sent, on a frozen clock; the figure is microseconds per unit. The reference is
ElevenLabs in the same run (and `json.loads` of the same frames).

    .venv/bin/python bench/session_dialects.py [--runs 7] [--frames 400]

Prints a table and writes JSON to bench/results/session-dialects-<time>.json.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stats import percentile  # noqa: E402
from tui.protocol.dialect import Dialect  # noqa: E402
from tui.protocol.formats import AudioFormat  # noqa: E402
from tui.session import Connected, FrameReceived, FrameSent, Session  # noqa: E402

RATE = 22050
WORDS = "Sure, when would you like to travel? I can look".split()
TEXT = " ".join(WORDS) + " "
PCM = base64.b64encode(bytes(RATE // 4 * 2)).decode()  # 250 ms


def _chars() -> tuple[list[str], list[int], list[int]]:
    chars = list(TEXT)
    return chars, [i * 25 for i in range(len(chars))], [25] * len(chars)


def _words() -> tuple[list[str], list[float], list[float]]:
    return WORDS, [i * 0.025 for i in range(len(WORDS))], [i * 0.025 + 0.02 for i in range(len(WORDS))]


def unit(dialect: Dialect) -> tuple[str, list[str]]:
    """The frame that opens the context with its text, and the frames of one audio unit."""
    chars, starts, durations = _chars()
    words, wstart, wend = _words()
    if dialect is Dialect.ELEVENLABS:
        align = {"chars": chars, "charStartTimesMs": starts, "charDurationsMs": durations}
        audio = {"audio": PCM, "isFinal": False, "contextId": "c1", "alignment": align}
        return json.dumps({"text": TEXT * 40, "context_id": "c1"}), [json.dumps(audio)]
    if dialect is Dialect.ELEVENLABS_DIALOGUE:
        align = {"chars": chars, "char_start_times_ms": starts, "char_durations_ms": durations}
        opening = {"context_id": "c1", "inputs": [{"text": TEXT * 40, "voice_id": "va"}]}
        return json.dumps(opening), [json.dumps({"audio": PCM, "alignment": align, "context_id": "c1"})]
    if dialect is Dialect.INWORLD:
        stamps = {"wordAlignment": {"words": words, "wordStartTimeSeconds": wstart, "wordEndTimeSeconds": wend}}
        chunk = {"audioContent": PCM, "timestampInfo": stamps}
        frame = {"result": {"contextId": "c1", "audioChunk": chunk, "status": {"code": 0}}}
        return json.dumps({"send_text": {"text": TEXT * 40}, "contextId": "c1"}), [json.dumps(frame)]
    generation = {
        "model_id": "sonic-3.5",
        "transcript": TEXT * 40,
        "voice": {"mode": "id", "id": "v"},
        "context_id": "c1",
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": RATE},
        "continue": True,
    }
    chunk = {"type": "chunk", "data": PCM, "done": False, "status_code": 206, "context_id": "c1"}
    stamps = {"type": "timestamps", "done": False, "status_code": 206, "context_id": "c1"}
    stamps["word_timestamps"] = {"words": words, "start": wstart, "end": wend}
    return json.dumps(generation), [json.dumps(chunk), json.dumps(stamps)]


def run(dialect: Dialect, frames: int) -> tuple[float, float]:
    """Microseconds per audio unit through `Session.apply`, and through `json.loads` alone."""
    now = [1000.0]
    session = Session(dialect, AudioFormat("pcm", RATE), clock=lambda: now[0])
    session.apply(Connected("ws://bench"))
    opening, audio = unit(dialect)
    if dialect is Dialect.ELEVENLABS_DIALOGUE:
        session.apply(FrameSent(json.dumps({"context_id": "c1", "voices": ["va"]})))
    if dialect is Dialect.INWORLD:
        session.apply(
            FrameSent(json.dumps({"create": {"voiceId": "A", "modelId": "inworld-tts-2"}, "contextId": "c1"}))
        )
    session.apply(FrameSent(opening))
    start = time.perf_counter()
    for _ in range(frames):
        for frame in audio:
            session.apply(FrameReceived(frame))
    applied = (time.perf_counter() - start) / frames * 1e6
    start = time.perf_counter()
    for _ in range(frames):
        for frame in audio:
            json.loads(frame)
    return applied, (time.perf_counter() - start) / frames * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--frames", type=int, default=400)
    args = parser.parse_args()
    dialects = [Dialect.ELEVENLABS, Dialect.ELEVENLABS_DIALOGUE, Dialect.INWORLD, Dialect.CARTESIA]
    results: dict[str, dict[str, float | None]] = {}
    for dialect in dialects:
        applied, loads = zip(*(run(dialect, args.frames) for _ in range(args.runs)))
        results[dialect.value] = {
            "apply_p50_us": percentile(list(applied), 0.5),
            "apply_p95_us": percentile(list(applied), 0.95),
            "json_loads_p50_us": percentile(list(loads), 0.5),
        }
    reference = results[Dialect.ELEVENLABS.value]["apply_p50_us"] or 1.0
    print(f"Session.apply per 250 ms audio unit with its timings ({args.runs} runs x {args.frames} units)")
    print(f"{'dialect':22} {'p50 µs':>8} {'p95 µs':>8} {'json.loads p50':>15} {'÷ elevenlabs':>13}")
    for name, r in results.items():
        p50, p95, loads = r["apply_p50_us"] or 0.0, r["apply_p95_us"] or 0.0, r["json_loads_p50_us"] or 0.0
        r["ratio_to_elevenlabs"] = p50 / reference
        print(f"{name:22} {p50:8.1f} {p95:8.1f} {loads:15.1f} {p50 / reference:13.2f}")
    out = Path(__file__).resolve().parent / "results" / f"session-dialects-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"runs": args.runs, "frames": args.frames, "results": results}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
