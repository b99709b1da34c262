"""The transcript pane: the current and recent turns, newest first.

Words the listener heard are bright, words not heard yet are dim; after a barge-in the words never
spoken are struck through and the turn is labelled with the model's "interrupted · N of M words
spoken". One line per turn (cut at the pane's edge at 80 columns, wrapped where there is room).
Heard words come from the alignment data (tui.session.transcript); a turn without alignment
(Murf sends none) shows its words plain and the seconds heard.
"""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...session.transcript import TurnTranscript
from .styles import component_style

SHOWN = 6  # turns painted; the session keeps more


def turn_key(turn: TurnTranscript) -> tuple:
    """What the pane shows of a turn: repaint only when one of these changed."""
    return (turn.context_id, turn.text, turn.words_spoken(), turn.interrupted, turn.summary)


class TranscriptView(Static):
    """`show(turns)` repaints when a word changed side (heard/unheard); otherwise it does nothing."""

    COMPONENT_CLASSES = {"transcript--heard", "transcript--unheard", "transcript--cut",
                         "transcript--id", "transcript--note"}
    DEFAULT_CSS = """
    TranscriptView { height: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    TranscriptView > .transcript--heard { color: $text; text-style: bold; }
    TranscriptView > .transcript--unheard { color: $text-muted; }
    TranscriptView > .transcript--cut { color: $text-muted; text-style: strike; }
    TranscriptView > .transcript--id { color: $text-muted; }
    TranscriptView > .transcript--note { color: $slot-interrupted; text-style: italic; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._keys: tuple = ()

    def on_mount(self) -> None:
        self.update(self._render_turns([]))

    def show(self, turns: list[TurnTranscript]) -> None:
        recent = turns[-SHOWN:]
        keys = tuple(turn_key(t) for t in recent)
        if keys != self._keys:
            self._keys = keys
            self.update(self._render_turns(recent), layout=False)

    def _render_turns(self, turns: list[TurnTranscript]) -> Text:
        if not turns:
            return Text("Type a turn below and press Enter.", self._style("transcript--unheard"))
        out = Text()
        for n, turn in enumerate(reversed(turns)):
            if n:
                out.append("\n")
            out.append(f"{turn.context_id}: ", self._style("transcript--id"))
            if turn.summary:   # before the words: a long turn is cut at the pane's edge, not this
                out.append(turn.summary, self._style("transcript--note"))
                out.append(" · ", self._style("transcript--id"))
            self._render_words(out, turn)
        return out

    def _render_words(self, out: Text, turn: TurnTranscript) -> None:
        words = turn.text.split()
        spoken = turn.words_spoken(turn.heard_at_interrupt if turn.interrupted else None)
        heard = len(words) if spoken is None else spoken
        bright = self._style("transcript--heard" if spoken is not None else "transcript--unheard")
        rest = self._style("transcript--cut" if turn.interrupted else "transcript--unheard")
        # Words come from the operator and the wire: appended as Text, never parsed as markup.
        out.append(" ".join(words[:heard]), bright)
        if heard < len(words):
            out.append(" " if heard else "")
            out.append(" ".join(words[heard:]), rest)

    def _style(self, name: str):
        return component_style(self, name)
