"""What the console shows and plays follows the connection (issue 8: defects 2, 3, 10, 11, F5).

The real console (tui/core/console.py) against the real local server on loopback (tone voice),
the real websockets client, and for audio the virtual speaker (a PulseAudio null sink whose
monitor is recorded).
"""

from __future__ import annotations

import asyncio
import time

from tests.test_core_console import RAMBLING_TURN, shutdown_after, wait_for  # noqa: F401 (a fixture)
from tui.core import Console, resolve_config
from tui.net.backoff import Backoff
from tui.session import SlotState
from tui.session.status import ConnectionState

LONG = RAMBLING_TURN  # still streaming at 4 words/s while five more are typed
MAX_CONTEXTS_MESSAGE = (
    "Maximum simultaneous contexts per WebSocket connection exceeded (5). "
    "Please close an existing context before opening a new one."
)


def quick_backoff(**options) -> Backoff:
    return Backoff(**{"initial": 0.02, "cap": 0.2, "rand": lambda: 0.5, **options})


async def six_quick_turns(console: Console) -> None:
    """Five turns still streaming, then a sixth: the server refuses it (1008) and closes."""
    codes: list[int | None] = []
    remove = console.add_observer(lambda _ch: codes.append(console.session.status.close_code))
    for _ in range(6):
        assert console.submit_turn(LONG).ok
        await asyncio.sleep(0.2)
    await wait_for(lambda: 1008 in codes)
    remove()


# ---- defect 2: after a 1008 the speaker plays the next turn ---------------------------------


async def test_after_a_1008_the_next_turn_plays_on_the_speaker(
    start_local_server, virtual_speaker, tmp_path, shutdown_after
):
    server = await start_local_server("tone")
    config = resolve_config(
        provider="local",
        url=server.url,
        audio="miniaudio",
        output_format="pcm_24000",
        guard=False,
        rate=4,
        record=False,
    )
    console = Console(config, backoff=quick_backoff())
    shutdown_after(console)
    assert await console.start() and await console.wait_connected(10)
    assert console.speaker.speaker.backend_name == "miniaudio", console.speaker.speaker.silent_reason
    await six_quick_turns(console)
    assert await console.wait_connected(10)  # reconnected on its own
    console.set_rate(40)
    asked = time.monotonic()
    assert console.submit_turn("Okay, done.").message == "streaming"
    cid = console.session.transcript.current.context_id
    slot = console.session.slot_for(cid)
    await wait_for(lambda: slot.state is SlotState.FINAL)
    await wait_for(lambda: slot.metrics.heard_seconds >= slot.metrics.audio_seconds * 0.9, timeout=5)
    heard = virtual_speaker.record(asked, time.monotonic())
    assert heard.onset() is not None, "the turn after the 1008 was silent on the sink"
    assert slot.metrics.audio_seconds > 0.3


# ---- defect 3: a refused key stops reconnecting; other failures back off --------------------


def attempts_seen(console: Console) -> list[int]:
    """The attempt number of every connecting moment (observed after each apply)."""
    seen: list[int] = []

    def look(_changes) -> None:
        s = console.session.status
        if s.connection is ConnectionState.CONNECTING and (not seen or seen[-1] != s.attempt or look.left):
            seen.append(s.attempt)
        look.left = s.connection is not ConnectionState.CONNECTING

    look.left = True
    console.add_observer(look)
    return seen


async def test_a_refused_key_stops_reconnecting_and_says_which_key(
    start_local_server, frozen_clock, tmp_path, shutdown_after
):
    server = await start_local_server("tone", api_key="goodkey")
    config = resolve_config(
        provider="elevenlabs", url=server.url, audio="none", record=False, env={"ELEVENLABS_API_KEY": "sk_wrong"}
    )
    console = Console(config, clock=frozen_clock, backoff=quick_backoff())
    shutdown_after(console)
    seen = attempts_seen(console)
    assert await console.start()
    await wait_for(lambda: console.session.status.close_code == 1008)
    await asyncio.sleep(0.5)  # with the old code: ~25 more attempts in this time
    assert len(seen) == 1, f"reconnected after an authentication refusal: attempts {seen}"
    banner = console.session.banner.text
    assert "ELEVENLABS_API_KEY" in banner and "refused" in banner and "sk_wrong" not in banner
    assert "Invalid API key" in banner
    assert console.session.status.connection is ConnectionState.DISCONNECTED
    assert console.session.status.reconnect_at is None
    log = " ".join(e.summary for e in console.session.log.entries())
    assert "sk_wrong" not in log
    # A typed turn does not hammer the service either; F5 does try again (once).
    console.submit_turn("Hello there.")
    await asyncio.sleep(0.2)
    assert len(seen) == 1
    console.reconnect()
    await wait_for(lambda: len(seen) == 2)
    await asyncio.sleep(0.3)
    assert len(seen) == 2


async def refused_at_the_handshake(config, shutdown_after, banner_says: str) -> tuple[str, list]:
    """Start a console whose handshake the server refuses; its banner (once it says
    `banner_says`) and the connection attempts seen 0.4 s later."""
    console = Console(config, backoff=quick_backoff())
    shutdown_after(console)
    seen = attempts_seen(console)
    assert await console.start()
    await wait_for(lambda: console.session.banner is not None and banner_says in console.session.banner.text)
    await asyncio.sleep(0.4)
    return console.session.banner.text, seen


async def test_a_handshake_refused_with_403_stops_reconnecting(start_local_server, tmp_path, shutdown_after):
    server = await start_local_server("tone", api_key="goodkey")
    config = resolve_config(
        provider="murf", url=server.url, audio="none", record=False, env={"MURF_API_KEY": "sk_wrong"}
    )
    banner, seen = await refused_at_the_handshake(config, shutdown_after, "MURF_API_KEY")
    assert len(seen) == 1, f"reconnected after HTTP 403: attempts {seen}"
    assert "403" in banner and "sk_wrong" not in banner


async def test_a_403_refusing_the_model_is_not_called_a_refused_key(start_local_server, tmp_path, shutdown_after):
    # eleven_v3 streams over neither WebSocket route: the service answers 403 at the handshake.
    server = await start_local_server("tone")
    url = server.url + "/v1/text-to-speech/joe/multi-stream-input?model_id=eleven_v3&output_format=pcm_22050"
    config = resolve_config(provider="local", url=url, audio="none", record=False)
    banner, seen = await refused_at_the_handshake(config, shutdown_after, "403")
    assert len(seen) == 1, f"retried a 403: attempts {seen}"
    assert "eleven_v3" in banner and "API key" not in banner, banner


async def test_a_connection_refused_after_opening_backs_off_longer_each_time(
    start_local_server, frozen_clock, tmp_path, shutdown_after
):
    # An inactivity_timeout the server does not accept: the socket opens, then an error frame and 1008.
    # Opening is not proof that the connection works, so the backoff keeps growing.
    server = await start_local_server("tone")
    url = server.url + "/v1/text-to-speech/joe/multi-stream-input?output_format=pcm_22050&inactivity_timeout=999"
    config = resolve_config(provider="local", url=url, audio="none", record=False)
    console = Console(config, clock=frozen_clock, backoff=quick_backoff(initial=0.01, cap=0.08))
    shutdown_after(console)
    waits: list[tuple[int, float]] = []

    def look(_changes) -> None:
        s = console.session.status
        if s.connection is ConnectionState.WAITING and (not waits or waits[-1][0] != s.attempt):
            waits.append((s.attempt, round(s.reconnect_at - frozen_clock(), 6)))

    console.add_observer(look)
    assert await console.start()
    await wait_for(lambda: len(waits) >= 6)
    assert [a for a, _ in waits[:6]] == [2, 3, 4, 5, 6, 7]
    assert [d for _, d in waits[:6]] == [0.01, 0.02, 0.04, 0.08, 0.08, 0.08]  # doubled, capped


async def test_a_connection_that_proved_itself_starts_the_backoff_afresh(start_local_server, tmp_path, shutdown_after):
    server = await start_local_server("tone")
    config = resolve_config(provider="local", url=server.url, audio="none", record=False, rate=40)
    console = Console(config, backoff=quick_backoff())
    shutdown_after(console)
    assert await console.start() and await console.wait_connected(10)
    console.connection.backoff.attempt = 4  # as after four failed attempts
    assert console.submit_turn("Hello there.").ok
    await wait_for(lambda: console.session.slots[0].state is SlotState.FINAL)
    assert console.connection.backoff.attempt == 0  # audio arrived: the connection works


# ---- defect 10: the 1008 banner is the error frame's whole message; the turn stays ----------


async def test_the_1008_banner_shows_the_whole_error_and_the_refused_turn_stays(
    start_local_server, tmp_path, shutdown_after
):
    server = await start_local_server("tone")
    config = resolve_config(
        provider="local", url=server.url, audio="none", guard=False, rate=4, record=False, auto_reconnect=False
    )
    console = Console(config)
    shutdown_after(console)
    assert await console.start() and await console.wait_connected(10)
    await six_quick_turns(console)
    banner = console.session.banner.text
    assert MAX_CONTEXTS_MESSAGE in banner and "1008" in banner
    turn = console.session.transcript.turn("turn_6")
    assert turn is not None, "the refused turn vanished from the transcript"
    assert turn.text.split()[:1] == ["Sure,"]
    assert "Maximum simultaneous contexts" in turn.summary


# ---- defect 11 (part): a TLS mismatch says so ------------------------------------------------


async def test_wss_against_a_plain_server_says_the_tls_handshake_failed(start_local_server, tmp_path, shutdown_after):
    server = await start_local_server("tone")
    url = server.url.replace("ws://", "wss://")
    config = resolve_config(provider="local", url=url, audio="none", record=False, auto_reconnect=False)
    console = Console(config)
    shutdown_after(console)
    assert await console.start()
    await wait_for(lambda: console.session.banner is not None)
    text = console.session.banner.text
    assert "TLS" in text and "ws://" in text, text
    assert not text.rstrip().endswith(":"), text


# ---- friction: a reconnect the operator asked for is not an error ----------------------------


async def test_an_asked_for_reconnect_is_an_info_note_not_an_error(start_local_server, tmp_path, shutdown_after):
    server = await start_local_server("tone")
    config = resolve_config(provider="local", url=server.url, audio="none", record=False, rate=4)
    console = Console(config)
    shutdown_after(console)
    assert await console.start() and await console.wait_connected(10)
    console.submit_turn(LONG)
    await wait_for(lambda: console.session.slots[0].occupied)
    before = console.session.log.last_seq
    console.reconnect()
    await wait_for(lambda: any(e.summary.startswith("connected") for e in console.session.log.entries(since=before)))
    notes = [e for e in console.session.log.entries() if e.seq > before and e.direction == "note"]
    assert any("reconnecting (asked)" in e.summary for e in notes), [e.summary for e in notes]
    assert all(e.level != "error" for e in notes), [(e.level, e.summary) for e in notes]
    banner = console.session.banner
    assert banner is None or banner.level == "info", banner


async def test_a_connection_up_long_enough_starts_the_backoff_afresh_though_it_got_no_frame(
    start_local_server, frozen_clock, tmp_path, shutdown_after
):
    from tui.core.connection import PROVEN_AFTER

    server = await start_local_server("tone")
    config = resolve_config(provider="local", url=server.url, audio="none", record=False, auto_reconnect=False)
    console = Console(config, clock=frozen_clock, backoff=quick_backoff())
    shutdown_after(console)
    assert await console.start() and await console.wait_connected(10)
    console.connection.backoff.attempt = 4  # as after four failed attempts
    frozen_clock.advance(PROVEN_AFTER)
    assert console.send_raw('{"text": 5, "context_id": "x"}').ok  # refused: an error frame, then 1008
    await wait_for(lambda: not console.connected)
    assert console.connection.backoff.attempt == 0
