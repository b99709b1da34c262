"""Component styles (`Widget > .name` rules in CSS) as Rich styles, for widgets that paint Text."""

from __future__ import annotations

from rich.style import Style
from textual.widget import Widget


def component_style(widget: Widget, name: str) -> Style:
    """The style of component class `name`, its colour resolved against the widget's background;
    a plain style while the widget's CSS is not applied yet (a paint can arrive between mount and
    the first style pass, or during a theme switch)."""
    # Not the partial style: it keeps Textual's "auto" colours unresolved ($text-muted is
    # "auto 60%"), and an unresolved auto colour renders as white, on light themes too.
    try:
        return widget.get_component_rich_style(name)
    except KeyError:
        return Style.null()
