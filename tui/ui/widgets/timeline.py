"""The timeline panel: one lane per context on one time axis, drawn in characters, growing live.

It draws what the session's facts keep (tui.scenario.facts `Collector`, the same lanes a
scenario's report draws with matplotlib): per lane the context's life (opened → final) as a thin
line, text frames sent, audio received (at each chunk's arrival), audio heard (a solid bar), the
close, the final, a barge-in and errors. It works for any session, a scenario or typed turns.

The axis starts at the oldest lane shown and ends now; one cell is the smallest of `SCALES`
that fits it, so the picture zooms out as the session grows, and past the largest it slides
(the last minutes). When two moments fall in one cell the one later in `MARKS` wins (a barge-in
over the audio it cut). Lanes are the newest `rows` (a third of them below 36 rows of screen),
oldest at the top.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from ...scenario.facts import Collector, Lane, heard_spans
from .styles import component_style

SCALES = (0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0)  # seconds per cell
LABEL = 10  # the lane's context id, cut to fit
TICK = 10  # cells between two time labels
REFRESH_S = 0.25
TALL = 36  # rows of the screen from which all `rows` lanes are shown (fewer below)

# (glyph, component class, legend word), in rising precedence within a cell.
MARKS = (
    ("─", "life", "open"),
    ("╵", "text", "text"),
    ("▒", "audio", "audio"),
    ("█", "heard", "heard"),
    ("×", "close", "close"),
    ("◆", "final", "final"),
    ("✂", "barge", "barge-in"),
    ("✖", "error", "error"),
)
_RANK = {glyph: n for n, (glyph, _, _) in enumerate(MARKS)}
_CLASS = {glyph: f"timeline--{name}" for glyph, name, _ in MARKS}
_RUNS = re.compile(r"(.)\1*")  # a run of one glyph


@dataclass(frozen=True)
class Frame:
    """The axis of one drawing: `start` seconds at cell 0, `scale` seconds per cell."""

    start: float
    scale: float
    cells: int

    def cell(self, t: float) -> int | None:
        at = math.floor((t - self.start) / self.scale + 1e-9)  # 2.5 s at 0.1 s a cell is cell 25, not 24
        return at if 0 <= at < self.cells else None


def choose_frame(lanes: Sequence[Lane], now: float, cells: int) -> Frame:
    """The smallest scale that shows the lanes from the oldest one's opening to now."""
    cells = max(1, cells)
    oldest = min((lane.opened for lane in lanes), default=now)
    for scale in SCALES:
        start = math.floor(oldest / (scale * TICK)) * scale * TICK  # labels on round times
        if (now - start) / scale < cells:
            return Frame(start, scale, cells)
    scale = SCALES[-1]
    return Frame(now - (cells - 1) * scale, scale, cells)  # the last `cells` minutes slide by


def lane_marks(lane: Lane, frame: Frame, now: float) -> str:
    """One character per cell for `lane` (a space where nothing happened)."""
    out = [" "] * frame.cells

    def put(t: float | None, glyph: str) -> None:
        at = None if t is None else frame.cell(t)
        if at is not None and (out[at] == " " or _RANK[glyph] >= _RANK[out[at]]):
            out[at] = glyph

    def span(a: float, b: float, glyph: str) -> None:
        first = frame.cell(max(a, frame.start))
        last = frame.cell(min(b, frame.start + frame.scale * frame.cells - 1e-9))
        if first is None or last is None:
            return
        for at in range(first, last + 1):
            put(frame.start + (at + 0.5) * frame.scale, glyph)

    span(lane.opened, lane.final if lane.final is not None else now, "─")
    for t in lane.text:
        put(t, "╵")
    for t, _ in lane.audio:
        put(t, "▒")
    for start, end in heard_spans(lane.heard):
        span(max(lane.opened, start), end, "█")
    put(lane.closed, "×")
    put(lane.final, "◆")
    put(lane.barge_in, "✂")
    for t, _ in lane.errors:
        put(t, "✖")
    return "".join(out)


def axis_line(frame: Frame) -> str:
    """Time labels (seconds from the session's start) every ten cells or so."""
    line = [" "] * frame.cells
    for at in range(0, frame.cells, TICK):
        label = f"{round(frame.start + at * frame.scale, 2):g}s"
        if at + len(label) <= frame.cells:
            line[at : at + len(label)] = label
    return "".join(line)


class TimelinePanel(Static):
    """`facts`: the session's lane collector; `now()`: seconds on the same axis as its lanes.

    Repaints itself `REFRESH_S` apart while shown (nothing while hidden)."""

    COMPONENT_CLASSES = {f"timeline--{name}" for _, name, _ in MARKS} | {"timeline--id", "timeline--axis"}
    DEFAULT_CSS = """
    TimelinePanel { height: auto; max-height: 12; padding: 0 1; border-top: solid $foreground 30%;
                    border-title-color: $text-muted; text-wrap: nowrap; text-overflow: clip; }
    TimelinePanel > .timeline--life { color: $text-muted; }
    TimelinePanel > .timeline--text { color: $slot-streaming; }
    TimelinePanel > .timeline--audio { color: $slot-generating; }
    TimelinePanel > .timeline--heard { color: $slot-speaking; }
    TimelinePanel > .timeline--close { color: $text; }
    TimelinePanel > .timeline--final { color: $text; text-style: bold; }
    TimelinePanel > .timeline--barge { color: $slot-interrupted; text-style: bold; }
    TimelinePanel > .timeline--error { color: $slot-error; text-style: bold; }
    TimelinePanel > .timeline--id { color: $text-muted; }
    TimelinePanel > .timeline--axis { color: $text-muted; }
    """

    def __init__(self, facts: Collector, now: Callable[[], float], *, rows: int = 8, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.facts, self._now, self.rows = facts, now, rows
        self.border_title = "timeline"
        self.shown_lanes: list[Lane] = []
        self.frame: Frame | None = None

    def on_mount(self) -> None:
        self.set_interval(REFRESH_S, self.repaint, name="timeline")
        self.repaint()

    def repaint(self) -> None:
        if not self.display or not self.is_attached:
            return
        now = self._now()
        rows = self.rows if self.screen.size.height >= TALL else max(1, self.rows // 3)  # 80×24: the log keeps room
        lanes = self.facts.lanes[-rows:]
        width = (self.content_region.width or self.size.width or 80) - LABEL - 1
        frame = choose_frame(lanes, now, width)
        self.shown_lanes, self.frame = lanes, frame
        # Styles resolved once a paint, and one span per run of a glyph: a paint is a few
        # dozen appends, not one per cell.
        styles = {glyph: component_style(self, name) for glyph, name in _CLASS.items()}
        muted = component_style(self, "timeline--id")
        out = Text(no_wrap=True, overflow="crop")
        if not lanes:
            out.append("no context yet: the lanes appear as turns open", style=muted)
        for lane in lanes:
            out.append(f"{lane.context_id[: LABEL - 1]:<{LABEL}} ", style=muted)
            for run in _RUNS.finditer(lane_marks(lane, frame, now)):
                out.append(run.group(), style=styles.get(run.group()[0], ""))
            out.append("\n")
        axis = component_style(self, "timeline--axis")
        if lanes:
            out.append(" " * (LABEL + 1) + axis_line(frame) + "\n", style=axis)
        legend = "  ".join(f"{glyph} {word}" for glyph, _, word in MARKS)
        out.append(f"{frame.scale:g} s/cell  {legend}", style=axis)  # cut at the right edge: the legend's tail
        self.update(out)
