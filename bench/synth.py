"""Voice latency: time to the first chunk and real-time factor of the local voices.

    .venv/bin/python bench/synth.py [--runs 30] [--rate 16000] [--threads N] [--first-words 2] [--busy]

For a 5-, 15- and 40-word turn it measures, over repeated runs, the time from calling
`synthesize` to the first chunk (what time-to-first-audio waits for), the time to the last
chunk, and the real-time factor (synthesis time / audio duration). The reference, measured in
the same run and interleaved with it, is the same voice with the first clause left whole
(no early cut): the ratio shows what the short first unit buys on a noisy shared machine.
Prints a table; writes JSON to bench/results/.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.stats import percentile  # noqa: E402
from tui.server.synth import load_voice  # noqa: E402
from tui.server.synth.units import FIRST_UNIT_WORDS  # noqa: E402

TEXTS = {
    5: "Your order ships out tomorrow.",
    15: "I checked your account and the refund went through this morning, so expect it soon.",
    40: (
        "Thanks for waiting. I looked at the booking you made last week and it seems the hotel "
        "changed the dates on their side, which is why you got that email. I can move it back to "
        "the original dates for you now, if that works."
    ),
}
RESULTS = Path(__file__).resolve().parent / "results"


def one_run(voice, text: str, rate: int) -> dict[str, float]:
    start = time.perf_counter()
    first = None
    audio_ms = 0.0
    chunks = 0
    for chunk in voice.synthesize(text, rate):
        if first is None:
            first = time.perf_counter() - start
        audio_ms += chunk.duration_ms
        chunks += 1
    total = time.perf_counter() - start
    return {
        "first_ms": first * 1000,
        "total_ms": total * 1000,
        "audio_ms": audio_ms,
        "rtf": total * 1000 / audio_ms,
        "chunks": chunks,
    }


def keep_busy(voice, rate: int, stop: threading.Event) -> None:
    """Another context speaking the long text over and over, as fast as the voice allows."""
    while not stop.is_set():
        for _ in voice.synthesize(TEXTS[40], rate):
            if stop.is_set():
                break


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rate", type=int, default=16000)
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads")
    parser.add_argument("--first-words", type=int, default=FIRST_UNIT_WORDS)
    parser.add_argument(
        "--busy", action="store_true", help="keep another synthesis running in a second thread (another context)"
    )
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2")

    started = time.perf_counter()
    voice = load_voice("piper", threads=args.threads, first_words=args.first_words)
    load_s = time.perf_counter() - started
    # The reference: the same loaded voice with the first clause left whole (one session, so
    # the two variants never compete for the cores).
    variants = {"piper": args.first_words, "first clause whole": 1000}

    stop = threading.Event()
    busy = threading.Thread(target=keep_busy, args=(voice, args.rate, stop))
    if args.busy:
        busy.start()
    samples: dict[tuple[str, int], list[dict[str, float]]] = {(v, n): [] for v in variants for n in TEXTS}
    for _ in range(args.runs):
        for words, text in TEXTS.items():
            for name, first_words in variants.items():
                voice.first_words = first_words
                samples[(name, words)].append(one_run(voice, text, args.rate))

    stop.set()
    if args.busy:
        busy.join(timeout=30)  # onnxruntime must not be mid-run when the interpreter exits
    rows = []
    for (name, words), runs in samples.items():
        first = [r["first_ms"] for r in runs]
        rtf = [r["rtf"] for r in runs]
        rows.append(
            {
                "voice": name,
                "words": words,
                "runs": len(runs),
                "chunks": runs[0]["chunks"],
                "first_p50_ms": statistics.median(first),
                "first_p95_ms": percentile(first, 0.95),
                "total_p50_ms": statistics.median(r["total_ms"] for r in runs),
                "audio_ms": statistics.median(r["audio_ms"] for r in runs),
                "rtf_p50": statistics.median(rtf),
                "rtf_p95": percentile(rtf, 0.95),
            }
        )
    reference = {r["words"]: r["first_p50_ms"] for r in rows if r["voice"] == "first clause whole"}
    for r in rows:
        r["first_p50_vs_reference"] = r["first_p50_ms"] / reference[r["words"]]

    print(
        f"piper joe-medium, {args.rate} Hz, {args.runs} runs, threads={args.threads or 'default'}, "
        f"{'another synthesis running, ' if args.busy else ''}"
        f"load+warm {load_s:.2f} s, {os.cpu_count()} cores"
    )
    header = (
        f"{'voice':<20} {'words':>5} {'chunks':>6} {'first p50':>10} {'first p95':>10} "
        f"{'vs ref':>7} {'total p50':>10} {'audio':>8} {'RTF p50':>8} {'RTF p95':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['voice']:<20} {r['words']:>5} {r['chunks']:>6} {r['first_p50_ms']:>8.1f}ms "
            f"{r['first_p95_ms']:>8.1f}ms {r['first_p50_vs_reference']:>7.2f} {r['total_p50_ms']:>8.0f}ms "
            f"{r['audio_ms']:>6.0f}ms {r['rtf_p50']:>8.3f} {r['rtf_p95']:>8.3f}"
        )

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"synth-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "bench": "synth",
                "busy": args.busy,
                "rate": args.rate,
                "runs": args.runs,
                "threads": args.threads,
                "first_words": args.first_words,
                "load_s": load_s,
                "machine": platform.platform(),
                "cores": os.cpu_count(),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"wrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
