"""The console in the dialects of issue 13, driven by keys (Textual Pilot) against the REAL local
server on loopback (tone voice, silent speaker): a turn to its final with the dialect's markers in
the slot and the frame log, a barge-in by the dialect's own frame, and the limit error.
"""

from __future__ import annotations

import json

import pytest

from tui.server import LocalServer
from tui.session import SlotState
from tui.ui.widgets.banner import ErrorBanner
from tui.ui.widgets.frame_log import FrameLogView
from tui.ui.widgets.slot_panel import SlotStateLine

from .consoles import make_app, make_console
from .test_live import LONG_TURN, connected, live_app, press_now, sent_frames, type_turn, wait_until  # noqa: F401

DIALECTS = ["inworld", "cartesia", "elevenlabs-dialogue"]
# The marker each dialect's local server sends during a plain turn, as the log names it.
MARKERS = {"inworld": "context created", "cartesia": "flush done", "elevenlabs-dialogue": "turn final"}
BARGE_IN = {
    "inworld": {"close_context": {}, "contextId": "turn_1"},
    "cartesia": {"context_id": "turn_1", "cancel": True},
    "elevenlabs-dialogue": {"context_id": "turn_1", "close_context": True},
}


def state_text(app, index: int) -> str:
    return str(app.screen.query_one(f"#slot-{index}-state", SlotStateLine).render())


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_a_typed_turn_reaches_its_final_with_the_dialects_markers_in_slot_and_log(live_app, dialect):
    app = live_app(dialect=dialect, rate=20)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        await type_turn(pilot, "Hello there. Fine.")
        slot = app.session.slots[0]
        await wait_until(pilot, lambda: slot.state is SlotState.FINAL, what="final")
        await wait_until(pilot, lambda: "final" in state_text(app, 0), 2, "the panel repainted")
        assert slot.context_id == "turn_1" and slot.metrics.audio_bytes > 0 and slot.metrics.markers
        log = app.screen.query_one(FrameLogView)
        await wait_until(
            pilot,
            lambda: any(e.marker.startswith(MARKERS[dialect]) for e in log.rows if e.direction == "received"),
            2,
            "the marker named in the log pane",
        )


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_escape_barges_in_with_the_dialects_own_frame_and_the_slot_frees_at_its_final(live_app, dialect):
    app = live_app(dialect=dialect, rate=8)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        await type_turn(pilot, LONG_TURN)
        slot = app.session.slots[0]
        await wait_until(pilot, lambda: slot.metrics.audio_frames > 0, what="audio")
        await press_now(app, "escape")
        await wait_until(pilot, lambda: slot.state is SlotState.INTERRUPTED, what="interrupted")
        await wait_until(pilot, lambda: not slot.occupied, what="the final after the barge-in")
        assert slot.released_after is None  # the server's final came; the console did not give up
        assert BARGE_IN[dialect] in sent_frames(app.core)
        assert app.session.transcript.turn("turn_1").summary.startswith("interrupted")


@pytest.mark.parametrize("dialect", ["inworld", "elevenlabs-dialogue"])
async def test_a_sixth_context_with_the_guard_off_shows_the_servers_refusal(live_app, dialect):
    app = live_app(dialect=dialect, auto_reconnect=False)
    opening = {
        "inworld": lambda cid: {"create": {"voiceId": "Ashley", "modelId": "inworld-tts-2"}, "contextId": cid},
        "elevenlabs-dialogue": lambda cid: {"context_id": cid, "voices": ["JBFqnCBsd6RMkjVDRZzb"]},
    }[dialect]
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot)
        for n in range(1, 6):
            assert app.core.send_raw(json.dumps(opening(f"ctx_{n}"))).ok
        assert not app.core.send_raw(json.dumps(opening("ctx_9"))).ok  # the guard stops a sixth
        await press_now(app, "f6")  # guard off
        await wait_until(pilot, lambda: not app.session.guard, 2, "the guard off")
        assert app.core.send_raw(json.dumps(opening("ctx_9"))).ok
        banner = app.screen.query_one(ErrorBanner)
        # First the console's own warning (past the limit), then the server's error, whole.
        await wait_until(
            pilot,
            lambda: banner.shown and ("Max contexts" in banner.message or "Maximum simultaneous" in banner.message),
            what="the server's refusal in the banner",
        )
        assert "ctx_9" in app.session.status.overflow_contexts


async def test_cartesia_past_the_accounts_concurrency_gets_its_429_in_its_slot(voice_loader, tmp_path):
    server = LocalServer(voice_loader("tone"), cartesia_concurrency=2)
    await server.start()
    try:
        app = make_app(make_console(server.url, dialect="cartesia", record_dir=tmp_path, rate=20), blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await connected(pilot)
            for text in ("First turn is long enough.", "Second one too.", "Third is refused."):
                await type_turn(pilot, text)
            third = lambda: app.session.slot_for("turn_3")  # noqa: E731
            await wait_until(pilot, lambda: third() is not None and third().state is SlotState.ERROR, what="429")
            assert "concurrency" in third().error
            await wait_until(pilot, lambda: app.screen.query_one(ErrorBanner).shown, what="the banner")
            assert "429" in app.screen.query_one(ErrorBanner).message
            assert app.session.status.connection.value == "connected"  # Cartesia keeps the socket open
    finally:
        await server.close()
