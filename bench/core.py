"""The headless core's hot paths: folding a received audio frame into the session model, and a
barge-in from the command to the close frame on the socket, and a turn to its first audio.

1. apply: `Session.apply(FrameReceived(frame))` for a 250 ms pcm_22050 audio frame with its
   alignment (the local server's shape). Reference, same run: `json.loads` of the same frame.
2. barge-in: `Console.barge_in()` until the close_context frame has been written to the socket
   (`frames_written()`), mid-turn against the real local server (tone voice, in-process).
   Reference, same run: one `await websocket.send()` of the same frame on a plain connection.
3. turn → first audio: `submit_turn("Okay.")` until the first audio frame is applied (tone).

    .venv/bin/python bench/core.py [--runs 5] [--frames 2000] [--trials 30]

Prints a table (p50/p95) and writes bench/results/core.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from websockets.asyncio.client import connect  # noqa: E402

from bench.stats import percentile  # noqa: E402
from tui.core import Console, resolve_config  # noqa: E402
from tui.protocol import elevenlabs  # noqa: E402
from tui.protocol.dialect import Dialect  # noqa: E402
from tui.protocol.formats import AudioFormat  # noqa: E402
from tui.protocol.frames import Alignment, Audio  # noqa: E402
from tui.protocol.urls import elevenlabs_url  # noqa: E402
from tui.server import LocalServer  # noqa: E402
from tui.server.synth import load_voice  # noqa: E402
from tui.session import FrameReceived, FrameSent, Session, Wire  # noqa: E402

LONG_TURN = (
    "Sure, when would you like to travel? I can look at morning and evening flights for you, "
    "and tell you which ones fly direct. Just say the word and I will book it."
)


def bench_apply(frames: int, runs: int) -> dict:
    fmt = AudioFormat("pcm", 22050)
    text = "Sure, when would you like to travel? "
    alignment = Alignment(tuple(text[:12]), tuple(range(0, 240, 20)), (20,) * 12)
    frame = elevenlabs.encode_server(Audio(b"\x10\x20" * (22050 // 4), "turn_1", alignment, alignment))
    apply_us, ref_us = [], []
    for _ in range(runs):
        session = Session(Dialect.ELEVENLABS, fmt)
        wire = Wire(Dialect.ELEVENLABS)
        for out in wire.open("turn_1") + wire.text("turn_1", text, True):
            session.apply(FrameSent(out))
        for _ in range(frames):
            t0 = time.perf_counter()
            session.apply(FrameReceived(frame))
            t1 = time.perf_counter()
            json.loads(frame)
            t2 = time.perf_counter()
            apply_us.append((t1 - t0) * 1e6)
            ref_us.append((t2 - t1) * 1e6)
    return {"frame_bytes": len(frame), "apply_us": apply_us, "json_loads_us": ref_us}


async def bench_barge_in(trials: int) -> dict:
    server = LocalServer(load_voice("tone"))
    await server.start()
    console = Console(resolve_config(provider="local", url=server.url, audio="none", record=False, rate=20))
    await console.start()
    await console.wait_connected(10)
    barge_ms, ttfa_ms, ref_ms = [], [], []
    ref = await connect(elevenlabs_url(server.url, "joe", output_format="pcm_22050"), proxy=None)  # as the console
    try:
        for i in range(trials):
            # A turn to its first audio.
            t0 = time.perf_counter()
            console.submit_turn("Okay.")
            cid = f"turn_{2 * i + 1}"
            while not (console.session.slot_for(cid) and console.session.slot_for(cid).metrics.audio_frames):
                await asyncio.sleep(0.0005)
            ttfa_ms.append((time.perf_counter() - t0) * 1000)
            # A barge-in mid-turn, to the close frame on the socket.
            console.submit_turn(LONG_TURN)
            cid = f"turn_{2 * i + 2}"
            while not console.session.slot_for(cid).metrics.audio_frames:
                await asyncio.sleep(0.001)
            t0 = time.perf_counter()
            console.barge_in()
            await console.frames_written()
            barge_ms.append((time.perf_counter() - t0) * 1000)
            while console.session.occupied_count():
                await asyncio.sleep(0.002)
            # Reference: the same close frame through a plain websockets send.
            await ref.send(f'{{"text":" ","context_id":"r{i}"}}')
            t0 = time.perf_counter()
            await ref.send(f'{{"context_id":"r{i}","close_context":true}}')
            ref_ms.append((time.perf_counter() - t0) * 1000)
    finally:
        await ref.close()
        await console.shutdown()
        await server.close()
    return {"barge_in_ms": barge_ms, "plain_send_ms": ref_ms, "turn_to_first_audio_ms": ttfa_ms}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=30)
    args = parser.parse_args()
    applied = bench_apply(args.frames, args.runs)
    live = asyncio.run(bench_barge_in(args.trials))
    rows = [
        ("apply(audio frame)", "µs", applied["apply_us"], applied["json_loads_us"], "json.loads same frame"),
        ("barge_in → close on socket", "ms", live["barge_in_ms"], live["plain_send_ms"], "plain ws.send"),
        ("submit_turn → first audio", "ms", live["turn_to_first_audio_ms"], None, ""),
    ]
    print(f"{'measure':<28} {'p50':>9} {'p95':>9}   reference p50/p95 (ratio of p50s)")
    results = {}
    for name, unit, values, ref, ref_name in rows:
        line = f"{name:<28} {statistics.median(values):>7.1f}{unit} {percentile(values, 0.95):>7.1f}{unit}"
        entry = {"unit": unit, "n": len(values), "p50": statistics.median(values), "p95": percentile(values, 0.95)}
        if ref:
            ratio = statistics.median(values) / statistics.median(ref)
            line += f"   {ref_name}: {statistics.median(ref):.1f}/{percentile(ref, 0.95):.1f}{unit} (x{ratio:.1f})"
            entry.update(reference=ref_name, ref_p50=statistics.median(ref), ref_p95=percentile(ref, 0.95), ratio=ratio)
        print(line)
        results[name] = entry
    results["frame_bytes"] = applied["frame_bytes"]
    results["machine"] = f"{platform.machine()} {platform.python_version()}"
    out = Path(__file__).resolve().parent / "results" / "core.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
