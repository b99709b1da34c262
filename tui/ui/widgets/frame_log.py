"""The frame log pane: every frame both ways, one line each, filterable by context, follow or pause.

It shows the session's `FrameLog` (tui.session.framelog): direction, seconds since the session
began, context, size, and the one-line summary the model made (audio already elided to its byte
count), with a marker named before its frame ("flush done 2 · {…}"). Lines are rendered only when
they scroll into view (a `ScrollView` with `render_line`), so five contexts streaming cost a list
append per frame, not a Rich render per frame.
"""

from __future__ import annotations

from collections import deque

from rich.segment import Segment
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...session.framelog import FrameLog as FrameLogModel, LogEntry
from ..format import human_bytes
from .styles import component_style

SHOWN = 2000  # lines the pane holds; the model keeps more and the recording keeps all
WIDTH = 300  # the widest a line gets (summaries are at most 240 characters)
GLYPHS = {"sent": "→", "received": "←", "note": "•"}


class FrameLogView(ScrollView, can_focus=True):
    """`catch_up()` takes the entries added since the last call; `filter_context` (None: all
    contexts) rebuilds from the model; `follow` keeps the newest line in view, off to read."""

    COMPONENT_CLASSES = {
        "frame-log--sent",
        "frame-log--received",
        "frame-log--note",
        "frame-log--warning",
        "frame-log--error",
        "frame-log--dim",
        "frame-log--marker",
    }
    DEFAULT_CSS = """
    FrameLogView { background: $surface; scrollbar-size-vertical: 1; overflow-x: hidden; }
    FrameLogView > .frame-log--sent { color: $text-secondary; }
    FrameLogView > .frame-log--received { color: $text-accent; }
    FrameLogView > .frame-log--note { color: $text-muted; }
    FrameLogView > .frame-log--warning { color: $text-warning; }
    FrameLogView > .frame-log--error { color: $text-error; text-style: bold; }
    FrameLogView > .frame-log--dim { color: $text-muted; }
    FrameLogView > .frame-log--marker { color: $text-accent; text-style: bold; }
    """

    filter_context: reactive[str | None] = reactive(None, init=False)
    follow: reactive[bool] = reactive(True, init=False)

    def __init__(self, model: FrameLogModel | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model if model is not None else FrameLogModel()
        self.rows: deque[LogEntry] = deque(maxlen=SHOWN)
        self._seen = 0  # seq of the last entry taken (shown or filtered out)
        self._strips: LRUCache[int, Strip] = LRUCache(256)  # entry seq → rendered line

    def on_mount(self) -> None:
        self.border_title = self._caption()

    # ---- what the pane holds ---------------------------------------------------------------

    def catch_up(self) -> None:
        added = False
        for entry in self.model.entries(since=self._seen):
            self._seen = entry.seq
            if self._shows(entry):
                self.rows.append(entry)
                added = True
        if added:
            self._resized()

    def repaint(self) -> None:
        """Rebuild from the model (after a filter change or a cleared log)."""
        self.rows.clear()
        self._seen = 0
        self.catch_up()
        self._resized()

    def _resized(self) -> None:
        self.virtual_size = Size(WIDTH, len(self.rows))
        if self.follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def bottom_index(self) -> int:
        """Index in `rows` of the line at the bottom of the pane (the newest while following)."""
        return max(0, min(len(self.rows) - 1, int(self.scroll_offset.y) + self.scrollable_content_region.height - 1))

    def on_resize(self) -> None:
        if self.follow:  # the newest line stays in view when the pane grows or first gets a size
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def watch_filter_context(self) -> None:
        self.repaint()
        self.border_title = self._caption()

    def watch_follow(self, follow: bool) -> None:
        if follow:
            self.scroll_end(animate=False, x_axis=False)
        self.border_title = self._caption()

    def _shows(self, entry: LogEntry) -> bool:
        # Connection-wide lines (no context) stay visible under a filter: a 1008 names no context.
        return self.filter_context is None or entry.context_id in (self.filter_context, None)

    def _caption(self) -> Text:
        # A context id comes from the wire: a Text title is never read as markup.
        shown = f"context {self.filter_context}" if self.filter_context else "all contexts"
        return Text(f"frames · {shown} · {'following' if self.follow else 'PAUSED'}")

    # ---- rendering, one line at a time -------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index, width = scroll_y + y, self.size.width
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        entry = self.rows[index]
        strip = self._strips.get(entry.seq)
        if strip is None:
            segments = self._line_text(entry).render(self.app.console)
            strip = Strip(list(Segment.apply_style(segments, self.rich_style)))
            self._strips[entry.seq] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style).apply_offsets(scroll_x, index)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # a theme switch changes every line's colours

    def _line_text(self, entry: LogEntry) -> Text:
        kind = entry.level if entry.level in ("warning", "error") else entry.direction
        style = component_style(self, f"frame-log--{kind}")
        dim = component_style(self, "frame-log--dim")
        line = Text(no_wrap=True, end="")
        line.append(f"{GLYPHS.get(entry.direction, '?')} ", style)
        line.append(f"{entry.at:8.3f} ", dim)
        line.append(f"{(entry.context_id or '-')[:12]:<12} ", style)
        line.append(f"{human_bytes(entry.size) if entry.size else '':>6} ", dim)
        if entry.marker:  # flush done, turn final, context created: named before the frame
            line.append(f"{entry.marker} · ", component_style(self, "frame-log--marker"))
        line.append(entry.summary, style if entry.direction == "note" else "")
        return line
