"""Component styles (`Widget > .name` rules in CSS) as Rich styles, for widgets that paint Text."""
from __future__ import annotations

from rich.style import Style
from textual.widget import Widget


def component_style(widget: Widget, name: str) -> Style:
    """The style of component class `name`; a plain style while the widget's CSS is not applied
    yet (a paint can arrive between mount and the first style pass, or during a theme switch)."""
    try:
        return widget.get_component_rich_style(name, partial=True)
    except KeyError:
        return Style.null()
