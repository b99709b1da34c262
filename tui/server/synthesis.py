"""From a `Generate` action to audio frames on the wire: worker threads, per-turn lanes, encoding.

The voice is a blocking generator (one synthesis unit per `next`). One `SynthesisPool` per
server runs those steps on a few worker threads shared by every connection, most urgent first
(pool.py: a turn with no audio out yet before one whose client has seconds buffered). A lane
per turn runs that turn's generations one after another, so its audio stays in order, while
lanes of different turns interleave freely. Each step is submitted on its own, so a long turn
cannot hold a worker past one unit; the next unit is already being synthesized while the
current one's frames are sent.

Encoding (frame split, G.711 / WAV / MP3 per turn (encoding.py), base64, JSON) runs in the
worker too, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace

from tui.protocol.formats import AudioFormat
from tui.protocol.frames import Audio, ServerEvent

from .actions import Generate
from .clock import Clock, real_clock, sleep_on
from .encoding import TurnAudio, stream_encoder
from .pool import DeadlinePool
from .synth import SynthChunk, Voice
from .synth.voice_bank import VoiceBank

_LOGGER = logging.getLogger(__name__)

# Frames carry at most this much audio: small enough that a client can start playing early and
# drop a barged-in turn finely, large enough that JSON and base64 overhead stays negligible.
MAX_FRAME_MS = 250
DEFAULT_WORKERS = 2
# A turn's synthesis runs at most this far ahead of its client's playback (from its first frame):
# a 1 MB text (hours of speech) then costs CPU as it is listened to, not all at once, and cannot
# crowd out other clients' first audio (issue 11, item 4). Far beyond what any client buffers.
MAX_LEAD_SECONDS = 60.0


class SynthesisPool:
    """The voice and the worker threads that run it, shared by all connections of a server."""

    def __init__(self, voice: Voice, workers: int = DEFAULT_WORKERS, clock: Clock = real_clock) -> None:
        self.voice = voice
        self.speakers = VoiceBank(voice)  # the voice and its pitched variants (Text-to-Dialogue speakers)
        self.clock = clock
        self._pool = DeadlinePool(workers, clock)

    async def run(self, step: Callable[[], Batch | None], deadline: float | None) -> Batch | None:
        return await self._pool.run(step, deadline)

    def close(self) -> None:
        self._pool.close()


@dataclass(frozen=True)
class Batch:
    """The wire frames of one synthesis unit, and how long their audio plays."""

    frames: list[str]
    seconds: float


@dataclass(frozen=True)
class AudioEncoder:
    """How one connection's audio becomes wire frames (format, dialect, alignment or not)."""

    output: AudioFormat
    # A dialect's server encoder: one frame per event, or several where the dialect sends one
    # event per frame and an audio chunk carries two (Cartesia `chunk` then `timestamps`).
    encode: Callable[[ServerEvent], str | list[str]]
    alignment: bool = True
    max_frame_ms: int = MAX_FRAME_MS
    channels: int = 1  # Murf channel_type=STEREO: 2
    sync_alignment: bool = True  # ElevenLabs `sync_alignment`: timing on every frame (else per unit)

    def stream(self) -> TurnAudio:
        """The encoder state of one turn (encoding.py): one per lane."""
        return TurnAudio(stream_encoder(self.output, self.channels))

    def frames(self, chunk: SynthChunk, context_id: str | None, audio: TurnAudio | None = None) -> Batch:
        audio = audio or self.stream()
        out = []
        pieces = chunk.split(self.max_frame_ms)
        if not self.sync_alignment:
            pieces = timing_on_first(pieces, chunk)
        for piece in pieces:
            out += self._frames(*audio.take(piece), context_id)
        return Batch(out, chunk.duration_ms / 1000.0)

    def tail(self, audio: TurnAudio, context_id: str | None) -> list[str]:
        """The frames with what the turn's encoder still holds (MP3), if anything."""
        return self._frames(*audio.finish(), context_id)

    def _frames(self, data: bytes, covered: SynthChunk | None, context_id: str | None) -> list[str]:
        if not data and covered is None:
            return []
        if self.alignment and covered is not None and (self.sync_alignment or covered.text):
            event = Audio(data, context_id, covered.alignment(), covered.normalized_alignment())
        else:
            event = Audio(data, context_id)
        frames = self.encode(event)
        return [frames] if isinstance(frames, str) else frames


def timing_on_first(pieces: list[SynthChunk], unit: SynthChunk) -> list[SynthChunk]:
    """Without `sync_alignment`: the unit's whole timing rides on its first frame (times from that
    frame's start, which is the unit's), and the unit's later frames carry `alignment: null`."""
    if len(pieces) < 2:
        return pieces
    first = replace(
        pieces[0],
        text=unit.text,
        char_start_ms=unit.char_start_ms,
        char_durations_ms=unit.char_durations_ms,
        normalized_text=unit.normalized_text,
        normalized_char_start_ms=unit.normalized_char_start_ms,
        normalized_char_durations_ms=unit.normalized_char_durations_ms,
    )
    return [first] + [SynthChunk.plain(piece.pcm, piece.sample_rate, "", (), ()) for piece in pieces[1:]]


class Job:
    """One generation: its voice stream, and whether it has started (Murf `clear` asks)."""

    def __init__(self, generate: Generate) -> None:
        self.generate = generate
        self.started = False
        self.cancelled = False
        self.abandoned = False  # the socket is gone: a running step stops at its next unit
        self._lock = threading.Lock()
        self._units: Iterator[SynthChunk] | None = None
        self._tail_sent = False

    def try_cancel(self) -> bool:
        """Cancel if synthesis has not started; False if it has (it then plays to the end)."""
        with self._lock:
            if not self.started:
                self.cancelled = True
            return self.cancelled

    def step(self, pool: SynthesisPool, encoder: AudioEncoder, audio: TurnAudio | None = None) -> Batch | None:
        """In a worker thread: synthesize the next unit and encode its frames (None at the end).

        A flushed generation ends with its encoder's tail, so a flush gets all its audio now."""
        audio = audio or encoder.stream()
        with self._lock:
            if self.cancelled:
                return None
            if self._units is None:
                self.started = True
                turn = self.generate.turn
                voice = pool.speakers.voice(self.generate.speaker)
                self._units = iter(voice.synthesize(self.generate.text, encoder.output.sample_rate, speed=turn.speed))
        for chunk in self._units:
            if self.abandoned:
                return None
            batch = encoder.frames(chunk, self.generate.turn.context_id, audio)
            if batch.frames:
                return batch
        if self.generate.flush and not self._tail_sent:
            self._tail_sent = True
            tail = encoder.tail(audio, self.generate.turn.context_id)
            if tail:
                return Batch(tail, 0.0)
        return None


class Lane:
    """Plays one turn's generations in order; reports each one finished (or dropped)."""

    def __init__(
        self,
        pool: SynthesisPool,
        encoder: AudioEncoder,
        send: Callable[[str], Awaitable[None]],
        finished: Callable[[Generate], Awaitable[None]],
        failed: Callable[[Exception], Awaitable[None]],
    ):
        self._pool = pool
        self._encoder = encoder
        self._send = send
        self._finished = finished
        self._failed = failed
        self._jobs: deque[Job] = deque()
        self._audio = encoder.stream()  # one encoder per turn: its audio is one stream
        self._task: asyncio.Task[None] | None = None
        # When the turn's client runs out of the audio sent so far, played from its first frame:
        # the deadline of the turn's next unit (None: nothing sent yet, so the next is urgent).
        self._audio_end: float | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def submit(self, generate: Generate) -> None:
        self._jobs.append(Job(generate))
        if not self.busy:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def tail(self, context_id: str | None) -> list[str]:
        """At the turn's end (its lane idle): the frames with the encoder's last bytes, if any."""
        return self._encoder.tail(self._audio, context_id)

    def cancel_pending(self) -> None:
        """Murf `clear`: if none of this turn's synthesis has started, none of it will."""
        if any(job.started for job in self._jobs):
            return
        for job in self._jobs:
            if not job.try_cancel():
                return

    def abandon(self) -> None:
        """Nothing more will be sent (the socket is closing): no further unit is synthesized;
        the lane reports its generations finished as it drops them."""
        for job in self._jobs:
            job.try_cancel()
            job.abandoned = True

    def stop(self) -> asyncio.Task[None] | None:
        """Abandon everything (the socket is gone); the task to await, if one runs."""
        self.abandon()
        if self._task is not None and self.busy:
            self._task.cancel()
            self._task.add_done_callback(self._forget)
            return self._task
        return None

    def _forget(self, task: asyncio.Task[None]) -> None:
        """Let go of a stopped task and the turn's queued work. A cancelled task keeps its
        CancelledError, whose traceback holds this lane's frames (the lane, its jobs, the audio
        in flight); with the lane holding the task that is a cycle, which only a full collection
        frees, and those come by object counts, not bytes (issue 11, item 1: 1,000 abandoned
        sockets peaked at 180-200 MB RSS and kept +55 MB that way; after this 58-60 and +4-10)."""
        if self._task is task:
            self._task = None
        self._jobs.clear()

    async def _run(self) -> None:
        while self._jobs:
            job = self._jobs[0]
            try:
                await self._play(job)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the voice or encoding failed: the connection reports it
                _LOGGER.exception("synthesis failed for context %r", job.generate.turn.context_id)
                self._jobs.clear()
                await self._failed(error)
                return
            self._jobs.popleft()
            await self._finished(job.generate)

    async def _play(self, job: Job) -> None:
        def step() -> Batch | None:
            return job.step(self._pool, self._encoder, self._audio)

        batch = await self._pool.run(step, self._audio_end)
        while batch is not None:
            now = self._pool.clock()
            self._audio_end = max(self._audio_end or now, now) + batch.seconds
            upcoming = asyncio.ensure_future(self._next(step, self._audio_end))
            try:
                for frame in batch.frames:
                    await self._send(frame)
            except BaseException:
                upcoming.cancel()
                raise
            batch = await upcoming

    async def _next(self, step: Callable[[], Batch | None], audio_end: float) -> Batch | None:
        """The turn's next unit, once its client is within MAX_LEAD_SECONDS of the audio sent
        (`audio_end`: when that audio ends on the pool's clock)."""
        clock = self._pool.clock
        await sleep_on(clock, audio_end - MAX_LEAD_SECONDS - clock())
        return await self._pool.run(step, audio_end)
