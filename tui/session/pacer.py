"""The turn pacer: a typed turn becomes text frames word by word at an adjustable rate.

Sans-IO: the pacer only says which steps are due at a given clock time; the caller sleeps until
`next_due` and sends what `take_due` returns. Each word is one step, the sentence-ending word
carries `flush` (generation starts a sentence at a time, as pipecat sends one frame per
sentence), and the last step is the end of the turn, due with the last word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_RATE = 0.5  # words per second
MAX_RATE = 50.0
# Measured (bench/pace.py, docs/PERFORMANCE.md "Turn pace"): the lowest pace at which the Piper
# voice never starved between the sentences of 20-40-word turns, a short opener ("Sure.") first
# included, in every run (at 20 w/s 11-40 % of such turns still had a gap over 0.1 s). LLM
# agents stream 20-60 words/s.
DEFAULT_RATE = 30.0
SLOW_RATE = 4.0  # one key away: slow enough to watch buffering and flushes frame by frame

_WORD = re.compile(r"\S+")
# A sentence ends at . ! ? or … optionally followed by closing quotes or brackets.
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


@dataclass(frozen=True)
class Step:
    text: str = ""  # a word and its trailing space ("" for the end step)
    flush: bool = False  # this word ends a sentence
    end: bool = False  # end of turn: the dialect's flush + close / end / empty text


def check_rate(wps: float) -> float:
    """The rate as a float, or ValueError with a message an operator can read."""
    try:
        rate = float(wps)
    except (TypeError, ValueError):
        raise ValueError(f"rate must be a number of words per second, got {wps!r}") from None
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"rate must be between {MIN_RATE:g} and {MAX_RATE:g} words per second")
    return rate


def split_words(text: str) -> list[Step]:
    """The turn's words, each ending with one space (the services want text to end with one)."""
    words = _WORD.findall(text)
    return [Step(word + " ", bool(SENTENCE_END.search(word))) for word in words]


class TurnPacer:
    """Schedules one turn's steps: the first word at `start`, then one word per 1/rate seconds."""

    def __init__(self, text: str, rate: float, start: float) -> None:
        self._steps = split_words(text) + [Step(end=True)]
        self._rate = check_rate(rate)
        self._next = 0
        self._due_at = start
        self._last_at: float | None = None  # when the previous word was due

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def done(self) -> bool:
        return self._next >= len(self._steps)

    @property
    def next_due(self) -> float | None:
        """Clock time the next step is due, None when the turn has been sent entirely."""
        return None if self.done else self._due_at

    def set_rate(self, wps: float) -> None:
        """Change the pace from the next word on: it is rescheduled one new interval after the
        previous word (an operator slowing down or speeding up sees the effect at once)."""
        self._rate = check_rate(wps)
        if self._last_at is not None and not self.done and not self._steps[self._next].end:
            self._due_at = self._last_at + 1 / self._rate

    def postpone(self, seconds: float) -> None:
        """Move the words still to send `seconds` later: a turn held for a while goes on at its
        own pace, not with every word that fell due meanwhile at once."""
        if self.done or seconds <= 0:
            return
        self._due_at += seconds
        if self._last_at is not None:
            self._last_at += seconds

    def take_due(self, now: float) -> list[Step]:
        """Steps due by `now`. A late caller gets every overdue word at once: none is skipped."""
        out: list[Step] = []
        while not self.done and self._due_at <= now:
            step = self._steps[self._next]
            self._next += 1
            out.append(step)
            self._last_at = self._due_at
            nxt = self._steps[self._next] if not self.done else None
            if nxt is not None and not nxt.end:
                self._due_at += 1 / self._rate
        return out

    def cancel(self) -> None:
        """Stop sending (barge-in, lost connection): nothing more is due."""
        self._next = len(self._steps)
