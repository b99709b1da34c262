"""The scenario runner's own cost and the timing of its scripted barge-ins.

Plays one scenario (`switchboard run`'s runner: tui.scenario.run_scenario) against the embedded
local server (a child process, tone voice, speaker `none`), repeated, and measures:

- CPU per second of scenario: this process's CPU time (console + runner; the server's synthesis
  is in the child) over the run's wall time. Reference, same run and interleaved: the same turns
  and barge-ins typed on a bare headless Console by a hand-written script (no runner, no
  collector, no expectations), i.e. what the console itself costs.
- Barge-in timing: for `at_ms`, pressed minus scripted (ms); for `after_words N`, what the
  listener had heard at the press minus the midpoint of word N (ms), the moment it counts as heard.

    .venv/bin/python bench/scenario.py [--runs 8]

Prints a table (p50/p95 over all runs) and writes bench/results/scenario.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.stats import percentile  # noqa: E402
from tui.clock import sleep_until  # noqa: E402
from tui.core import Console, resolve_config  # noqa: E402
from tui.scenario import parse_scenario, run_scenario  # noqa: E402
from tui.scenario.runner import PLAYED_OUT  # noqa: E402

TURNS = [
    "Sure. I can look at the morning and the evening flights for you and tell you which ones fly direct.",
    "Of course. Your seat is by the window, near the front, with extra room for your legs.",
    "Okay. The fare includes one checked bag and a meal on the way there.",
    "Right. I will send the confirmation to the email address on your account.",
    "Done. Have a good trip.",
]
AT_MS = [900, 700, 1100]  # barge-ins after turns 1-3; turn 4 is cut after AFTER_WORDS words heard
AFTER_WORDS = 5
RATE = 20

SCENARIO = "\n".join(
    [
        '[scenario]\nname = "bench"\ndialect = "elevenlabs"\noutput_format = "pcm_16000"\npace = %d\n' % RATE,
        *(f'[[step]]\nsay = "{t}"\n[[step]]\nbarge_in = true\nat_ms = {ms}\n' for t, ms in zip(TURNS, AT_MS)),
        f'[[step]]\nsay = "{TURNS[3]}"\n[[step]]\nbarge_in = true\nafter_words = {AFTER_WORDS}\n',
        f'[[step]]\nsay = "{TURNS[4]}"\n[[step]]\nwait = "idle"\n',
    ]
)


def config():
    return resolve_config(
        provider="local",
        local_voice="tone",
        audio="none",
        record=False,
        dialect="elevenlabs",
        output_format="pcm_16000",
    )


async def by_runner() -> dict:
    result = await run_scenario(parse_scenario(SCENARIO, "bench"), config())
    at = [p.error_ms for p in result.barge_ins if p.scripted_s is not None]
    words = [p.error_ms for p in result.barge_ins if p.after_words is not None]
    return {"wall_s": result.duration_s, "cpu_s": result.cpu_s, "at_ms_errors": at, "after_words_errors": words}


async def by_hand() -> dict:
    """The reference: the same session typed on a bare Console, polling as a script would."""
    clock = time.monotonic
    console = Console(config(), clock=clock)
    try:
        assert await console.start() and await console.wait_connected(15)
        t0, cpu0 = clock(), time.process_time()
        for text, ms in zip(TURNS, AT_MS):
            at = clock()
            console.submit_turn(text)
            await sleep_until(at + ms / 1000, clock)
            console.barge_in()
        console.submit_turn(TURNS[3])
        while True:  # after N words heard
            turn = console.session.transcript.current
            spoken = turn.words_spoken() if turn is not None else None
            if spoken is not None and spoken >= AFTER_WORDS:
                break
            await asyncio.sleep(0.01)
        console.barge_in()
        console.submit_turn(TURNS[4])
        await asyncio.sleep(0.05)
        end = clock() + 30
        while clock() < end:
            busy = console.queued_turns or console.session.occupied_count()
            left = sum(max(0.0, s.metrics.audio_seconds - s.metrics.heard_seconds) for s in console.session.slots[-1:])
            if not busy and left <= PLAYED_OUT:
                break
            await asyncio.sleep(0.05)
        wall, cpu = clock() - t0, time.process_time() - cpu0
    finally:
        await console.shutdown()
    return {"wall_s": wall, "cpu_s": cpu}


def row(name: str, values: list[float], unit: str, scale: float = 1.0) -> str:
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    if p50 is None or p95 is None:
        return f"| {name} | – | – | 0 |"
    return f"| {name} | {p50 * scale:.2f} {unit} | {p95 * scale:.2f} {unit} | {len(values)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    runner, hand = [], []
    for _ in range(args.runs):  # interleaved: the machine's noise falls on both alike
        runner.append(asyncio.run(by_runner()))
        hand.append(asyncio.run(by_hand()))
    cpu_runner = [r["cpu_s"] / r["wall_s"] for r in runner]
    cpu_hand = [r["cpu_s"] / r["wall_s"] for r in hand]
    at_errors = [e for r in runner for e in r["at_ms_errors"]]
    word_errors = [e for r in runner for e in r["after_words_errors"]]
    ratio = (percentile(cpu_runner, 0.5) or 0) / (percentile(cpu_hand, 0.5) or 1)
    print("| measure | p50 | p95 | n |\n|---|---|---|---|")
    print(row("CPU per second of scenario, runner (console + runner)", cpu_runner, "ms/s", 1000))
    print(row("CPU per second, reference: the same session typed by a script", cpu_hand, "ms/s", 1000))
    print(row("barge-in at_ms: pressed − scripted", at_errors, "ms"))
    print(row(f"barge-in after {AFTER_WORDS} words: heard − word midpoint", word_errors, "ms"))
    print(
        f"\nratio of CPU p50s, runner / reference: {ratio:.2f}; scenario wall p50 "
        f"{percentile([r['wall_s'] for r in runner], 0.5):.2f} s"
    )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "scenario.json").write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "runs": args.runs,
                "runner": runner,
                "reference": hand,
                "cpu_ratio_p50": ratio,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
