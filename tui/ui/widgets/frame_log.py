"""The frame log pane: every frame both ways, one line each, filterable by context, follow or pause.

It paints the session's `FrameLog` (tui.session.framelog): direction, seconds since the session
began, context, size, and the one-line summary the model made (audio already elided to its byte
count). New entries are appended by sequence number, so a refresh never repaints old lines.
"""
from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import RichLog

from ...session.framelog import FrameLog as FrameLogModel, LogEntry
from ..format import human_bytes
from .styles import component_style

PAINTED = 2000  # lines kept in the pane; the model keeps more and the recording keeps all
GLYPHS = {"sent": "→", "received": "←", "note": "•"}


class FrameLogView(RichLog):
    """`catch_up()` appends entries added since the last call; `filter_context` (None: all
    contexts) repaints from the model; `follow` keeps the newest line in view, off to read."""

    COMPONENT_CLASSES = {"frame-log--sent", "frame-log--received", "frame-log--note",
                         "frame-log--warning", "frame-log--error", "frame-log--dim"}
    DEFAULT_CSS = """
    FrameLogView { background: $surface; scrollbar-size-vertical: 1; }
    FrameLogView > .frame-log--sent { color: $text-secondary; }
    FrameLogView > .frame-log--received { color: $text-accent; }
    FrameLogView > .frame-log--note { color: $text-muted; }
    FrameLogView > .frame-log--warning { color: $text-warning; }
    FrameLogView > .frame-log--error { color: $text-error; text-style: bold; }
    FrameLogView > .frame-log--dim { color: $text-muted; }
    """

    filter_context: reactive[str | None] = reactive(None, init=False)
    follow: reactive[bool] = reactive(True, init=False)

    def __init__(self, model: FrameLogModel | None = None, **kwargs) -> None:
        super().__init__(max_lines=PAINTED, wrap=False, markup=False, highlight=False, **kwargs)
        self.model = model if model is not None else FrameLogModel()
        self._seen = 0  # seq of the last entry painted or skipped

    def on_mount(self) -> None:
        self.border_title = self._caption()

    def catch_up(self) -> None:
        for entry in self.model.entries(since=self._seen):
            self._seen = entry.seq
            if self._shows(entry):
                self.write(self._render_entry(entry), expand=True, scroll_end=self.follow)

    def repaint(self) -> None:
        self.clear()
        self._seen = 0
        self.catch_up()

    def watch_filter_context(self) -> None:
        self.repaint()
        self.border_title = self._caption()

    def watch_follow(self, follow: bool) -> None:
        self.auto_scroll = follow
        if follow:
            self.scroll_end(animate=False)
        self.border_title = self._caption()

    def _shows(self, entry: LogEntry) -> bool:
        # Connection-wide lines (no context) stay visible under a filter: a 1008 names no context.
        return self.filter_context is None or entry.context_id in (self.filter_context, None)

    def _caption(self) -> Text:
        # A context id comes from the wire: a Text title is never read as markup.
        shown = f"context {self.filter_context}" if self.filter_context else "all contexts"
        return Text(f"frames · {shown} · {'following' if self.follow else 'PAUSED'}")

    def _render_entry(self, entry: LogEntry) -> Text:
        kind = entry.level if entry.level in ("warning", "error") else entry.direction
        style = component_style(self, f"frame-log--{kind}")
        dim = component_style(self, "frame-log--dim")
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"{GLYPHS.get(entry.direction, '?')} ", style)
        line.append(f"{entry.at:8.3f} ", dim)
        line.append(f"{(entry.context_id or '-')[:12]:<12} ", style)
        line.append(f"{human_bytes(entry.size) if entry.size else '':>6} ", dim)
        line.append(entry.summary, style if entry.direction == "note" else "")
        return line
