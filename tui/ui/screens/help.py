"""F1: the keys as currently bound (keymap.toml applied) and what the panels show."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..actions import ACTIONS

PANELS = """\
Slots: one panel per context the server counts (5 at most). Border title: context id;
  state glyph and name; countdown to the server's inactivity close; ↑ bytes/frames sent,
  ↓ bytes/frames received; audio seconds received / heard;
  "ttfa A/B": A is first text → first audio, B is flush → first audio (the status strip
  names them text→audio and flush→audio); close→final (close_context sent → final frame);
  late frames (audio after a barge-in).
  A closed context stays occupied (draining) until its final frame arrives, or until the
  console's own wait for it ("⏱ final", ElevenLabs: inactivity timeout + 10 s; Murf: 30 s after
  an end, 5 s after a clear) runs out: then "no final", released (the server may still count it).
  "no audio": a final came with no audio for words sent (flush→close race or exhausted quota?).
Transcript: the words heard are bright; after a barge-in the unheard words are struck through
  and the turn wraps; words typed but never sent follow in italics (a turn stopped by a final
  with no audio says so and wraps too); a waiting turn is "queued".
Frame log: → sent, ← received, • console notes; audio is shown as its byte count.
Timeline (ctrl+f): a lane per context on one time axis: ─ open until its final, ╵ text sent,
  ▒ audio received, █ heard, × close, ◆ final, ✂ barge-in, ✖ error. A turn's figures: f11,
  or click its slot or line. Scenarios (ctrl+r): the status strip says "scenario NAME step 3/9";
  ctrl+z pauses (nothing more is sent) and plays on, ctrl+n plays one step; Escape barges in.
Keymap: remap any id below in $XDG_CONFIG_HOME/switchboard/keymap.toml, e.g.  barge-in = "escape,ctrl+b"
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "close help", id="help-close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 90%;
        border: round $primary; background: $panel; padding: 0 1;
    }
    """

    def __init__(self, keys_for: dict[str, str]) -> None:
        """`keys_for` maps each binding id to the keys it has now (after the keymap)."""
        super().__init__()
        self._keys_for = keys_for

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        table.add_column(style="italic")
        for action in ACTIONS:
            table.add_row(Text(self._keys_for.get(action.id, action.keys)), Text(action.help), Text(action.id))
        for keys, what, binding_id in (
            ("enter", "Stream the typed turn", "(composer)"),
            ("up / down", "Recall earlier turns", "(composer)"),
            ("ctrl+p", "Command palette: every action, themes", "command-palette"),
            (self._keys_for.get("quit", "ctrl+q"), "Quit", "quit"),
        ):
            table.add_row(Text(keys), Text(what), Text(binding_id))
        with VerticalScroll() as scroll:
            scroll.border_title = "Switchboard keys (esc closes)"
            yield Static(table)
            yield Static(Text(PANELS))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
