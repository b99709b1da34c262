"""What every client run does and how it reports, so the harness can judge each the same way.

A run is three turns: `turn1` (spoken to its end), `interrupted` (cut through the client's own
interruption path as soon as its first audio arrives), `final` (spoken to its end). The client
prints one JSON line per event on stdout as it happens, so a run the harness has to kill still
says how far it got. Events: `turn` (start), `audio` (first audio of a turn, as the client's
application sees it), `turn_end` (the client ended the turn: bytes of audio, `ended` true),
`interrupted` (the client's interruption path ran), `late_audio` (audio of the interrupted turn
that reached the application after the interruption: a client should drop it), `error` (anything
the client surfaced as an error), `done`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

TURNS = json.loads((Path(__file__).with_name("turns.json")).read_text())  # shared with node/
TURN_TIMEOUT = 15.0  # seconds a turn may take before the client is judged stuck
LATE_AUDIO_WINDOW = 1.0  # seconds to watch for audio of an interrupted turn after the interruption
VOICE_ID = "conformance-voice"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="base URL of the server, as the client's option wants it")
    parser.add_argument("--key", required=True, help="the API key the server was started with")
    parser.add_argument("--config", choices=("default", "pcm"), default="default")
    return parser.parse_args()


def emit(event: str, **fields) -> None:
    fields.update(event=event, t=round(time.monotonic(), 4))
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def versions(*packages: str) -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in packages}
