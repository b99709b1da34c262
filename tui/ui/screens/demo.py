"""Demo mode: the same live session, laid out for a room of stakeholders (`switchboard --demo`).

Big and legible, theme-independent in its layout: the scenario's name on top, the contexts as
one strip, the speaking turn always in the same box with its words appearing as they are heard,
and at a barge-in a callout with the session's own figures (widgets/demo_callout.py). The frame
log is hidden (a key shows it); the composer is there for a demo by hand and hidden while a
scenario plays it (tui/ui/demo.py). The console screen stays underneath: the layout key goes
back to it and the session carries on.

Keys: Escape barges in (as in the console), ctrl+o shows or hides the frame log, ctrl+backslash goes
back to the console layout.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from ...core import Console
from ...session import Changes, SlotState
from ...session.status import ConnectionState
from ...session.transcript import TurnTranscript
from ..actions import DEMO_KEY
from ..widgets.banner import ErrorBanner
from ..widgets.composer import Composer
from ..widgets.demo_callout import CalloutKeeper, DemoCallout
from ..widgets.demo_slots import DemoSlotStrip
from ..widgets.demo_turn import DemoTurn
from ..widgets.frame_log import FrameLogView
from ..widgets.status import connection_text

SILENCED = (SlotState.INTERRUPTED, SlotState.ERROR)  # the console stopped their audio
STARVED_S = 0.02  # unheard audio below this (the speaker's last block) is none: nothing is playing
FRAME_LOG_KEY = "ctrl+o"  # as the console's log-line key: the frame log


class DemoScreen(Screen[None]):
    DEFAULT_CSS = """
    DemoScreen { background: $background; }
    DemoScreen #demo-title { height: auto; padding: 0 2; background: $panel; color: $text; text-style: bold; }
    DemoScreen #demo-about { height: auto; padding: 0 2; background: $panel; color: $text; }
    DemoScreen #demo-warning {
        display: none; height: auto; padding: 0 2; background: $warning-muted; color: $text-warning; text-style: bold;
    }
    DemoScreen #demo-warning.-shown { display: block; }
    DemoScreen #demo-prompt {
        display: none; width: 100%; height: 3; content-align: center middle;
        background: $warning-muted; color: $text-warning; text-style: bold;
    }
    DemoScreen #demo-prompt.-shown { display: block; }
    DemoScreen FrameLogView { display: none; height: 40%; border-top: solid $primary; }
    DemoScreen FrameLogView.-shown { display: block; }
    DemoScreen #demo-composer-row { height: 1; padding: 0 2; }
    DemoScreen #demo-composer-row.-hidden { display: none; }
    """
    BINDINGS = [
        # Escape barges in while the composer has focus, as on the console (same binding id, so
        # a keymap remap applies to both layouts).
        Binding("escape", "barge_in", "barge-in", priority=True, id="barge-in"),
        Binding(FRAME_LOG_KEY, "toggle_log", "frame log", priority=True, id="demo-frame-log"),
        Binding(DEMO_KEY, "app.toggle_demo", "console layout", priority=True, id="demo-mode"),
    ]

    def __init__(
        self, console: Console, *, title: str = "", about: str = "", blink: bool = True, replay: bool = False
    ) -> None:
        super().__init__(id="demo")
        self.core = console
        self.session = console.session
        self.title_text = title or "Switchboard"
        self.about = about
        self.replay = replay  # a recording plays: nothing is typed or sent from here
        self.playing = replay  # a scenario (or a recording) plays: no composer
        self._blink = blink
        self._step = ""
        self.prompt = ""
        self._warning = ""
        self._ready = False  # the widgets are held once mounted (the ticker runs 15 times a second)
        self.keeper = CalloutKeeper(console.session)
        # Taken at the barge-in itself, not at the next paint: by then the slot may show another turn.
        self._remove_keeper = console.add_observer(self.keeper.on_changes)

    def compose(self) -> ComposeResult:
        yield Static(self.title_text, id="demo-title", markup=False)
        yield Static(self.about, id="demo-about", markup=False)
        yield Static("", id="demo-warning", markup=False)
        yield ErrorBanner(id="demo-banner")
        yield DemoSlotStrip(id="demo-slots")
        yield DemoTurn(id="demo-turn")
        yield DemoCallout(id="demo-callout")
        yield Label("", id="demo-prompt")
        yield FrameLogView(self.session.log, id="demo-frames")
        with Horizontal(id="demo-composer-row"):
            composer = Composer(id="demo-composer")
            composer.cursor_blink = self._blink
            yield composer
        yield Footer()

    def on_mount(self) -> None:
        self._turn = self.query_one(DemoTurn)
        self._strip = self.query_one(DemoSlotStrip)
        self._callout = self.query_one(DemoCallout)
        self._log = self.query_one(FrameLogView)
        self._warning_box = self.query_one("#demo-warning", Static)
        self._title = self.query_one("#demo-title", Static)
        self._prompt = self.query_one("#demo-prompt", Label)
        self._composer_row = self.query_one("#demo-composer-row")
        self._composer = self.query_one(Composer)
        self._banner = self.query_one(ErrorBanner)
        self._ready = True
        self.query_one("#demo-about").display = bool(self.about)
        self.watch(self.app, "theme", self._restyle, init=False)
        self._show_state()
        if not self.playing:
            self._composer.focus()
        self.paint(Changes(log=True, banner=self.session.banner))

    def detach(self) -> None:
        """Stop observing the console (the app is closing)."""
        self._remove_keeper()

    # ---- what the player and the keys change --------------------------------------------------

    # The player may call these before the screen is mounted: each keeps its state, and
    # `_show_state` puts it on screen (now, or at mount).

    def set_playing(self, playing: bool) -> None:
        """A scenario plays the turns: the composer goes (the room should not see a cursor)."""
        self.playing = playing or self.replay
        self._show_state()

    def set_step(self, i: int, n: int, label: str) -> None:
        self._step = f"  ·  step {i}/{n}"
        self._show_state()

    def set_prompt(self, text: str) -> None:
        """A line the room and the operator should not miss ("press Esc to interrupt"); "" hides it."""
        self.prompt = text
        self._show_state()

    def finished(self, text: str) -> None:
        self._step = f"  ·  {text}"
        self._show_state()

    def _show_state(self) -> None:
        if not self._ready:  # not mounted yet: on_mount shows it
            return
        self._title.update(self.title_text + self._step)
        self._prompt.update(self.prompt)
        self._prompt.set_class(bool(self.prompt), "-shown")
        if self._composer_row.has_class("-hidden") != self.playing:
            self._composer_row.set_class(self.playing, "-hidden")
            if not self.playing:
                self._composer.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A replay is what was recorded: a barge-in here would act on it (the console's replay keys steer it).
        return not (self.replay and action == "barge_in")

    def action_barge_in(self) -> None:
        if self.core.speaker is None:
            self.app.notify("the console is still starting", severity="warning", timeout=4)
        elif self.core.barge_in() is None:
            self.app.notify("nothing to interrupt", severity="warning", timeout=3)

    def action_toggle_log(self) -> None:
        self._log.set_class(not self._log.has_class("-shown"), "-shown")
        if self._log.has_class("-shown"):
            self._log.catch_up()

    def on_composer_turn_submitted(self, event: Composer.TurnSubmitted) -> None:
        result = self.core.submit_turn(event.text)
        if result.ok:
            event.composer.accepted(event.text)
        elif result.message:
            self.app.notify(result.message, severity="warning", timeout=6, markup=False)

    # ---- painting ---------------------------------------------------------------------------

    def paint(self, changes: Changes) -> None:
        """Repaint from the session (the app calls this with the merged changes, <= 20 a second)."""
        if not self._ready:
            return
        if changes.log and self._log.display:
            self._log.catch_up()
        if changes.banner is not None:
            self._banner.show_problem(changes.banner.text, changes.banner.level)
        self._paint_live()

    def tick(self, now: float) -> None:
        """The app's ticker: what moves without a change (the slot being heard)."""
        if self._ready:
            self._paint_live()

    def _paint_live(self) -> None:
        cid = self._playing_context()
        transcript = self.session.transcript
        # The turn the listener hears; else one the model says is speaking (no speaker to ask: a
        # replay, a scene); else the latest, waiting for its audio.
        turn = (transcript.turn(cid) if cid else None) or self._speaking_turn() or transcript.current
        slot = self.session.slot_for(turn.context_id) if turn is not None and turn.context_id else None
        state = "refused" if turn is not None and turn.error else slot.state.value if slot is not None else "done"
        if slot is not None and slot.occupied and slot.metrics.first_audio_at is None:
            state = "waiting for its first audio"
        self._turn.show(turn, "speaking" if cid is not None and turn is not None and turn.context_id == cid else state)
        on_air = self.session.slot_for(cid) if cid else None
        self._strip.show(self.session.slots, on_air.index if on_air is not None else None)
        self._callout.show(self.keeper.callout)
        self._warn()

    def _warn(self) -> None:
        """What the room must not be left guessing: no connection, or a speaker that is silent
        (the status strip's words: it is hidden here)."""
        status = self.session.status
        up = status.connection is ConnectionState.CONNECTED
        problems = [] if up else [connection_text(status, self.session.clock())]
        if status.silent_reason:
            problems.append(f"SILENT: {status.silent_reason}")
        text = "  ·  ".join(problems)
        if text != self._warning:
            self._warning = text
            self._warning_box.update(text)
            self._warning_box.set_class(bool(text), "-shown")

    def _speaking_turn(self) -> TurnTranscript | None:
        speaking = [s for s in self.session.slots if s.state is SlotState.SPEAKING and s.context_id]
        latest = max(speaking, key=lambda s: s.metrics.opened_at or 0.0, default=None)
        return self.session.transcript.turn(latest.context_id) if latest and latest.context_id else None

    def _playing_context(self) -> str | None:
        """The context the listener hears now. The speaker names the head of its play order even
        when that turn is starved (its audio all heard, more never coming) or was stopped (cut,
        or failed: after a 1008 close the speaker still names the last one, its heard seconds
        frozen), so it counts only while it may play and some of its audio is still unheard."""
        link = self.core.speaker
        cid = getattr(link.speaker, "playing_context", None) if link is not None else None
        slot = self.session.slot_for(cid) if cid is not None else None
        if (
            slot is None
            or slot.state in SILENCED
            or slot.metrics.audio_seconds - slot.metrics.heard_seconds <= STARVED_S
        ):
            return None
        return cid

    def _restyle(self) -> None:
        # The boxes paint Text with styles resolved from the theme: a new theme repaints them.
        for box in (self._turn, self._strip, self._callout):
            box.restyle()
        self._paint_live()
