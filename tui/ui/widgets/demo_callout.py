"""The demo's barge-in callout: "interrupted after 1.7 s · 6 of 25 words spoken · stop call 0.4ms".

Every figure is the session's own, taken at the barge-in (`CalloutKeeper`, a console observer):

- "after": from the context's first audio received (`SlotMetrics.first_audio_at`) to the
  barge-in key (`BargeInTiming.pressed_at`), on the session clock. The first audio received,
  not the first heard: the speaker starts a context as soon as its audio arrives, and the
  console has no finer moment it can stand behind.
- words: the transcript's words spoken at the interrupt (a word counts once the speaker played
  past its midpoint) of the turn's whole length as typed, as the transcript pane counts them;
  without word timings (Murf) the seconds heard instead, never a guessed count.
- the stop: the status strip's own label and figures ("stop call 0.4ms + output ≤ 42ms"). The
  console times its stop call and the backend reports what its output still held; whether the
  room went quiet is measured from outside (bench/barge_in.py), so it never says "silent in".

The keeper snapshots the callout right after the apply that recorded the barge-in: the slot is
reused by a later context once its final arrives, and then its metrics are another turn's.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from ...session import Changes, Session
from ...session.status import BargeInTiming
from ..format import millis
from .styles import component_style


def stop_label(silenced_after: float | None, output_latency: float | None) -> str:
    """The stop figures as the status strip shows them (tui.ui.widgets.status.timing_fields)."""
    text = f"stop call {millis(silenced_after)}"
    if output_latency is not None:
        text += f" + output ≤ {millis(output_latency)}"
    return text


@dataclass(frozen=True)
class Callout:
    """One barge-in, as the room should read it."""

    context_id: str
    after_s: float | None  # first audio → barge-in key; None: no audio had arrived
    spoken: int | None  # words heard; None: no word timings (then `heard_s`)
    total: int
    heard_s: float
    stop: str  # the status strip's stop label, or "nothing was playing"
    was_playing: bool
    words: tuple[str, ...]  # the turn's words as typed (sent ones first)
    pressed_at: float

    @property
    def after_text(self) -> str:
        return "before its first audio" if self.after_s is None else f"after {self.after_s:.1f} s"

    @property
    def words_text(self) -> str:
        if self.spoken is None:
            return f"{self.heard_s:.1f} s heard of {self.total} words"
        return f"{self.spoken} of {self.total} words spoken"

    @property
    def line(self) -> str:
        return f"interrupted {self.after_text} · {self.words_text} · {self.stop}"


def callout_for(session: Session, output_latency: float | None = None) -> Callout | None:
    """The last barge-in's callout from the session as it is now (None: none yet, or its turn
    has left the transcript)."""
    timing: BargeInTiming | None = session.status.last_barge_in
    if timing is None:
        return None
    turn = session.transcript.turn(timing.context_id)
    if turn is None:
        return None
    slot = session.slot_for(timing.context_id)
    first_audio = slot.metrics.first_audio_at if slot is not None else None
    after = None if first_audio is None else max(0.0, timing.pressed_at - first_audio)
    heard = turn.heard_at_interrupt if turn.heard_at_interrupt is not None else turn.heard_seconds
    latency = session.status.output_latency if output_latency is None else output_latency
    stop = stop_label(timing.silenced_after, latency) if timing.was_playing else "nothing was playing"
    sent = turn.text.split()
    return Callout(
        context_id=timing.context_id,
        after_s=after,
        spoken=turn.words_spoken(heard),
        total=turn.total_words,
        heard_s=heard,
        stop=stop,
        was_playing=timing.was_playing,
        words=tuple(sent + turn.unsent_words),
        pressed_at=timing.pressed_at,
    )


class CalloutKeeper:
    """A console observer keeping the callout of the latest barge-in, taken as it happened."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._seen: BargeInTiming | None = None
        self.callout: Callout | None = None  # a new object at each barge-in: the screen compares identity
        self._catch_up()  # a barge-in before the keeper existed (a scene built first)

    def on_changes(self, changes: Changes) -> None:
        self._catch_up()

    def _catch_up(self) -> None:
        timing = self._session.status.last_barge_in
        if timing is None or timing is self._seen:
            return
        callout = callout_for(self._session)
        if callout is not None:
            self._seen, self.callout = timing, callout


class DemoCallout(Vertical):
    """The callout box: a headline, the two figures in big digits, the sentence with all three
    figures, and the interrupted turn (spoken words bold, the rest struck through). Hidden until
    the first barge-in; `show(callout)` repaints when it is another one."""

    COMPONENT_CLASSES = {"demo-callout--spoken", "demo-callout--cut"}
    DEFAULT_CSS = """
    DemoCallout {
        display: none; height: auto; padding: 0 2;
        border: heavy $slot-interrupted; border-title-color: $slot-interrupted; border-title-style: bold reverse;
        background: $surface;
    }
    DemoCallout.-shown { display: block; }
    DemoCallout #callout-figures { height: auto; }
    DemoCallout Digits { width: auto; color: $text; text-style: bold; }
    DemoCallout .callout-unit { width: auto; height: 3; padding: 2 3 0 1; color: $text; }
    DemoCallout #callout-line { color: $text; text-style: bold; }
    DemoCallout #callout-words { color: $text; }
    DemoCallout > .demo-callout--spoken { color: $text; text-style: bold; }
    DemoCallout > .demo-callout--cut { color: $text-muted; text-style: strike; }
    DemoCallout.-narrow Digits { display: none; }
    DemoCallout.-narrow .callout-unit { display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shown: Callout | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="callout-figures"):
            yield Digits("", id="callout-after")
            yield Static("seconds in", classes="callout-unit", id="callout-after-unit")
            yield Digits("", id="callout-spoken")
            yield Static("of", classes="callout-unit", id="callout-of")
            yield Digits("", id="callout-total")
            yield Static("words spoken", classes="callout-unit", id="callout-words-unit")
        yield Static("", id="callout-line")
        yield Static("", id="callout-words")

    def on_mount(self) -> None:
        self.border_title = " INTERRUPTED "

    def on_resize(self) -> None:
        # Below ~20 rows the digits would push the sentence out of sight: the sentence says it all.
        self.set_class(self.app.size.height < 22, "-narrow")

    def show(self, callout: Callout | None) -> None:
        if callout is self.shown:
            return
        self.shown = callout
        self.set_class(callout is not None, "-shown")
        if callout is None:
            return
        after = "" if callout.after_s is None else f"{callout.after_s:.1f}"
        self.query_one("#callout-after", Digits).update(after)
        self.query_one("#callout-after-unit", Static).display = bool(after)
        counted = callout.spoken is not None
        self.query_one("#callout-spoken", Digits).update(str(callout.spoken) if counted else "")
        self.query_one("#callout-of", Static).display = counted
        self.query_one("#callout-total", Digits).update(str(callout.total) if counted else "")
        self.query_one("#callout-words-unit", Static).display = counted
        self.query_one("#callout-line", Static).update(Text(callout.line))
        self.query_one("#callout-words", Static).update(self._words(callout))

    def restyle(self) -> None:
        """Paint the same callout again with the theme's styles."""
        shown, self.shown = self.shown, None
        self.show(shown)

    def _words(self, callout: Callout) -> Text:
        out = Text()
        if callout.spoken is None:  # no word timings: which words were heard is not known
            return Text(" ".join(callout.words), component_style(self, "demo-callout--spoken"))
        spoken = callout.spoken
        # Words come from the operator and the wire: appended as Text, never parsed as markup.
        out.append(" ".join(callout.words[:spoken]), component_style(self, "demo-callout--spoken"))
        if spoken < len(callout.words):
            out.append(" " if spoken else "")
            out.append(" ".join(callout.words[spoken:]), component_style(self, "demo-callout--cut"))
        return out
