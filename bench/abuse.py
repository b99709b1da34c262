"""The local server under abuse (issue 11, items 1-6): bounded loops on loopback against a server
child process (`python -m tui.server --port 0 --voice tone`), figures from /proc of that process.

Parts (`--parts`, all by default):
- disconnects: N clients (default 1,000, 25 at a time) each open five contexts, flush 200 words
  each, read 20 kB, send one more frame and go: half reset the TCP connection, half send a close
  frame. Each run on a fresh server (--disconnect-runs, default 5): RSS at boot, after a warm-up
  round of 25 (start), at N=200/500/1000 (and 2000/4000 if --clients reaches them) and at the end,
  each read 2.5 s after the round, once the server has collected and trimmed; the peak (VmHWM
  since the warm-up); p50/p95 over the runs. --disconnect-voice piper: the same against Piper.
- murf: 20,000 context requests (each a text frame with a voice_config and a new id) on one Murf
  socket: how many were refused, peak RSS while they arrive, RSS 2 s after the socket closed.
- big: a 1 MB unpunctuated text frame (ElevenLabs, flushed): first audio, server CPU seconds to
  it, then the client reads for 0.2 s and leaves (TCP reset): how long until the server's CPU
  stops (sampled every 10 ms, 10 ms ticks; 'stopped' = no tick for 100 ms), per run; reference:
  a 5-word turn's first audio on the same socket.
- ttfa: a well-behaved client's TTFA (5-word turns, one at a time) alone, then while two abusers
  each stream a 1 MB unpunctuated frame and read everything; p50/p95 and the ratio.
- bad: a lone surrogate and a NUL in one context's text, both dialects: error frames received,
  whether the other context got its final and the socket stayed open.
- silent: 5 clients that never read, each flooding a Murf turn: when the server let each go
  (real clock: 20 s without progress + 10 s close grace), RSS while held and after.
- piper: peak RSS (VmHWM, reset after the voice has loaded) of Piper synthesizing the first
  --piper-units (40) units of a 20 kB single word ("x" * 20,000) and of 20 kB of ordinary
  sentences, each in a fresh child process (--piper-runs each, default 5, alternating); growth =
  peak - RSS after loading; p50/p95 and each run.

Prints a table and writes JSON to bench/results/abuse-<time>.json.
Run: .venv/bin/python bench/abuse.py [--parts disconnects murf big ttfa bad silent piper] [--clients 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.stats import percentile  # noqa: E402
from tui.core.embedded import EmbeddedServer  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1 << 20
ELEVEN = "/v1/text-to-speech/v/multi-stream-input?output_format=pcm_22050"
MURF = "/v1/speech/stream-input?format=PCM"


# ---- the server child and /proc --------------------------------------------------------------


class Server:
    """The server child, started as the console starts its embedded one (tui.core.embedded)."""

    def __init__(self, embedded: EmbeddedServer) -> None:
        self.embedded = embedded
        self.pid = embedded.pid
        self.url = embedded.url

    @classmethod
    async def start(cls, voice: str = "tone") -> Server:
        return cls(await asyncio.to_thread(EmbeddedServer.start, voice))

    async def stop(self) -> None:
        await asyncio.to_thread(self.embedded.stop)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / MB


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


# ---- 1. abnormal disconnects -------------------------------------------------------------------


async def abandon(url: str, reset: bool) -> None:
    ws = await connect(url + ELEVEN, max_size=None, open_timeout=30)
    words = " ".join(["word"] * 200) + " "
    for n in range(5):
        await ws.send(json.dumps({"text": words, "context_id": f"c{n}", "flush": True}))
    read = 0
    while read < 20_000:
        read += len(await asyncio.wait_for(ws.recv(), 30))
    await ws.send(json.dumps({"text": "more ", "context_id": "c0"}))
    if reset:
        ws.transport.abort()
    else:
        await ws.close()


def status_mb(pid: int, key: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith(key + ":"))


def reset_peak(pid: int) -> None:
    """Start VmHWM afresh from the current RSS (Linux: clear_refs 5, on our own child)."""
    with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


# Longer than the server's IDLE_RELEASE_DELAY (tui/server/memory.py): the last connection's
# teardown, the collection of its cycles and the trim are done when RSS is read.
SETTLE_S = 2.5
MARKS = (200, 500, 1000, 2000, 4000)


async def disconnect_run(clients: int, voice: str = "tone") -> dict:
    """One fresh server: a warm-up round of 25, then `clients` in rounds of 25; RSS settled after
    the warm-up (start), at each mark, and at the end; the peak (VmHWM) from after the warm-up."""
    server = await Server.start(voice)
    url = server.url
    marks = sorted({m for m in MARKS if m <= clients} | {clients})
    try:
        boot = rss_mb(server.pid)
        # Warm-up: the first connections allocate once-only things (code paths imported and
        # compiled lazily, encoder tables, pymalloc arenas that long-lived objects then pin).
        await asyncio.gather(*(abandon(url, n % 2 == 0) for n in range(25)))
        await asyncio.sleep(SETTLE_S)
        start = rss_mb(server.pid)
        reset_peak(server.pid)
        settled = {}
        for done in range(25, clients + 25, 25):
            await asyncio.gather(*(abandon(url, n % 2 == 0) for n in range(25)))
            if done in marks:
                await asyncio.sleep(SETTLE_S)
                settled[done] = rss_mb(server.pid)
        peak = status_mb(server.pid, "VmHWM")
    finally:
        await server.stop()
    end = settled[clients]
    return {
        "boot": boot,
        "start": start,
        "peak": peak,
        "end": end,
        "delta": end - start,
        "delta_from_boot": end - boot,
        **{f"at_{n}": value for n, value in settled.items()},
    }


async def part_disconnects(clients: int, runs: int, voice: str = "tone") -> dict:
    rows = [await disconnect_run(clients, voice) for _ in range(runs)]
    out: dict = {"clients": clients, "runs": runs, "voice": voice, "settle_s": SETTLE_S, "rss_mb": {}}
    for key in rows[0]:
        values = [row[key] for row in rows]
        out["rss_mb"][key] = {
            "p50": round(statistics.median(values), 1),
            "p95": round(percentile(values, 0.95), 1),
            "each": [round(v, 1) for v in values],
        }
    return out


# ---- 3. Murf context requests ------------------------------------------------------------------


async def part_murf(requests: int) -> dict:
    server = await Server.start()
    url = server.url
    try:
        start = rss_mb(server.pid)
        peak = start
        ws = await connect(url + MURF, max_size=None, open_timeout=30)
        errors = 0
        began = time.perf_counter()
        for n in range(requests):
            await ws.send(
                json.dumps({"text": "no sentence end yet", "context_id": f"ctx{n}", "voice_config": {"rate": 5}})
            )
            if n % 1000 == 999:
                peak = max(peak, rss_mb(server.pid))
        while True:
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            except TimeoutError:
                break
            errors += "Exceeded Active context limit" in str(frame.get("error"))
            if errors == requests - 15:
                break
        sent_s = time.perf_counter() - began
        peak = max(peak, rss_mb(server.pid))
        await ws.close()
        await asyncio.sleep(2)
        after = rss_mb(server.pid)
    finally:
        await server.stop()
    return {
        "requests": requests,
        "refused": errors,
        "seconds": round(sent_s, 2),
        "rss_start_mb": round(start, 1),
        "rss_peak_mb": round(peak, 1),
        "rss_after_close_mb": round(after, 1),
    }


# ---- 4. a 1 MB unpunctuated frame --------------------------------------------------------------


async def first_audio(ws, frame: dict) -> float:
    """Seconds from sending `frame` to the first audio of its context (earlier frames skipped)."""
    began = time.perf_counter()
    await ws.send(json.dumps(frame))
    while True:
        got = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if got.get("audio") and got.get("contextId") == frame["context_id"]:
            return time.perf_counter() - began


async def until_idle(pid: int, limit: float = 30.0) -> float:
    """Seconds until the process has used no CPU for 100 ms (sampled every 10 ms)."""
    began = time.perf_counter()
    last, last_change = cpu_s(pid), began
    while time.perf_counter() - began < limit:
        await asyncio.sleep(0.01)
        now, used = time.perf_counter(), cpu_s(pid)
        if used != last:
            last, last_change = used, now
        elif now - last_change >= 0.1:
            return last_change - began
    return limit


async def part_big(runs: int) -> dict:
    server = await Server.start()
    url = server.url
    rows = []
    try:
        for run in range(runs):
            ws = await connect(url + ELEVEN, max_size=None, open_timeout=30)
            reference = await first_audio(
                ws, {"text": "one two three four five.", "context_id": f"r{run}", "flush": True}
            )
            cpu0 = cpu_s(server.pid)
            ttfa = await first_audio(ws, {"text": "word " * 200_000, "context_id": f"big{run}", "flush": True})
            cpu_to_first = cpu_s(server.pid) - cpu0
            reading_until = time.perf_counter() + 0.2  # read for 0.2 s, so the server is busy as it goes
            while (left := reading_until - time.perf_counter()) > 0:
                try:
                    await asyncio.wait_for(ws.recv(), left)
                except TimeoutError:
                    break
            ws.transport.abort()
            stop = await until_idle(server.pid)
            rows.append(
                {
                    "first_audio_s": ttfa,
                    "cpu_to_first_audio_s": cpu_to_first,
                    "stopped_after_s": stop,
                    "reference_5_words_s": reference,
                }
            )
            await asyncio.sleep(0.3)
    finally:
        await server.stop()
    return summarize(rows)


def summarize(rows: list[dict]) -> dict:
    out = {"runs": len(rows)}
    for key in rows[0]:
        values = [row[key] for row in rows]
        out[key] = {"p50": round(statistics.median(values), 4), "p95": round(percentile(values, 0.95), 4)}
    return out


# ---- 4. a well-behaved client beside two abusers -----------------------------------------------


async def polite_turns(url: str, turns: int) -> list[float]:
    ws = await connect(url + ELEVEN, max_size=None, open_timeout=30)
    times = []
    for n in range(turns):
        times.append(await first_audio(ws, {"text": "Hello there, how are you?", "context_id": f"p{n}", "flush": True}))
        await ws.send(json.dumps({"context_id": f"p{n}", "close_context": True}))
        while not (
            (got := json.loads(await asyncio.wait_for(ws.recv(), 30))).get("isFinal")
            and got.get("contextId") == f"p{n}"
        ):
            pass
    await ws.close()
    return times


async def abuser(url: str, stop: asyncio.Event) -> None:
    ws = await connect(url + ELEVEN, max_size=None, open_timeout=30)
    await ws.send(json.dumps({"text": "word " * 200_000, "context_id": "big", "flush": True}))
    while not stop.is_set():
        try:
            await asyncio.wait_for(ws.recv(), 0.5)
        except TimeoutError:
            pass
    ws.transport.abort()


async def part_ttfa(turns: int) -> dict:
    server = await Server.start()
    url = server.url
    try:
        await polite_turns(url, 3)  # warm-up
        alone = await polite_turns(url, turns)
        stop = asyncio.Event()
        abusers = [asyncio.create_task(abuser(url, stop)) for _ in range(2)]
        await asyncio.sleep(0.5)
        beside = await polite_turns(url, turns)
        stop.set()
        await asyncio.gather(*abusers)
    finally:
        await server.stop()
    stats = {
        name: {"p50": round(statistics.median(v) * 1000, 1), "p95": round(percentile(v, 0.95) * 1000, 1)}
        for name, v in (("alone_ms", alone), ("beside_two_abusers_ms", beside))
    }
    stats["ratio_p95"] = round(stats["beside_two_abusers_ms"]["p95"] / stats["alone_ms"]["p95"], 2)
    stats["turns"] = turns
    return stats


# ---- 5. bad characters -------------------------------------------------------------------------


async def bad_case(url: str, murf: bool, bad: str) -> dict:
    ws = await connect(url + (MURF if murf else ELEVEN), max_size=None, open_timeout=30)
    if murf:
        await ws.send(json.dumps({"text": "Hello", "context_id": "good"}))
        await ws.send(json.dumps({"text": "x" + bad, "context_id": "bad"}))
        await ws.send(json.dumps({"text": " there.", "context_id": "good", "end": True}))
    else:
        await ws.send(json.dumps({"text": "Hello ", "context_id": "good"}))
        await ws.send(json.dumps({"text": bad + " ", "context_id": "bad", "flush": True}))
        await ws.send(json.dumps({"text": "there.", "context_id": "good", "flush": True}))
        await ws.send(json.dumps({"context_id": "good", "close_context": True}))
    errors, final = 0, False
    try:
        while not final:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            errors += "error" in frame
            final = (frame.get("isFinal") or frame.get("final")) is True
    except (ConnectionClosed, TimeoutError):
        pass
    open_after = ws.close_code is None
    await ws.close()
    return {
        "dialect": "murf" if murf else "elevenlabs",
        "char": repr(bad),
        "error_frames": errors,
        "other_context_final": final,
        "socket_open_after": open_after,
    }


async def part_bad() -> list[dict]:
    server = await Server.start()
    url = server.url
    try:
        return [await bad_case(url, murf, bad) for murf in (False, True) for bad in ("\ud800", "\x00")]
    finally:
        await server.stop()


# ---- 6. clients that never read ----------------------------------------------------------------


async def silent_client(url: str):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = url.split("//")[1].split(":")
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    ws = await connect(url + MURF, sock=sock, max_size=None, max_queue=1, open_timeout=30)
    await ws.send(json.dumps({"text": "ab " * 20_000, "context_id": "flood", "end": True}))
    return ws, sock


async def part_silent(clients: int) -> dict:
    server = await Server.start()
    url = server.url
    try:
        start = rss_mb(server.pid)
        held = [await silent_client(url) for _ in range(clients)]
        began = time.perf_counter()
        await asyncio.sleep(2)
        rss_held = rss_mb(server.pid)
        port = url.rsplit(":", 1)[1]

        def established() -> int:
            listing = subprocess.run(
                ["ss", "-Htn", "state", "established", f"sport = :{port}"], capture_output=True, text=True
            )
            return sum(1 for line in listing.stdout.splitlines() if line.strip())

        released = None
        while time.perf_counter() - began < 60:
            if established() == 0:
                released = time.perf_counter() - began
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(1)
        after = rss_mb(server.pid)
        for ws, _sock in held:
            ws.transport.abort()
    finally:
        await server.stop()
    return {
        "clients": clients,
        "rss_start_mb": round(start, 1),
        "rss_held_mb": round(rss_held, 1),
        "released_after_s": None if released is None else round(released, 1),
        "rss_after_mb": round(after, 1),
    }


# ---- 2. Piper: a 20 kB word vs a 20 kB sentence ------------------------------------------------

SENTENCE = (
    "The quick brown fox jumps over the lazy dog, and then it runs far away across the wide green "
    "field while the farmer watches from the porch of his old wooden house. "
)
PIPER_CHILD = r"""
import json, sys
from tui.server.synth import load_voice
voice = load_voice("piper")
def status(key):
    return next(float(line.split()[1]) / 1024 for line in open("/proc/self/status") if line.startswith(key))
open("/proc/self/clear_refs", "w").write("5")      # peak RSS (VmHWM) from here on: loading is not counted
base = status("VmRSS:")
kind, sentence, units = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = "x" * 20000 if kind == "word" else (sentence * 200)[:20000]
audio = longest = done = 0
for done, chunk in enumerate(voice.synthesize(text, 22050), 1):
    audio += chunk.duration_ms / 1000
    longest = max(longest, len(chunk.text))
    if done == units:
        break
print(json.dumps({"base": base, "peak": status("VmHWM:"), "units": done, "audio_s": audio, "longest_unit": longest}))
"""


def part_piper(runs: int, units: int) -> dict:
    """Each case in a fresh process, alternating, `runs` times: peak RSS growth over the loaded
    voice while it synthesizes the text's first `units` units (every unit is one model run; the
    whole 20 kB would take minutes per run: ~1,700 units for the word)."""
    rows: dict[str, list[dict]] = {"word": [], "sentence": []}
    for _ in range(runs):
        for kind in rows:
            out = subprocess.run(
                [sys.executable, "-c", PIPER_CHILD, kind, SENTENCE, str(units)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=900,
            )
            rows[kind].append(json.loads(out.stdout.strip().splitlines()[-1]))
    result: dict = {"runs": runs, "units": units}
    for kind, values in rows.items():
        growth = [row["peak"] - row["base"] for row in values]
        result[kind] = {
            "growth_mb_p50": round(statistics.median(growth), 1),
            "growth_mb_p95": round(percentile(growth, 0.95), 1),
            "growth_mb_each": [round(g, 1) for g in growth],
            "peak_rss_mb_p50": round(statistics.median(row["peak"] for row in values), 1),
            "audio_s": round(statistics.median(row["audio_s"] for row in values), 1),
            "longest_unit_chars": max(row["longest_unit"] for row in values),
        }
    for q in ("p50", "p95"):
        result[f"ratio_word_to_sentence_growth_{q}"] = round(
            result["word"][f"growth_mb_{q}"] / max(result["sentence"][f"growth_mb_{q}"], 0.1), 2
        )
    return result


# ---- main --------------------------------------------------------------------------------------

PARTS = ("disconnects", "murf", "big", "ttfa", "bad", "silent", "piper")


async def run(args) -> dict:
    results: dict = {}
    for part in args.parts:
        began = time.perf_counter()
        if part == "disconnects":
            results[part] = await part_disconnects(args.clients, args.disconnect_runs, args.disconnect_voice)
        elif part == "murf":
            results[part] = await part_murf(args.murf_requests)
        elif part == "big":
            results[part] = await part_big(args.runs)
        elif part == "ttfa":
            results[part] = await part_ttfa(args.turns)
        elif part == "bad":
            results[part] = await part_bad()
        elif part == "silent":
            results[part] = await part_silent(args.silent)
        elif part == "piper":
            results[part] = await asyncio.to_thread(part_piper, args.piper_runs, args.piper_units)
        print(f"{part:12s} ({time.perf_counter() - began:5.1f} s) {json.dumps(results[part])}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--disconnect-runs", type=int, default=5)
    parser.add_argument("--disconnect-voice", choices=("tone", "piper"), default="tone")
    parser.add_argument("--murf-requests", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--silent", type=int, default=5)
    parser.add_argument("--piper-runs", type=int, default=5)
    parser.add_argument("--piper-units", type=int, default=40)
    args = parser.parse_args()
    results = asyncio.run(run(args))
    out = ROOT / "bench" / "results" / f"abuse-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": os.uname().nodename, "cpus": os.cpu_count(), "results": results}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
