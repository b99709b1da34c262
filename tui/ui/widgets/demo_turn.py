"""The demo's speaking turn: always in the same box, its words appearing as the listener hears them.

A word appears once the speaker has played past its midpoint (the transcript's `words_spoken`,
from the alignment data), so the room reads what it has just heard, not what the server has
sent ahead. A turn without word timings (Murf sends none) shows its words as sent with the
seconds heard: the console cannot tell which words were heard, and does not pretend to. A turn
cut short shows its unspoken words struck through; a refused one shows the refusal.

Textual has no font sizes: the words are bold, wrapped with a blank line between lines and set
in the middle of the box, which reads from further away than the console's dense panes.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...session.transcript import TurnTranscript
from .styles import component_style


def turn_key(turn: TurnTranscript | None, state: str) -> tuple:
    """What the box shows of a turn: it repaints only when one of these changed."""
    if turn is None:
        return (None, state)
    heard = turn.heard_at_interrupt if turn.interrupted else None
    return (turn.context_id, state, turn.text, turn.words_spoken(heard), turn.interrupted, turn.error)


class DemoTurn(Static):
    """`show(turn, state)`: `state` is the slot's state in words ("speaking", "final", ...)."""

    COMPONENT_CLASSES = {"demo-turn--heard", "demo-turn--cut", "demo-turn--note"}
    DEFAULT_CSS = """
    DemoTurn {
        height: 1fr; padding: 1 4; border: round $slot-speaking; content-align: left middle;
        border-title-color: $text; border-title-style: bold; border-subtitle-color: $text;
        color: $text;
    }
    DemoTurn > .demo-turn--heard { color: $text; text-style: bold; }
    DemoTurn > .demo-turn--cut { color: $text-muted; text-style: strike; }
    DemoTurn > .demo-turn--note { color: $text; text-style: italic; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._key: tuple = ()
        self.words_shown = 0  # words on screen now (tests read it)

    def on_mount(self) -> None:
        self.border_title = " speaking now "
        self.update(Text("Waiting for the first turn…", component_style(self, "demo-turn--note")))

    def show(self, turn: TurnTranscript | None, state: str) -> None:
        key = turn_key(turn, state)
        if key == self._key or turn is None:
            return
        self._key = key
        self.border_subtitle = f" {turn.context_id} · {state} "
        self.update(self._spaced(self._render_turn(turn)), layout=False)

    def _spaced(self, text: Text) -> Text:
        """`text` wrapped to the box with a blank line between its lines."""
        width = self.content_size.width
        if width <= 0:
            return text
        lines = text.wrap(self.app.console, width)
        for line in lines:
            line.rstrip()  # in place: the space a line was broken at
        return Text("\n\n").join(lines)

    def on_resize(self) -> None:
        self.restyle()  # wrapped to the old width: the next `show` wraps again

    def restyle(self) -> None:
        """Paint again at the next `show` (the theme changed the styles the text was built with)."""
        self._key = ()

    def _render_turn(self, turn: TurnTranscript) -> Text:
        out = Text()
        if turn.error:
            out.append(f"refused: {turn.error}\n\n", component_style(self, "demo-turn--note"))
        words = turn.text.split()
        spoken = turn.words_spoken(turn.heard_at_interrupt if turn.interrupted else None)
        heard_style = component_style(self, "demo-turn--heard")
        if spoken is None:  # no word timings: the words as sent, and the seconds heard
            self.words_shown = len(words)
            out.append(" ".join(words), heard_style)
            out.append(f"\n\n{turn.heard_seconds:.1f} s heard", component_style(self, "demo-turn--note"))
            return out
        self.words_shown = spoken
        # Words come from the operator and the wire: appended as Text, never parsed as markup.
        out.append(" ".join(words[:spoken]), heard_style)
        if turn.interrupted or turn.error:  # what was never heard is the point: shown, struck through
            rest = words[spoken:] + turn.unsent_words
            if rest:
                out.append(" " if spoken else "")
                out.append(" ".join(rest), component_style(self, "demo-turn--cut"))
        return out
