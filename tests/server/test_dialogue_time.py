"""Text-to-Dialogue idle timeouts on the server's injected clock (20 s per context, reset by
any message for it, keep_alive included; 20 s for a socket with no context left), and fault
rehearsal (`--faults`) on this route through the Model protocol."""

from __future__ import annotations

import asyncio

import pytest

from tui.server import LocalServer
from tui.server.fault_plan import FaultPlan
from tui.server.faults import parse_faults

from .dialogue_wire import final, flush, keep_alive, say, ttd_url, turn_done, voices
from .wire import client, speaks_up_to, spoken_text


async def test_a_context_idle_for_20_s_closes_generating_its_buffer_then_is_final(start_local_server, manual_clock):
    server = await start_local_server(clock=manual_clock)
    async with client(ttd_url(server.url)) as ws:
        await ws.send(voices("t1"))
        await ws.send(say("t1", "Held words "))
        await ws.send(voices("sync"))
        await ws.send(flush("sync"))
        await ws.until(turn_done)  # both frames are read
        manual_clock.advance(19.5)
        await ws.send(keep_alive("sync"))
        await ws.send(flush("sync"))
        early = await ws.until(turn_done)
        manual_clock.advance(0.5)
        frames = await ws.until(lambda f: final(f, "t1"))
        assert ws.close_code is None
    assert [f for f in early if f.get("context_id") == "t1"] == []
    assert spoken_text(frames) == "Held words "


async def test_keep_alive_resets_its_contexts_clock(start_local_server, manual_clock):
    server = await start_local_server(clock=manual_clock)
    async with client(ttd_url(server.url)) as ws:
        await ws.send(voices("t1"))
        await ws.send(flush("t1"))
        await ws.until(turn_done)
        manual_clock.advance(15)
        await ws.send(keep_alive("t1"))
        await ws.send(flush("t1"))  # its answer proves the keep-alive was read
        await ws.until(turn_done)
        manual_clock.advance(15)  # 30 s since opening, 15 since the keep-alive
        await ws.send(say("t1", "Still open. "))
        await ws.send(flush("t1"))
        frames = await ws.until(turn_done)
    assert spoken_text(frames) == "Still open. "


async def test_a_socket_with_no_context_left_times_out_after_20_s_with_an_error_then_1008(
    start_local_server, manual_clock
):
    server = await start_local_server(clock=manual_clock)
    async with client(ttd_url(server.url)) as ws:
        await ws.send(voices("t1"))
        await ws.send({"context_id": "t1", "close_context": True})
        await ws.until(final)
        await asyncio.sleep(0.05)
        manual_clock.advance(20)
        frames = await ws.rest()
        assert ws.close_code == 1008
    assert [f["error"] for f in frames] == ["input_timeout_exceeded"]


async def test_quota_fault_answers_a_context_with_a_bare_is_final(voice_loader):
    async with (
        LocalServer(voice_loader("tone"), faults=FaultPlan(parse_faults("quota"))) as server,
        client(ttd_url(server.url)) as ws,
    ):
        await ws.send(voices("q"))
        await ws.send(say("q", "Hello there. "))
        await ws.send(flush("q"))
        assert await ws.recv() == {"is_final": True, "context_id": "q"}
        await ws.send(say("q", "Ignored words. "))  # the spent id is ignored until its close
        await ws.send({"context_id": "q", "close_context": True})  # releases the id
        await ws.send(voices("q"))  # a new context under the id: quota (p=1) answers it too
        await ws.send(say("q", "Hello again. "))
        await ws.send(flush("q"))
        assert await ws.recv() == {"is_final": True, "context_id": "q"}  # nothing of the ignored words came


async def test_ttfa_fault_holds_the_first_audio_on_the_servers_clock(voice_loader, manual_clock):
    async with (
        LocalServer(voice_loader("tone"), clock=manual_clock, faults=FaultPlan(parse_faults("ttfa=2s"))) as server,
        client(ttd_url(server.url)) as ws,
    ):
        await ws.send(voices("t1"))
        await ws.send(say("t1", "Late words. "))
        await ws.send(flush("t1"))
        with pytest.raises(TimeoutError):
            await ws.recv(timeout=0.5)
        manual_clock.advance(2)
        frames = await ws.until(speaks_up_to("Late words. "))
    assert spoken_text(frames) == "Late words. "


async def test_drop_fault_aborts_the_connection_after_the_first_audio(voice_loader):
    async with (
        LocalServer(voice_loader("tone"), faults=FaultPlan(parse_faults("drop=1"))) as server,
        client(ttd_url(server.url)) as ws,
    ):
        await ws.send(voices("d"))
        await ws.send(say("d", "Hello there. "))
        await ws.send(flush("d"))
        frames = await ws.rest()
        assert len(frames) == 1 and frames[0]["audio"]
        assert ws.close_code == 1006
