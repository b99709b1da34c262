"""Make the curated demo recordings: the real console against the real local server.

    .venv/bin/python recordings/make_demos.py [--voice piper] [--only NAME] [--out recordings]

Starts `python -m tui.server --port 0` (offline Piper voice) as a child process, drives the
headless console (tui.core.Console, silent speaker) through each scripted session, and keeps
the recording the console writes as `recordings/<name>.jsonl`. Re-running replaces them. The
operator's timing (when to barge in) follows what the listener would have heard.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.core import Console, resolve_config  # noqa: E402

WAIT = 30.0  # bound on every wait for the server
ATTEMPTS = 3  # for a script whose race may go the other way


class TryAgain(Exception):
    """The session did not show what the demo is for; record it again."""


async def until(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll (every 10 ms) until the condition holds; False after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            return False
        await asyncio.sleep(0.01)
    return True


def slot(console: Console, cid: str):
    return console.session.slot_for(cid)


def has_audio(console: Console, cid: str) -> bool:
    s = slot(console, cid)
    return s is not None and s.metrics.audio_frames > 0


def finished(console: Console, cid: str) -> bool:
    s = slot(console, cid)
    return s is not None and s.metrics.final_at is not None


async def listen(console: Console, cid: str, seconds: float | None = None) -> None:
    """Wait as the listener would: until `seconds` of the turn have played (all of it if None),
    counting from its first audio (the console's speaker is silent here)."""
    if not await until(lambda: has_audio(console, cid)):
        raise SystemExit(f"{cid}: no audio from the server in {WAIT:g} s")
    first = slot(console, cid).metrics.first_audio_at
    if seconds is None:
        await until(lambda: finished(console, cid))
        seconds = slot(console, cid).metrics.audio_seconds
    await asyncio.sleep(max(0.0, first + seconds - console.clock()))


async def flight_booking(console: Console) -> None:
    """The Murf seed's flight booking: turn 2 is interrupted ("Wait, make that Saturday"),
    cleared, and turn 3 answers."""
    console.submit_turn("Sure, when would you like to travel?")
    await listen(console, "turn_1")
    await asyncio.sleep(1.0)  # the user: "Next Friday."
    console.submit_turn("Got it. Do you prefer morning or evening flights?")
    await listen(console, "turn_2", 0.5)  # the user cuts in mid-sentence
    console.barge_in()
    console.submit_turn("Saturday works. Do you want to fly direct or stopover?")
    await listen(console, "turn_3")
    await until(lambda: finished(console, "turn_2"))


async def rapid_barge_in(console: Console) -> None:
    """An operator hammering barge-in, guard off: every turn is cut 0.15 s after it starts to
    speak, while the rest of its first sentence is still generating. Closed contexts still
    drain on the server and still count, so an opening is soon refused: max_active_conversations,
    close 1008. It is a race (that is the point), so a run that loses it is tried again."""
    text = (
        "Here are the morning flights to Paris. The first leaves at six. "
        "The second leaves at seven thirty. The third leaves at nine."
    )
    for n in range(1, 16):
        console.submit_turn(text)
        cid = f"turn_{n}"
        await until(lambda cid=cid: has_audio(console, cid) or console.session.status.close_code is not None, 1.0)
        await asyncio.sleep(0.15)  # a moment of sound, then cut
        if console.session.status.close_code is not None:
            break
        console.barge_in()
    await until(lambda: console.session.status.close_code is not None, 5.0)
    status = console.session.status
    if status.close_code != 1008 or "Maximum simultaneous contexts" not in status.close_reason:
        raise TryAgain(f"the server never refused a sixth context (close {status.close_code} {status.close_reason!r})")


async def flush_and_keep_alive(console: Console) -> None:
    """Why is nothing playing? A short sentence sent without flush waits in the server's buffer
    (below the 120-character chunk schedule) while its inactivity countdown runs; a keep-alive
    resets the countdown; the flush makes it speak; close_context ends it with its final."""
    console.send_raw('{"text": " ", "context_id": "turn_1"}')
    for word in "Your booking is confirmed.".split():
        console.send_raw(f'{{"text": "{word} ", "context_id": "turn_1"}}')
        await asyncio.sleep(0.15)
    await asyncio.sleep(2.0)  # silence: the text sits in the buffer
    console.keep_alive()
    await asyncio.sleep(1.0)
    console.flush_now()
    await listen(console, "turn_1", 0.0)
    console.close_context("turn_1")
    await listen(console, "turn_1")


async def inworld_barge_in(console: Console) -> None:
    """Inworld: each turn is create, words, a flush at each sentence end, then flush_context and
    close_context; turn_2 is barged in on mid-sentence with close_context (Inworld cannot cancel:
    what it still synthesizes arrives under turn_2 and is dropped), and turn_3 answers. Every
    synthesis ends with flushCompleted; word timestamps trail the audio (ASYNC)."""
    console.submit_turn("Hi, this is Inworld on the local server.")
    await listen(console, "turn_1")
    console.submit_turn("Your table is booked for eight. Shall I add a note for the kitchen?")
    await listen(console, "turn_2", 0.8)  # the user cuts in
    console.barge_in()
    console.submit_turn("No note, then. See you at eight.")
    await listen(console, "turn_3")
    await until(lambda: finished(console, "turn_2"))


async def dialogue_two_voices(console: Console) -> None:
    """ElevenLabs Text-to-Dialogue: one context per turn registers two voices (`voices`), and the
    operator's A:/B: labels send each word as an input of its speaker (the local server gives
    each voice id its own pitch of the Piper voice: two people). Each sentence end is a flush,
    answered by `is_final_audio_for_turn`; turn_2 is barged in with close_context while its words
    are still going out (the dialogue route has no cancel: it still flushes, and that audio is
    dropped by id), turn_3 answers."""
    console.submit_turn("A: Thanks for calling, how can I help? B: Hi, I need to move my flight to Friday.")
    await listen(console, "turn_1")
    console.submit_turn(
        "A: Let me look at the Friday morning flights for you. There are three of them, "
        "and the first one leaves at a quarter past six from the north terminal."
    )
    await listen(console, "turn_2", 0.6)  # the caller cuts in, words still coming
    console.barge_in()
    console.submit_turn("B: Sorry, Saturday is better. A: Saturday it is.")
    await listen(console, "turn_3")
    await until(lambda: finished(console, "turn_2"))


Script = Callable[[Console], Awaitable[None]]
# name: (dialect, output format, extra console options, script)
DEMOS: dict[str, tuple[str, str, dict, Script]] = {
    "demo-flight-booking": ("murf", "pcm_16000", {}, flight_booking),
    "demo-rapid-barge-in": ("elevenlabs", "ulaw_8000", {"guard": False, "rate": 50}, rapid_barge_in),
    "demo-flush-and-keep-alive": ("elevenlabs", "pcm_16000", {}, flush_and_keep_alive),
    "demo-inworld": ("inworld", "ulaw_8000", {}, inworld_barge_in),
    "demo-elevenlabs-dialogue": ("elevenlabs-dialogue", "ulaw_8000", {}, dialogue_two_voices),
}


def start_server(voice: str) -> tuple[subprocess.Popen, str]:
    # One synthesis worker: the server is as busy as a shared service, so drains take a while.
    server = subprocess.Popen(
        [sys.executable, "-m", "tui.server", "--port", "0", "--voice", voice, "--workers", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = server.stdout.readline()  # the server prints one line once it listens
    if "listening on" not in line:
        server.kill()
        raise SystemExit(f"the local server did not start: {line.strip() or 'no output'}")
    return server, line.split("listening on ", 1)[1].split()[0]


async def record(name: str, base: str, out: Path) -> Path:
    dialect, output_format, options, script = DEMOS[name]
    with tempfile.TemporaryDirectory() as tmp:
        config = resolve_config(
            provider="local",
            url=base,
            dialect=dialect,
            output_format=output_format,
            audio="none",
            record_dir=Path(tmp),
            auto_reconnect=False,
            **{"rate": 8, **options},
        )
        console = Console(config)
        try:
            if not await console.start() or not await console.wait_connected(10):
                raise SystemExit(f"{name}: the console could not connect to {base}")
            await script(console)
        finally:
            await console.shutdown()
        final = out / f"{name}.jsonl"
        shutil.move(str(console.recorder.path), final)
    return final


def make(name: str, base: str, out: Path) -> Path:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return asyncio.run(record(name, base, out))
        except TryAgain as exc:
            print(f"{name}: attempt {attempt}: {exc}", file=sys.stderr)
    raise SystemExit(f"{name}: not recorded after {ATTEMPTS} attempts")


def main() -> None:
    parser = argparse.ArgumentParser(description="Record the demo sessions against the local server.")
    parser.add_argument("--voice", default="piper", choices=("piper", "tone"))
    parser.add_argument("--only", choices=sorted(DEMOS))
    parser.add_argument("--out", type=Path, default=ROOT / "recordings")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    server, base = start_server(args.voice)
    try:
        for name in [args.only] if args.only else DEMOS:
            path = make(name, base, args.out)
            print(f"{path}: {path.stat().st_size / 1e6:.2f} MB")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
