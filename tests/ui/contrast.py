"""Contrast of what is on screen, as WCAG 2 measures it, read from the compositor's own output.

`screen_contrast(app)` walks every segment of the screen the app would write to the terminal
(the same strips `export_screenshot` prints), resolves its foreground against its background
(reverse swapped, dim blended the way Textual's DimFilter does) and returns the segments whose
ratio is below what WCAG asks of them: 4.5 for text.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.color import ColorTriplet
from rich.segment import Segment
from textual.app import App
from textual.color import Color
from textual.filter import dim_style

BODY_TEXT = 4.5  # WCAG 2 success criterion 1.4.3, normal-size text

# Box drawing, block elements and geometric shapes: graphics (borders, scrollbars, slot glyphs),
# not text. WCAG holds them to 3:1 as non-text contrast; this check is about text.
GRAPHIC_RANGES = ((0x2500, 0x25FF),)


def relative_luminance(rgb: ColorTriplet) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: ColorTriplet, b: ColorTriplet) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def is_text(text: str) -> bool:
    return any(not ch.isspace() and not any(lo <= ord(ch) <= hi for lo, hi in GRAPHIC_RANGES) for ch in text)


@dataclass(frozen=True)
class LowContrast:
    row: int
    text: str
    foreground: str
    background: str
    ratio: float

    def __str__(self) -> str:
        return f"row {self.row}: {self.text.strip()!r} {self.foreground} on {self.background} = {self.ratio:.2f}"


def screen_contrast(app: App, minimum: float = BODY_TEXT) -> list[LowContrast]:
    """Every text segment on the app's screen whose contrast is below `minimum`."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    found: list[LowContrast] = []
    for row, line in enumerate(update.strips):
        for strip in line:
            for segment in strip:
                found.extend(_check(row, segment, minimum))
    return found


def _check(row: int, segment: Segment, minimum: float) -> list[LowContrast]:
    text, style = segment.text, segment.style
    if segment.control or style is None or not is_text(text):
        return []
    if style.color is None or style.bgcolor is None:
        # The terminal's own default colour: nothing the theme decided, so nothing to check.
        return [LowContrast(row, text, str(style.color), str(style.bgcolor), 0.0)]
    if style.dim:
        style = dim_style(style, Color.from_rich_color(style.bgcolor), 0.5)
    fg, bg = style.color.get_truecolor(), style.bgcolor.get_truecolor()
    if style.reverse:
        fg, bg = bg, fg
    ratio = contrast_ratio(fg, bg)
    return [] if ratio >= minimum else [LowContrast(row, text, fg.hex, bg.hex, ratio)]
