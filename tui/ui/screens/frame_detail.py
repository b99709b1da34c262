"""One frame-log line, whole: the log pane cuts lines at its edge, this view wraps them.

Opens on the line at the bottom of the pane (the newest while following); up and down step
through the lines the pane holds (its filter applies), escape closes. A summary that is JSON is
shown indented, one key a line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...session.framelog import LogEntry
from ..format import human_bytes


def describe(entry: LogEntry) -> Text:
    """The entry's header line and its summary, pretty-printed when it parses as JSON."""
    size = f" · {human_bytes(entry.size)}" if entry.size else ""
    marker = f" · {entry.marker}" if entry.marker else ""
    header = f"{entry.direction} · {entry.at:.3f} s · context {entry.context_id or '-'}{size}{marker}"
    try:
        body = json.dumps(json.loads(entry.summary), indent=2, ensure_ascii=False)
    except ValueError:  # cut at the summary limit, or not JSON at all: shown as it is, wrapped
        body = entry.summary
    out = Text()
    out.append(header, "bold")
    out.append("\n")
    out.append(body)  # from the wire: Text, never markup
    return out


class FrameDetailScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "close", id="frame-detail-close"),
        Binding("up", "step(-1)", "older", id="frame-detail-older"),
        Binding("down", "step(1)", "newer", id="frame-detail-newer"),
    ]

    DEFAULT_CSS = """
    FrameDetailScreen { align: center middle; }
    FrameDetailScreen > VerticalScroll { max-width: 120; }   /* the box itself: .dialog in console.tcss */
    FrameDetailScreen #frame-detail-text { height: auto; }
    """

    def __init__(self, rows: Sequence[LogEntry], index: int) -> None:
        """`rows` are the lines the pane holds, `index` the one to show first."""
        super().__init__()
        self._rows = list(rows)
        self._index = max(0, min(index, len(self._rows) - 1))

    @property
    def entry(self) -> LogEntry:
        return self._rows[self._index]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog") as box:
            box.border_subtitle = "↑ older · ↓ newer · esc close"
            yield Static(id="frame-detail-text")

    def on_mount(self) -> None:
        self._show()

    def action_step(self, step: int) -> None:
        self._index = max(0, min(len(self._rows) - 1, self._index + step))
        self._show()

    def _show(self) -> None:
        self.query_one(VerticalScroll).border_title = f"frame {self._index + 1} of {len(self._rows)}"
        self.query_one("#frame-detail-text", Static).update(describe(self.entry))
