"""Fault rehearsal on the server side: the `--faults` grammar (good and bad specs), seeded
determinism, and each fault on the wire with a plain client (the console's view is in
tests/test_fault_rehearsal.py)."""

from __future__ import annotations

import asyncio

import pytest

from tui.cli import main as switchboard
from tui.server import LocalServer, ManualClock
from tui.server.fault_plan import FaultPlan, sleep_on
from tui.server.faults import PROFILES, FaultSpec, FaultSpecError, Latency, parse_faults

from .wire import client, is_final, multi_url

# ---- the grammar ------------------------------------------------------------------------------


def test_a_full_spec_parses_into_every_fault():
    spec = parse_faults("race=0.025,quota,ttfa=180ms±60ms,jitter=20ms,drop=0.01,murf_limit=2")
    assert spec == FaultSpec(race=0.025, quota=1.0, ttfa=Latency(0.18, 0.06), jitter=0.02, drop=0.01, murf_limit=2)
    assert parse_faults(spec.describe()) == spec  # the log line reads back as the same spec


@pytest.mark.parametrize(
    "text, expected",
    [
        ("race=2.5%", FaultSpec(race=0.025)),
        ("race_empty=1, race_silent=0", FaultSpec(race_empty=1.0)),
        ("quota=0.5", FaultSpec(quota=0.5)),
        ("ttfa=0.3s+-50ms", FaultSpec(ttfa=Latency(0.3, 0.05))),
        ("ttfa=90ms", FaultSpec(ttfa=Latency(0.09))),
        ("Murf-Limit=3", FaultSpec(murf_limit=3)),
        ("peak-hour,drop=1%", FaultSpec(race=0.025, ttfa=Latency(0.25, 0.08), jitter=0.025, drop=0.01)),
        ("transatlantic,ttfa=1s", FaultSpec(ttfa=Latency(1.0), jitter=0.02)),
    ],
)
def test_good_specs(text, expected):
    assert parse_faults(text) == expected


def test_every_profile_parses_to_an_active_spec():
    assert all(parse_faults(name).active for name in PROFILES)


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "empty fault spec"),
        ("race=0.1,,quota", "empty item"),
        ("rase=0.1", "unknown fault 'rase=0.1'"),
        ("race", "race: needs a value"),
        ("race=1.5", "from 0 to 1"),
        ("race=often", "a probability is 0..1 or a percentage"),
        ("ttfa=180", "a duration needs a unit"),
        ("ttfa=180ms±", "a duration needs a unit"),
        ("jitter=5s", "at most 2s"),
        ("murf_limit=40", "from 1 to 15"),
        ("murf_limit=two", "from 1 to 15"),
    ],
)
def test_bad_specs_say_what_is_wrong_in_one_line(text, words):
    with pytest.raises(FaultSpecError) as caught:
        parse_faults(text)
    assert words in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("argv", [["serve", "--faults", "drop=lots"], ["--server-faults", "drop=lots"]])
def test_a_bad_spec_on_the_command_line_is_one_line_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        switchboard(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.count("\n") == 1 and "drop=lots: a probability" in err
    assert "Traceback" not in err


# ---- seeded draws -----------------------------------------------------------------------------


def draws(seed: int, connection: int = 1, fault: str = "race", n: int = 64) -> list[bool]:
    plan = FaultPlan(parse_faults("race=0.5,drop=0.5"), seed)
    for _ in range(connection - 1):
        plan.connection("earlier", ManualClock())
    faults = plan.connection("c", ManualClock())
    return [faults.roll(fault, 0.5) for _ in range(n)]


def test_the_same_seed_draws_the_same_faults_and_another_seed_others():
    assert draws(7) == draws(7)
    assert draws(7) != draws(8)
    assert draws(7, connection=2) != draws(7)  # each connection has its own stream
    assert draws(7, fault="drop") != draws(7)  # and each fault: one does not shift another


async def test_sleep_on_waits_on_the_servers_clock():
    clock = ManualClock()
    sleeper = asyncio.ensure_future(sleep_on(clock, 0.2))
    await asyncio.sleep(0.05)
    clock.advance(0.1)
    await asyncio.sleep(0.05)
    assert not sleeper.done()  # woken, but the deadline is still ahead
    clock.advance(0.1)
    await asyncio.wait_for(sleeper, 2.0)


# ---- on the wire --------------------------------------------------------------------------------


async def turn_outcomes(url: str, turns: int) -> list[str]:
    """Open, flush and close `turns` contexts one after another; per context 'audio' or 'empty'."""
    outcomes = []
    async with client(multi_url(url)) as ws:
        for n in range(turns):
            cid = f"c{n}"
            await ws.send({"text": " ", "context_id": cid})
            await ws.send({"text": "Hello there. ", "context_id": cid, "flush": True})
            await ws.send({"context_id": cid, "close_context": True})
            frames = await ws.until(lambda f, cid=cid: is_final(f) and f.get("contextId") == cid)
            outcomes.append("audio" if any(f.get("audio") for f in frames) else "empty")
    return outcomes


async def test_a_seeded_race_repeats_exactly_on_a_new_server(voice_loader):
    results = []
    for seed in (3, 3, 4):
        async with LocalServer(voice_loader("tone"), faults=FaultPlan(parse_faults("race_empty=0.5"), seed)) as server:
            results.append(await turn_outcomes(server.url, 12))
    assert results[0] == results[1] and results[0] != results[2]
    assert {"audio", "empty"} == set(results[0])


async def test_quota_answers_with_a_bare_final_and_ignores_the_context_until_its_close(voice_loader, caplog):
    async with (
        LocalServer(voice_loader("tone"), faults=FaultPlan(parse_faults("quota"))) as server,
        client(multi_url(server.url)) as ws,
    ):
        await ws.send({"text": "Hello there. ", "context_id": "q", "flush": True})
        assert await ws.recv() == {"isFinal": True, "contextId": "q"}
        await ws.send({"text": "More words. ", "context_id": "q", "flush": True})  # ignored, opens nothing
        await ws.send({"context_id": "q", "close_context": True})  # releases the id
        await ws.send({"text": " ", "context_id": "next"})
        await ws.send({"context_id": "next", "close_context": True})
        assert await ws.recv() == {"isFinal": True, "contextId": "next"}  # nothing else came


async def test_drop_aborts_the_tcp_connection_after_the_first_audio(voice_loader):
    async with (
        LocalServer(voice_loader("tone"), faults=FaultPlan(parse_faults("drop=1"))) as server,
        client(multi_url(server.url)) as ws,
    ):
        await ws.send({"text": "Hello there. ", "context_id": "d", "flush": True})
        frames = await ws.rest()
        assert len(frames) == 1 and frames[0]["audio"]
        assert ws.close_code == 1006


async def test_ttfa_holds_the_first_audio_until_the_servers_clock_has_moved(voice_loader):
    clock = ManualClock()
    async with (
        LocalServer(voice_loader("tone"), clock=clock, faults=FaultPlan(parse_faults("ttfa=2s"))) as server,
        client(multi_url(server.url)) as ws,
    ):
        await ws.send({"text": "Hello there. ", "context_id": "t", "flush": True})
        with pytest.raises(TimeoutError):
            await ws.recv(timeout=0.5)
        clock.advance(2.0)
        assert (await ws.recv())["audio"]
