"""The transcript pane: the current and recent turns, newest first.

Words the listener heard are bright, words not heard yet are dim; after a barge-in the words never
spoken are struck through and the turn is labelled with the model's "interrupted · N of M words
spoken", counted against the whole turn as typed; the words typed but not sent (yet, or ever)
follow, dimmed. One line per turn, cut at the pane's edge, except a turn cut short, which wraps:
what was cut is the point of it (interrupted, or stopped mid-turn by a final with no audio, whose
note says so: tui.session.finals), and a dialogue turn, whose later speakers would be cut away.
Turns waiting to start are listed first as "queued".
Heard words come from the alignment data (tui.session.transcript); a turn without alignment
(Murf sends none) shows its words plain and the seconds heard. A dialogue turn (several voices)
names who speaks before each segment ("A: Are you there? B: Yes."), the session's label for the
voice (tui.session.model `speaker_label`).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...session.transcript import TurnTranscript
from .styles import component_style

SHOWN = 6  # turns painted; the session keeps more


def turn_key(turn: TurnTranscript) -> tuple:
    """What the pane shows of a turn: repaint only when one of these changed."""
    return (
        turn.context_id,
        turn.text,
        turn.typed,
        turn.words_spoken(),
        turn.interrupted,
        turn.summary,
        tuple(turn.speakers),
    )


class TranscriptView(Static):
    """`show(turns, queued)` repaints when a word changed side (heard/unheard) or a turn came or
    went; otherwise it does nothing. A resize repaints (only interrupted turns wrap)."""

    COMPONENT_CLASSES = {
        "transcript--heard",
        "transcript--unheard",
        "transcript--cut",
        "transcript--unsent",
        "transcript--id",
        "transcript--note",
        "transcript--speaker",
    }
    DEFAULT_CSS = """
    TranscriptView { height: 1fr; padding: 0 1; }
    TranscriptView > .transcript--heard { color: $text; text-style: bold; }
    TranscriptView > .transcript--unheard { color: $text-muted; }
    TranscriptView > .transcript--cut { color: $text-muted; text-style: strike; }
    TranscriptView > .transcript--unsent { color: $text-muted; text-style: italic; }
    TranscriptView > .transcript--id { color: $text-muted; }
    TranscriptView > .transcript--note { color: $slot-interrupted; text-style: italic; }
    TranscriptView > .transcript--speaker { color: $text-accent; text-style: bold; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._keys: tuple = ()
        self._shown: tuple[list[TurnTranscript], list[TurnTranscript]] = ([], [])

    def on_mount(self) -> None:
        self.update(self._render_turns([], []))

    def on_resize(self) -> None:
        self.update(self._render_turns(*self._shown), layout=False)

    def show(self, turns: list[TurnTranscript], queued: list[TurnTranscript] | tuple = ()) -> None:
        recent = turns[-SHOWN:]
        waiting = list(queued)
        keys = (tuple(turn_key(t) for t in recent), tuple(q.typed for q in waiting))
        if keys != self._keys:
            self._keys = keys
            self._shown = (recent, waiting)
            self.update(self._render_turns(recent, waiting), layout=False)

    def _render_turns(self, turns: list[TurnTranscript], queued: list[TurnTranscript]) -> Text:
        if not turns and not queued:
            return Text("Type a turn below and press Enter.", self._style("transcript--unheard"))
        lines = []
        for turn in reversed(queued):  # the newest first, as the turns below
            line = Text("queued: ", self._style("transcript--note"))
            line.append(turn.typed, self._style("transcript--unsent"))
            lines.append(self._one_line(line))
        for turn in reversed(turns):
            line = Text(f"{turn.context_id}: ", self._style("transcript--id"))
            if turn.summary:  # before the words: a long turn is cut at the pane's edge, not this
                line.append(turn.summary, self._style("transcript--note"))
                line.append(" · ", self._style("transcript--id"))
            self._render_words(line, turn)
            # A dialogue turn wraps too: cut at the edge, its later speakers would never show.
            lines.append(line if turn.cut_short or turn.speakers else self._one_line(line))
        return Text("\n").join(lines)

    def _one_line(self, line: Text) -> Text:
        """Cut at the pane's edge with an ellipsis (the pane wraps; only interrupted turns may)."""
        width = self.content_size.width
        if width > 0:
            line.truncate(width, overflow="ellipsis")
        return line

    def _render_words(self, out: Text, turn: TurnTranscript) -> None:
        words = turn.text.split()
        spoken = turn.words_spoken(turn.heard_at_interrupt if turn.interrupted else None)
        heard = len(words) if spoken is None else spoken
        bright = self._style("transcript--heard" if spoken is not None else "transcript--unheard")
        rest = self._style("transcript--cut" if turn.interrupted else "transcript--unheard")
        # Words come from the operator and the wire: appended as Text, never parsed as markup.
        if turn.speakers:
            self._render_dialogue(out, turn, words, heard, bright, rest)
        else:
            out.append(" ".join(words[:heard]), bright)
            if heard < len(words):
                out.append(" " if heard else "")
                out.append(" ".join(words[heard:]), rest)
        unsent = turn.unsent_words
        if unsent:
            out.append(" " if words else "")
            out.append(" ".join(unsent), self._style("transcript--unsent"))

    def _render_dialogue(self, out: Text, turn: TurnTranscript, words: list[str], heard: int, bright, rest) -> None:
        """Each speaker's segment after its label; heard words bright, the rest as for one voice."""
        label_style = self._style("transcript--speaker")
        bounds = [start for start, _ in turn.speakers] + [len(words)]
        if bounds[0] > 0:  # words before the first named voice (none in a dialogue turn)
            bounds.insert(0, 0)
        labels = dict(turn.speakers)
        for lo, hi in zip(bounds, bounds[1:]):
            if lo:
                out.append(" ")
            if lo in labels:
                out.append(f"{labels[lo]}: ", label_style)
            cut = min(max(heard, lo), hi)
            out.append(" ".join(words[lo:cut]), bright)
            if cut < hi:
                out.append(" " if cut > lo else "")
                out.append(" ".join(words[cut:hi]), rest)

    def _style(self, name: str):
        return component_style(self, name)
