"""How a slot state looks: its CSS class (whose colour is a theme `$slot-*` variable) and glyph.

The theme files carry colours only; the glyphs are the console's, one per state, so a state
reads without colour too (monochrome terminals, colour-blind operators).
"""

from __future__ import annotations

from ..session.slot import SlotState

# Ten model states, nine theme colours (tui.ui.themes.SLOT_VARIABLES): closing reads as
# draining (it still counts until its final), and a finished context as free again.
STATE_CLASSES: dict[SlotState, str] = {
    SlotState.FREE: "-free",
    SlotState.OPENING: "-opening",
    SlotState.STREAMING: "-streaming",
    SlotState.GENERATING: "-generating",
    SlotState.SPEAKING: "-speaking",
    SlotState.CLOSING: "-draining",
    SlotState.FINAL: "-free",
    SlotState.INTERRUPTED: "-interrupted",
    SlotState.TIMED_OUT: "-timed-out",
    SlotState.ERROR: "-error",
}

DEFAULT_GLYPHS: dict[SlotState, str] = {
    SlotState.FREE: "○",
    SlotState.OPENING: "◌",
    SlotState.STREAMING: "◐",
    SlotState.GENERATING: "◑",
    SlotState.SPEAKING: "●",
    SlotState.CLOSING: "◒",
    SlotState.FINAL: "✓",
    SlotState.INTERRUPTED: "✂",
    SlotState.TIMED_OUT: "⌛",
    SlotState.ERROR: "✖",
}


def glyph_for(state: SlotState) -> str:
    return DEFAULT_GLYPHS.get(state, "?")
