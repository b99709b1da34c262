"""SVG snapshots of the views the dialects of issue 13 add, at 80×24: Cartesia's slots grown to
eight compact panels (no per-socket cap), and a two-voice Text-to-Dialogue turn with its speakers
in the transcript and its turn-final marker on the slot. Built from wire frames on a frozen clock
before the app starts (as tests/ui/test_snapshots.py), no connection, no speaker, no blink.

To accept a deliberate change: `.venv/bin/python -m pytest --snapshot-update
tests/ui/test_dialect_snapshots.py`, then look at the SVGs before committing them.
"""

from __future__ import annotations

import base64
import json

from tests.fixtures.frozen_clock import FrozenClock
from tui.session import Connected, SpeakerProgress
from tui.ui.app import SwitchboardApp

from .consoles import make_app, make_console

ACCEPT = "if the change is meant: pytest --snapshot-update tests/ui/test_dialect_snapshots.py, look, commit"
RATE = 22050


def pcm(seconds: float) -> str:
    return base64.b64encode(bytes(int(RATE * seconds) * 2)).decode()


def cartesia_app() -> SwitchboardApp:
    clock = FrozenClock()
    console = make_console(clock=clock, dialect="cartesia")
    console.session.apply(Connected("ws://127.0.0.1:8765/tts/websocket"))
    for n in range(1, 9):
        frame = {
            "model_id": "sonic-3.5",
            "transcript": f"Turn {n} says hello. ",
            "voice": {"mode": "id", "id": "a0e99841-438c-4a64-b679-ae501e7d6091"},
            "context_id": f"turn_{n}",
            "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": RATE},
            "continue": True,
            "flush": True,
        }
        console.session.new_context_id()
        console.ingest("sent", json.dumps(frame))
        clock.advance(0.1)
    for n in (1, 2, 3, 5):
        chunk = {"type": "chunk", "data": pcm(0.2 * n), "done": False, "status_code": 206, "context_id": f"turn_{n}"}
        console.ingest("received", json.dumps(chunk))
    for n in (1, 2):
        flush = {"type": "flush_done", "done": False, "flush_done": True, "flush_id": 1, "context_id": f"turn_{n}"}
        console.ingest("received", json.dumps(flush))
    console.ingest("received", json.dumps({"type": "done", "done": True, "status_code": 206, "context_id": "turn_1"}))
    return make_app(console, start=False, blink=False)


def dialogue_app() -> SwitchboardApp:
    clock = FrozenClock()
    console = make_console(clock=clock, dialect="elevenlabs-dialogue")
    console.session.apply(Connected("ws://127.0.0.1:8765/v1/text-to-dialogue/multi-stream-input"))
    voices = list(console.wire.dialogue_voices())
    console.session.new_context_id()
    console.ingest("sent", json.dumps({"context_id": "turn_1", "voices": voices}))
    lines = [("Are ", 0), ("you ", 0), ("there? ", 0), ("Yes, ", 1), ("I ", 1), ("am. ", 1), ("Good. ", 0)]
    for text, voice in lines:
        console.ingest(
            "sent", json.dumps({"context_id": "turn_1", "inputs": [{"text": text, "voice_id": voices[voice]}]})
        )
    console.ingest("sent", json.dumps({"context_id": "turn_1", "flush": True}))
    clock.advance(0.3)
    alignment = {"chars": list("Are you there? Yes, I am."), "char_start_times_ms": [], "char_durations_ms": []}
    alignment["char_start_times_ms"] = [i * 60 for i in range(len(alignment["chars"]))]
    alignment["char_durations_ms"] = [60] * len(alignment["chars"])
    audio = {"audio": pcm(1.5), "alignment": alignment, "context_id": "turn_1"}
    console.ingest("received", json.dumps(audio))
    clock.advance(1.2)
    console.ingest("received", json.dumps({"is_final_audio_for_turn": True, "context_id": "turn_1"}))
    console.session.apply(SpeakerProgress("turn_1", heard_samples=int(0.9 * RATE), sample_rate=RATE))
    return make_app(console, start=False, blink=False)


def test_cartesia_grown_to_eight_compact_slots(snap_compare):
    assert snap_compare(cartesia_app(), terminal_size=(80, 24)), ACCEPT


def test_a_two_voice_dialogue_turn(snap_compare):
    assert snap_compare(dialogue_app(), terminal_size=(80, 24)), ACCEPT
