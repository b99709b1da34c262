"""The status strip keeps its fields apart, and says honestly what a barge-in measured.

Every combination of the strip's optional fields is painted by the real widget; each field must
stand between separators, never run into its neighbour (`miniaudio12 w/s`). A barge-in shows the
time to the speaker's stop call (not to silence at the speaker, which it cannot see) and, when
nothing was playing, says so instead of a proud `0.0ms`.
"""

from __future__ import annotations

import itertools

from textual.app import App, ComposeResult

from tui.session import BargeInTiming, ConnectionState, StatusStrip
from tui.ui.widgets.status import SEPARATOR, StatusView

from .test_live import connected, live_app, type_turn, wait_until  # noqa: F401  (fixture)

NOW = 100.0
URL = "ws://127.0.0.1:8765/v1/text-to-speech/joe/multi-stream-input"


class StripOnly(App):
    def compose(self) -> ComposeResult:
        yield StatusView(id="status")


def strip_for(connection, silent, replay, queued, barge, model, fmt) -> tuple[StatusStrip, list[str], list[str]]:
    """A strip with these fields, and the fields each line must show, in order."""
    s = StatusStrip(
        provider="local",
        dialect="elevenlabs",
        url=URL,
        connection=connection,
        model=model,
        output_format=fmt,
        audio_backend="miniaudio",
        silent_reason=silent,
        rate=12.0,
        queued_turns=queued,
        last_ttfa=0.182,
        last_barge_in=barge,
    )
    if connection is ConnectionState.WAITING:
        s.reconnect_at, s.attempt = NOW + 2.5, 3
        state = "● reconnecting in 2.5s (attempt 3)"
    elif connection is ConnectionState.DISCONNECTED:
        s.close_code, s.close_reason = 1008, "policy"
        state = "● disconnected (1008 policy)"
    else:
        state = f"● {connection.value}"
    line1 = ["local/elevenlabs", state] + ([replay] if replay else [])
    line1 += [f"SILENT: {silent}" if silent else "audio miniaudio", "12 w/s"]
    line1 += [f"{queued} queued"] if queued else []
    line1 += [URL]
    line2 = ["text→audio –", "flush→audio 182ms"]
    if barge is not None:
        line2 += [
            "barge-in: stop call 0.8ms" if barge.was_playing else "barge-in: nothing was playing",
            "→close 4.0ms",
            "→final –",
        ]
    line2 += ["guard on", f"model {model or '–'}", f"fmt {fmt or '–'}"]
    return s, line1, line2


COMBINATIONS = list(
    itertools.product(
        [ConnectionState.CONNECTED, ConnectionState.WAITING, ConnectionState.DISCONNECTED],
        [None, "no audio device"],
        [None, "replay 1.0/8.6s ×1"],
        [0, 2],
        [
            None,
            BargeInTiming("turn_2", NOW - 1, 0.0008, 0.004),
            BargeInTiming("turn_2", NOW - 1, 0.0002, 0.004, was_playing=False),
        ],
        [None, "tone"],
        ["", "pcm_22050"],
    )
)


async def test_every_combination_of_status_fields_renders_each_field_between_separators():
    app = StripOnly()
    async with app.run_test(size=(400, 4)):
        view = app.query_one(StatusView)
        for combination in COMBINATIONS:
            strip, line1, line2 = strip_for(*combination)
            painted = view._render_status(strip, NOW, combination[2]).plain.split("\n")
            for line, fields in zip(painted, (line1, line2)):
                assert line.strip() == SEPARATOR.join(fields), combination


async def test_a_barge_in_when_nothing_was_playing_says_so_instead_of_a_stop_time(live_app):
    app = live_app(rate=2.0)
    async with app.run_test(size=(120, 30)) as pilot:
        await connected(pilot)
        await type_turn(pilot, "Sure, when would you like to travel? I can look at morning flights.")
        await wait_until(pilot, lambda: app.session.slots[0].occupied, what="turn_1 open")
        await pilot.press("escape")  # words are still going out: no audio has reached the speaker
        await wait_until(pilot, lambda: app.session.status.last_barge_in is not None, what="the barge-in")
        assert app.session.status.last_barge_in.was_playing is False
        await pilot.pause(0.1)
        shown = str(app.screen.query_one(StatusView).render())
        assert "barge-in: nothing was playing" in shown and "stop call" not in shown
