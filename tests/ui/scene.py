"""A fixed console scene for snapshots: five slots in five different states, built from wire
frames on a frozen clock, the way a replay feeds the console (nothing is sent, nothing plays).

    turn_1  final        "Hello there."                      all heard
    turn_2  interrupted… draining after a barge-in           2 of 6 words heard
    turn_3  speaking     "Sure, when would you like to travel?"  3 words heard
    turn_4  streaming    text going out, not flushed yet
    slot 5  free
"""

from __future__ import annotations

import base64
import json

from tests.fixtures.frozen_clock import FrozenClock
from tui.core import Console
from tui.session import Connected, Interrupted, SpeakerProgress, StatusUpdate

RATE = 22050  # pcm_22050, the local default
CHAR_MS = 60  # the tone voice's pace: 60 ms per character


def _audio_frame(cid: str, text: str) -> str:
    """An ElevenLabs audio frame for `text`, silent PCM, with its character alignment."""
    ms = CHAR_MS * len(text)
    pcm = bytes(RATE * 2 * ms // 1000)
    alignment = {
        "chars": list(text),
        "charStartTimesMs": [i * CHAR_MS for i in range(len(text))],
        "charDurationsMs": [CHAR_MS] * len(text),
    }
    return json.dumps(
        {
            "audio": base64.b64encode(pcm).decode(),
            "isFinal": False,
            "contextId": cid,
            "alignment": alignment,
            "normalizedAlignment": alignment,
        }
    )


def _open(console: Console, cid: str) -> None:
    console.session.new_context_id()  # the id the live console would have chosen: a turn, not a phantom
    console.ingest(
        "sent",
        json.dumps({"text": " ", "context_id": cid, "voice_settings": {"stability": 0.5, "similarity_boost": 0.75}}),
    )


def _say(console: Console, cid: str, words: list[str], *, flush: bool) -> None:
    for i, word in enumerate(words):
        frame = {"text": word + " ", "context_id": cid}
        if flush and i == len(words) - 1:
            frame["flush"] = True
        console.ingest("sent", json.dumps(frame))


def build_scene(console: Console, clock: FrozenClock) -> None:
    s = console.session
    s.apply(
        StatusUpdate(
            {
                "provider": "local",
                "model": "tone",
                "audio_backend": "miniaudio",
                "url": "ws://127.0.0.1:8765/v1/text-to-speech/joe/multi-stream-input",
            }
        )
    )
    s.apply(Connected("ws://127.0.0.1:8765/v1/text-to-speech/joe/multi-stream-input"))

    _open(console, "turn_1")
    _say(console, "turn_1", ["Hello", "there."], flush=True)
    clock.advance(0.18)
    console.ingest("received", _audio_frame("turn_1", " Hello there. "))
    console.ingest("sent", json.dumps({"context_id": "turn_1", "close_context": True}))
    clock.advance(0.05)
    console.ingest("received", json.dumps({"isFinal": True, "contextId": "turn_1"}))
    s.apply(SpeakerProgress("turn_1", RATE * 14 * CHAR_MS // 1000, RATE, finished=True))

    clock.advance(1.0)
    _open(console, "turn_2")
    _say(console, "turn_2", ["I", "can", "look", "at", "morning", "flights."], flush=True)
    clock.advance(0.21)
    console.ingest("received", _audio_frame("turn_2", " I can look at morning flights. "))
    s.apply(SpeakerProgress("turn_2", RATE * 7 * CHAR_MS // 1000, RATE))
    pressed = clock()
    clock.advance(0.004)
    console.ingest("sent", json.dumps({"context_id": "turn_2", "close_context": True}))
    s.apply(Interrupted("turn_2", 7 * CHAR_MS / 1000, pressed, 0.003))

    clock.advance(0.5)
    _open(console, "turn_3")
    _say(console, "turn_3", ["Sure,", "when", "would", "you", "like", "to", "travel?"], flush=True)
    clock.advance(0.16)
    console.ingest("received", _audio_frame("turn_3", " Sure, when would you like to travel? "))
    s.apply(SpeakerProgress("turn_3", RATE * 16 * CHAR_MS // 1000, RATE))

    clock.advance(0.7)
    _open(console, "turn_4")
    _say(console, "turn_4", ["Let", "me", "check"], flush=False)
    clock.advance(3.25)  # countdowns differ: each context's last frame was at a different time
