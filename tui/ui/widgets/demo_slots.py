"""The demo's context strip: every slot of the connection on one line, glyph, number and state,
in the state's theme colour (`$slot-*`), so the room sees contexts fill and free without the
console's panels. The slot being heard is marked ▶. With many slots (Murf's fifteen, Cartesia
grown) the state words go and the glyphs stay.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from ...session.slot import ContextSlot, SlotState
from ..glyphs import STATE_CLASSES, glyph_for
from .styles import component_style


def cell_text(slot: ContextSlot, on_air: bool, wide: bool) -> str:
    mark = "▶" if on_air else glyph_for(slot.state)
    if not wide:
        return f"{mark}{slot.index + 1}"
    # A finished context whose audio is still being heard is what the room hears: "playing".
    state = "playing" if on_air else "free" if slot.state is SlotState.FINAL else slot.state.value
    return f"{mark} {slot.index + 1} {state}"


class DemoSlotStrip(Static):
    """`show(slots, on_air)`: `on_air` is the index of the slot the listener hears (or None)."""

    COMPONENT_CLASSES = {f"demo-slot-{cls}" for cls in set(STATE_CLASSES.values())} | {"demo-slot--sep"}
    DEFAULT_CSS = """
    DemoSlotStrip { height: 1; padding: 0 2; text-wrap: nowrap; text-overflow: ellipsis; }
    DemoSlotStrip > .demo-slot--free { color: $slot-free; text-style: $slot-text-style; }
    DemoSlotStrip > .demo-slot--opening { color: $slot-opening; text-style: bold; }
    DemoSlotStrip > .demo-slot--streaming { color: $slot-streaming; text-style: bold; }
    DemoSlotStrip > .demo-slot--generating { color: $slot-generating; text-style: bold; }
    DemoSlotStrip > .demo-slot--speaking { color: $slot-speaking; text-style: bold reverse; }
    DemoSlotStrip > .demo-slot--draining { color: $slot-draining; text-style: bold; }
    DemoSlotStrip > .demo-slot--interrupted { color: $slot-interrupted; text-style: bold; }
    DemoSlotStrip > .demo-slot--timed-out { color: $slot-timed-out; text-style: bold; }
    DemoSlotStrip > .demo-slot--error { color: $slot-error; text-style: bold; }
    DemoSlotStrip > .demo-slot--sep { color: $text; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._key: tuple = ()

    def show(self, slots: Sequence[ContextSlot], on_air: int | None) -> None:
        width = self.content_size.width or self.app.size.width
        wide = len(slots) * 16 <= width  # "▶ 5 interrupted" and a gap
        key = (tuple(cell_text(s, s.index == on_air, wide) for s in slots), tuple(s.state for s in slots), on_air)
        if key == self._key:
            return
        self._key = key
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("contexts  ", component_style(self, "demo-slot--sep"))
        for slot, text in zip(slots, key[0]):
            # The slot being heard looks like speech, even once its final came (it plays on).
            cls = "-speaking" if slot.index == on_air else STATE_CLASSES[slot.state]
            out.append(f" {text} ", component_style(self, f"demo-slot-{cls}"))
            out.append(" ")
        self.update(out, layout=False)

    def restyle(self) -> None:
        """Paint again at the next `show` (the theme or the width changed)."""
        self._key = ()

    def on_resize(self) -> None:
        self.restyle()  # the width decides whether the state words fit
