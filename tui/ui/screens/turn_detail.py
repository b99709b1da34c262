"""One turn's figures, whole: opened by a click on its slot or its transcript
line, or from the list of turns (f11).

Read from the session's facts (tui.scenario.facts `Lane`: the context's own copy of its slot's
metrics, kept after the slot is reused) and its transcript line, so an old turn shows what it
had. Repainted twice a second while open: a turn still speaking counts on.

BINDINGS: escape (or q) closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...scenario.facts import Lane
from ...session.transcript import TurnTranscript

Lookup = Callable[[], tuple[Lane | None, TurnTranscript | None]]


def _ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:.0f} ms"


def _kb(n: int) -> str:
    return f"{n:,} B" if n < 10_000 else f"{n / 1024:,.1f} KiB"


def turn_figures(context_id: str, lane: Lane | None, turn: TurnTranscript | None) -> list[tuple[str, str]]:
    """(name, value) rows: what the detail view shows, in the order it shows them."""
    rows: list[tuple[str, str]] = [("context", context_id)]
    if lane is None:
        rows.append(("figures", "none kept: the context opened before the console was watching"))
    else:
        m = lane.metrics
        rows += [
            ("state", lane.state or "–"),
            ("slot", str(lane.slot)),
            ("opened", f"{lane.opened:.3f} s into the session"),
            ("ttfa from text", _ms(m.text_to_audio)),
            ("ttfa from flush", _ms(m.flush_to_audio)),
            ("close → final", _ms(m.close_to_final)),
            ("sent", f"{m.frames_sent} frames · {_kb(m.bytes_sent)} · {m.chars_sent} chars"),
            ("received", f"{m.frames_received} frames · {_kb(m.bytes_received)}"),
            ("audio", f"{m.audio_frames} frames · {_kb(m.audio_bytes)} · {m.audio_seconds:.2f} s"),
            ("heard", f"{m.heard_seconds:.2f} s"),
            ("late frames", f"{m.late_frames} ({_kb(m.late_bytes)}) after the barge-in"),
        ]
        if lane.barge_in is not None:
            rows.append(("barge-in", f"{lane.barge_in:.3f} s into the session"))
        markers = ", ".join(f"{word} ×{n}" for word, n in m.markers.items())
        rows.append(("markers", markers or "none"))
    if turn is not None:
        heard = turn.heard_at_interrupt if turn.heard_at_interrupt is not None else None
        spoken = turn.words_spoken(heard)
        rows.append(("words spoken", f"{'?' if spoken is None else spoken} of {turn.total_words}"))
        rows.append(("interrupted", "yes" if turn.interrupted else "no"))
        if turn.turn_end:
            rows.append(("turn end", turn.turn_end))
        rows.append(("text", turn.typed or turn.text))
        if turn.note:
            rows.append(("note", turn.note))
    errors = [text for _, text in lane.errors] if lane else []
    if turn is not None and turn.error and turn.error not in errors:
        errors.append(turn.error)
    rows.append(("errors", "\n".join(errors) or "none"))
    return rows


class TurnDetailScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "close", id="turn-detail-close")]

    DEFAULT_CSS = """
    TurnDetailScreen { align: center middle; }
    TurnDetailScreen > VerticalScroll {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: round $primary; background: $panel; padding: 0 1;
    }
    """

    def __init__(self, context_id: str, lookup: Lookup) -> None:
        """`lookup()` gives the context's lane and transcript line as they are now."""
        super().__init__()
        self.context_id, self._lookup = context_id, lookup
        self.rows: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = f"{self.context_id}: the turn's figures (esc closes)"
            yield Static(id="turn-figures")

    def on_mount(self) -> None:
        self.repaint()
        self.set_interval(0.5, self.repaint, name="turn-detail")

    def repaint(self) -> None:
        self.rows = turn_figures(self.context_id, *self._lookup())
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for name, value in self.rows:
            table.add_row(Text(name), Text(value))  # wire text: never markup
        self.query_one("#turn-figures", Static).update(table)

    def action_close(self) -> None:
        self.dismiss(None)
