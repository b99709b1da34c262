"""The banner: error frames, close codes and connection loss (and the odd warning or notice, such
as a scenario's verdict), until the operator dismisses it. Its colour and mark follow the level:
an error is red with ✕, a warning amber with ⚠, a notice plain with •, so a passed scenario never
looks like a failure."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static


class ErrorBanner(Static):
    """One line with the latest problem and how many came before it; hidden when there is none.

    Click it (or press the dismiss key) to hide it. The frame log keeps every problem anyway.
    """

    class Dismissed(Message):
        """The operator clicked the banner away."""

    DEFAULT_CSS = """
    ErrorBanner {
        display: none;
        height: auto;
        max-height: 3;
        padding: 0 1;
        /* Textual's own error emphasis: full $error behind $text is under 4.5:1 on a bright red. */
        background: $error-muted;
        color: $text-error;
        text-style: bold;
    }
    ErrorBanner.-shown { display: block; }
    ErrorBanner.-warning { background: $warning-muted; color: $text-warning; }
    ErrorBanner.-info { background: $success-muted; color: $text-success; }
    """

    MARKS = {"error": "✕", "warning": "⚠", "info": "•"}

    message: reactive[str] = reactive("", layout=True)
    earlier: reactive[int] = reactive(0)
    level: reactive[str] = reactive("error")

    def show_problem(self, message: str, level: str = "error") -> None:
        if self.message:
            self.earlier += 1
        self.level = level if level in self.MARKS else "error"
        for name in self.MARKS:
            self.set_class(name == self.level and name != "error", f"-{name}")
        self.message = message

    def dismiss(self) -> None:
        self.message = ""
        self.earlier = 0

    @property
    def shown(self) -> bool:
        return bool(self.message)

    def watch_message(self, message: str) -> None:
        self.set_class(bool(message), "-shown")
        self._paint()

    def watch_earlier(self) -> None:
        self._paint()

    def _paint(self) -> None:
        # Server text goes in as a Text object, never as markup: it may contain brackets.
        line = Text(f"{self.MARKS[self.level]} ", style="bold")
        line.append(self.message)
        if self.earlier:
            line.append(f"  (+{self.earlier} earlier, see log)", style="italic")
        self.update(line)

    def on_click(self) -> None:
        self.dismiss()
        self.post_message(self.Dismissed())
