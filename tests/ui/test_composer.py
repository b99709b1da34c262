"""The composer posts Textual's own Input.Submitted (as Composer.TurnSubmitted) and keeps its text
until the app accepts the turn (issue 12: no message of its own beside Input.Submitted)."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult
from textual.widgets import Input

from tui.ui.widgets.composer import Composer


class Host(App[None]):
    """A composer and a second input; it accepts a turn only when told to."""

    def __init__(self, accept: bool) -> None:
        super().__init__()
        self.accept = accept
        self.by_name: list[tuple[Composer, str]] = []  # on_composer_turn_submitted
        self.by_type: list[Input] = []  # @on(Input.Submitted): every input's

    def compose(self) -> ComposeResult:
        yield Composer(id="composer")
        yield Input(id="other")

    def on_composer_turn_submitted(self, event: Composer.TurnSubmitted) -> None:
        self.by_name.append((event.composer, event.text))
        if self.accept:
            event.composer.accepted(event.text)

    @on(Input.Submitted)
    def seen(self, event: Input.Submitted) -> None:
        self.by_type.append(event.input)


async def test_enter_posts_input_submitted_and_the_text_stays_until_accepted():
    for accept in (False, True):
        app = Host(accept)
        async with app.run_test() as pilot:
            composer = app.query_one(Composer)
            composer.focus()
            await pilot.press(*"Hi there.", "enter")
            await pilot.pause()
            assert app.by_name == [(composer, "Hi there.")]
            assert app.by_type == [composer]  # one message: Textual's own, seen by type too
            assert composer.value == ("" if accept else "Hi there.")  # refused: nothing eaten


async def test_a_blank_line_posts_nothing_and_another_input_is_not_a_turn():
    app = Host(accept=True)
    async with app.run_test() as pilot:
        app.query_one(Composer).focus()
        await pilot.press("space", "space", "enter")
        app.query_one("#other", Input).focus()
        await pilot.press(*"not a turn", "enter")
        await pilot.pause()
        assert app.by_name == []
        assert app.by_type == [app.query_one("#other", Input)]


async def test_accepting_an_older_turn_keeps_what_was_typed_since_and_up_recalls_it():
    app = Host(accept=False)
    async with app.run_test() as pilot:
        composer = app.query_one(Composer)
        composer.focus()
        await pilot.press(*"First.", "enter")
        composer.value = "Second, typed meanwhile"
        composer.accepted("First.")
        assert composer.value == "Second, typed meanwhile"
        composer.value = ""
        await pilot.press("up")
        assert composer.value == "First."
