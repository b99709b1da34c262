"""The console recovers by itself: a local server killed and started again, an embedded server killed.

    .venv/bin/python bench/recovery.py [--downtimes 1,5,15,40] [--reps 2] [--reference-reps 1]
                                       [--embedded-reps 4] [--voice tone]

- standalone: `switchboard serve --port P` (a child process, fixed port) is SIGKILLed, stays down
  for each downtime, and is started again on the same port. Reconnect delay after ready: from the
  moment its "listening on" line is read to the console's Connected (an observer stamps it, so a
  negative figure means the console got in between the bind and the line being read).
  Reference, same run: a second console on the same server with the loopback rule turned off
  (`connection.is_local` says remote: capped exponential backoff, what the console did before).
- embedded: the console's own embedded server is SIGKILLed; restart time (kill → the new child
  listening, as the keeper reports it) and kill → reconnected. Kills are STABLE_AFTER + 0.5 s
  apart, so each counts as the first failure (the keeper gives up only on repeated ones).

Prints p50/p95 per downtime and writes bench/results/recovery.json. No figure is asserted anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import signal
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.stats import percentile  # noqa: E402
from tui.core import Console, resolve_config  # noqa: E402
from tui.core.embedded import STABLE_AFTER  # noqa: E402
from tui.session.status import ConnectionState  # noqa: E402

RESULTS = ROOT / "bench" / "results"
READY = re.compile(rb"listening on ws://")
WAIT = 70.0  # the longest a console may take to come back (the reference's backoff is capped at 30 s)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_server(port: int, voice: str) -> tuple[asyncio.subprocess.Process, float]:
    """`switchboard serve` on `port`; returns it and the monotonic time its ready line was read."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--voice",
        voice,
        cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    while True:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        if not line:
            raise RuntimeError(f"switchboard serve exited with code {await proc.wait()}")
        if READY.search(line):
            ready = time.monotonic()
            asyncio.ensure_future(drain(proc))
            return proc, ready


async def drain(proc: asyncio.subprocess.Process) -> None:
    assert proc.stdout is not None
    while await proc.stdout.readline():
        pass


def stamp_connected(console: Console) -> list[float]:
    """Monotonic times at which the console became connected (stamped as the model says so)."""
    times: list[float] = []
    state = {"up": False}

    def look(_changes) -> None:
        up = console.session.status.connection is ConnectionState.CONNECTED
        if up and not state["up"]:
            times.append(time.monotonic())
        state["up"] = up

    console.add_observer(look)
    return times


async def wait_until(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            return False
        await asyncio.sleep(0.005)
    return True


async def connected_console(url: str, *, remote_rule: bool) -> tuple[Console, list[float]]:
    console = Console(resolve_config(provider="local", url=url, audio="none", record=False))
    if remote_rule:
        console.connection.is_local = lambda _url: False
    times = stamp_connected(console)
    assert await console.start() and await console.wait_connected(10)
    return console, times


async def standalone(downtimes: list[float], reps: int, reference_reps: int, voice: str) -> dict:
    port = free_port()
    url = f"ws://127.0.0.1:{port}"
    server, _ = await start_server(port, voice)
    console, times = await connected_console(url, remote_rule=False)
    reference, ref_times = await connected_console(url, remote_rule=True)
    rows: dict[str, dict[str, list[float]]] = {str(d): {"delay": [], "reference": []} for d in downtimes}
    try:
        for rep in range(reps):
            if rep == reference_reps and reference is not None:
                await reference.shutdown()
                reference = None
            for down in downtimes:
                server.send_signal(signal.SIGKILL)
                await server.wait()
                await wait_until(lambda: not console.connected, 5)
                await asyncio.sleep(down)
                seen, ref_seen = len(times), len(ref_times)
                server, ready = await start_server(port, voice)
                ok = await wait_until(lambda: len(times) > seen, WAIT)
                row = rows[str(down)]
                row["delay"].append(times[seen] - ready if ok else float("nan"))
                if reference is not None:
                    ok = await wait_until(lambda: len(ref_times) > ref_seen, WAIT)
                    row["reference"].append(ref_times[ref_seen] - ready if ok else float("nan"))
                print(
                    f"  down {down:>4g} s: back {row['delay'][-1]:+.3f} s after ready"
                    + (f" (reference {row['reference'][-1]:+.3f} s)" if reference is not None else ""),
                    flush=True,
                )
    finally:
        for c in (console, reference):
            if c is not None:
                await c.shutdown()
        if server.returncode is None:
            server.terminate()
            await server.wait()
    return rows


async def embedded(reps: int, voice: str) -> dict[str, list[float]]:
    console = Console(resolve_config(provider="local", local_voice=voice, audio="none", record=False))
    times = stamp_connected(console)
    restarted: list[float] = []
    console.add_observer(
        lambda ch: (
            restarted.append(time.monotonic()) if ch.banner is not None and "restarted at" in ch.banner.text else None
        )
    )
    out: dict[str, list[float]] = {"restart": [], "reconnect": [], "after_ready": []}
    assert await console.start(server_timeout=60) and await console.wait_connected(10)
    try:
        for rep in range(reps):
            if rep:
                await asyncio.sleep(STABLE_AFTER + 0.5)  # each kill is a first failure
            seen, seen_restart = len(times), len(restarted)
            killed = time.monotonic()
            os.kill(console.server.pid, signal.SIGKILL)
            if not await wait_until(lambda: len(times) > seen and len(restarted) > seen_restart, 90):
                print("  the console did not come back within 90 s", flush=True)
                break
            out["restart"].append(restarted[seen_restart] - killed)
            out["reconnect"].append(times[seen] - killed)
            out["after_ready"].append(times[seen] - restarted[seen_restart])
            print(
                f"  embedded restart {out['restart'][-1]:.3f} s, reconnected {out['reconnect'][-1]:.3f} s "
                "after the kill",
                flush=True,
            )
    finally:
        await console.shutdown()
    return out


def p(values: list[float], q: float) -> str:
    value = percentile([v for v in values if v == v], q)
    return "–" if value is None else f"{value:+.3f}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--downtimes", default="1,5,15,40")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--reference-reps", type=int, default=1)
    parser.add_argument("--embedded-reps", type=int, default=4)
    parser.add_argument("--voice", default="tone")
    args = parser.parse_args()
    downtimes = [float(d) for d in args.downtimes.split(",") if d.strip()]  # "" skips the standalone part
    began = time.monotonic()
    rows: dict = {}
    if downtimes:
        print(f"standalone switchboard serve --voice {args.voice}, killed and restarted:", flush=True)
        rows = await standalone(downtimes, args.reps, args.reference_reps, args.voice)
    print(f"embedded server --local-voice {args.voice}, killed:", flush=True)
    emb = await embedded(args.embedded_reps, args.voice)
    if rows:
        print(
            f"\n{'downtime':>9} {'n':>3} {'back after ready p50':>21} {'p95':>7} {'max':>7} "
            f"{'reference p50 (exp. backoff)':>29} {'ref/new':>7}"
        )
    for down, row in rows.items():
        d, r = row["delay"], row["reference"]
        pd, pr = percentile(d, 0.5), percentile(r, 0.5)
        ratio = f"{pr / pd:.0f}x" if pd and pr and pd > 0 else "–"
        print(f"{down + ' s':>9} {len(d):>3} {p(d, 0.5):>21} {p(d, 0.95):>7} {p(d, 1.0):>7} {p(r, 0.5):>29} {ratio:>7}")
    for name, label in (
        ("restart", "embedded: kill → new child listening"),
        ("reconnect", "embedded: kill → reconnected"),
        ("after_ready", "embedded: listening → reconnected"),
    ):
        print(f"{label:<40} n={len(emb[name])} p50 {p(emb[name], 0.5)} s  p95 {p(emb[name], 0.95)} s")
    print(f"total {time.monotonic() - began:.0f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "voice": args.voice,
        "standalone": rows,
        "embedded": emb,
    }
    (RESULTS / "recovery.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
