"""Time to first audio (TTFA) and throughput of the local server with the Piper voice.

Starts `python -m tui.server --port 0 --voice piper` as a child process (as the console does)
and drives it over real loopback WebSockets (ElevenLabs multi-stream-input, pcm_22050):

- TTFA: on one socket, each turn opens a context, sends its text with `flush: true`, and times
  from that send to the first audio frame of the context; then closes it and waits for its
  final, so turns never overlap. Turns of 5, 15 and 40 words, `--runs` each.
- Reference, same run: the voice's own time to its first chunk in this process (the floor the
  server can reach); the table gives TTFA / reference.
- Load: N sockets x 5 contexts, each context one flushed 40-word turn, all at once. Audio seconds
  produced per wall second, TTFA of those turns, and TTFA of 5-word probe turns started on
  another socket while they drain (a barge-in under load); the voice's own real-time factor in
  this process (single thread) is the reference.
- Throughput: N sockets x 5 contexts (N = 1 2 3 4), each context one flushed `--words`-word
  turn (60), all at once, no probe. Audio seconds per wall second; stalls (each context played
  from its first frame in real time: the seconds its listener would wait for audio, p50/p95 over
  contexts, and the share of contexts that stall at all); first audio p50/p95. Reference in the
  same run, measured just before each level: the voice alone in this process, the same turns
  one after another (`--workers` synthesis threads at once, as the server runs them).
- Dialects: a short turn in each dialect the server speaks, driven as the console drives it,
  with ElevenLabs as the reference in the same run (bench/dialect_ttfa.py).
- Formats: the 5-word turn in each encoded format against PCM at the same rate on the same
  server, the formats taking turns run by run (same conditions): ElevenLabs mp3_44100_128 vs
  pcm_44100, mp3_22050_32 vs pcm_22050, opus_48000_64 vs pcm_48000; Murf (end: true) WAV, MP3
  and FLAC vs PCM at 24000 Hz.

Prints a table of p50/p95 and writes JSON to bench/results/ttfa-<time>.json.
Run: .venv/bin/python bench/ttfa.py [--runs 40] [--sockets 1 2 4] [--workers 2] [--parts ttfa load formats]
     .venv/bin/python bench/ttfa.py --parts dialects [--runs 40]
     .venv/bin/python bench/ttfa.py --parts throughput [--levels 1 2 3 4] [--words 60] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.dialect_ttfa import measure_dialects, print_dialects  # noqa: E402
from bench.stats import percentile  # noqa: E402

from tui.protocol.urls import elevenlabs_url, murf_url  # noqa: E402
from tui.server.synth import load_voice  # noqa: E402

RATE = 22050
READY = re.compile(r"listening on (ws://\S+)")
SENTENCES = [
    "Sure, I can help you with that booking today.",
    "The next train to the coast leaves at ten past nine from platform four.",
    "Would you like a window seat, or would you rather sit near the door?",
    "Your total comes to forty two dollars, including the booking fee and taxes.",
    "I have sent the confirmation to your email, so you should see it shortly.",
    "Is there anything else I can do for you before you go?",
]
WORDS = " ".join(SENTENCES * 4).split()
VOICE_SETTINGS = {"stability": 0.5, "similarity_boost": 0.75, "speed": 1.0}


def turn_text(words: int, run: int) -> str:
    start = (run * 7) % len(SENTENCES[0].split())
    return " ".join(WORDS[start : start + words]) + " "


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(values), "p95": percentile(values, 0.95), "n": len(values)}


async def start_server(workers: int) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui.server",
        "--port",
        "0",
        "--voice",
        "piper",
        "--workers",
        str(workers),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
    match = READY.search(line)
    if not match:
        process.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return process, match.group(1)


class Socket:
    """One client socket; a reader routes each frame to its context's queue (contexts share it)."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.queues: dict[str, asyncio.Queue] = {}
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str) -> "Socket":
        return cls(await connect(url, max_size=2**24, compression=None))

    async def _read(self) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            context_id = frame.get("contextId", frame.get("context_id"))
            self.queues.setdefault(context_id, asyncio.Queue()).put_nowait((time.perf_counter(), frame))

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.gather(self.reader, return_exceptions=True)

    async def speak(self, context_id: str, text: str, arrivals: list | None = None) -> tuple[float, float]:
        """One flushed turn: (seconds from the flushed send to its first audio, audio seconds), after its final.
        `arrivals` gets (arrival time, audio seconds) of every audio frame."""
        queue = self.queues.setdefault(context_id, asyncio.Queue())
        await self.ws.send(json.dumps({"text": " ", "context_id": context_id, "voice_settings": VOICE_SETTINGS}))
        sent = time.perf_counter()
        await self.ws.send(json.dumps({"text": text, "context_id": context_id, "flush": True}))
        await self.ws.send(json.dumps({"context_id": context_id, "close_context": True}))
        first = None
        audio_bytes = 0
        while True:
            arrived, frame = await asyncio.wait_for(queue.get(), 60)
            if frame.get("audio"):
                first = first or arrived - sent
                size = len(base64.b64decode(frame["audio"]))
                audio_bytes += size
                if arrivals is not None:
                    arrivals.append((arrived, size / 2 / RATE))
            if frame.get("isFinal"):
                del self.queues[context_id]
                return first, audio_bytes / 2 / RATE

    async def speak_murf(self, context_id: str, text: str) -> float:
        """One Murf turn sent whole with `end: true`: seconds from that send to its first audio."""
        queue = self.queues.setdefault(context_id, asyncio.Queue())
        sent = time.perf_counter()
        await self.ws.send(json.dumps({"text": text, "context_id": context_id, "end": True}))
        first = None
        while True:
            arrived, frame = await asyncio.wait_for(queue.get(), 60)
            if frame.get("audio"):
                first = first or arrived - sent
            if frame.get("final"):
                del self.queues[context_id]
                return first


# (row, reference row): each encoded format against PCM at its rate, same server, same run.
FORMAT_ROWS = [
    ("pcm_44100", None),
    ("mp3_44100_128", "pcm_44100"),
    ("pcm_22050", None),
    ("mp3_22050_32", "pcm_22050"),
    ("murf PCM 24000", None),
    ("murf WAV 24000", "murf PCM 24000"),
    ("murf MP3 24000", "murf PCM 24000"),
    ("murf FLAC 24000", "murf PCM 24000"),
    ("pcm_48000", None),
    ("opus_48000_64", "pcm_48000"),
]


def format_url(base: str, row: str) -> str:
    if row.startswith("murf"):
        _, fmt, rate = row.split()
        return murf_url(base, format=fmt, sample_rate=int(rate))
    return elevenlabs_url(base, "bench", output_format=row)


async def measure_formats(base: str, runs: int) -> dict[str, dict]:
    """The 5-word turn in every row's format; the rows take turns run by run."""
    sockets = {row: await Socket.open(format_url(base, row)) for row, _ in FORMAT_ROWS}
    ttfa: dict[str, list[float]] = {row: [] for row, _ in FORMAT_ROWS}
    try:
        for run in range(-1, runs):  # run -1 warms every socket up
            for row, socket in sockets.items():
                text = turn_text(5, run)
                if row.startswith("murf"):
                    first = await socket.speak_murf(f"f{run}", text)
                else:
                    first, _ = await socket.speak(f"f{run}", text)
                if run >= 0:
                    ttfa[row].append(first * 1000)
    finally:
        for socket in sockets.values():
            await socket.close()
    results = {}
    for row, reference in FORMAT_ROWS:
        results[row] = {"ttfa_ms": summary(ttfa[row]), "reference": reference}
        if reference:
            results[row]["ratio_p50"] = statistics.median(ttfa[row]) / statistics.median(ttfa[reference])
            results[row]["ratio_p95"] = percentile(ttfa[row], 0.95) / percentile(ttfa[reference], 0.95)
    return results


def reference_first_chunk(voice, text: str) -> float:
    start = time.perf_counter()
    next(iter(voice.synthesize(text, RATE)))
    return time.perf_counter() - start


def reference_realtime_factor(voice, text: str) -> float:
    start = time.perf_counter()
    seconds = sum(c.duration_ms for c in voice.synthesize(text, RATE)) / 1000
    return seconds / (time.perf_counter() - start)


async def measure_ttfa(url: str, voice, runs: int) -> dict[str, dict]:
    results: dict[str, dict] = {}
    socket = await Socket.open(url)
    try:
        await socket.speak("warm", turn_text(5, 0))
        for words in (5, 15, 40):
            ttfa, ref = [], []
            for run in range(runs):
                text = turn_text(words, run)
                first, _ = await socket.speak(f"w{words}-{run}", text)
                ttfa.append(first * 1000)
                ref.append(reference_first_chunk(voice, text) * 1000)  # interleaved: same conditions
            results[f"{words} words"] = {"ttfa_ms": summary(ttfa), "reference_first_chunk_ms": summary(ref)}
    finally:
        await socket.close()
    return results


async def measure_load(url: str, sockets: int, rounds: int) -> dict:
    """N sockets x 5 contexts at once; meanwhile a probe socket times short turns back to back
    (a new turn arriving while others drain: the barge-in case)."""
    ttfa: list[float] = []
    probe: list[float] = []
    audio_seconds = 0.0
    wall = 0.0
    prober = await Socket.open(url)
    try:
        for round_ in range(rounds):
            conns = [await Socket.open(url) for _ in range(sockets)]
            try:
                start = time.perf_counter()
                turns = asyncio.gather(
                    *(
                        socket.speak(f"s{s}-c{c}", turn_text(40, round_ * 5 + c))
                        for s, socket in enumerate(conns)
                        for c in range(5)
                    )
                )
                run = 0
                while not turns.done():
                    first, _ = await prober.speak(f"probe-{round_}-{run}", turn_text(5, run))
                    probe.append(first * 1000)
                    run += 1
                for first, seconds in await turns:
                    ttfa.append(first * 1000)
                    audio_seconds += seconds
                wall += time.perf_counter() - start
            finally:
                for socket in conns:
                    await socket.close()
    finally:
        await prober.close()
    return {
        "sockets": sockets,
        "contexts": sockets * 5,
        "audio_s_per_wall_s": audio_seconds / wall,
        "ttfa_ms": summary(ttfa),
        "probe_ttfa_ms": summary(probe),
    }


def stall_seconds(arrivals: list[tuple[float, float]]) -> float:
    """How long a listener playing the context from its first frame, in real time, waits for audio."""
    stalled = 0.0
    runs_out = None
    for arrived, seconds in arrivals:
        if runs_out is not None and arrived > runs_out:
            stalled += arrived - runs_out
        runs_out = max(runs_out or arrived, arrived) + seconds
    return stalled


def voice_alone(voice, texts: list[str], threads: int) -> float:
    """Audio seconds per wall second of the voice in this process: `texts` synthesized whole,
    `threads` at a time (as many as the server's workers)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(text: str) -> float:
        return sum(c.duration_ms for c in voice.synthesize(text, RATE)) / 1000

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        seconds = sum(pool.map(one, texts))
    return seconds / (time.perf_counter() - start)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure_throughput(
    url: str, voice, sockets: int, words: int, rounds: int, threads: int, server_pid: int
) -> dict:
    """N sockets x 5 contexts, one flushed turn each, all at once; the voice alone just before each
    round. Also the server's CPU per audio second (what the cores can do, less noisy than rates)."""
    rates, reference, firsts, stalls, cpu = [], [], [], [], []
    for round_ in range(rounds):
        texts = [turn_text(words, round_ * 5 + c) for c in range(5)]
        reference.append(voice_alone(voice, texts, threads))
        conns = [await Socket.open(url) for _ in range(sockets)]
        arrivals = [[] for _ in range(sockets * 5)]
        try:
            start, used = time.perf_counter(), cpu_seconds(server_pid)
            done = await asyncio.gather(
                *(
                    socket.speak(f"t{round_}-s{s}-c{c}", texts[c], arrivals[s * 5 + c])
                    for s, socket in enumerate(conns)
                    for c in range(5)
                )
            )
            audio = sum(seconds for _, seconds in done)
            rates.append(audio / (time.perf_counter() - start))
            cpu.append((cpu_seconds(server_pid) - used) / audio * 1000)
        finally:
            for socket in conns:
                await socket.close()
        firsts += [first * 1000 for first, _ in done]
        stalls += [stall_seconds(a) for a in arrivals]
    return {
        "sockets": sockets,
        "contexts": sockets * 5,
        "words": words,
        "audio_s_per_wall_s": summary(rates),
        "voice_alone": summary(reference),
        "ratio_to_voice": statistics.median(r / v for r, v in zip(rates, reference)),
        "stall_s": summary(stalls),
        "stalled_share": sum(s > 0.05 for s in stalls) / len(stalls),
        "first_audio_ms": summary(firsts),
        "server_cpu_ms_per_audio_s": summary(cpu),
        "rounds": rates,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40, help="turns per size for TTFA (default 40)")
    parser.add_argument("--sockets", type=int, nargs="+", default=[1, 2, 4], help="load levels (default 1 2 4)")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of each load level (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="server synthesis threads (default 2)")
    parser.add_argument(
        "--levels",
        type=int,
        nargs="+",
        default=[1, 2, 3, 4],
        help="throughput: sockets of 5 contexts (default 1 2 3 4)",
    )
    parser.add_argument("--words", type=int, default=60, help="throughput: words per turn (default 60)")
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=("ttfa", "load", "formats", "throughput", "dialects"),
        default=["ttfa", "load", "formats"],
        help="what to measure (default all but throughput)",
    )
    args = parser.parse_args()

    voice = load_voice("piper") if {"ttfa", "load", "throughput"} & set(args.parts) else None
    reference_rtf = (
        statistics.median(reference_realtime_factor(voice, turn_text(40, r)) for r in range(5))
        if "load" in args.parts
        else None
    )
    process, base = await start_server(args.workers)
    url = elevenlabs_url(base, "bench", output_format=f"pcm_{RATE}")
    try:
        ttfa = await measure_ttfa(url, voice, args.runs) if "ttfa" in args.parts else {}
        load = [await measure_load(url, n, args.rounds) for n in args.sockets] if "load" in args.parts else []
        formats = await measure_formats(base, args.runs) if "formats" in args.parts else {}
        dialects = await measure_dialects(base, args.runs) if "dialects" in args.parts else {}
        throughput = (
            [
                await measure_throughput(url, voice, n, args.words, args.rounds, args.workers, process.pid)
                for n in args.levels
            ]
            if "throughput" in args.parts
            else []
        )
    finally:
        process.terminate()
        await process.wait()

    if ttfa:
        print_ttfa(ttfa, args)
    if load:
        print_load(load, args, reference_rtf)
    if formats:
        print(f"\nTTFA by output format, Piper, 5-word turn, {args.runs} turns each (formats in turn)")
        print(f"{'format':>16} {'TTFA p50':>9} {'p95':>7} {'vs':>16} {'ratio p50':>10} {'p95':>6}")
        for name, row in formats.items():
            t = row["ttfa_ms"]
            ratio = (
                f"{row['reference']:>16} {row['ratio_p50']:9.2f}x {row['ratio_p95']:5.2f}x"
                if row["reference"]
                else f"{'(reference)':>16}"
            )
            print(f"{name:>16} {t['p50']:8.1f}ms {t['p95']:6.1f}ms {ratio}")
    if throughput:
        print_throughput(throughput, args)
    if dialects:
        print_dialects(dialects, args.runs)

    out = ROOT / "bench" / "results" / f"ttfa-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "args": vars(args),
                "ttfa": ttfa,
                "reference_realtime_factor": reference_rtf,
                "load": load,
                "formats": formats,
                "throughput": throughput,
                "dialects": dialects,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out.relative_to(ROOT)}")


def print_ttfa(ttfa: dict, args) -> None:
    print(f"\nTTFA, Piper, pcm_{RATE}, {args.runs} turns each, server --workers {args.workers}")
    print(f"{'turn':>10} {'TTFA p50':>9} {'p95':>7} {'voice p50':>10} {'p95':>7} {'ratio p50':>10}")
    for name, row in ttfa.items():
        t, r = row["ttfa_ms"], row["reference_first_chunk_ms"]
        row["ratio_p50"] = t["p50"] / r["p50"]
        print(
            f"{name:>10} {t['p50']:8.1f}ms {t['p95']:6.1f}ms {r['p50']:9.1f}ms {r['p95']:6.1f}ms {row['ratio_p50']:9.2f}x"
        )


def print_load(load: list, args, reference_rtf: float) -> None:
    print(
        f"\nLoad: N sockets x 5 contexts, one 40-word turn each, {args.rounds} rounds; "
        f"voice alone (1 thread, in process): {reference_rtf:.1f} audio s per wall s"
    )
    print("(TTFA: the N x 5 turns started together; probe: 5-word turns started while they drain)")
    print(
        f"{'sockets':>8} {'contexts':>9} {'audio s/wall s':>15} {'vs voice':>9} {'TTFA p50':>9} {'p95':>8}"
        f" {'probe p50':>10} {'p95':>8}"
    )
    for row in load:
        row["ratio_to_voice"] = row["audio_s_per_wall_s"] / reference_rtf
        t, p = row["ttfa_ms"], row["probe_ttfa_ms"]
        print(
            f"{row['sockets']:>8} {row['contexts']:>9} {row['audio_s_per_wall_s']:>15.1f} "
            f"{row['ratio_to_voice']:>8.2f}x {t['p50']:>8.0f}ms {t['p95']:>7.0f}ms {p['p50']:>9.0f}ms {p['p95']:>7.0f}ms"
        )


def print_throughput(rows: list, args) -> None:
    print(
        f"\nThroughput: N sockets x 5 contexts, one {args.words}-word turn each, {args.rounds} rounds, "
        f"server --workers {args.workers}; voice alone: the same turns in process, {args.workers} at a time"
    )
    print(
        f"{'sockets':>8} {'audio s/wall s':>15} {'voice alone':>12} {'ratio':>6} {'vs 1x5':>7} {'stall p50':>10}"
        f" {'p95':>6} {'stalled':>8} {'first p50':>10} {'p95':>7} {'server CPU ms/audio s':>22}"
    )
    base = rows[0]["audio_s_per_wall_s"]["p50"]
    for row in rows:
        row["vs_first_level"] = row["audio_s_per_wall_s"]["p50"] / base
        a, v, st, f = row["audio_s_per_wall_s"], row["voice_alone"], row["stall_s"], row["first_audio_ms"]
        print(
            f"{row['sockets']:>8} {a['p50']:>15.1f} {v['p50']:>12.1f} {row['ratio_to_voice']:>6.2f} "
            f"{row['vs_first_level']:>7.2f} {st['p50']:>9.2f}s {st['p95']:>5.2f}s {row['stalled_share']:>7.0%} "
            f"{f['p50']:>8.0f}ms {f['p95']:>5.0f}ms {row['server_cpu_ms_per_audio_s']['p50']:>22.0f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
