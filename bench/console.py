"""The Textual console under load: five contexts streaming, and what the operator feels.

    .venv/bin/python bench/console.py [--trials 20] [--starts 5] [--audio miniaudio|none]

The real app (tui.ui.app.SwitchboardApp, headless Textual driver at 80×24) on the real console
core, against the local server in a child process (tone voice), playing through the virtual speaker
(a private PulseAudio null sink whose monitor is recorded with clock stamps,
tests/fixtures/virtual_speaker.py). Each trial opens five turns at once, waits until the first is
audible (0.3 s heard), and presses Escape the way the terminal driver delivers a key.

- event-loop lag: a probe on the app's loop sleeps 5 ms again and again while five contexts
  stream and repaint; lag is how late each wake-up is. Reference, same run: the same probe in
  the same app with nothing streaming.
- keypress → close on the wire: from the Escape key event to the return of the socket send of
  the close_context frame (the transport is wrapped to stamp it). Reference, same run: the core's
  own `barge_in()` called directly (no key, no Textual) to the same stamp.
- keypress → speaker silent: from the Escape key event to the last sound the virtual speaker
  recorded, signed: the recording's clock is known to about ±5 ms (see the speaker bench), so
  a small negative figure means "silent by the time the key arrived, within that accuracy".
  Reference, same run: the same with `barge_in()` called directly.
- console start → interactive: a fresh Python process, imports included, building the app as
  `switchboard --local-voice tone` does (embedded server child), until the screen is up with the
  composer focused; and until connected. Reference, same run, interleaved: a bare Textual app
  (an Input and a Footer) in a fresh process, to its Input focused.

Prints p50/p95/p99 and writes bench/results/console.json. No figure here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from textual import events  # noqa: E402

from bench.stats import percentile  # noqa: E402
from tui.audio import make_speaker  # noqa: E402
from tui.core import Console, resolve_config  # noqa: E402
from tui.core.embedded import EmbeddedServer  # noqa: E402
from tui.core.seams import default_transport  # noqa: E402
from tui.ui.app import SwitchboardApp  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TURN = (
    "Sure, when would you like to travel? I can look at morning and evening flights for you, "
    "and tell you which ones fly direct. Just say the word and I will book it."
)
PROBE = 0.005


class StampedTransport:
    """The real WebSocket transport; stamps the moment a close frame's send returns."""

    def __init__(self, inner, stamps: list[float]) -> None:
        self._inner, self._stamps, self.url = inner, stamps, inner.url

    close_code = property(lambda self: self._inner.close_code)
    close_reason = property(lambda self: self._inner.close_reason)

    async def connect(self) -> None:
        await self._inner.connect()

    async def send(self, text: str) -> None:
        await self._inner.send(text)
        if '"close_context":true' in text or '"clear":true' in text:
            self._stamps.append(time.monotonic())

    def receive(self):
        return self._inner.receive()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self._inner.close(code, reason)


class LagProbe:
    def __init__(self) -> None:
        self.lags: list[float] = []
        self.on = False

    async def run(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(PROBE)
            if self.on:
                self.lags.append((time.perf_counter() - t - PROBE) * 1000)


async def wait(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            return False
        await asyncio.sleep(0.002)
    return True


async def live_trials(trials: int, audio: str, vs) -> dict[str, list[float]]:
    # The server in its own process, as `switchboard` runs it: synthesis never shares the GIL.
    server = EmbeddedServer.spawn("tone")
    base = await asyncio.to_thread(server.wait_ready, 30.0)
    stamps: list[float] = []
    config = resolve_config(provider="local", url=base, audio=audio, record=False, rate=12)
    core = Console(
        config,
        speaker_factory=lambda cb: make_speaker(audio, on_progress=cb),
        transport_factory=lambda url, h: StampedTransport(default_transport(config, url, h), stamps),
    )
    app = SwitchboardApp(core, save_choices=False)
    out: dict[str, list[float]] = {
        k: []
        for k in (
            "lag_streaming_ms",
            "lag_idle_ms",
            "key_to_wire_ms",
            "direct_to_wire_ms",
            "key_to_silent_ms",
            "direct_to_silent_ms",
        )
    }
    probe = LagProbe()
    try:
        async with app.run_test(size=(80, 24)):
            probe_task = asyncio.get_running_loop().create_task(probe.run())
            await wait(lambda: core.connected)
            probe.on = True  # reference: the app idle, nothing streaming
            await asyncio.sleep(2.0)
            out["lag_idle_ms"], probe.lags = probe.lags, []
            speaker = core.speaker.speaker
            for trial in range(trials):
                by_key = trial % 2 == 0  # interleave key presses and direct calls
                known = {t.context_id for t in core.session.transcript.turns}
                for _ in range(5):
                    core.submit_turn(TURN)
                cid = next(t.context_id for t in core.session.transcript.turns if t.context_id not in known)
                await wait(lambda: speaker.heard_seconds(cid) > 0.3)
                probe.on = True
                await asyncio.sleep(0.2)  # five contexts streaming and repainting
                probe.on = False
                out["lag_streaming_ms"].extend(probe.lags)
                probe.lags = []
                before = len(stamps)
                pressed = time.monotonic()
                if by_key:
                    app._driver.send_message(events.Key("escape", None))
                else:
                    core.barge_in()
                await wait(lambda: len(stamps) > before, 3.0)
                if len(stamps) > before:
                    out["key_to_wire_ms" if by_key else "direct_to_wire_ms"].append((stamps[before] - pressed) * 1000)
                await asyncio.sleep(0.4)
                if vs is not None:
                    rec = vs.record(pressed - 0.2, time.monotonic())
                    last = rec.last_sound()
                    if last is not None:
                        key = "key_to_silent_ms" if by_key else "direct_to_silent_ms"
                        out[key].append((last - pressed) * 1000)  # signed: see the docstring
                await wait(lambda: core.session.occupied_count() == 0, 10.0)
            probe_task.cancel()
    finally:
        await core.shutdown()
        await asyncio.to_thread(server.stop)
    return out


START = """
import asyncio, sys, time
t0 = time.monotonic()
sys.path.insert(0, {root!r})
from tui.core import Console, resolve_config
from tui.ui.app import SwitchboardApp

async def main():
    app = SwitchboardApp(Console(resolve_config(local_voice="tone", audio="none", record=False)),
                         save_choices=False)
    async with app.run_test(size=(80, 24)):
        while not (app.screen is app.console_screen and app.focused is not None):
            await asyncio.sleep(0.001)
        interactive = time.monotonic() - t0
        while not app.core.connected and time.monotonic() - t0 < 30:
            await asyncio.sleep(0.001)
        print(interactive, time.monotonic() - t0)

asyncio.run(main())
"""

BARE = """
import asyncio, time
t0 = time.monotonic()
from textual.app import App
from textual.widgets import Footer, Input

class Bare(App):
    def compose(self):
        yield Input()
        yield Footer()

async def main():
    app = Bare()
    async with app.run_test(size=(80, 24)):
        while app.focused is None:
            await asyncio.sleep(0.001)
        print(time.monotonic() - t0)

asyncio.run(main())
"""


def one_start() -> tuple[float, float]:
    """A fresh process, imports included, as `switchboard --local-voice tone` starts (embedded
    server child): seconds to interactive (painted, composer focused) and to connected."""
    out = subprocess.run(
        [sys.executable, "-c", START.format(root=str(ROOT))], capture_output=True, text=True, check=True, timeout=60
    )
    interactive, connected = (float(x) for x in out.stdout.split()[-2:])
    return interactive, connected


def bare_textual_start() -> float:
    out = subprocess.run([sys.executable, "-c", BARE], capture_output=True, text=True, check=True, timeout=60)
    return float(out.stdout.split()[-1])


def row(name: str, values: list[float], ref: list[float] | None, unit: str = "ms") -> dict:
    p50, p95, p99 = percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)
    r50 = percentile(ref or [], 0.5)
    ratio = (p50 / r50) if p50 is not None and r50 else None

    def fmt(v: float | None) -> str:
        return "–" if v is None else f"{v:.1f}"

    print(
        f"| {name} | {len(values)} | {fmt(p50)} | {fmt(p95)} | {fmt(p99)} | "
        f"{fmt(r50)} | {'–' if ratio is None else f'×{ratio:.2f}'} |"
    )
    return {"n": len(values), "p50": p50, "p95": p95, "p99": p99, "reference_p50": r50, "unit": unit}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--audio", default="miniaudio", help="speaker backend (none: no silence figures)")
    args = parser.parse_args()

    vs = None
    if args.audio != "none":
        from tests.fixtures.virtual_speaker import VirtualSpeaker

        vs = VirtualSpeaker()
        vs.start()
    try:
        live = asyncio.run(live_trials(args.trials, args.audio, vs))
    finally:
        if vs is not None:
            vs.close()
    starts, bare = [], []
    for _ in range(args.starts):  # interleaved, so the machine's noise falls on both
        starts.append(one_start())
        bare.append(bare_textual_start() * 1000)

    print(
        f"\nconsole bench: {args.trials} trials, audio {args.audio}, {platform.python_version()}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}\n"
    )
    print("| measure | n | p50 | p95 | p99 | reference p50 | ratio |")
    print("|---|---|---|---|---|---|---|")
    results = {
        "lag_streaming": row(
            "event-loop lag, 5 contexts streaming (ms)", live["lag_streaming_ms"], live["lag_idle_ms"]
        ),
        "lag_idle": row("event-loop lag, idle app (reference, ms)", live["lag_idle_ms"], None),
        "key_to_wire": row("Escape → close frame on the wire (ms)", live["key_to_wire_ms"], live["direct_to_wire_ms"]),
        "key_to_silent": row("Escape → speaker silent (ms)", live["key_to_silent_ms"], live["direct_to_silent_ms"]),
        "start_interactive": row("start → interactive, fresh process (ms)", [s[0] * 1000 for s in starts], bare),
        "start_connected": row("start → connected, embedded tone server (ms)", [s[1] * 1000 for s in starts], None),
    }
    results["raw"] = {**live, "starts_s": starts, "bare_textual_start_ms": bare}
    results["machine"] = {
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "load": os.getloadavg(),
        "audio": args.audio,
        "trials": args.trials,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "console.json").write_text(json.dumps(results, indent=1))
    print(f"\nwrote {RESULTS / 'console.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
