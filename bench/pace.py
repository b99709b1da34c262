"""The turn pace at which the Piper voice never starves: the measurement behind DEFAULT_RATE.

Starts the local server with the Piper voice as a child process (`python -m tui.server --voice
piper`, as the console does) and drives it with the console's own headless core (`Console`:
its turn pacer, its wire, the ElevenLabs multi-context dialect, pcm_22050), one turn at a time,
at each pace in `--rates` words per second. Turns are typical agent turns of 20, 30 and 40 words
(whole sentences of a booking dialogue, flushed at each sentence end as the pacer does), in two
shapes: "sentences" (every sentence 9-14 words) and "opener" (a short acknowledgement such as
"Sure." first, then the same sentences), the shape that left "Sure." then seconds of silence.

For each turn, the arrival time and length of every audio chunk give its playback timeline:
playback starts when the first chunk arrives, and each chunk plays when the previous one ends or
when it arrives, whichever is later. A chunk arriving after the previous one has finished
playing is a starvation gap (silence the listener hears in the middle of the turn). Reported per
pace: the longest gap of a turn and the total of its gaps, p50 and p95 over all turns and runs,
and the share of turns with a gap over `--tolerance` seconds. References, measured in the same
run: how fast the voice speaks (words per second of audio), so a pace reads as a multiple of it;
and the gaps at the fastest pace measured, the floor that synthesis latency alone sets (after a
short opener the next sentence cannot be ready in time at any pace: no pace removes that gap).

Prints a table and writes JSON to bench/results/pace-<time>.json.
Run: .venv/bin/python bench/pace.py [--runs 3] [--rates 4 6 8 12 16 20 30 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.stats import percentile  # noqa: E402
from bench.ttfa import SENTENCES, start_server  # noqa: E402
from tui.core import Console, resolve_config  # noqa: E402
from tui.session import Changes  # noqa: E402

TURN_WORDS = (20, 30, 40)
SHAPES = ("sentences", "opener")
OPENERS = ("Sure.", "Okay.", "Right, let me see.")
TURN_TIMEOUT = 60.0


def turn_text(words: int, run: int, shape: str = "sentences") -> str:
    """Whole sentences, starting at a different one each run, until at least `words` words;
    the "opener" shape starts with a short acknowledgement."""
    out: list[str] = [OPENERS[run % len(OPENERS)]] if shape == "opener" else []
    i = run
    while len(" ".join(out).split()) < words:
        out.append(SENTENCES[i % len(SENTENCES)])
        i += 1
    return " ".join(out)


def gaps(chunks: list[tuple[float, float]]) -> list[float]:
    """Starvation gaps of a playback timeline; `chunks` are (arrival, seconds) in order."""
    out: list[float] = []
    end: float | None = None
    for arrival, seconds in chunks:
        if end is not None and arrival > end:
            out.append(arrival - end)
        end = max(arrival, end if end is not None else arrival) + seconds
    return out


async def one_turn(console: Console, text: str) -> list[tuple[float, float]]:
    """Speak `text` as one turn; its audio chunks as (arrival on the monotonic clock, seconds)."""
    chunks: list[tuple[float, float]] = []
    done = asyncio.Event()
    cid: list[str] = []

    def observe(changes: Changes) -> None:
        play = changes.play
        if play is not None and cid and play.context_id == cid[0]:
            chunks.append((time.monotonic(), play.format.seconds(len(play.data))))
        if cid and cid[0] in changes.end_audio:
            done.set()

    remove = console.add_observer(observe)
    try:
        before = {t.context_id for t in console.session.transcript.turns}
        if not console.submit_turn(text).ok:
            raise SystemExit("the console refused the turn")
        cid.append(next(t.context_id for t in console.session.transcript.turns if t.context_id not in before))
        try:
            await asyncio.wait_for(done.wait(), TURN_TIMEOUT)
        except TimeoutError as exc:
            slot = console.session.slot_for(cid[0])
            tail = [f"{e.direction} {e.context_id} {e.summary[:120]}" for e in console.session.log.entries()[-8:]]
            raise SystemExit(
                f"turn {cid[0]} got no final in {TURN_TIMEOUT:g} s "
                f"(slot {slot.state.value if slot else None}); last log lines:\n" + "\n".join(tail)
            ) from exc
    finally:
        remove()
    return chunks


def summary(values: list[float]) -> dict[str, float | None]:
    return {"p50": statistics.median(values) if values else None, "p95": percentile(values, 0.95), "n": len(values)}


async def measure(url: str, rate: float, runs: int, tolerance: float) -> dict:
    config = resolve_config(provider="local", url=url, audio="none", record=False, rate=rate)
    console = Console(config)
    try:
        if not await console.start() or not await console.wait_connected(20):
            raise SystemExit(f"could not connect to {url}")
        out: dict = {"rate": rate}
        speech: list[float] = []
        for shape in SHAPES:
            longest, total = [], []
            for run in range(runs):
                for words in TURN_WORDS:
                    text = turn_text(words, run, shape)
                    chunks = await one_turn(console, text)
                    found = gaps(chunks)
                    longest.append(max(found, default=0.0))
                    total.append(sum(found))
                    audio = sum(seconds for _, seconds in chunks)
                    if audio:
                        speech.append(len(text.split()) / audio)
            out[shape] = {
                "longest_gap_s": summary(longest),
                "total_gap_s": summary(total),
                "starved_share": sum(g > tolerance for g in longest) / len(longest),
            }
        out["voice_words_per_audio_s"] = summary(speech)
        return out
    finally:
        await console.shutdown()


def fmt(value: float | None, scale: float = 1.0, digits: int = 2) -> str:
    return "–" if value is None else f"{value * scale:.{digits}f}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="turns of each length per pace (default 3)")
    parser.add_argument("--rates", type=float, nargs="+", default=[4, 6, 8, 12, 16, 20, 30, 50])
    parser.add_argument(
        "--tolerance", type=float, default=0.1, help="a gap longer than this (seconds) counts as starving (default 0.1)"
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    process, url = await start_server(args.workers)
    results = []
    try:
        for rate in args.rates:
            results.append(await measure(url, rate, args.runs, args.tolerance))
            print(
                f"{rate:5g} w/s  "
                + "  ".join(
                    f"{shape}: longest gap p50 {fmt(results[-1][shape]['longest_gap_s']['p50'])} "
                    f"p95 {fmt(results[-1][shape]['longest_gap_s']['p95'])} s"
                    for shape in SHAPES
                ),
                flush=True,
            )
    finally:
        process.terminate()
        await process.wait()
    speech = statistics.median(r["voice_words_per_audio_s"]["p50"] for r in results)
    floor = max(results, key=lambda r: r["rate"])
    print(
        f"\n| pace (w/s) | × voice speed | shape | longest gap p50 / p95 (s) | total gap p50 / p95 (s) "
        f"| turns with a gap > {args.tolerance:g} s |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        for shape in SHAPES:
            lg, tg = r[shape]["longest_gap_s"], r[shape]["total_gap_s"]
            print(
                f"| {r['rate']:g} | ×{r['rate'] / speech:.1f} | {shape} | {fmt(lg['p50'])} / {fmt(lg['p95'])} | "
                f"{fmt(tg['p50'])} / {fmt(tg['p95'])} | {r[shape]['starved_share']:.0%} |"
            )
    never = [r["rate"] for r in results if r["sentences"]["starved_share"] == 0]
    lowest = min((rate for rate in never if all(x in never for x in args.rates if x >= rate)), default=None)
    # Short openers: the lowest pace whose p95 longest gap is within the tolerance of the floor.
    floor_p95 = floor["opener"]["longest_gap_s"]["p95"] or 0.0
    at_floor = [
        r["rate"] for r in results if (r["opener"]["longest_gap_s"]["p95"] or 0.0) <= floor_p95 + args.tolerance
    ]
    opener_lowest = min(
        (rate for rate in at_floor if all(x in at_floor for x in args.rates if x >= rate)), default=None
    )
    print(f"\nvoice speed (reference, same run): {speech:.2f} words per second of audio")
    print(f"sentences: lowest pace with no starving turn at it and above: {lowest} w/s")
    print(
        f"opener: floor at {floor['rate']:g} w/s, longest gap p95 {fmt(floor_p95)} s; lowest pace within "
        f"{args.tolerance:g} s of it (and above): {opener_lowest} w/s"
    )
    out = ROOT / "bench" / "results" / f"pace-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
                "runs": args.runs,
                "tolerance_s": args.tolerance,
                "turn_words": TURN_WORDS,
                "voice_words_per_audio_s": speech,
                "lowest_never_starving": lowest,
                "opener_lowest_at_floor": opener_lowest,
                "results": results,
            },
            indent=2,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
