"""The composer: the operator types an agent turn; Enter asks the app to stream it.

The text is cleared only when the app says the turn was accepted (`accepted()`), so an error or a
lost connection never eats what was typed. Up and Down recall the turns sent before.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class Composer(Input):
    # Input greys its placeholder to $text-disabled, under 4.5:1 in every theme; the placeholder
    # is the only hint of what the line is for, so it is text and reads as text.
    DEFAULT_CSS = """
    Composer > .input--placeholder { color: $text-muted; }
    """
    BINDINGS = [
        Binding("up", "recall(-1)", "previous turn", show=False),
        Binding("down", "recall(1)", "next turn", show=False),
    ]

    class TurnSubmitted(Message):
        def __init__(self, composer: Composer, text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(placeholder="Type a turn, Enter streams it", compact=True, **kwargs)
        self._history: list[str] = []
        self._recall_at: int | None = None

    async def action_submit(self) -> None:
        # Replaces Input's own submit: the text stays until the app accepts the turn.
        if self.value.strip():
            self.post_message(self.TurnSubmitted(self, self.value))

    def accepted(self, text: str) -> None:
        """The turn `text` is on its way: remember it and clear the line if it still holds it."""
        if not self._history or self._history[-1] != text:
            self._history.append(text)
        self._recall_at = None
        if self.value == text:
            self.value = ""

    def action_recall(self, step: int) -> None:
        if not self._history:
            return
        at = len(self._history) if self._recall_at is None else self._recall_at
        at = max(0, min(len(self._history), at + step))
        self._recall_at = at
        self.value = self._history[at] if at < len(self._history) else ""
        self.cursor_position = len(self.value)
