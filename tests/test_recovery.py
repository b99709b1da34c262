"""The console recovers by itself (issue 11, item 9).

A loopback server that comes back is reconnected within a second of listening, whatever the
downtime (it is probed every 0.5 s, quietly); a remote service keeps capped exponential backoff
with jitter; a dead embedded server is restarted with backoff, said in the banner, and given up
after a few failed restarts in a row until F5. Real servers on loopback, the real client.
"""

from __future__ import annotations

import asyncio
import os
import signal

from websockets.asyncio.server import serve

from tests.test_core_console import shutdown_after, wait_for  # noqa: F401 (a fixture)
from tui.core import Console, resolve_config
from tui.core.connection import Connection, Hooks
from tui.core.embedded import EmbeddedServer
from tui.net import Backoff, WebSocketTransport
from tui.server import LocalServer
from tui.session import Disconnected, ReconnectScheduled, SlotState, StatusUpdate
from tui.session.status import ConnectionState, StatusStrip
from tui.ui.widgets.status import connection_fields, connection_text


def steady(**options) -> Backoff:
    return Backoff(**{"rand": lambda: 0.5, **options})


def bare_connection(url: str, clock, backoff: Backoff, **options) -> tuple[Connection, list[object]]:
    """A Connection with only the hooks a failed connect uses; every event it applies is kept."""
    events: list[object] = []
    hooks = Hooks(
        apply=events.append,
        received=lambda raw: None,
        sent=lambda text: None,
        up=lambda: None,
        down=lambda *a: None,
        idle_after_expected_close=lambda: False,
        error_in=lambda raw: None,
        key_refused=lambda words: None,
    )
    return Connection(
        lambda: WebSocketTransport(url), hooks, clock=clock, backoff=backoff, auto_reconnect=True, **options
    ), events


def waits_in(events: list[object], clock) -> list[float]:
    """Each scheduled wait in seconds (the clock is frozen): the first of an outage is a
    ReconnectScheduled, the quiet probes after it only move the strip's deadline."""
    waits = []
    for event in events:
        if isinstance(event, ReconnectScheduled):
            waits.append(round(event.at - clock(), 6))
        elif isinstance(event, StatusUpdate) and event.fields.get("reconnect_at") is not None:
            waits.append(round(event.fields["reconnect_at"] - clock(), 6))
    return waits


def rules_in(events: list[object]) -> set[object]:
    return {
        e.fields["reconnect_every"] for e in events if isinstance(e, StatusUpdate) and "reconnect_every" in e.fields
    }


async def scheduled_waits(connection: Connection, events: list[object], clock, count: int) -> list[float]:
    """Run the connection until it has scheduled `count` retries; each wait in seconds."""
    task = asyncio.ensure_future(connection.run())
    try:
        await wait_for(lambda: len(waits_in(events, clock)) >= count, timeout=10)
    finally:
        await connection.close()
        await asyncio.wait_for(task, 5)
    return waits_in(events, clock)[:count]


# ---- the rule: which wait applies ---------------------------------------------------------------


def test_a_loopback_server_not_listening_is_probed_every_half_second():
    backoff = steady()
    assert [backoff.next_probe() for _ in range(8)] == [0.5] * 8 and backoff.tries == 8
    assert backoff.next_delay() == 0.5  # probes do not grow the backoff
    assert Backoff(initial=0.02, cap=0.2).next_probe() == 0.2  # never past the cap


async def test_a_remote_endpoint_that_cannot_be_reached_keeps_exponential_backoff(frozen_clock, unused_tcp_port):
    # A closed loopback port stands in for an unreachable host; the rule is told it is remote.
    connection, events = bare_connection(
        f"ws://127.0.0.1:{unused_tcp_port}", frozen_clock, steady(initial=0.01, cap=0.08), is_local=lambda url: False
    )
    waits = await scheduled_waits(connection, events, frozen_clock, 6)
    assert waits == [0.01, 0.02, 0.04, 0.08, 0.08, 0.08]
    scheduled = [e for e in events if isinstance(e, ReconnectScheduled)]
    assert [e.attempt for e in scheduled[:6]] == [2, 3, 4, 5, 6, 7] and rules_in(events) == {None}


async def test_a_loopback_endpoint_that_refuses_the_connect_is_probed_steadily_and_quietly(
    frozen_clock, unused_tcp_port
):
    connection, events = bare_connection(
        f"ws://127.0.0.1:{unused_tcp_port}", frozen_clock, steady(initial=0.01, cap=0.04, local_every=0.02)
    )
    waits = await scheduled_waits(connection, events, frozen_clock, 6)
    assert waits == [0.02] * 6  # steady probes, not doubling
    # One line for the outage, not three per probe: later probes only move the status strip.
    failures = [e for e in events if isinstance(e, Disconnected)]
    assert len(failures) == 1, failures
    assert rules_in(events) == {0.02}


async def test_a_loopback_server_that_vanishes_without_a_close_frame_is_probed_not_backed_off(frozen_clock):
    # What a killed server looks like from the socket: 1006, no close frame.
    async def vanish(ws) -> None:
        ws.transport.abort()

    async with serve(vanish, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        connection, events = bare_connection(
            f"ws://127.0.0.1:{port}", frozen_clock, steady(initial=0.01, cap=0.04, local_every=0.02)
        )
        waits = await scheduled_waits(connection, events, frozen_clock, 4)
    assert waits == [0.02] * 4 and connection.backoff.attempt == 0


def test_the_status_strip_says_which_rule_applies():
    local = StatusStrip(connection=ConnectionState.WAITING, reconnect_at=100.3, attempt=4, reconnect_every=0.5)
    assert connection_text(local, 100.0) == "reconnecting every 0.5 s (local, attempt 4)"
    remote = StatusStrip(connection=ConnectionState.WAITING, reconnect_at=108.0, attempt=4)
    assert connection_text(remote, 100.0) == "reconnecting in 8.0s (attempt 4)"
    restarting = StatusStrip(server_state="embedded server exited (code -9); restarting (attempt 2)")
    shown = " ".join(text for field_ in connection_fields(restarting, 0.0, None) for text, _ in field_)
    assert "embedded server exited (code -9); restarting (attempt 2)" in shown


# ---- a loopback server stopped and started again ------------------------------------------------


async def test_a_loopback_server_back_on_its_port_after_a_long_outage_is_probed_steadily_and_rejoined(
    voice_loader, unused_tcp_port, tmp_path, shutdown_after
):
    server = LocalServer(voice_loader("tone"), port=unused_tcp_port)
    await server.start()
    config = resolve_config(provider="local", url=server.url, audio="none", record=False, rate=40)
    console = Console(config)  # the default backoff: what the operator gets
    shutdown_after(console)
    assert await console.start() and await console.wait_connected(10)
    await server.close()
    await wait_for(lambda: not console.connected, timeout=5)
    await asyncio.sleep(2.0)  # down long enough that exponential backoff would have grown
    server = LocalServer(voice_loader("tone"), port=unused_tcp_port)
    await server.start()
    try:
        # How soon after it listens is bench/recovery.py's figure (a wall clock is no unit test);
        # here: the outage never grew the wait past the loopback probe interval.
        assert await console.wait_connected(5)
        waits = [e.summary for e in console.session.log.entries() if "reconnecting in" in e.summary]
        assert waits and all("reconnecting in 0.5" in w or "reconnecting in 0.0" in w for w in waits), waits
        assert console.submit_turn("Back again.").ok
        await wait_for(lambda: console.session.slot_for("turn_1").state is SlotState.FINAL)
        assert console.session.slot_for("turn_1").metrics.audio_seconds > 0.3
    finally:
        await console.shutdown()
        await server.close()


# ---- the embedded server ------------------------------------------------------------------------


def embedded_console() -> Console:
    return Console(resolve_config(provider="local", local_voice="tone", audio="none", record=False, rate=40))


async def test_a_killed_embedded_server_is_restarted_and_the_console_reconnects_and_a_turn_plays(shutdown_after):
    console = embedded_console()
    shutdown_after(console)
    assert await console.start() and await console.wait_connected(10)
    first = console.server
    os.kill(first.pid, signal.SIGKILL)
    await wait_for(lambda: console.server is not first and console.connected, timeout=30)
    texts = [entry.summary for entry in console.session.log.entries()]
    assert any("embedded server exited (code -9)" in t and "restarting (attempt 1)" in t for t in texts), texts
    assert console.endpoint.startswith(console.server.url) and console.session.status.server_state == ""
    assert console.submit_turn("Still here.").ok
    await wait_for(lambda: console.session.slot_for("turn_1").state is SlotState.FINAL)
    assert console.session.slot_for("turn_1").metrics.audio_seconds > 0.3


async def test_an_embedded_server_that_keeps_failing_is_given_up_and_f5_tries_again(shutdown_after):
    console = embedded_console()
    shutdown_after(console)
    assert await console.start() and await console.wait_connected(10)
    keeper = console.keeper
    keeper.backoff, keeper.max_restarts = steady(initial=0.05, cap=0.1), 2
    good = keeper.spawn
    keeper.spawn = lambda: EmbeddedServer.spawn("no-such-voice")  # exits at once with code 2
    os.kill(console.server.pid, signal.SIGKILL)
    await wait_for(lambda: keeper.gave_up, timeout=30)
    banner = console.session.banner.text
    assert "not restarting" in banner and "F5" in banner and "code 2" in banner, banner
    assert console.session.status.server_state.startswith("embedded server down"), console.session.status
    keeper.spawn = good
    console.reconnect()  # F5
    await wait_for(lambda: console.connected, timeout=30)
    assert not keeper.gave_up and console.server.running


async def test_an_embedded_server_is_never_restarted_once_the_console_is_shutting_down():
    console = embedded_console()
    assert await console.start() and await console.wait_connected(10)
    spawned: list[EmbeddedServer] = []
    good = console.keeper.spawn
    console.keeper.spawn = lambda: spawned.append(good()) or spawned[-1]
    first = console.server
    os.kill(first.pid, signal.SIGKILL)
    await console.shutdown()
    await asyncio.sleep(0.5)
    assert spawned == [] and console.server is first and not first.running
