"""The local server under abuse (issue 11, items 1, 3, 5, 6 and the per-connection caps): each test
counts what is left (live connections, table sizes, frames), never wall-clock time.

bench/abuse.py reproduces the same abuse against a server subprocess and prints the figures.
"""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import weakref

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from tui.protocol import murf
from tui.protocol.elevenlabs import SendText as ElevenLabsText
from tui.protocol.murf import SendText as MurfText, SetVoiceConfig, VoiceConfig
from tui.server import ManualClock, connection as runtime_module, synthesis
from tui.server.actions import MAX_UNSPOKEN_CHARS
from tui.server.connection import CLOSE_GRACE_SECONDS, NOT_READING_REASON, SEND_STALL_SECONDS
from tui.server.contexts import MultiContextConnection
from tui.server.murf_turns import TEXT_CAP_ERROR, MurfConnection

from .wire import audio_of, client, context_of, is_final, multi_url, murf_endpoint, single_url, text

WAIT = 10.0


@pytest.fixture
def runtimes(monkeypatch) -> weakref.WeakSet:
    """Every ConnectionRuntime the server builds during the test, held weakly."""
    made: weakref.WeakSet = weakref.WeakSet()
    init = runtime_module.ConnectionRuntime.__init__

    def tracked(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.add(self)

    monkeypatch.setattr(runtime_module.ConnectionRuntime, "__init__", tracked)
    return made


async def settled(runtimes: weakref.WeakSet, timeout: float = WAIT) -> int:
    """How many connections are still alive once they stop going away (bounded wait)."""
    for _ in range(int(timeout / 0.05)):
        gc.collect()
        if not runtimes:
            return 0
        await asyncio.sleep(0.05)
    gc.collect()
    return len(runtimes)


# ---- 1. abnormal ends leave nothing behind ------------------------------------------------


async def abandon_mid_stream(url: str, how: str) -> None:
    """Five contexts of 200 words flushed, 20 kB read, one more frame, then gone (RST or close)."""
    ws = await connect(url, open_timeout=WAIT, max_size=None)
    words = " ".join(["word"] * 200) + " "
    for n in range(5):
        await ws.send(json.dumps(text(f"c{n}", words, flush=True)))
    read = 0
    while read < 20_000:
        read += len(await asyncio.wait_for(ws.recv(), WAIT))
    await ws.send(json.dumps(text("c0", "more ")))  # the server wakes its watcher as the socket dies
    if how == "reset":
        ws.transport.abort()
    else:
        await ws.close()


async def test_connections_that_end_abnormally_leave_no_handler_alive(start_local_server, runtimes):
    server = await start_local_server()
    url = multi_url(server.url)
    for how in ("reset", "reset", "close"):
        await asyncio.gather(*(abandon_mid_stream(url, how) for _ in range(15)))
    assert await settled(runtimes) == 0
    assert not [task for task in asyncio.all_tasks() if "ConnectionRuntime" in repr(task.get_coro())]


@pytest.fixture
def no_cycle_collection():
    """The cyclic garbage collector off for the test: what is still alive then is held by a
    reference cycle (or a live reference), not merely waiting for its turn."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


async def test_the_audio_of_an_abandoned_connection_is_freed_when_it_ends_not_at_the_next_collection(
    start_local_server, monkeypatch, no_cycle_collection
):
    # A stopped lane's task keeps its CancelledError, whose traceback holds the lane's frames: the
    # lane holding the task made a cycle that kept every abandoned turn's job, unit iterator and
    # audio in flight until a full collection (issue 11, item 1: ~50 MB over 1,000 sockets).
    jobs: weakref.WeakSet = weakref.WeakSet()
    made = 0
    init = synthesis.Job.__init__

    def tracked(self, *args, **kwargs):
        nonlocal made
        init(self, *args, **kwargs)
        jobs.add(self)
        made += 1

    monkeypatch.setattr(synthesis.Job, "__init__", tracked)
    server = await start_local_server()
    url = multi_url(server.url)
    for how in ("reset", "close"):
        await asyncio.gather(*(abandon_mid_stream(url, how) for _ in range(8)))
    for _ in range(int(WAIT / 0.05)):  # bounded: the handlers finish their teardown
        if not jobs:
            break
        await asyncio.sleep(0.05)
    assert made >= 16 * 5
    assert len(jobs) == 0


def server_connections_alive() -> int:
    return sum(type(o) is ServerConnection for o in gc.get_objects())  # type(): proxies among them


async def test_once_the_last_connection_has_ended_the_server_collects_what_cycles_still_hold(
    start_local_server, no_cycle_collection
):
    # websockets' connection, protocol and transport objects refer to each other: with nothing but
    # reference counting they stay. The server collects them itself when it goes idle
    # (tui/server/memory.py), so this holds with the interpreter's own collections off.
    server = await start_local_server()
    url = multi_url(server.url)
    await asyncio.gather(*(abandon_mid_stream(url, how) for how in ("reset", "close") * 4))
    for _ in range(int(WAIT / 0.05)):  # bounded: teardown, then the server's idle delay
        if not server_connections_alive():
            break
        await asyncio.sleep(0.05)
    assert server_connections_alive() == 0


# ---- 3. Murf: every per-socket table is bounded, and goes with the socket -------------------


def test_murf_voice_configs_for_ids_beyond_the_limit_are_refused_not_remembered():
    model = MurfConnection(ManualClock())
    config = VoiceConfig(rate=10)
    answers = [model.receive(SetVoiceConfig(config, f"id{n}")) for n in range(5_000)]
    answers += [model.receive(MurfText("words", f"t{n}", voice_config=config)) for n in range(5_000)]
    assert len(model.speeds) + len(model.turns) <= model.max_contexts + 1
    refused = [a for a in answers if a]
    assert len(refused) >= 10_000 - model.max_contexts
    assert all(a[0].error == murf.context_limit_error(a[0].error.context_id) for a in refused)


async def test_twenty_thousand_murf_context_requests_are_refused_past_the_limit(start_local_server, runtimes):
    server = await start_local_server()
    async with client(murf_endpoint(server.url)) as ws:
        for n in range(3_000):
            await ws.send({"text": "no sentence end yet", "context_id": f"ctx{n}", "voice_config": {"rate": 5}})
        errors = [await ws.recv() for _ in range(3_000 - murf.MAX_ACTIVE_CONTEXTS)]
        assert {e["error"] for e in errors} == {murf.CONTEXT_LIMIT_MESSAGE}
        assert {e["context_id"] for e in errors} == {f"ctx{n}" for n in range(murf.MAX_ACTIVE_CONTEXTS, 3_000)}
        (runtime,) = list(runtimes)
        model = runtime._model
        assert len(model.turns) == murf.MAX_ACTIVE_CONTEXTS and len(model.speeds) <= 1
        del runtime, model
    assert await settled(runtimes) == 0


def test_text_waiting_to_be_spoken_is_capped_per_connection_with_each_dialects_error():
    eleven = MultiContextConnection(ManualClock())
    chunk = "x " * (MAX_UNSPOKEN_CHARS // 8)
    answers = [eleven.receive(ElevenLabsText(chunk, "a", flush=True)) for _ in range(5)]
    assert [type(a[0]).__name__ for a in answers] == ["Generate"] * 4 + ["SendError"]
    assert answers[-1][0].error.context_id == "a" and not eleven.done
    model = MurfConnection(ManualClock())
    answers = [model.receive(MurfText(chunk + ".", "m")) for _ in range(5)]
    assert answers[-1][0].error.message == TEXT_CAP_ERROR and answers[-1][0].error.context_id == "m"
    assert not model.done


# ---- 5. one context's bad text is that context's error, nothing more ------------------------


@pytest.mark.parametrize("bad", ["\ud800", "a\x00b"], ids=["lone-surrogate", "nul"])
async def test_bad_text_in_one_elevenlabs_context_is_its_error_and_the_others_go_on(local_server, bad):
    async with client(multi_url(local_server)) as ws:
        await ws.send(text("good", "Hello there "))
        await ws.send(text("bad", "fine words "))
        await ws.send(text("bad", bad + " ", flush=True))
        error = await ws.recv()
        assert error["error"] == "invalid_text" and context_of(error) == "bad"
        await ws.send(text("good", "again.", flush=True))
        await ws.send({"context_id": "good", "close_context": True})
        frames = await ws.until(lambda f: is_final(f, "good"))
        assert audio_of(frames, "good")
        await ws.send({"context_id": "bad", "close_context": True})
        await ws.until(lambda f: is_final(f, "bad"))
        assert ws.close_code is None


async def test_bad_text_on_the_single_context_route_is_an_error_frame_not_a_close(local_server):
    async with client(single_url(local_server)) as ws:
        await ws.send({"text": " "})
        await ws.send({"text": "a\x00b ", "flush": True})
        error = await ws.recv()
        assert error["error"] == "invalid_text" and "NUL" in error["message"]
        await ws.send({"text": "Still here.", "flush": True})
        await ws.send({"text": ""})
        frames = await ws.rest()
        assert audio_of(frames) and ws.close_code == 1000


@pytest.mark.parametrize("bad", ["\udc00", "\x00"], ids=["lone-surrogate", "nul"])
async def test_bad_text_in_one_murf_context_is_its_error_and_the_others_go_on(local_server, bad):
    async with client(murf_endpoint(local_server)) as ws:
        await ws.send({"text": "Hello", "context_id": "good"})
        await ws.send({"text": "x" + bad, "context_id": "bad"})
        error = await ws.recv()
        assert context_of(error) == "bad" and "cannot be spoken" in error["error"]
        await ws.send({"text": " there.", "context_id": "good", "end": True})
        frames = await ws.until(lambda f: is_final(f, "good"))
        assert audio_of(frames, "good")
        assert ws.close_code is None


async def test_a_context_id_that_is_a_lone_surrogate_is_echoed_escaped_not_a_dead_socket(local_server):
    async with client(multi_url(local_server)) as ws:
        await ws.send(text("\ud800", "Hi there.", flush=True))
        await ws.send({"context_id": "\ud800", "close_context": True})
        frames = await ws.until(lambda f: is_final(f))
        assert context_of(frames[-1]) == "\ud800" and audio_of(frames, "\ud800")


# ---- 6. a client that never reads is let go -------------------------------------------------


async def silent_reader(url: str):
    """A client whose socket takes almost nothing in: it never reads."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = url.split("//")[1].split("/")[0].split(":")
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    return await connect(url, sock=sock, open_timeout=WAIT, max_size=None, max_queue=1)


async def blocked(runtimes: weakref.WeakSet) -> None:
    """Until the server has a frame for the client that cannot go out (bounded)."""
    for _ in range(int(WAIT / 0.05)):
        if any(runtime.blocked_sends for runtime in runtimes):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the server never blocked on the silent client")


async def stalled_past_the_deadline(start_local_server, runtimes: weakref.WeakSet):
    """A silent Murf client flooded with audio the server cannot send, its stall deadline passed."""
    clock = ManualClock()
    server = await start_local_server(clock=clock)
    ws = await silent_reader(murf_endpoint(server.url))
    await ws.send(json.dumps({"text": "ab " * 20_000, "context_id": "flood", "end": True}))
    await blocked(runtimes)
    clock.advance(SEND_STALL_SECONDS + 0.5)  # close 1008 queued behind the unread audio
    return clock, ws


async def test_a_client_that_never_reads_is_closed_then_aborted_on_the_servers_clock(start_local_server, runtimes):
    clock, ws = await stalled_past_the_deadline(start_local_server, runtimes)
    await asyncio.sleep(0.2)
    assert len(runtimes) == 1  # not yet: the client may still read its close
    clock.advance(CLOSE_GRACE_SECONDS + 0.5)  # it did not: the TCP connection is aborted
    assert await settled(runtimes) == 0
    with pytest.raises(ConnectionClosed):
        while True:  # what it finally reads ends in the reset
            await asyncio.wait_for(ws.recv(), WAIT)
    assert ws.close_code == 1006


async def test_a_client_that_reads_again_after_the_stall_gets_close_1008(start_local_server, runtimes):
    _, ws = await stalled_past_the_deadline(start_local_server, runtimes)
    with pytest.raises(ConnectionClosed):
        while True:  # reading again: the queued audio, then the close
            await asyncio.wait_for(ws.recv(), WAIT)
    assert (ws.close_code, ws.close_reason) == (1008, NOT_READING_REASON)
    assert await settled(runtimes) == 0


async def test_a_slow_but_reading_client_is_never_let_go(start_local_server, runtimes):
    clock = ManualClock()
    server = await start_local_server(clock=clock)
    async with client(murf_endpoint(server.url)) as ws:
        await ws.send({"text": "ab " * 40, "context_id": "c", "end": True})
        frames = []
        while not frames or not is_final(frames[-1]):
            frames.append(await ws.recv())
            clock.advance(1.0)  # more than SEND_STALL_SECONDS pass on the server's clock, frames keep going
        assert len(frames) > SEND_STALL_SECONDS
        assert audio_of(frames, "c") and ws.close_code is None
