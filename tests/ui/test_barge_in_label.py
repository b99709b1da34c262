"""The barge-in figure on the status strip is what the console can know: its stop call, plus the
output latency the speaker's backend reports, labelled as such and never as "silent in".

The real figure, key → last audible sample, is measured from outside by bench/barge_in.py.
"""

from __future__ import annotations

import time

from textual.app import App, ComposeResult

from tui.audio import Speaker
from tui.audio.miniaudio_out import MiniaudioDevice
from tui.audio.silent import SilentDevice
from tui.core import Console, resolve_config
from tui.session import BargeInTiming, StatusStrip
from tui.ui.widgets.status import StatusView

from .consoles import UNUSED_URL


class StripOnly(App):
    def compose(self) -> ComposeResult:
        yield StatusView(id="status")


class HoldingDevice(SilentDevice):
    """A device that says its output holds 37 ms past a stop call."""

    name = "holding"
    output_latency = 0.037


def barge_in_field(status: StatusStrip, view: StatusView) -> str:
    line2 = view._render_status(status, 100.0, None).plain.split("\n")[1]
    return next(field for field in line2.split(" · ") if field.startswith("barge-in:"))


async def test_the_output_figure_is_the_one_the_backend_reports():
    clock = time.monotonic
    config = resolve_config(provider="local", url=UNUSED_URL, audio="none", record=False)
    console = Console(
        config,
        clock=clock,
        speaker_factory=lambda progress: Speaker(HoldingDevice(clock), on_progress=progress, clock=clock),
    )
    assert await console.start(connect=False)
    try:
        console.barge_in()
        status = console.session.status
        assert status.output_latency == 0.037
        status.last_barge_in = BargeInTiming("turn_1", 99.0, 0.0008)
        app = StripOnly()
        async with app.run_test(size=(300, 4)):
            shown = barge_in_field(status, app.query_one(StatusView))
        assert shown == "barge-in: stop call 0.8ms + output ≤ 37ms"
        assert "silent" not in shown
    finally:
        await console.shutdown()


async def test_without_a_reported_figure_only_the_stop_call_is_shown():
    status = StatusStrip(last_barge_in=BargeInTiming("turn_1", 99.0, 0.0008))
    app = StripOnly()
    async with app.run_test(size=(300, 4)):
        view = app.query_one(StatusView)
        assert barge_in_field(status, view) == "barge-in: stop call 0.8ms"
        status.output_latency = 0.02
        status.last_barge_in = BargeInTiming("turn_1", 99.0, 0.0002, was_playing=False)
        assert barge_in_field(status, view) == "barge-in: nothing was playing"


def test_backends_report_the_output_buffer_they_asked_for():
    assert MiniaudioDevice(time.monotonic, buffer_ms=15).output_latency == 0.015
    speaker = Speaker(SilentDevice(time.monotonic))
    try:
        assert speaker.output_latency is None  # nothing is heard
    finally:
        speaker.close()
