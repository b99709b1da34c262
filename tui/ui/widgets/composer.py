"""The composer: the operator types an agent turn; Enter asks the app to stream it.

The text is cleared only when the app says the turn was accepted (`accepted()`), so an error or a
lost connection never eats what was typed. Up and Down recall the turns sent before.

Enter posts Textual's own `Input.Submitted`, which keeps the text as it is, so "the text stays
until the app accepts it" needs nothing else: the message is `Composer.TurnSubmitted`, a subclass,
so `@on(Input.Submitted)` and the input's validators see it as they would any input's, while the
screens' `on_composer_turn_submitted` handlers hear only the composer (not another Input on the
same screen) and read it typed (`event.composer`, `event.text`). A blank line posts nothing.
"""

from __future__ import annotations

from typing import cast

from textual.binding import Binding
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

    class TurnSubmitted(Input.Submitted):
        """Enter on a non-blank line: Textual's Input.Submitted, from the composer."""

        @property
        def composer(self) -> Composer:
            return cast(Composer, self.input)

        @property
        def text(self) -> str:
            return self.value

    Submitted = TurnSubmitted  # Input.action_submit posts `self.Submitted(...)`: this one

    def __init__(self, **kwargs) -> None:
        super().__init__(placeholder="Type a turn, Enter streams it", compact=True, **kwargs)
        self._history: list[str] = []
        self._recall_at: int | None = None

    async def action_submit(self) -> None:
        if self.value.strip():  # a blank turn is nothing to stream
            await super().action_submit()

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
