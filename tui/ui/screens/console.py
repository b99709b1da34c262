"""The console screen: status strip, banner, slot panels (the dialect's count), transcript, frame log, composer.

It paints a `Session` (tui.session) and repaints only the areas a `Changes` names. Countdowns
are repainted by `tick(now)`, which the app's single ticker calls.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Label

from ...core import Console
from ...replay import ReplayTransport
from ...session import Changes
from ..actions import ACTIONS, console_bindings
from ..widgets.banner import ErrorBanner
from ..widgets.composer import Composer
from ..widgets.frame_log import FrameLogView
from ..widgets.slot_panel import SlotRow
from ..widgets.status import StatusView
from ..widgets.transcript import TranscriptView
from .console_actions import ConsoleActions

WIDE_COLUMNS = 120  # transcript beside the frame log
TALL_ROWS = 36  # taller slot panels (and big digits when the theme asks)
# Footer keys that give way first when the footer is too narrow for all (binding ids, first to go
# first): each is a chord for something done now and then, and F1 and the palette list it. The
# rest give way from the right, in the ACTIONS order; barge-in and help never do.
FOOTER_YIELDS_FIRST = ("settings", "turn-end", "slow-pace")
FOOTER_KEEPS = ("barge-in", "help")


class ConsoleFooter(Footer):
    """Textual's footer, compact, showing only the keys that fit whole.

    Below ~100 columns the live keys do not fit in one line: the stock footer then cuts the last
    key and draws the palette key over it. Here the keys that do not fit are hidden instead
    (FOOTER_YIELDS_FIRST first, then from the right), so every key shown reads whole. Escape
    (barge-in), F1 (help) and ^p (the palette) stay: help and the palette list every action with
    its key, so a hidden key is one look away. At 80 columns the live console shows esc, f1-f4,
    ^o line and ^q quit; at 100 all but ^y settings; at 120 all."""

    def __init__(self) -> None:
        super().__init__(compact=True)

    async def recompose(self) -> None:
        await super().recompose()  # the bindings changed: new keys
        self.fit()

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        # FooterKey is not exported by textual.widgets: found by its CSS type name.
        every = list(self.query("FooterKey"))
        keys = [k for k in every if not k.has_class("-command-palette")]
        room = self.size.width - sum(_width(k) + 1 for k in every if k.has_class("-command-palette"))  # +1: border
        id_of = {a.action: a.id for a in ACTIONS}
        rank = {id_: i for i, id_ in enumerate(FOOTER_YIELDS_FIRST)}

        def ids(key: Widget) -> str:
            return id_of.get(getattr(key, "action", ""), "")

        # The order keys give way in: the named ones, then the others from the right.
        order = sorted(
            (k for k in keys if ids(k) not in FOOTER_KEEPS),
            key=lambda k: (rank.get(ids(k), len(rank)), -keys.index(k)),
        )
        hidden: set[Widget] = set()
        while order and sum(_width(k) for k in keys if k not in hidden) > room:
            hidden.add(order.pop(0))
        for key in keys:
            key.display = key not in hidden


def _width(key: Widget) -> int:
    """Columns a footer key takes: its text and its right margin."""
    text = key.render()  # FooterKey renders a rich Text: what it shows, padding included
    return (text.cell_len if isinstance(text, Text) else len(str(text))) + key.styles.margin.right


class ConsoleScreen(ConsoleActions, Screen[None]):
    """Bindings live here (not on the app) so modals get their own keys, Escape included."""

    BINDINGS = console_bindings()

    def __init__(self, console: Console, *, blink: bool = True, replay: ReplayTransport | None = None) -> None:
        super().__init__(id="console")
        self.core = console
        self.session = console.session
        self.replay = replay  # replaying a recording: no composer, replay keys instead
        self._blink = blink  # off for snapshots: a blinking cursor is never the same twice
        self.replay_caption: str | None = None
        self._panels: list = []
        self._on_air: int | None = None  # index of the panel marked as being heard

    def compose(self) -> ComposeResult:
        yield StatusView(id="status")
        yield ErrorBanner(id="banner")
        yield SlotRow(len(self.session.slots), id="slots")
        with Horizontal(id="lower"):
            with Vertical(id="transcript-box") as box:
                box.border_title = "transcript"
                yield TranscriptView(id="transcript")
            yield FrameLogView(self.session.log, id="frames")
        with Horizontal(id="composer-row"):
            yield Label("›")
            composer = Composer(id="composer")
            composer.cursor_blink = self._blink
            if self.replay is not None:
                composer.placeholder = "Replaying: space play/pause · n step · b next barge-in · +/- speed"
                composer.disabled = True  # plain keys drive the replay
            yield composer
        yield ConsoleFooter()

    def on_mount(self) -> None:
        # Held once: the ticker runs 15 times a second and should not query the DOM each time.
        self._panels = self.query_one(SlotRow).panels()
        self._status = self.query_one(StatusView)
        self._log_view = self.query_one(FrameLogView)
        self._transcript = self.query_one(TranscriptView)
        self._banner = self.query_one(ErrorBanner)
        if self.replay is None:
            self.query_one(Composer).focus()
        self.paint_all()

    def on_unmount(self) -> None:
        self._panels = []

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE_COLUMNS, "-wide")
        self.set_class(self.size.height >= TALL_ROWS, "-tall")

    # ---- painting --------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.session.clock()

    def paint_all(self) -> None:
        self.paint(
            Changes(
                slots=set(range(len(self.session.slots))),
                log=True,
                transcript=True,
                status=True,
                banner=self.session.banner,
            )
        )

    def paint(self, changes: Changes) -> None:
        """Repaint the areas `changes` names, and nothing else."""
        if not self._panels:
            return
        now = self.now
        repaint = changes.slots
        if len(self.session.slots) > len(self._panels):
            # No per-socket cap (Cartesia): the session added slots as contexts opened.
            self._panels = self.query_one(SlotRow).grow(len(self.session.slots))
            repaint = set(range(len(self._panels)))  # every panel may have turned compact
        for index in repaint:
            self._panels[index].show(self.session.slots[index], now)
        self._mark_on_air(now)
        if changes.log:
            self._log_view.catch_up()
        if changes.transcript:
            self._transcript.show(self.session.transcript.turns, self.session.transcript.queued)
        if changes.status:
            self._status.show(self.session.status, now, self.replay_caption)
        if changes.banner is not None:
            self._banner.show_problem(changes.banner.text, changes.banner.level)

    def tick(self, now: float) -> None:
        """Countdowns from deadlines: the app calls this 15 times a second."""
        if self.replay is not None:
            self.replay_caption = self.replay.caption()
        for panel in self._panels:
            panel.tick(now)
        self._mark_on_air(now)
        if self._panels:
            self._status.show(self.session.status, now, self.replay_caption)

    def _mark_on_air(self, now: float) -> None:
        """Mark the panel whose audio the speaker is playing now (at most one), unmark the last."""
        if not self._panels:
            return
        link = self.core.speaker
        cid = getattr(link.speaker, "playing_context", None) if link is not None else None
        slot = self.session.slot_for(cid) if cid is not None else None
        index = slot.index if slot is not None and slot.index < len(self._panels) else None
        if index != self._on_air:
            if self._on_air is not None:
                self._panels[self._on_air].set_on_air(False, now)
            if index is not None:
                self._panels[index].set_on_air(True, now)
            self._on_air = index
