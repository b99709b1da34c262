"""Speaker progress hops from the audio thread to the loop, coalesced, and none is lost."""

from __future__ import annotations

import asyncio
import threading

from tui.core.speaker_link import ProgressHop


async def test_progress_from_another_thread_arrives_on_the_loop_coalesced_per_context():
    loop = asyncio.get_running_loop()
    batches: list[list] = []
    threads: set[int] = set()

    def sink(reports):
        threads.add(threading.get_ident())
        batches.append(reports)

    hop = ProgressHop(loop, sink)

    def audio_thread():
        for n in range(1, 2001):
            hop("turn_1", n, 16000, False)
            hop("turn_2", n * 2, 16000, n == 2000)

    worker = threading.Thread(target=audio_thread)
    worker.start()
    await asyncio.to_thread(worker.join, 10)
    for _ in range(50):
        await asyncio.sleep(0.01)
    last = {r.context_id: r for batch in batches for r in batch}
    assert threads == {threading.get_ident()}  # delivered on the loop thread
    assert last["turn_1"].heard_samples == 2000 and last["turn_2"].heard_samples == 4000
    assert last["turn_2"].finished and not last["turn_1"].finished
    assert sum(len(b) for b in batches) < 4000  # coalesced, not one per report


async def test_a_finished_report_survives_coalescing_with_later_ones():
    loop = asyncio.get_running_loop()
    got: list = []
    hop = ProgressHop(loop, got.extend)
    hop("a", 10, 8000, True)
    hop("a", 12, 8000, False)
    await asyncio.sleep(0.05)
    assert [(r.heard_samples, r.finished) for r in got] == [(12, True)]


async def test_a_report_after_the_loop_closed_is_dropped_quietly():
    loop = asyncio.new_event_loop()
    got: list = []
    hop = ProgressHop(loop, got.extend)
    loop.close()
    hop("a", 1, 8000, False)  # must not raise on the audio thread
    hop("b", 2, 8000, True)  # nor a later one
    assert got == []  # nobody is told: the console is gone
