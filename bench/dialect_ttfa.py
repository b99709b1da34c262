"""TTFA of a short turn in every dialect the local server speaks, ElevenLabs as the reference.

Each dialect is driven as the console drives it: the endpoint from `resolve_config` (local
provider, the dialect's default format), the frames from `tui.session.wire.Wire`, the server's
frames read by the dialect's own decoder. A turn is the context's opening frames, then a 5-word
text with its flush and the turn's end sent at once; TTFA runs from that send to the context's
first frame carrying audio. The next turn starts after the context's final, so turns never
overlap. Dialects take turns run by run (run 1 of each, then run 2 of each, ...), so a noisy
moment on the shared machine falls on all of them alike; each row's ratio is to the ElevenLabs
row of the same run.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from websockets.asyncio.client import connect

from bench.stats import percentile
from tui.core.config import resolve_config
from tui.protocol.dialect import Dialect
from tui.protocol.frames import Audio, ErrorFrame, Final
from tui.session.wire import Wire

REFERENCE = Dialect.ELEVENLABS
DIALECTS = [
    Dialect.ELEVENLABS,
    Dialect.MURF,
    Dialect.INWORLD,
    Dialect.CARTESIA,
    Dialect.ELEVENLABS_DIALOGUE,
]
TURN = "Sure, I can help. "  # 4 words and a space: a sentence an agent opens with (5 with the flush's word)


class DialectSocket:
    """One socket in one dialect; the reader routes decoded events to their context's queue."""

    def __init__(self, dialect: Dialect, ws) -> None:
        self.dialect = dialect
        self.ws = ws
        self.queues: dict[str | None, asyncio.Queue] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            event = self.dialect.decode_server(raw)
            cid = getattr(event, "context_id", None)
            self.queues.setdefault(cid, asyncio.Queue()).put_nowait((time.perf_counter(), event))

    async def turn(self, wire: Wire, cid: str, text: str) -> float:
        """Seconds from the turn's text (with flush and end) to its first audio; after its final."""
        queue = self.queues.setdefault(cid, asyncio.Queue())
        for frame in wire.open(cid):
            await self.ws.send(frame)
        frames = wire.text(cid, text, flush=wire.can_flush) + wire.end_turn(cid, unflushed=False)
        sent = time.perf_counter()
        for frame in frames:
            await self.ws.send(frame)
        first = None
        while True:
            arrived, event = await asyncio.wait_for(queue.get(), 60)
            if isinstance(event, ErrorFrame):
                raise RuntimeError(f"{self.dialect.value}: {event.message}")
            if isinstance(event, Audio) and event.audio and first is None:
                first = arrived - sent
            if isinstance(event, Final) or (isinstance(event, Audio) and event.is_final):
                del self.queues[cid]
                if first is None:
                    raise RuntimeError(f"{self.dialect.value}: turn {cid} ended with no audio")
                return first

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.gather(self.reader, return_exceptions=True)


async def open_socket(base: str, dialect: Dialect) -> tuple[DialectSocket, Wire, str]:
    config = resolve_config(provider="local", dialect=dialect.value, url=base)
    wire = Wire(dialect, audio_format=config.audio_format, model=config.model, voice=config.voice)
    ws = await connect(config.endpoint(), max_size=2**24, compression=None)
    return DialectSocket(dialect, ws), wire, config.audio_format.name


async def measure_dialects(base: str, runs: int) -> dict[str, dict]:
    """Per dialect: TTFA p50/p95 (ms) over `runs` short turns, and the ratio to ElevenLabs."""
    sockets = {d: await open_socket(base, d) for d in DIALECTS}
    times: dict[Dialect, list[float]] = {d: [] for d in DIALECTS}
    try:
        for socket, wire, _ in sockets.values():  # one warm-up turn each, not counted
            await socket.turn(wire, "warm", TURN)
        for run in range(runs):
            for d, (socket, wire, _) in sockets.items():
                times[d].append(await socket.turn(wire, f"t{run}", TURN) * 1000)
    finally:
        for socket, _, _ in sockets.values():
            await socket.close()
    ref = times[REFERENCE]
    rows = {}
    for d in DIALECTS:
        values = times[d]
        rows[d.value] = {
            "format": sockets[d][2],
            "ttfa_ms": {"p50": statistics.median(values), "p95": percentile(values, 0.95), "n": len(values)},
            "ratio_p50": statistics.median(values) / statistics.median(ref),
            "ratio_p95": percentile(values, 0.95) / percentile(ref, 0.95),
        }
    return rows


def print_dialects(rows: dict[str, dict], runs: int) -> None:
    print(f"\nTTFA of a short turn by dialect, Piper, {runs} turns each (dialects in turn), console's wire")
    print(f"{'dialect':>20} {'format':>10} {'TTFA p50':>9} {'p95':>7} {'vs elevenlabs p50':>18} {'p95':>6}")
    for name, row in rows.items():
        t = row["ttfa_ms"]
        print(
            f"{name:>20} {row['format']:>10} {t['p50']:8.1f}ms {t['p95']:6.1f}ms "
            f"{row['ratio_p50']:17.2f}x {row['ratio_p95']:5.2f}x"
        )
