"""Raw frame send: type any JSON frame and send it as is, for exploring the protocol by hand.

Invalid JSON is refused here with the parser's own words and the text stays in the editor. The
screen returns the frame text; the app sends it and remembers it for the next time it opens.
It opens aimed at the live context: the draft's `context_id` becomes that id, selected, so
typing another id replaces it.
"""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea
from textual.widgets.text_area import Selection

EXAMPLE = '{"context_id": "turn_1", "text": ""}'


def prefill(draft: str, context_id: str | None) -> tuple[str, tuple[int, int] | None]:
    """The editor's text (the draft, else the example, aimed at `context_id` when given) and the
    (start, end) columns of the context id on its first line, to select; None when it has none."""
    text = draft or EXAMPLE
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        return text, None  # a draft that does not parse is the operator's: kept as typed
    if not isinstance(frame, dict) or "context_id" not in frame:
        return text, None
    if context_id is not None:
        frame["context_id"] = context_id
    text = json.dumps(frame, ensure_ascii=False)
    pair = '"context_id": ' + json.dumps(frame["context_id"], ensure_ascii=False)
    quote = 1 if isinstance(frame["context_id"], str) else 0  # select inside the quotes
    start = text.find(pair) + len('"context_id": ') + quote
    return text, (start, start + len(pair) - len('"context_id": ') - 2 * quote)


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
    RawSendScreen > Vertical { max-width: 100; }   /* the box itself: .dialog in console.tcss */
    RawSendScreen TextArea { height: 8; }
    RawSendScreen #raw-problem { color: $error; height: auto; }
    RawSendScreen Horizontal { height: auto; align-horizontal: right; }
    RawSendScreen Button { margin-left: 1; }
    """

    def __init__(self, draft: str = "", context_id: str | None = None) -> None:
        """`context_id`: the live context the frame is aimed at (None: the draft's own)."""
        super().__init__()
        self._draft, self._select = prefill(draft, context_id)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Send a raw frame (ctrl+s sends, esc cancels)"
            yield TextArea(self._draft, id="raw-text", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="raw-problem")
            with Horizontal():
                yield Button("Cancel", id="raw-cancel")
                yield Button("Send", id="raw-send", variant="primary")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        if self._select is not None:
            area.selection = Selection((0, self._select[0]), (0, self._select[1]))

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
