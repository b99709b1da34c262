"""Barge-in measured from outside: Escape on the real console's terminal → the last audible sample.

    .venv/bin/python bench/barge_in.py [--trials 25] [--backends miniaudio,sounddevice]
                                       [--keys legacy,kitty]

The real console (`switchboard --local-voice tone --no-record --audio B`) runs in a pseudo-
terminal, its sound going to the virtual speaker (tests/fixtures/virtual_speaker.py: a private
PulseAudio null sink whose monitor is recorded, each block stamped with the monotonic clock by
a child process). Per trial a long turn is typed and sent; once the recording shows it is being
heard, the bench waits a random 0.3–1.5 s and writes the Escape key to the terminal, stamping
the clock the moment the write returns. key → silence is the last sample above the silence
threshold after that stamp, minus the stamp. A key that lands in the pause between two words
(nothing heard in the 40 ms before it) is counted and left out: there was nothing to silence.

The Escape key comes in two spellings, both measured:
- legacy: the lone ESC byte most terminals send. Textual cannot tell it from the start of an
  escape sequence until it has waited ESCDELAY for a next byte: 100 ms with Textual's own
  driver, 10 ms with the console's (tui/ui/quick_escape.py).
- kitty: CSI 27 u, what terminals speaking the kitty keyboard protocol send (Textual asks for
  it at start-up): unambiguous, dispatched at once.

The rig's own error, in the same run and interleaved with the trials: a separate small player
process (this file with --player) talks to the same pulse server through libpulse-simple:
- click: opens a stream, stamps the clock, writes a 30 ms burst; onset − stamp is the rig's
  start offset (stream start-up + the capture's timing offset);
- stop: streams noise in 5 ms writes, stamps, flushes the stream at the server and stamps
  again when the server has confirmed; last sound − confirmation is the rig's stop offset (what
  the sink had already rendered + the capture's timing offset).
Both are instants with nothing of ours in between, and the recording places them a few ms
early (the null sink renders ahead of its clock). Over all reference events the rig reads an
instant between offset_lo and offset_hi (p5 and p95 of both); corrected = raw − offset_lo, the
conservative end: the true figure is at most that and at least (offset_hi − offset_lo) less,
which is the rig's error bound.

The before, in the same run: the first backend's console again under Textual's stock driver
(TEXTUAL_DRIVER=textual.drivers.linux_driver:LinuxDriver), legacy Escape only.

Prints a table of p50/p95; writes JSON to bench/results/barge_in-<time>.json.
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import json
import os
import platform
import random
import re
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.stats import percentile  # noqa: E402

RATE = 24000
RESULTS = ROOT / "bench" / "results"
KEYS = {"legacy": b"\x1b", "kitty": b"\x1b[27u"}
# Long words: the tone voice is silent only between words (60 ms a space), so few keys land in
# a pause. 12 words of 24 letters is about 18 s of sound, far more than a trial needs.
TURN = " ".join(chr(ord("a") + i) * 24 for i in range(12))
PAUSE_BEFORE = 0.04  # nothing heard this long before the key: it landed between words


# ---- the reference player (a child process) -------------------------------------------------


class _SampleSpec(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("rate", ctypes.c_uint32), ("channels", ctypes.c_uint8)]


class _BufferAttr(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in ("maxlength", "tlength", "prebuf", "minreq", "fragsize")]


def player() -> None:
    """Reads commands on stdin ("click" / "stop N"), answers each with a JSON line of stamps."""
    import numpy as np

    pa = ctypes.CDLL("libpulse-simple.so.0")
    pa.pa_simple_new.restype = ctypes.c_void_p
    pa.pa_simple_new.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.POINTER(_SampleSpec),
        ctypes.c_void_p,
        ctypes.POINTER(_BufferAttr),
        ctypes.POINTER(ctypes.c_int),
    ]
    for name in ("pa_simple_write",):
        getattr(pa, name).argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int)]
    for name in ("pa_simple_flush", "pa_simple_drain"):
        getattr(pa, name).argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    pa.pa_simple_free.argtypes = [ctypes.c_void_p]
    spec = _SampleSpec(3, RATE, 1)  # PA_SAMPLE_S16LE, mono
    small = int(0.01 * RATE) * 2  # the stream holds 10 ms: a bare, quick path
    attr = _BufferAttr(0xFFFFFFFF, small, small, int(0.005 * RATE) * 2, 0xFFFFFFFF)
    err = ctypes.c_int(0)
    rng = np.random.default_rng(7)

    def burst(seconds: float) -> bytes:
        return np.clip(rng.standard_normal(int(seconds * RATE)) * 6000, -30000, 30000).astype("<i2").tobytes()

    for line in sys.stdin:
        words = line.split()
        stream = pa.pa_simple_new(
            None,
            b"bench-reference",
            1,
            None,
            b"reference",
            ctypes.byref(spec),
            None,
            ctypes.byref(attr),
            ctypes.byref(err),
        )
        if not stream:
            print(json.dumps({"error": f"pa_simple_new failed ({err.value})"}), flush=True)
            continue
        if words[0] == "click":
            data = burst(0.03) + bytes(int(0.02 * RATE) * 2)
            at = time.monotonic()
            pa.pa_simple_write(stream, data, len(data), ctypes.byref(err))
            pa.pa_simple_drain(stream, ctypes.byref(err))
            answer = {"click_at": at}
        else:
            piece = int(0.005 * RATE) * 2
            data = burst(0.005 * int(words[1]))
            for k in range(0, len(data), piece):  # each write waits for room: real-time pace
                pa.pa_simple_write(stream, data[k : k + piece], piece, ctypes.byref(err))
            asked = time.monotonic()
            pa.pa_simple_flush(stream, ctypes.byref(err))
            answer = {"stop_asked": asked, "stop_confirmed": time.monotonic()}
        pa.pa_simple_free(stream)
        print(json.dumps(answer), flush=True)


class ReferencePlayer:
    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--player"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def ask(self, command: str, timeout: float = 5.0) -> dict:
        assert self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        ready = threading.Event()
        box: list[str] = []
        threading.Thread(target=lambda: (box.append(self._proc.stdout.readline()), ready.set()), daemon=True).start()
        if not ready.wait(timeout):
            raise TimeoutError(f"reference player did not answer {command!r}")
        answer = json.loads(box[0])
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=5)


def reference_trial(vs, ref: ReferencePlayer, rng: random.Random) -> dict[str, float]:
    click = ref.ask("click")
    time.sleep(0.1)
    stop = ref.ask(f"stop {rng.randint(40, 100)}")  # 0.2–0.5 s of noise, then flush
    time.sleep(0.15)
    rec = vs.record(click["click_at"] - 0.05, stop["stop_confirmed"] + 0.1)
    onset = rec.between(click["click_at"] - 0.05, click["click_at"] + 0.08).onset()
    last = rec.between(stop["stop_asked"] - 0.1, stop["stop_confirmed"] + 0.1).last_sound()
    return {
        "click_offset_ms": (onset - click["click_at"]) * 1000 if onset else float("nan"),
        "stop_offset_ms": (last - stop["stop_confirmed"]) * 1000 if last else float("nan"),
        "stop_call_ms": (stop["stop_confirmed"] - stop["stop_asked"]) * 1000,
    }


# ---- the console in a pseudo-terminal --------------------------------------------------------


class PtyConsole:
    """The real console on a pseudo-terminal; what it writes is drained (and kept, bounded)."""

    def __init__(self, backend: str, home: Path, env_extra: dict[str, str] | None = None) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"),
            **(env_extra or {}),
        }
        self._proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "switchboard"), "--local-voice", "tone", "--no-record", "--audio", backend],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            cwd=str(home),
        )
        os.close(slave)
        self._fd = master
        self._seen = bytearray()
        self._lock = threading.Lock()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                block = os.read(self._fd, 65536)
            except OSError:
                return
            if not block:
                return
            with self._lock:
                self._seen += block
                del self._seen[:-200_000]

    def wait_for(self, pattern: bytes, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if re.search(pattern, self._seen):
                    return True
            if self._proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def screen_tail(self) -> str:
        with self._lock:
            text = bytes(self._seen[-3000:]).decode("utf-8", "replace")
        return re.sub(r"\x1b\[[0-9;?<>=]*[a-zA-Z~]", "", text)[-600:]

    def write(self, data: bytes) -> float:
        """Writes `data` to the terminal; the clock when the write returned."""
        os.write(self._fd, data)
        return time.monotonic()

    def close(self) -> None:
        if self._proc.poll() is None:
            self.write(b"\x11")  # ctrl+q
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGTERM)
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(self._proc.pid, signal.SIGKILL)
                    self._proc.wait(timeout=5)
        os.close(self._fd)


def wait_heard(vs, since: float, timeout: float = 5.0) -> float | None:
    """The clock time the recording first shows sound after `since` (polled, bounded)."""
    deadline = since + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
        onset = vs.record(since, time.monotonic() - 0.03).onset()
        if onset is not None:
            return onset
    return None


def barge_in_trial(vs, console: PtyConsole, key: bytes, rng: random.Random) -> dict[str, float]:
    sent = console.write(TURN.encode() + b"\r")
    onset = wait_heard(vs, sent)
    if onset is None:
        raise RuntimeError(f"the console played nothing within 5 s of a turn; screen: {console.screen_tail()}")
    time.sleep(max(0.0, onset + rng.uniform(0.3, 1.5) - time.monotonic()))
    pressed = console.write(key)
    time.sleep(0.5)
    rec = vs.record(pressed - 0.3, pressed + 0.45)
    before = rec.between(pressed - PAUSE_BEFORE, pressed).last_sound()
    last = rec.last_sound()
    after = rec.between(pressed + 0.35, pressed + 0.45).last_sound()
    time.sleep(0.3)  # let the close's final free the slot
    return {
        "key_to_silence_ms": (last - pressed) * 1000 if last is not None else float("nan"),
        "in_pause": float(before is None),
        "still_sounding": float(after is not None),
        "onset_to_key_s": pressed - onset,
    }


# ---- the run ---------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    clean = [v for v in values if v == v]
    got = percentile(clean, q)
    return float("nan") if got is None else got


def summarise(trials: list[dict[str, float]], offset_lo: float) -> dict[str, float]:
    used = [t["key_to_silence_ms"] for t in trials if not t["in_pause"]]
    raw50, raw95 = pct(used, 0.5), pct(used, 0.95)
    return {
        "raw_p50_ms": raw50,
        "raw_p95_ms": raw95,
        "corrected_p50_ms": raw50 - offset_lo,
        "corrected_p95_ms": raw95 - offset_lo,
        "max_ms": max(used, default=float("nan")) - offset_lo,
        "trials": len(trials),
        "in_pause": sum(int(t["in_pause"]) for t in trials),
        "still_sounding": sum(int(t["still_sounding"]) for t in trials),
    }


def run_console(
    vs,
    ref,
    home: Path,
    backend: str,
    keys: list[str],
    trials: int,
    rng: random.Random,
    env_extra: dict[str, str],
    label: str,
    rows: dict,
    reference: list,
) -> None:
    console = PtyConsole(backend, home, env_extra)
    try:
        if not console.wait_for(rb"(?<!dis)connected", 30):
            raise RuntimeError(f"the console did not connect; screen: {console.screen_tail()}")
        time.sleep(1.0)
        for trial in range(trials):
            for name in keys:  # interleaved: the machine's noise falls on all
                rows.setdefault(f"{backend} · {name}{label}", []).append(barge_in_trial(vs, console, KEYS[name], rng))
            reference.append(reference_trial(vs, ref, rng))
            print(f"\r{backend}{label}: trial {trial + 1}/{trials}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    finally:
        console.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=25)
    parser.add_argument("--backends", default="miniaudio,sounddevice")
    parser.add_argument("--keys", default="legacy,kitty")
    parser.add_argument(
        "--stock-trials",
        type=int,
        default=10,
        help="trials of the first backend under Textual's own driver (the before)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--player", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.player:
        player()
        return 0
    from tests.fixtures.virtual_speaker import VirtualSpeaker

    rng = random.Random(args.seed)
    keys = args.keys.split(",")
    backends = args.backends.split(",")
    load_before = os.getloadavg()[0]
    rows: dict[str, list[dict[str, float]]] = {}
    reference: list[dict[str, float]] = []
    with VirtualSpeaker(rate=RATE) as vs, tempfile.TemporaryDirectory(prefix="barge-") as home:
        ref = ReferencePlayer()
        try:
            for backend in backends:
                run_console(vs, ref, Path(home), backend, keys, args.trials, rng, {}, "", rows, reference)
            if args.stock_trials:
                stock = {"TEXTUAL_DRIVER": "textual.drivers.linux_driver:LinuxDriver"}
                run_console(
                    vs,
                    ref,
                    Path(home),
                    backends[0],
                    ["legacy"],
                    args.stock_trials,
                    rng,
                    stock,
                    " · Textual's stock driver (before)",
                    rows,
                    reference,
                )
        finally:
            ref.close()
    load_after = os.getloadavg()[0]

    clicks = [r["click_offset_ms"] for r in reference]
    stops = [r["stop_offset_ms"] for r in reference]
    # Both references are instants with nothing of ours in between: the rig reads them between
    # offset_lo and offset_hi ms (p5..p95 of both). Correcting by offset_lo is the conservative
    # end: the true figure is at most that, and at least (offset_hi − offset_lo) less.
    offset_lo = min(pct(clicks, 0.05), pct(stops, 0.05))
    offset_hi = max(pct(clicks, 0.95), pct(stops, 0.95))
    bound = offset_hi - offset_lo
    print(
        f"\n{len(reference)} reference events, load average {load_before:.1f} → {load_after:.1f}, "
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}\n"
    )
    print("| rig reference (a bare pulse stream in its own process) | p5 ms | p50 ms | p95 ms |")
    print("|---|---|---|---|")
    for label, values in (("click: stamp → onset", clicks), ("stop: flush confirmed → last sound", stops)):
        print(f"| {label} | {pct(values, 0.05):.1f} | {pct(values, 0.5):.1f} | {pct(values, 0.95):.1f} |")
    print(
        f"\nthe rig reads an instant {-offset_hi:.1f}..{-offset_lo:.1f} ms early; corrected = raw − "
        f"({offset_lo:.1f}), the true figure within {bound:.1f} ms below it\n"
    )
    print(
        "| backend · Escape spelling | trials (key in a pause) | key → silence raw ms p50 / p95 | "
        "corrected ms p50 / p95 | corrected max | still sounding at +0.35 s |"
    )
    print("|---|---|---|---|---|---|")
    summary = {name: summarise(trials, offset_lo) for name, trials in rows.items()}
    for name, row in summary.items():
        print(
            f"| {name} | {row['trials']} ({row['in_pause']}) | {row['raw_p50_ms']:.1f} / "
            f"{row['raw_p95_ms']:.1f} | {row['corrected_p50_ms']:.1f} / {row['corrected_p95_ms']:.1f} | "
            f"{row['max_ms']:.1f} | {row['still_sounding']} |"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"barge_in-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "command": " ".join(sys.argv),
                "summary": summary,
                "reference": {
                    "click_offset_ms": clicks,
                    "stop_offset_ms": stops,
                    "offset_lo_ms": offset_lo,
                    "offset_hi_ms": offset_hi,
                    "error_bound_ms": bound,
                    "stop_call_ms": [r["stop_call_ms"] for r in reference],
                },
                "trials": rows,
                "machine": {
                    "python": platform.python_version(),
                    "cores": os.cpu_count(),
                    "machine": platform.machine(),
                    "load": [load_before, load_after],
                },
            },
            indent=1,
        )
    )
    print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
