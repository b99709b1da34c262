"""Slot panels: one per context the dialect lets the server count, readable at a glance at 80×24.

A panel paints one `ContextSlot` (tui.session): border title the context id, then state glyph and
name, the inactivity countdown (once closed: the console's wait for the final, "⏱ final"),
bytes/frames both ways, audio received/heard, TTFA, close→final,
and late frames. Colour follows the state through CSS classes (`-speaking`, `-draining`, ...)
that use the theme's `$slot-*` variables only. The app's ticker calls `tick(now)`; a panel
repaints only when its countdown text changes.

Up to five slots (ElevenLabs' limit) get full panels side by side. More (Murf's fifteen) turn
compact: one line each (glyph, audio received/heard, state), five to a row, so fifteen fit the
same nine rows. A dialect with no per-socket cap (Cartesia) starts with five and grows a panel
per live context (`SlotRow.grow`): past five they turn compact, past fifteen the rows scroll.
The panel whose audio the listener is hearing now is marked on air (`-on-air`:
a heavy border and "▶ playing"), wherever the least-recently-used rule put its turn.

Markers a context gets before its final (flush done, turn final, context created) show on the
last line while the context has no close→final figure: "⚑2 flush 1.3s" is the second flush
done, the last marker, 1.3 s after the context opened; compact panels count them ("⚑3").
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
    if compact and slot.metrics.markers:
        notes.append(f"⚑{sum(slot.metrics.markers.values())}")
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
    lines.append(
        marker_line(slot) if m.close_to_final is None and m.last_marker else f"c→f  {millis(m.close_to_final)}"
    )
    return lines


def marker_line(slot: ContextSlot) -> str:
    """The last marker, its count and when it came (seconds after the context opened)."""
    m = slot.metrics
    since = (m.last_marker_at or 0.0) - (m.opened_at if m.opened_at is not None else 0.0)
    return f"⚑{m.markers.get(m.last_marker, 0)} {m.last_marker} {since:.1f}s"


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

    def set_compact(self, compact: bool) -> None:
        """Turn compact (one line) or full; the next `show` repaints it so."""
        if compact != self.compact:
            self.compact = compact
            self.set_class(compact, "-compact")
            self._shown = ("", "")
            self._frame = ("", "", "")

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
    """The panels: up to five full ones side by side, or compact ones in rows of five (fifteen
    fit its nine rows; more scroll)."""

    DEFAULT_CSS = """
    SlotRow { height: 9; }
    SlotRow.-compact { layout: grid; grid-size: 5; grid-rows: 3; overflow-y: auto; scrollbar-size-vertical: 1; }
    """

    def __init__(self, count: int = FULL_PANELS, **kwargs) -> None:
        super().__init__(**kwargs)
        self.count = count
        self.set_class(count > FULL_PANELS, "-compact")
        self._panels = [SlotPanel(index, compact=count > FULL_PANELS) for index in range(count)]

    def compose(self) -> ComposeResult:
        yield from self._panels

    def panels(self) -> list[SlotPanel]:
        return list(self._panels)

    def grow(self, count: int) -> list[SlotPanel]:
        """Panels for `count` slots (a dialect with no per-socket cap opened more contexts):
        mounts the new ones, turns them all compact past five; returns every panel. Runs once
        per new slot, never per frame."""
        if count <= self.count:
            return self.panels()
        compact = count > FULL_PANELS
        self.set_class(compact, "-compact")
        for panel in self._panels:
            panel.set_compact(compact)
        added = [SlotPanel(index, compact=compact) for index in range(self.count, count)]
        self.count = count
        self._panels += added
        self.mount_all(added)
        return self.panels()
