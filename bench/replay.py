"""CPU cost of replaying a recording at speed 1 (speaker none), outside audio decoding.

Builds a 60-second ElevenLabs session (pcm_16000: nothing to decode but base64, 250 ms audio
chunks, a turn every 3 s, a barge-in every third turn), then replays it the way
`switchboard replay` does: ReplayTransport + drive() into the headless Console (session model,
frame log, transcript, the silent speaker's playout thread), and measures process CPU time
over wall time. Reference, same run: the same entries folded into a bare session model in a
tight loop (no pacing, no console), i.e. the least work any replay must do.

    .venv/bin/python bench/replay.py [--seconds 60] [--runs 3]

Prints a table (p50/p95 over the runs) and writes bench/results/replay.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import platform
import statistics
import sys
import tempfile
import time
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.stats import percentile  # noqa: E402
from tui.core import Console, resolve_config  # noqa: E402
from tui.core.replay import drive_console  # noqa: E402
from tui.protocol import elevenlabs  # noqa: E402
from tui.protocol.dialect import Dialect  # noqa: E402
from tui.protocol.formats import AudioFormat  # noqa: E402
from tui.protocol.frames import Audio, Final  # noqa: E402
from tui.recording import (  # noqa: E402
    BARGE_IN,
    RECEIVED,
    SENT,
    TURN,
    ActionEntry,
    FrameEntry,
    Recorder,
    RecordingHeader,
    read_recording,
)
from tui.replay import ReplayTransport  # noqa: E402
from tui.session import FrameReceived, FrameSent, Interrupted, Session  # noqa: E402

RATE = 16000
CHUNK_MS = 250


class ScriptClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def build_recording(folder: Path, seconds: float) -> Path:
    clock = ScriptClock()
    rec = Recorder.create(
        folder,
        RecordingHeader("bench", "elevenlabs", "ws://127.0.0.1/bench", "pcm_16000", "tone", "bench"),
        clock=clock,
    )
    samples = RATE * CHUNK_MS // 1000
    chunk = array("h", (int(8000 * math.sin(2 * math.pi * 440 * i / RATE)) for i in range(samples))).tobytes()
    turn, t = 0, 0.0
    while t < seconds:
        turn += 1
        cid = f"turn_{turn}"
        clock.now = t
        rec.action(TURN, text="A sentence of about this length, spoken.", context_id=cid)
        rec.frame(SENT, elevenlabs.encode_client(elevenlabs.SendText(" ", cid)))
        for i, word in enumerate(["A", "sentence", "of", "about", "this", "length,", "spoken."]):
            clock.now = t + 0.05 * (i + 1)
            rec.frame(SENT, elevenlabs.encode_client(elevenlabs.SendText(word + " ", cid)))
        rec.frame(SENT, elevenlabs.encode_client(elevenlabs.Flush(cid)))
        rec.frame(SENT, elevenlabs.encode_client(elevenlabs.CloseContext(cid)))
        barge = turn % 3 == 0
        for n in range(12 if not barge else 6):  # 3 s of audio, or 1.5 s then cut
            clock.now = t + 0.5 + n * 0.2
            rec.frame(RECEIVED, elevenlabs.encode_server(Audio(chunk, cid)))
        if barge:
            rec.action(BARGE_IN, context_id=cid)
        clock.now = t + 2.9
        rec.frame(RECEIVED, elevenlabs.encode_server(Final(cid)))
        t += 3.0
    rec.close()
    return rec.path


def to_events(item_entry) -> list:
    if isinstance(item_entry, FrameEntry):
        return [FrameSent(item_entry.data) if item_entry.direction == SENT else FrameReceived(item_entry.data)]
    if isinstance(item_entry, ActionEntry) and item_entry.kind == BARGE_IN:
        return [Interrupted(item_entry.fields.get("context_id", ""))]
    return []


def new_session() -> Session:
    return Session(Dialect.ELEVENLABS, AudioFormat("pcm", RATE))


async def replay_once(recording) -> dict:
    transport = ReplayTransport(recording, speed=1.0)
    config = resolve_config(
        provider="local", url=recording.header.url, output_format="pcm_16000", audio="none", record=False
    )
    wall0, cpu0 = time.monotonic(), time.process_time()
    await transport.connect()
    console = Console(config, clock=transport.clock)
    try:
        await console.start(connect=False)
        await drive_console(transport, console)
    finally:
        await console.shutdown()
    wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    return {"wall_s": wall, "cpu_s": cpu, "cpu_fraction": cpu / wall}


def tight_loop(recording) -> float:
    session = new_session()
    cpu0 = time.process_time()
    for entry in recording.entries:
        for event in to_events(entry):
            session.apply(event)
    return time.process_time() - cpu0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = build_recording(Path(tmp), args.seconds)
        size = path.stat().st_size
        recording = read_recording(path)
    assert recording.problem is None, recording.problem
    runs, refs = [], []
    for _ in range(args.runs):
        refs.append(tight_loop(recording))
        runs.append(asyncio.run(replay_once(recording)))
    fractions = [r["cpu_fraction"] for r in runs]
    cpu = [r["cpu_s"] for r in runs]
    rows = [
        (
            "replay at speed 1: CPU / wall",
            f"{100 * statistics.median(fractions):.2f} %",
            f"{100 * percentile(fractions, 0.95):.2f} %",
        ),
        ("replay at speed 1: CPU seconds", f"{statistics.median(cpu):.3f}", f"{percentile(cpu, 0.95):.3f}"),
        (
            "reference: same entries, tight loop, CPU s",
            f"{statistics.median(refs):.3f}",
            f"{percentile(refs, 0.95):.3f}",
        ),
        ("ratio replay CPU / reference CPU", f"{statistics.median(cpu) / statistics.median(refs):.2f}", ""),
    ]
    print(
        f"recording: {args.seconds:g} s, {len(recording.entries)} entries, {size / 1e6:.1f} MB; "
        f"{args.runs} runs; {platform.python_version()} on {platform.machine()}"
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'p50':>10}  {'p95':>10}")
    for name, p50, p95 in rows:
        print(f"{name:<{width}}  {p50:>10}  {p95:>10}")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "replay.json").write_text(
        json.dumps(
            {
                "seconds": args.seconds,
                "entries": len(recording.entries),
                "bytes": size,
                "runs": runs,
                "reference_cpu_s": refs,
                "cpu_fraction_p50": statistics.median(fractions),
                "cpu_fraction_p95": percentile(fractions, 0.95),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
