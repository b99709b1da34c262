"""The WebSocket client and reconnect backoff, against the real local server on loopback."""

from __future__ import annotations

import asyncio

import pytest

from tui.net import Backoff, ConnectError, WebSocketTransport, sleep_until
from tui.protocol import elevenlabs
from tui.protocol.secret import Secret
from tui.protocol.urls import elevenlabs_url, murf_url

SECRET = "wrong-key-7f3a9c1e"


# ---- backoff -----------------------------------------------------------------------------------


def test_backoff_doubles_from_the_initial_delay_up_to_the_cap():
    backoff = Backoff(initial=0.5, factor=2, cap=5, jitter=0)
    assert [backoff.next_delay() for _ in range(6)] == [0.5, 1, 2, 4, 5, 5]
    assert backoff.attempt == 6
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_jitter_spreads_each_delay_within_its_fraction():
    low = Backoff(initial=1, jitter=0.2, rand=lambda: 0.0)
    high = Backoff(initial=1, jitter=0.2, rand=lambda: 0.999999)
    assert low.next_delay() == pytest.approx(0.8) and high.next_delay() == pytest.approx(1.2)


def test_the_next_attempt_is_a_deadline_on_the_injected_clock(frozen_clock):
    backoff = Backoff(initial=0.5, jitter=0)
    assert backoff.deadline(frozen_clock) == frozen_clock() + 0.5
    frozen_clock.advance(10)
    assert backoff.deadline(frozen_clock) == frozen_clock() + 1.0


@pytest.mark.parametrize("bad", [dict(initial=0), dict(factor=0.5), dict(cap=0.1), dict(jitter=1)])
def test_nonsense_backoff_settings_are_refused(bad):
    with pytest.raises(ValueError):
        Backoff(**bad)


async def test_sleep_until_returns_early_when_woken():
    wake = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.call_later(0.05, wake.set)
    start = loop.time()
    assert await sleep_until(loop.time() + 30, loop.time, wake) is True
    assert loop.time() - start < 5


# ---- the transport -----------------------------------------------------------------------------


async def test_a_refused_port_is_one_readable_line(unused_tcp_port):
    transport = WebSocketTransport(f"ws://127.0.0.1:{unused_tcp_port}/x")
    with pytest.raises(ConnectError) as info:
        await transport.connect()
    assert str(info.value).startswith(f"cannot reach ws://127.0.0.1:{unused_tcp_port}/x")
    assert "\n" not in str(info.value)


async def test_an_unknown_path_is_reported_as_http_404(local_server):
    transport = WebSocketTransport(local_server + "/v2/nothing-here")
    with pytest.raises(ConnectError, match=r"HTTP 404 \(check the URL path and voice id\)"):
        await transport.connect()


async def test_a_refused_key_is_named_but_never_shown(start_local_server):
    server = await start_local_server(api_key="the-right-key")
    url = murf_url(server.url, format="PCM", sample_rate=24000, **{"api-key": SECRET})
    transport = WebSocketTransport(url, {"api-key": SECRET}, secrets=[Secret(SECRET)])
    with pytest.raises(ConnectError) as info:
        await transport.connect()
    message = str(info.value)
    assert "HTTP 403 (check the API key)" in message
    assert SECRET not in message and SECRET not in transport.url


async def test_the_servers_close_code_and_reason_are_surfaced(local_server):
    transport = WebSocketTransport(elevenlabs_url(local_server, "joe"))
    await transport.connect()
    await transport.send("this is not json")
    frames = [frame async for frame in transport.receive()]  # ends when the server closes
    assert elevenlabs.JSON_DECODE_MESSAGE in frames[-1]  # the service's quoted text (PROTOCOL.md §5)
    assert transport.close_code == 1008 and "parse" in transport.close_reason.lower()
    await transport.close()


async def test_a_turn_round_trip_with_the_key_in_a_header(start_local_server):
    server = await start_local_server(api_key="the-right-key")
    transport = WebSocketTransport(elevenlabs_url(server.url, "joe"), {"xi-api-key": "the-right-key"})
    await transport.connect()
    await transport.send('{"text":"Hi. ","context_id":"a","flush":true}')
    await transport.send('{"context_id":"a","close_context":true}')
    received = []
    async for frame in transport.receive():
        received.append(frame)
        if '"isFinal":true' in frame:
            break
    await transport.close()
    assert any('"audio"' in f for f in received) and transport.close_code == 1000
