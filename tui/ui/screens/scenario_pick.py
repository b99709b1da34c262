"""Choose a scenario to play (ctrl+r, or "Scenario" in the palette), and, at its end, where its
report goes.

`ScenarioPicker` lists the shipped scenarios (`scenarios/*.toml`, by their [scenario] name) and
takes a path typed by hand; it returns the path chosen, unchecked: the caller loads it and shows
a bad file's line and key in the banner. `ReportOffer` asks for a folder for the report
(report.json, report.md, report.html and the timeline SVG, tui.scenario.page) or None.

BINDINGS: escape cancels; 1–9 choose the n-th scenario; enter in the path field opens that file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ...shipped import shipped_dir


def shipped_scenarios(folder: Path | None = None) -> list[tuple[Path, str]]:
    """(path, one line) for each shipped scenario, by file name; the line is its name and
    description, or what is wrong with it (loading it says where)."""
    folder = folder if folder is not None else shipped_dir("scenarios")
    found = []
    for path in sorted(folder.glob("*.toml")):
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("scenario", {})
            name = str(table.get("name") or path.stem) if isinstance(table, dict) else path.stem
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            name = f"{path.stem} (cannot be read: open it to see why)"
        found.append((path, name))
    return found


class ScenarioModal(ModalScreen[Path | None]):
    DEFAULT_CSS = """
    ScenarioModal { align: center middle; }
    ScenarioModal > Vertical {
        width: 80%; max-width: 100; height: auto; max-height: 90%;
        border: round $primary; background: $panel; padding: 0 1;
    }
    ScenarioModal OptionList { height: auto; max-height: 18; border: none; }
    ScenarioModal Label { color: $text-muted; }
    """

    def action_cancel(self) -> None:
        self.dismiss(None)


class ScenarioPicker(ScenarioModal):
    AUTO_FOCUS = "OptionList"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="scenario-pick-cancel"),
        *(Binding(str(n), f"choose({n - 1})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.choices = shipped_scenarios(folder)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Play a scenario (esc cancels)"
            options = [
                Option(Text(f"{n:>2}  {path.name:<28} {name}"), id=str(path))
                for n, (path, name) in enumerate(self.choices, 1)
            ]
            yield OptionList(*options) if options else OptionList(Option("(no shipped scenario found)", disabled=True))
            yield Label("or a scenario file's path, then enter:")
            yield Input(placeholder="scenarios/my-test.toml", id="scenario-path")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(Path(event.option.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if typed:
            self.dismiss(Path(typed).expanduser())

    def action_choose(self, index: int) -> None:
        if isinstance(self.focused, Input):
            return  # digits typed into the path
        if index < len(self.choices):
            self.dismiss(self.choices[index][0])


class ReportOffer(ScenarioModal):
    """Returns the folder to write the report into, or None (esc: no report)."""

    AUTO_FOCUS = "#report-folder"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "no report", id="report-offer-cancel")]

    def __init__(self, verdict: str, folder: Path) -> None:
        super().__init__()
        self._verdict, self._folder = verdict, folder

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Write the report? (enter writes, esc skips)"
            yield Label(Text(self._verdict))
            yield Label("folder (report.json, .md, .html and the timeline SVG):")
            yield Input(value=str(self._folder), id="report-folder")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        self.dismiss(Path(typed).expanduser() if typed else None)
