"""Pick one context from a short list: which to close, or which to filter the frame log by."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

ALL = "\x00all"  # the option id for "every context" (no context id can contain NUL)


class ContextPicker(ModalScreen[str | None]):
    """Returns the chosen context id, `ALL` when offered and chosen, or None when cancelled.

    Keys 1–9 choose the n-th entry directly, so "F4 2" closes the second context.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="pick-cancel"),
        *(Binding(str(n), f"choose({n - 1})", show=False) for n in range(1, 10)),
    ]

    DEFAULT_CSS = """
    ContextPicker { align: center middle; }
    ContextPicker > Vertical {
        width: 44; height: auto; max-height: 16;
        border: round $primary; background: $panel;
    }
    ContextPicker OptionList { height: auto; max-height: 12; border: none; }
    """

    def __init__(self, title: str, choices: list[tuple[str, str]], offer_all: bool = False) -> None:
        """`choices` are (context id, one-line description) pairs."""
        super().__init__()
        self._title = title
        self._choices = ([(ALL, "all contexts")] if offer_all else []) + choices

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            # Labels carry context ids from the wire: Text, never markup.
            options = [Option(Text(f"{n}  {label}"), id=cid) for n, (cid, label) in enumerate(self._choices, 1)]
            yield OptionList(*options) if options else OptionList(Option("(no context to choose)", disabled=True))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_choose(self, index: int) -> None:
        if index < len(self._choices):
            self.dismiss(self._choices[index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)
