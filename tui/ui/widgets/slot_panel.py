"""Slot panels: one per context the dialect lets the server count, readable at a glance at 80×24.

A panel paints one `ContextSlot` (tui.session): border title the context id, then state glyph and
name, the inactivity countdown (once closed: the console's wait for the final, "⏱ final"),
bytes/frames both ways, audio received/heard, TTFA, close→final,
and late frames. Colour follows the state through CSS classes (`-speaking`, `-draining`, ...)
that use the theme's `$slot-*` variables only. The app's ticker calls `tick(now)`; a panel
repaints only when its countdown text changes.

Up to five slots (ElevenLabs' limit) get full panels side by side. More (Murf's fifteen) turn
compact: one line each (glyph, audio received/heard, state), five to a row, so fifteen fit the
same nine rows. The panel whose audio the listener is hearing now is marked on air (`-on-air`:
a heavy border and "▶ playing"), wherever the least-recently-used rule put its turn.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from ...session.slot import ContextSlot, SlotState
from ...session.transcript import DEFAULT_TURN_END
from ..format import countdown, human_bytes, millis
from ..glyphs import STATE_CLASSES, glyph_for

ALL_STATE_CLASSES = frozenset(STATE_CLASSES.values())


def state_label(slot: ContextSlot) -> str:
    if slot.released_after is not None and slot.state is SlotState.ERROR:
        return "no final"  # the console stopped waiting for it (tui.session.finals)
    label = slot.state.value
    if slot.draining and slot.state is not SlotState.CLOSING:
        label += "…"  # interrupted / timed out but still counted until its final
    return label


def compact_line(slot: ContextSlot) -> str:
    """A compact panel's one line: glyph, audio received/heard, state."""
    m = slot.metrics
    return f"{glyph_for(slot.state)} {m.audio_seconds:.1f}/{m.heard_seconds:.1f}s {state_label(slot)}"


def subtitle(slot: ContextSlot, on_air: bool, compact: bool) -> str:
    late = slot.metrics.late_frames
    notes = [f"late {late}" if late else ("phantom" if slot.phantom else "")]
    # A wrong final (tui.session.finals): released with none, or one that brought no audio.
    if slot.released_after is not None:
        notes.append(f"no final {slot.released_after:g}s")
    elif slot.no_audio_final:
        notes.append("no audio")
    if slot.turn_end not in ("", DEFAULT_TURN_END) and not compact:  # the pattern its turn ends with
        notes.append(slot.turn_end)
    if on_air:
        notes.insert(0, "▶" if compact else "▶ playing")
    return " · ".join(n for n in notes if n)


def figures(slot: ContextSlot, remaining: float | None) -> Text:
    """The panel's numbers as text (built as Text, never markup)."""
    m = slot.metrics
    lines = Text(no_wrap=True, overflow="ellipsis")
    # Open: the server's inactivity close; closed: the console's own wait for the final.
    lines.append(f"⏱ {'final ' if slot.waiting_for_final else ''}{countdown(remaining)}\n")
    lines.append(f"↑ {human_bytes(m.bytes_sent):>6} {m.frames_sent:>3}f\n")
    lines.append(f"↓ {human_bytes(m.bytes_received):>6} {m.frames_received:>3}f\n")
    lines.append(f"♪ {m.audio_seconds:4.1f}/{m.heard_seconds:4.1f}s\n")
    # TTFA from the first text / from the flush (F1 names both); 14 columns at 80x24.
    lines.append(f"ttfa {millis(m.text_to_audio).removesuffix('ms')}/{millis(m.flush_to_audio)}\n")
    lines.append(f"c→f  {millis(m.close_to_final)}")
    return lines


class SlotStateLine(Static):
    """The state line: glyph and name, in the state's theme colour (console.tcss)."""

    DEFAULT_CSS = "SlotStateLine { height: 1; }"


class SlotFigures(Static):
    DEFAULT_CSS = "SlotFigures { height: auto; }"


class SlotPanel(Vertical):
    """One slot. `show(slot, now)` after the model changed; `tick(now)` from the app's ticker;
    `set_on_air(on)` when the listener starts or stops hearing it."""

    DEFAULT_CSS = """
    SlotPanel {
        width: 1fr; height: 100%;
        border: round $slot-free; border-title-color: $text; border-subtitle-color: $text-muted;
        padding: 0; color: $text-muted;
    }
    SlotPanel > Static { text-wrap: nowrap; text-overflow: ellipsis; }
    SlotPanel Digits { display: none; }
    SlotPanel.-compact { height: 3; }
    """

    def __init__(self, index: int, *, compact: bool = False) -> None:
        super().__init__(id=f"slot-{index}", classes="-compact" if compact else "")
        self.index = index
        self.compact = compact
        self.on_air = False
        self._slot: ContextSlot | None = None
        self._countdown = ""
        self._shown: tuple[str, str] = ("", "")  # state line, figures: repaint only on change
        self._frame: tuple[str, str, str] = ("", "", "")  # title, subtitle, state class
        # Held, not queried: painting must work while the app shuts down, and queries cost.
        self._state_line = SlotStateLine("", id=f"slot-{index}-state")
        self._digits = Digits("", id=f"slot-{index}-digits")
        self._figures = SlotFigures("", id=f"slot-{index}-figures")

    def compose(self) -> ComposeResult:
        yield self._state_line
        yield self._digits
        yield self._figures

    def show(self, slot: ContextSlot, now: float) -> None:
        self._slot = slot
        # Titles and classes repaint the whole panel (border included): set them only on change.
        frame = (
            slot.context_id or f"slot {slot.index + 1}",
            subtitle(slot, self.on_air, self.compact),
            STATE_CLASSES[slot.state],
        )
        if frame != self._frame:
            self._frame = frame
            self.border_title = Text(frame[0], no_wrap=True)  # a context id is never markup
            self.border_subtitle = frame[1]
            self.remove_class(*(ALL_STATE_CLASSES - {frame[2]}))
            self.add_class(frame[2])
        line = compact_line(slot) if self.compact else f"{glyph_for(slot.state)} {state_label(slot)}"
        if line != self._shown[0]:
            self._shown = (line, self._shown[1])
            self._state_line.update(Text(line, no_wrap=True), layout=False)
        self._paint(now)

    def set_on_air(self, on: bool, now: float) -> None:
        """Mark (or unmark) this panel as the one the listener is hearing now."""
        if on != self.on_air:
            self.on_air = on
            self.set_class(on, "-on-air")
            if self._slot is not None:
                self.show(self._slot, now)

    def tick(self, now: float) -> None:
        if self._slot is not None and self._countdown != countdown(self._slot.countdown(now)):
            self._paint(now)

    def _paint(self, now: float) -> None:
        assert self._slot is not None
        remaining = self._slot.countdown(now)
        self._countdown = countdown(remaining)
        # Fixed-size panel: repaint only, never a layout pass (this runs per frame and per tick),
        # and only when a figure changed: every repainted line costs the compositor.
        text = figures(self._slot, remaining)
        if text.plain != self._shown[1]:
            self._shown = (self._shown[0], text.plain)
            self._figures.update(text, layout=False)
        # Kept current while hidden too: when the theme or the terminal shows them, a stopped
        # clock (a paused replay) would otherwise leave them blank. Digits.update refreshes even
        # when nothing changed, hence the check.
        digits = "" if remaining is None else f"{remaining:04.1f}"
        if digits != self._digits.value:
            self._digits.update(digits)


# Full panels fit five across 80 columns; beyond that the panels turn compact (three rows each).
FULL_PANELS = 5


class SlotRow(Horizontal):
    """The panels: up to five full ones side by side, or up to fifteen compact ones in rows of five."""

    DEFAULT_CSS = """
    SlotRow { height: 9; }
    SlotRow.-compact { layout: grid; grid-size: 5; grid-rows: 3; }
    """

    def __init__(self, count: int = FULL_PANELS, **kwargs) -> None:
        super().__init__(**kwargs)
        self.count = count
        self.set_class(count > FULL_PANELS, "-compact")

    def compose(self) -> ComposeResult:
        for index in range(self.count):
            yield SlotPanel(index, compact=self.count > FULL_PANELS)

    def panels(self) -> list[SlotPanel]:
        return list(self.query(SlotPanel))
