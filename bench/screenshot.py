"""The README's screenshot, exported by the console itself (App.save_screenshot).

    .venv/bin/python bench/screenshot.py [--out docs/screenshot.svg] [--size 100x30] [--theme NAME]

A real session, not a mock-up: the console starts its embedded local server (tone voice) as
`switchboard --local-voice tone` does, four turns are typed and one is cut by a barge-in, and the
screen is saved while one turn speaks and another is still streaming. Audio goes to the virtual
speaker (a private PulseAudio null sink) when PulseAudio is installed, else to the silent backend.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.core import Console, resolve_config  # noqa: E402
from tui.session import SlotState  # noqa: E402
from tui.ui.app import SwitchboardApp  # noqa: E402

TURNS = (
    "Hello! Thanks for calling. How can I help?",
    "Sure, when would you like to travel? I can look at morning and evening flights for you.",
    "Next Friday works. Let me check what flies direct.",
    "I found three flights that leave before noon, and one of them has a window seat left.",
)


async def wait(predicate, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise SystemExit("screenshot: the session did not get there in time")
        await asyncio.sleep(0.02)


async def shoot(out: Path, size: tuple[int, int], theme: str | None, audio: str) -> None:
    config = resolve_config(local_voice="tone", audio=audio, record=False, rate=6)
    app = SwitchboardApp(Console(config), theme=theme, save_choices=False, blink=False)
    async with app.run_test(size=size) as pilot:
        core, session = app.core, app.session
        await wait(lambda: core.connected)
        composer = app.screen.query_one("#composer")

        async def say(text: str) -> str:
            known = {t.context_id for t in session.transcript.turns}
            composer.value = text
            await pilot.press("enter")
            await wait(lambda: any(t.context_id not in known for t in session.transcript.turns))
            return next(t.context_id for t in session.transcript.turns if t.context_id not in known)

        first = await say(TURNS[0])
        await wait(lambda: session.slot_for(first).state is SlotState.FINAL)
        cut = await say(TURNS[1])
        await wait(lambda: session.slot_for(cut).metrics.heard_seconds > 1.0)
        await pilot.press("escape")
        speaking = await say(TURNS[2])
        await wait(lambda: session.slot_for(speaking).metrics.heard_seconds > 0.9)
        await say(TURNS[3])
        await asyncio.sleep(0.4)
        composer.value = "Would you like me to book the 9:40?"
        await pilot.pause()
        await asyncio.sleep(0.1)
        out.parent.mkdir(parents=True, exist_ok=True)
        app.save_screenshot(out.name, str(out.parent))
        await core.shutdown()
    print(f"wrote {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.svg")
    parser.add_argument("--size", default="100x30", help="columns x rows")
    parser.add_argument("--theme", default=None)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    speaker = None
    try:
        from tests.fixtures.virtual_speaker import VirtualSpeaker

        speaker = VirtualSpeaker()
        speaker.start()
        audio = "miniaudio"
    except (ImportError, RuntimeError):
        speaker, audio = None, "none"
    try:
        asyncio.run(shoot(args.out, (width, height), args.theme, audio))
    finally:
        if speaker is not None:
            speaker.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
