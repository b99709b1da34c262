"""Drives a pipecat TTS service through a minimal pipeline: the frames an LLM and a user would send.

A turn is LLMFullResponseStartFrame, one LLMTextFrame per sentence, LLMFullResponseEndFrame (what
an LLM service pushes); the interruption is an InterruptionFrame (what pipecat pushes when the user
starts speaking), which reaches the service's `_handle_interruption`. A collector after the
service sees what a transport would play; one before it sees errors pushed upstream.
"""

from __future__ import annotations

import asyncio
import time

from pipecat.frames.frames import (
    EndFrame,
    ErrorFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSAudioRawFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.workers.runner import WorkerRunner

from .script import LATE_AUDIO_WINDOW, TURN_TIMEOUT, TURNS, emit


class Collector(FrameProcessor):
    """Records audio per context id, turn ends, and errors; passes every frame on."""

    def __init__(self) -> None:
        super().__init__()
        self.contexts: list[str] = []  # in order of TTSStartedFrame
        self.audio: dict[str, int] = {}
        self.stopped: set[str] = set()
        self.interrupted_at: dict[str, float] = {}
        self.watch: str | None = None  # the context an InterruptionFrame, once here, cuts
        self.changed = asyncio.Event()

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, InterruptionFrame) and self.watch:
            # Past the service: from here on the interrupted context's audio must not come.
            self.interrupted_at[self.watch] = time.monotonic()
        elif isinstance(frame, ErrorFrame):
            emit("error", where="pipeline", message=str(frame.error)[:300])
        elif isinstance(frame, TTSStartedFrame) and frame.context_id not in self.contexts:
            self.contexts.append(frame.context_id)
        elif isinstance(frame, TTSAudioRawFrame):
            ctx = frame.context_id
            if ctx in self.interrupted_at:
                emit(
                    "late_audio",
                    context=ctx,
                    bytes=len(frame.audio),
                    after=round(time.monotonic() - self.interrupted_at[ctx], 3),
                )
            self.audio[ctx] = self.audio.get(ctx, 0) + len(frame.audio)
        elif isinstance(frame, TTSStoppedFrame):
            self.stopped.add(frame.context_id)
        self.changed.set()
        await self.push_frame(frame, direction)

    async def wait_for(self, condition, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                return condition()
        return True


def _sentences(name: str) -> list:
    return [LLMTextFrame(text + " ") for text in TURNS[name]]


async def drive(service, params: PipelineParams) -> None:
    errors, sink = Collector(), Collector()
    worker = PipelineWorker(
        Pipeline([errors, service, sink]),
        params=params,
        idle_timeout_secs=None,
        enable_rtvi=False,
        check_dangling_tasks=False,
    )
    runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=False)
    await runner.add_workers(worker)
    running = asyncio.create_task(runner.run())

    async def spoken_turn(name: str, index: int) -> None:
        emit("turn", turn=name)
        await worker.queue_frames([LLMFullResponseStartFrame(), *_sentences(name), LLMFullResponseEndFrame()])
        started = await sink.wait_for(lambda: len(sink.contexts) > index, TURN_TIMEOUT)
        ctx = sink.contexts[index] if started else None
        if ctx and await sink.wait_for(lambda: sink.audio.get(ctx, 0) > 0, TURN_TIMEOUT):
            emit("audio", turn=name, context=ctx)
        ended = bool(ctx) and await sink.wait_for(lambda: ctx in sink.stopped, TURN_TIMEOUT)
        emit("turn_end", turn=name, context=ctx, bytes=sink.audio.get(ctx, 0) if ctx else 0, ended=ended)

    async def interrupted_turn(index: int) -> None:
        emit("turn", turn="interrupted")
        await worker.queue_frames([LLMFullResponseStartFrame(), *_sentences("interrupted")])
        started = await sink.wait_for(lambda: len(sink.contexts) > index, TURN_TIMEOUT)
        ctx = sink.contexts[index] if started else None
        if ctx and await sink.wait_for(lambda: sink.audio.get(ctx, 0) > 0, TURN_TIMEOUT):
            emit("audio", turn="interrupted", context=ctx)
        sink.watch = ctx
        await worker.queue_frame(InterruptionFrame())
        emit("interrupted", turn="interrupted", context=ctx)
        await asyncio.sleep(LATE_AUDIO_WINDOW)
        emit("turn_end", turn="interrupted", context=ctx, bytes=sink.audio.get(ctx, 0) if ctx else 0, ended=True)

    try:
        await spoken_turn("turn1", 0)
        await interrupted_turn(1)
        await spoken_turn("final", 2)
    finally:
        await worker.queue_frame(EndFrame())  # the service's stop: close_socket, then waits for the close
        try:
            await asyncio.wait_for(running, 10)
        except TimeoutError:
            emit("error", where="shutdown", message="the pipeline did not stop within 10 s of EndFrame")
            await worker.cancel()
    emit("done")
