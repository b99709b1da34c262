"""The Cartesia route's limits, time rules and handshake (PROTOCOL-DIALECTS.md §2.1, §2.4), on
loopback: account concurrency (429 error frame), the 1-second expiry, the 5-minute idle close,
auth, the API version, `//tts/websocket`, the socket cap, and fault rehearsal on this route."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest
from websockets.exceptions import InvalidStatus

from tui.server import LocalServer
from tui.server.cartesia_contexts import EXPIRY_SECONDS
from tui.server.fault_plan import FaultPlan
from tui.server.faults import parse_faults

from .cartesia_wire import cartesia_endpoint, is_done, of_type, pcm, request
from .wire import client


async def test_a_context_past_the_account_concurrency_gets_the_429_error_on_any_socket(voice_loader):
    async with (
        LocalServer(voice_loader("tone"), cartesia_concurrency=2) as server,
        client(cartesia_endpoint(server.url)) as one,
        client(cartesia_endpoint(server.url)) as two,
    ):
        await one.send(request("a", "waiting words"))  # open, buffered: active
        await two.send(request("b", "waiting words"))
        await two.send(request("c", "one too many"))
        error = await two.recv()
        assert error["type"] == "error" and error["done"] is True and error["status_code"] == 429
        assert error["error_code"] == "concurrency_limited" and error["context_id"] == "c"
        assert error["title"] == "Too many concurrent requests"
        await one.send({"context_id": "a", "cancel": True})  # cancelled: no longer active
        await one.until(is_done("a"))
        await two.send(request("c", "Now it fits.", more=False))
        frames = await two.until(is_done("c"))
        assert pcm(frames) and two.close_code is None


async def test_an_ended_context_stays_active_one_second_after_its_last_audio(voice_loader, manual_clock):
    async with (
        LocalServer(voice_loader("tone"), clock=manual_clock, cartesia_concurrency=1) as server,
        client(cartesia_endpoint(server.url)) as ws,
    ):
        await ws.send(request("a", "Hi.", more=False))
        await ws.until(is_done("a"))
        await ws.send(request("b", "Too soon."))
        refused = await ws.recv()
        await ws.send(request("a", "Reused too soon."))
        reused = await ws.recv()
        manual_clock.advance(EXPIRY_SECONDS)
        await asyncio.sleep(0.05)
        await ws.send(request("b", "Now.", more=False))
        frames = await ws.until(is_done("b"))
        manual_clock.advance(EXPIRY_SECONDS)  # b, in turn, is active for its second
        await asyncio.sleep(0.05)
        await ws.send(request("a", "Again.", more=False))  # after expiry the id opens a new context
        again = await ws.until(lambda f: f["context_id"] == "a" and f["done"] is True)
    assert refused["status_code"] == 429 and refused["context_id"] == "b"
    assert reused["status_code"] == 400 and "expired" in reused["message"]
    assert pcm(frames) and pcm(again)


async def test_an_open_context_with_continue_true_does_not_expire(voice_loader, manual_clock):
    async with (
        LocalServer(voice_loader("tone"), clock=manual_clock) as server,
        client(cartesia_endpoint(server.url)) as ws,
    ):
        await ws.send(request("slow", "First sentence. ", max_buffer_delay_ms=0))
        await ws.until(lambda f: f["type"] == "flush_done")
        manual_clock.advance(30)  # a slow LLM between sentences
        await asyncio.sleep(0.05)
        await ws.send(request("slow", "Second one.", more=False, max_buffer_delay_ms=0))
        frames = await ws.until(is_done("slow"))
    assert not of_type(frames, "error") and pcm(frames)


async def test_buffered_text_goes_when_its_buffer_delay_passes(voice_loader, manual_clock):
    async with (
        LocalServer(voice_loader("tone"), clock=manual_clock) as server,
        client(cartesia_endpoint(server.url)) as ws,
    ):
        await ws.send(request("w", "no sentence end", max_buffer_delay_ms=500))
        await ws.send(request("sync", "Sync.", more=False))
        before = await ws.until(is_done("sync"))
        assert not [f for f in before if f["context_id"] == "w"]
        manual_clock.advance(0.5)
        frames = await ws.until(lambda f: f["type"] == "chunk" and f["context_id"] == "w")
    assert frames


async def test_an_idle_socket_closes_after_five_minutes_with_1000_connection_idle_timeout(voice_loader, manual_clock):
    async with (
        LocalServer(voice_loader("tone"), clock=manual_clock) as server,
        client(cartesia_endpoint(server.url)) as ws,
    ):
        await ws.send(request("a", "Hi.", more=False))
        await ws.until(is_done("a"))
        manual_clock.advance(299)
        await asyncio.sleep(0.05)
        assert ws.close_code is None
        manual_clock.advance(1)
        assert await ws.rest() == []
    assert ws.close_code == 1000 and ws.close_reason == "connection idle timeout"


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"X-API-Key": "sk-good"}, {}),
        ({"Authorization": "Bearer sk-good"}, {}),
        ({}, {"api_key": "sk-good"}),
        ({}, {"access_token": "sk-good"}),
    ],
)
async def test_every_way_cartesia_takes_a_key_is_accepted(start_local_server, headers, query):
    server = await start_local_server(api_key="sk-good")
    async with client(cartesia_endpoint(server.url, **query), additional_headers=headers) as ws:
        await ws.send(request("k", "Hi.", more=False))
        assert pcm(await ws.until(is_done("k")))


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "sk-bad"}])
async def test_a_missing_or_wrong_key_is_refused_with_401_at_the_handshake(start_local_server, headers):
    server = await start_local_server(api_key="sk-good")
    with pytest.raises(InvalidStatus) as refused:
        async with client(cartesia_endpoint(server.url), additional_headers=headers):
            pass
    assert refused.value.response.status_code == 401
    assert b"sk-good" not in refused.value.response.body


async def test_the_version_comes_by_query_or_header_the_query_winning(local_server):
    async with client(cartesia_endpoint(local_server, None), additional_headers={"Cartesia-Version": "2026-03-01"}):
        pass
    with pytest.raises(InvalidStatus) as missing:
        async with client(cartesia_endpoint(local_server, None)):
            pass
    with pytest.raises(InvalidStatus) as bad_query:  # the query wins over a good header
        async with client(
            cartesia_endpoint(local_server, "latest"), additional_headers={"Cartesia-Version": "2026-03-01"}
        ):
            pass
    assert missing.value.response.status_code == 400 and b"cartesia_version" in missing.value.response.body
    assert bad_query.value.response.status_code == 400


async def test_a_base_url_with_a_trailing_slash_reaches_the_route(local_server):
    async with client(f"{local_server}//tts/websocket?cartesia_version=2025-04-16") as ws:
        await ws.send(request("s", "Hi.", more=False))
        assert pcm(await ws.until(is_done("s")))


async def test_sockets_past_ten_times_the_concurrency_are_refused_with_http_429(voice_loader):
    async with LocalServer(voice_loader("tone"), cartesia_concurrency=1) as server:
        url = cartesia_endpoint(server.url)
        async with AsyncExitStack() as sockets:
            for _ in range(10):
                await sockets.enter_async_context(client(url))
            with pytest.raises(InvalidStatus) as refused:
                await sockets.enter_async_context(client(url))
    assert refused.value.response.status_code == 429


async def test_fault_rehearsal_runs_on_the_cartesia_route(voice_loader):
    plan = FaultPlan(parse_faults("quota,ttfa=50ms"), 1)
    async with LocalServer(voice_loader("tone"), faults=plan) as server, client(cartesia_endpoint(server.url)) as ws:
        await ws.send(request("q", "Hello there.", more=False))
        frames = await ws.until(is_done("q"))
    # The exhausted quota: done at once, no audio, no error (as on the other routes).
    assert [f["type"] for f in frames] == ["done"]


async def test_first_audio_delay_from_the_fault_plan_delays_cartesia_chunks(voice_loader, manual_clock):
    plan = FaultPlan(parse_faults("ttfa=2s"), 1)
    async with (
        LocalServer(voice_loader("tone"), clock=manual_clock, faults=plan) as server,
        client(cartesia_endpoint(server.url)) as ws,
    ):
        await ws.send(request("t", "Hi.", more=False))
        with pytest.raises(asyncio.TimeoutError):
            await ws.recv(timeout=0.3)
        manual_clock.advance(2)
        frames = await ws.until(is_done("t"))
    assert pcm(frames)


async def test_a_context_the_quota_fault_answered_frees_its_place_in_the_account(voice_loader):
    plan = FaultPlan(parse_faults("quota"), 1)
    async with (
        LocalServer(voice_loader("tone"), faults=plan, cartesia_concurrency=1) as server,
        client(cartesia_endpoint(server.url)) as ws,
    ):
        await ws.send(request("q1", "Hello there."))  # open (continue true), answered at once by the fault
        first = await ws.until(is_done("q1"))
        await ws.send(request("q2", "Hello again."))
        second = await ws.until(is_done("q2"))
    assert [f["type"] for f in first] == ["done"] and [f["type"] for f in second] == ["done"]  # no 429


async def test_generation_config_speed_sets_the_voices_pace(local_server):
    async with client(cartesia_endpoint(local_server)) as ws:
        await ws.send(request("fast", "abcdef.", more=False, generation_config={"speed": 1.5}))
        fast = await ws.until(is_done("fast"))
        await ws.send(request("slow", "abcdef.", more=False, speed="slow"))
        slow = await ws.until(is_done("slow"))
        await ws.send(request("clamped", "abcdef.", more=False, generation_config={"speed": 9}))
        clamped = await ws.until(is_done("clamped"))
    assert len(pcm(fast)) == 2 * round(7 * 0.06 / 1.5 * 24000)
    assert len(pcm(slow)) == 2 * round(7 * 0.06 / 0.8 * 24000)
    assert len(pcm(clamped)) == len(pcm(fast))  # 0.6-1.5, as documented


async def test_a_key_in_the_query_never_reaches_the_servers_log(start_local_server, caplog):
    caplog.set_level("INFO")
    server = await start_local_server(api_key="sk-very-secret")
    async with client(cartesia_endpoint(server.url, api_key="sk-very-secret")) as ws:
        await ws.send(request("k", "Hi.", more=False))
        await ws.until(is_done("k"))
    assert "sk-very-secret" not in caplog.text and "api_key=***" in caplog.text


def test_serve_takes_the_account_concurrency_and_refuses_a_bad_one(capsys):
    import argparse

    from tui.server.cli import add_serve_arguments

    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    assert parser.parse_args([]).cartesia_concurrency == 15
    assert parser.parse_args(["--cartesia-concurrency", "2"]).cartesia_concurrency == 2
    with pytest.raises(SystemExit):
        parser.parse_args(["--cartesia-concurrency", "0"])
    assert "cartesia concurrency" in capsys.readouterr().err
