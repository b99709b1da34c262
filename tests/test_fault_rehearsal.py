"""Fault rehearsal (issue 9, item 3): the real Console against the real local server (tone voice)
with one fault forced (P=1), showing what the console shows. The console is not told a fault
was injected: everything below is read from the session model and its frame log, as a client
sees the service; the server's log (logger tui.server.faults) says which fault fired."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.test_core_console import console_on, shutdown_after, wait_for  # noqa: F401 (a fixture)
from tui.cli import build_parser, config_from_args
from tui.core import ConfigError, Console, resolve_config
from tui.net import Backoff
from tui.server.fault_plan import FaultPlan
from tui.server.faults import parse_faults
from tui.session import SlotState

ONE_SENTENCE = "Hello there, how are you today?"
LONG_TURN = (
    "Sure, I can look at the morning and the evening flights for you and tell you which of them "
    "fly direct and which of them stop over somewhere on the way there and back again."
)


@pytest.fixture
def rehearse(start_local_server, tmp_path, shutdown_after, caplog):  # noqa: F811
    """`await rehearse(spec, text, **console_options)`: a server with `spec`, a console on it, one turn typed."""
    caplog.set_level(logging.INFO, "tui.server.faults")

    async def run(spec: str, text: str, *, voice_options=None, console=None, **options) -> Console:
        server = await start_local_server("tone", faults=FaultPlan(parse_faults(spec)), **(voice_options or {}))
        if console is None:
            console = await console_on(server.url, tmp_path, shutdown_after, **options)
        else:
            console = await console(server.url)
        assert console.submit_turn(text).ok
        return console

    return run


def fault_lines(caplog, fault: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "tui.server.faults" and r.getMessage().startswith(f"fault {fault} ")
    ]


def received(console: Console, cid: str) -> list[str]:
    return [e.summary for e in console.session.log.entries(cid) if e.direction == "received"]


async def test_race_empty_the_console_shows_a_final_with_no_audio(rehearse, caplog):
    console = await rehearse("race_empty=1", ONE_SENTENCE)
    await wait_for(lambda: console.session.slots[0].state is SlotState.FINAL)
    slot = console.session.slots[0]
    assert not slot.occupied and slot.metrics.audio_bytes == 0 and slot.metrics.ttfa is None
    assert slot.metrics.close_to_final is not None
    assert received(console, "turn_1") == ['{"isFinal":true,"contextId":"turn_1"}']
    assert console.connected and console.session.status.close_code is None
    lines = fault_lines(caplog, "race")
    assert len(lines) == 1 and lines[0].startswith("fault race on connection 1 ")
    assert lines[0].endswith("close_context turn_1 right after its flush: isFinal with no audio")


async def test_race_silent_no_final_comes_and_the_slot_stays_held(rehearse, caplog):
    console = await rehearse("race_silent=1", ONE_SENTENCE)
    await wait_for(lambda: fault_lines(caplog, "race"))
    assert fault_lines(caplog, "race")[0].endswith("close_context turn_1 right after its flush: no isFinal")
    await asyncio.sleep(0.5)  # ample for a tone voice's final; none is coming
    slot = console.session.slot_for("turn_1")  # the console still holds the slot, draining
    assert slot.occupied and slot.state is SlotState.CLOSING and slot.metrics.audio_bytes == 0
    assert received(console, "turn_1") == []


async def test_race_silent_the_console_frees_the_stuck_slot_after_its_own_timeout(
    rehearse, caplog, frozen_clock, shutdown_after
):  # noqa: F811
    async def frozen_console(url: str) -> Console:
        config = resolve_config(provider="local", url=url, audio="none", record=False, rate=20, inactivity_timeout=2)
        console = Console(config, clock=frozen_clock)
        shutdown_after(console)
        assert await console.start() and await console.wait_connected(10)
        return console

    console = await rehearse("race_silent=1", ONE_SENTENCE, console=frozen_console)
    # the pacer follows the frozen clock: move it in small steps until the race has fired
    await wait_for(lambda: fault_lines(caplog, "race") or (frozen_clock.advance(0.05) and False))
    assert console.session.slot_for("turn_1").state is SlotState.CLOSING
    frozen_clock.advance(60.0)  # far past any inactivity timeout the server could keep
    console.tick()
    assert not console.session.slot_for("turn_1").occupied


async def test_quota_a_final_at_once_with_no_audio_and_no_error(rehearse, caplog):
    console = await rehearse("quota", LONG_TURN)
    await wait_for(lambda: console.session.slots[0].state is SlotState.FINAL)
    slot = console.session.slots[0]
    assert not slot.occupied and slot.metrics.audio_bytes == 0
    assert slot.metrics.closed_at is None  # the final came before the turn was over
    assert received(console, "turn_1") == ['{"isFinal":true,"contextId":"turn_1"}']
    assert console.session.status.close_code is None and console.connected
    assert "turn_1: final at once, no audio, no error" in fault_lines(caplog, "quota")[0]


async def test_drop_the_console_sees_1006_and_reconnects(rehearse, caplog, tmp_path, shutdown_after):  # noqa: F811
    codes: list[int | None] = []

    async def fast_reconnecting(url: str) -> Console:
        config = resolve_config(provider="local", url=url, audio="none", record=False, rate=20)
        console = Console(config, backoff=Backoff(initial=0.05, factor=2, cap=0.2, jitter=0))
        shutdown_after(console)
        console.add_observer(lambda changes: codes.append(console.session.status.close_code))
        assert await console.start() and await console.wait_connected(10)
        return console

    console = await rehearse("drop=1", ONE_SENTENCE, console=fast_reconnecting)
    await wait_for(lambda: 1006 in codes)
    slot = console.session.slot_for("turn_1")
    assert slot.metrics.audio_frames == 1 and slot.state is SlotState.ERROR and not slot.occupied
    assert any("1006" in e.summary for e in console.session.log.entries())
    await wait_for(lambda: console.connected, timeout=10)  # reconnected on its own
    assert len(fault_lines(caplog, "drop")) == 1 and "1006" in fault_lines(caplog, "drop")[0]


async def test_ttfa_the_console_measures_the_injected_first_audio_delay(rehearse, caplog):
    console = await rehearse("ttfa=400ms,jitter=5ms", ONE_SENTENCE)
    await wait_for(lambda: console.session.slots[0].state is SlotState.FINAL)
    slot = console.session.slots[0]
    assert slot.metrics.audio_bytes > 0 and slot.metrics.ttfa >= 0.4  # a floor: the delay is a wait, not load
    assert fault_lines(caplog, "ttfa")[0].endswith("400 ms before audio of context turn_1")


async def test_murf_limit_a_turn_past_the_lowered_limit_gets_the_services_error(rehearse, caplog):
    # A paced voice keeps the first two turns active while the third opens.
    console = await rehearse("murf_limit=2", LONG_TURN, voice_options={"generation_rtf": 1.0}, dialect="murf", rate=50)
    for n in (2, 3):
        await wait_for(lambda: console.session.slot_for(f"turn_{n - 1}") is not None)
        assert console.submit_turn(LONG_TURN).ok
    await wait_for(
        lambda: (
            console.session.slot_for("turn_3") is not None
            and console.session.slot_for("turn_3").state is SlotState.ERROR
        )
    )
    assert "Exceeded Active context limit" in console.session.slot_for("turn_3").error
    assert any("Exceeded Active context limit" in s for s in received(console, "turn_3"))
    assert console.connected and console.session.status.close_code is None  # socket left open
    assert all(console.session.slot_for(cid).occupied for cid in ("turn_1", "turn_2"))  # the held ones go on
    assert "context turn_3 refused: more than 2 active" in fault_lines(caplog, "murf_limit")[0]


async def test_the_console_starts_its_embedded_server_with_server_faults(tmp_path):
    args = build_parser().parse_args(
        [
            "--server-faults",
            "quota",
            "--fault-seed",
            "5",
            "--local-voice",
            "tone",
            "--audio",
            "none",
            "--no-record",
            "--env-file",
            str(tmp_path / "none"),
        ]
    )
    console = Console(config_from_args(args, environ={}))
    try:
        assert await console.start(connect=False, server_timeout=30)
        assert "faults on: quota=1 (seed 5)" in console.server.last_output()
    finally:
        await console.shutdown()


def test_server_faults_need_the_embedded_server():
    with pytest.raises(ConfigError, match="--server-faults needs the embedded server"):
        resolve_config(provider="local", url="ws://127.0.0.1:9", server_faults="quota")


async def test_race_empty_on_inworld_the_context_closes_with_no_audio(rehearse, caplog):
    # Inworld's close_context still generates what was flushed: the same race as ElevenLabs
    # (PROTOCOL-DIALECTS.md §1.4). The console ends a turn with flush_context then close_context.
    console = await rehearse("race_empty=1", ONE_SENTENCE, dialect="inworld")
    await wait_for(lambda: console.session.slots[0].state is SlotState.FINAL)
    slot = console.session.slots[0]
    assert not slot.occupied and slot.metrics.audio_bytes == 0 and slot.metrics.ttfa is None
    assert [r for r in received(console, "turn_1") if "audioChunk" in r] == []
    assert any("contextClosed" in r for r in received(console, "turn_1"))
    assert console.connected and console.session.status.close_code is None
    lines = fault_lines(caplog, "race")
    assert len(lines) == 1 and lines[0].endswith("close_context turn_1 right after its flush: isFinal with no audio")
