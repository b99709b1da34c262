"""The live settings screen (ctrl+y, or "Settings" in the palette): the console's dialect's
settings, grouped as they go on the wire, each field with its range.

ctrl+s applies: every good value takes effect at once (per-context ones from the next context,
query options by reconnecting); a bad value is a message beside its field, stays as typed for
fixing, and the screen stays open. With nothing bad the screen closes. An empty field is the
default (the placeholder says what that is). Escape closes without applying.

BINDINGS: ctrl+s apply, escape close.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, Switch

from ...session.settings import Field, Settings, fields_for

# Each group's heading: where its values go and when they take effect.
GROUPS = {
    "voice_settings": "voice_settings: in each new context's opening message",
    "generation_config": "generation_config: in each new context's opening message",
    "pronunciation": "pronunciation_dictionary_locators: in the opening message",
    "voice_config": "voice_config: in every text frame of each new context",
    "buffer": "buffer: in every text frame of each new context",
    "query": "query options: in the URL; a change reconnects",
}


# Names too long for the name column (the group heading spells it whole).
LABELS = {"pronunciation_dictionary_locators": "locators"}
# The option of the command line whose value a field's default is.
FLAGS = {"voice_id": "--voice", "model": "--model", "inactivity_timeout": "--inactivity-timeout"}


def placeholder(f: Field, command_line: dict[str, object]) -> str:
    """What an empty field means (the default, or "not sent") and what may be typed."""
    if command_line.get(f.name) is not None:
        shown = f"{command_line[f.name]} ({FLAGS.get(f.name, 'command line')})"
    else:
        shown = (
            "not sent" if f.default is None else f"{f.default:g}" if isinstance(f.default, float) else str(f.default)
        )
    return f"{shown} · {f.range_text}" if f.range_text else shown


class SettingsScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("ctrl+s", "apply", "apply", id="settings-apply", priority=True),
        Binding("escape", "close", "close", id="settings-close"),
    ]

    DEFAULT_CSS = """
    SettingsScreen { align: center middle; }
    SettingsScreen > VerticalScroll { max-width: 100; height: 90%; }   /* the box: .dialog in console.tcss */
    SettingsScreen .group { color: $text-accent; text-style: bold; margin-top: 1; }
    SettingsScreen .row { height: 1; }
    SettingsScreen .name { width: 26; color: $text; }
    SettingsScreen Input { border: none; height: 1; padding: 0 1; width: 1fr; background: $boost; }
    SettingsScreen Input:focus { border: none; background: $surface; text-style: bold; }
    SettingsScreen Switch { border: none; height: 1; padding: 0; width: 10; }
    SettingsScreen .hint { margin-left: 1; color: $text-muted; }
    SettingsScreen .problem { color: $text-error; height: auto; padding-left: 26; display: none; }
    """

    def __init__(
        self,
        settings: Settings,
        apply: Callable[[Settings], None],
        *,
        dialect_name: str,
        command_line: dict[str, object] | None = None,
    ) -> None:
        """`apply` gets the new settings (good values only) on every ctrl+s; `command_line`: the
        values an empty field falls back to (voice_id, model, inactivity_timeout), as placeholders."""
        super().__init__()
        self.settings = settings
        self._apply = apply
        self._dialect_name = dialect_name
        self._command_line = command_line or {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog") as box:
            box.border_title = f"Settings: {self._dialect_name} (ctrl+s applies, esc closes)"
            group = None
            for f in fields_for(self.settings.family):
                if f.group != group:
                    group = f.group
                    yield Label(GROUPS[group], classes="group")
                with Horizontal(classes="row"):
                    yield Label(LABELS.get(f.name, f.name), classes="name")
                    if f.kind == "bool":
                        yield Switch(bool(self.settings.get(f.name)), id=f"setting-{f.name}")
                        yield Label(f"default {str(f.default).lower()}", classes="hint")
                    else:
                        yield Input(
                            self.settings.text(f.name),
                            placeholder=placeholder(f, self._command_line),
                            id=f"setting-{f.name}",
                            select_on_focus=False,
                        )
                yield Static("", id=f"problem-{f.name}", classes="problem")

    def on_mount(self) -> None:
        first = self.query(Input).first()
        if first is not None:
            first.focus()

    def action_apply(self) -> None:
        raw: dict[str, object] = {}
        for f in fields_for(self.settings.family):
            widget = self.query_one(f"#setting-{f.name}")
            assert isinstance(widget, (Input, Switch))  # compose() made it one of the two
            raw[f.name] = widget.value
        self.settings, problems = self.settings.updated(raw)
        for f in fields_for(self.settings.family):
            line = self.query_one(f"#problem-{f.name}", Static)
            line.update(Text(problems.get(f.name, "")))
            line.display = f.name in problems
        self._apply(self.settings)
        if not problems:
            self.dismiss(None)
        else:  # the first bad field, where the operator fixes it
            self.query_one(f"#setting-{next(iter(problems))}").focus()

    def action_close(self) -> None:
        self.dismiss(None)
