"""Raw frame send: type any JSON frame and send it as is, for exploring the protocol by hand.

Invalid JSON is refused here with the parser's own words and the text stays in the editor. The
screen returns the frame text; the app sends it and remembers it for the next time it opens.
"""
from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

EXAMPLE = '{"context_id": "turn_1", "text": ""}'


def check_frame(text: str) -> str | None:
    """None when `text` is one JSON value; otherwise a line saying where it breaks."""
    if not text.strip():
        return "Nothing to send: type a JSON frame, e.g. " + EXAMPLE
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"Not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. Nothing was sent."
    except RecursionError:
        return "Not sendable: the JSON nests too deeply. Nothing was sent."
    return None


class RawSendScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("ctrl+s", "send", "send", id="raw-send-confirm", priority=True),
        Binding("escape", "cancel", "cancel", id="raw-send-cancel"),
    ]

    DEFAULT_CSS = """
    RawSendScreen { align: center middle; }
    RawSendScreen > Vertical {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: round $primary; background: $panel; padding: 0 1;
    }
    RawSendScreen TextArea { height: 8; }
    RawSendScreen #raw-problem { color: $error; height: auto; }
    RawSendScreen Horizontal { height: auto; align-horizontal: right; }
    RawSendScreen Button { margin-left: 1; }
    """

    def __init__(self, draft: str = "") -> None:
        super().__init__()
        self._draft = draft or EXAMPLE

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Send a raw frame (ctrl+s sends, esc cancels)"
            yield TextArea(self._draft, id="raw-text", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="raw-problem")
            with Horizontal():
                yield Button("Cancel", id="raw-cancel")
                yield Button("Send", id="raw-send", variant="primary")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_send(self) -> None:
        text = self.query_one(TextArea).text
        problem = check_frame(text)
        if problem:
            self.query_one("#raw-problem", Static).update(Text(problem))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "raw-send":
            self.action_send()
        else:
            self.action_cancel()

    @property
    def draft(self) -> str:
        return self.query_one(TextArea).text
