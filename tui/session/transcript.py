"""The transcript of the current and recent turns: words, their audio spans, what was heard.

Alignment times are relative to the start of *that chunk's* audio (PROTOCOL.md §1.3), so each
context keeps a running offset: the audio seconds received before the chunk. Word timestamps
(Cartesia, Inworld) come as words, in seconds from their own zero (`WordTimestamps.relative_to`):
the context's first audio (Cartesia), or the start of the synthesis they belong to (Inworld: the
audio received up to that context's last `flushCompleted`, which `flush_done` marks).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from tui.protocol.frames import Alignment, WordTimestamps

RECENT_TURNS = 20
DEFAULT_TURN_END = "flush-close"  # tui.core.turn_end's default: not named on every line


@dataclass(frozen=True)
class Word:
    text: str
    start: float | None = None  # seconds into the context's audio; None until aligned
    end: float | None = None


@dataclass
class TurnTranscript:
    """One context's text as sent, and the timing of its words from the alignment data."""

    context_id: str
    text: str = ""  # as sent so far
    typed: str = ""  # the whole turn as the operator typed it ("" if not a typed turn)
    opening: bool = False  # opened by its turn, its first frame not seen yet
    audio_seconds: float = 0.0  # running offset: audio received so far
    heard_seconds: float = 0.0
    interrupted: bool = False
    heard_at_interrupt: float | None = None
    error: str = ""  # the server refused or failed this turn: its message
    note: str = ""  # its final looked wrong (tui.session.finals): why
    stopped: bool = False  # that final came mid-turn: the console sent no more words
    turn_end: str = ""  # its end-of-turn pattern (tui.core.turn_end); "" = the default
    # Who speaks (a dialogue): (index of the segment's first word in `text`, speaker label), one
    # entry each time the speaker changes; empty for one voice.
    speakers: list[tuple[int, str]] = field(default_factory=list)
    # Words of `typed` that are never sent: the speaker labels a dialogue turn is typed with ("A:").
    unspoken: frozenset[str] = frozenset()
    synthesis_start: float = 0.0  # audio seconds up to the last flush done: where Inworld's words count from
    # Word spans (start, end) of the aligned characters, built as chunks arrive so a repaint
    # reads them instead of walking every character again.
    _spans: list[tuple[float, float]] = field(default_factory=list)
    _in_word: bool = False  # the last aligned character was not whitespace
    _has_alignment: bool = False  # any character was aligned (even whitespace only)

    def add_text(self, text: str, speaker: str | None = None) -> None:
        """Text as sent; `speaker` (a label) starts a segment where it differs from the last."""
        if speaker is not None and text.strip() and (not self.speakers or self.speakers[-1][1] != speaker):
            at = len(self.text.split())
            if self.speakers and self.speakers[-1][0] == at:
                self.speakers.pop()  # the last segment got no words: the new speaker starts there
            if not self.speakers or self.speakers[-1][1] != speaker:
                self.speakers.append((at, speaker))
        self.text += text

    def add_words(self, words: WordTimestamps) -> None:
        """Word timings from Cartesia or Inworld, placed where their zero is; audio seconds are
        not advanced (the audio counts them: `add_audio`)."""
        base = self.synthesis_start if words.relative_to == "synthesis" else 0.0
        self._has_alignment = True
        if len(words.words) > 1 and all(len(w) <= 1 for w in words.words):
            # Characters, one per "word" (Inworld's CHARACTER timestamps): joined into words at
            # whitespace, as character alignment is; a word may go on in the next message.
            for ch, start, end in zip(words.words, words.start_s, words.end_s):
                self._place_char(ch, base + start, base + end)
            return
        self._in_word = False  # a word list ends on a word boundary
        for text, start, end in zip(words.words, words.start_s, words.end_s):
            if text.strip():
                self._spans.append((base + start, base + end))

    def _place_char(self, ch: str, start: float, end: float) -> None:
        if not ch or ch.isspace():
            self._in_word = False
        elif self._in_word:
            self._spans[-1] = (self._spans[-1][0], end)
        else:
            self._spans.append((start, end))
            self._in_word = True

    def flush_done(self) -> None:
        """A synthesis of this context is complete: the next one's word times count from here."""
        self.synthesis_start = self.audio_seconds

    def add_audio(self, seconds: float, alignment: Alignment | None) -> None:
        """Place a chunk's alignment at the running offset, then advance the offset."""
        if alignment is not None:
            base = self.audio_seconds
            spans = self._spans
            for ch, start_ms, dur_ms in zip(
                alignment.chars, alignment.char_start_times_ms, alignment.char_durations_ms
            ):
                self._has_alignment = True
                if ch.isspace():
                    self._in_word = False
                    continue
                start = base + start_ms / 1000
                end = start + dur_ms / 1000
                if self._in_word:
                    spans[-1] = (spans[-1][0], end)
                else:
                    spans.append((start, end))
                    self._in_word = True
        self.audio_seconds += seconds

    @property
    def words(self) -> list[Word]:
        """The words as sent, with audio spans where the alignment has reached them.

        Aligned words are matched to sent words by position: the alignment follows the text
        as sent, so its whitespace-separated runs are the same words in the same order.
        """
        spans = self._spans
        out = []
        for i, text in enumerate(self.text.split()):
            if i < len(spans):
                out.append(Word(text, spans[i][0], spans[i][1]))
            else:
                out.append(Word(text))
        return out

    @property
    def last_word_aligned(self) -> bool:
        """The alignment has reached the last word sent (what `words[-1].start` says, without
        building every Word: a turn waiting to close asks this on each audio frame)."""
        return 0 < len(self.text.split()) <= len(self._spans)

    @property
    def unsent_words(self) -> list[str]:
        """The typed words not sent (yet, or ever: a barge-in stops the pacer). The pacer sends
        the typed words in order, so the sent ones are a prefix of them."""
        return self.typed_words[len(self.text.split()) :]

    @property
    def typed_words(self) -> list[str]:
        """The typed words that are sent, in order (a dialogue's speaker labels left out)."""
        words = self.typed.split()
        return [w for w in words if w not in self.unspoken] if self.unspoken else words

    @property
    def total_words(self) -> int:
        """The turn's length in words: as typed, or as sent for a turn nobody typed (raw frames)."""
        return max(len(self.typed_words), len(self.text.split()))

    @property
    def aligned(self) -> bool:
        return self._has_alignment

    def words_spoken(self, heard_seconds: float | None = None) -> int | None:
        """Words the listener heard: those whose audio midpoint the speaker has played past.

        None when there is no alignment to tell (e.g. Murf sends none), unless nothing was
        heard at all: then no word was, alignment or not.
        """
        heard = self.heard_seconds if heard_seconds is None else heard_seconds
        if not self._has_alignment:
            return 0 if heard <= 0 else None
        count = 0
        for start, end in self._spans[: len(self.text.split())]:
            if (start + end) / 2 > heard:
                break
            count += 1
        return count

    @property
    def summary(self) -> str:
        """E.g. "interrupted · 3 of 9 words spoken"; empty for a turn that was not cut short."""
        if self.error:
            return f"refused · {self.error}"
        if not self.interrupted:
            return self._note_summary()
        total = self.total_words
        heard = self.heard_at_interrupt if self.heard_at_interrupt is not None else self.heard_seconds
        spoken = self.words_spoken(heard)
        if spoken is None:
            return f"interrupted · {heard:.1f} s heard of {total} words"
        return f"interrupted · {spoken} of {total} words spoken"

    def _note_summary(self) -> str:
        ended = self.turn_end if self.turn_end not in ("", DEFAULT_TURN_END) else ""
        if not self.note or not (self.stopped and self.unsent_words):
            return " · ".join(n for n in (ended, self.note) if n)
        note = f"{self.note} · {len(self.text.split())} of {self.total_words} words sent, the rest stopped"
        return " · ".join(n for n in (ended, note) if n)

    @property
    def cut_short(self) -> bool:
        """Interrupted, or stopped by its final: what was not said is the point (shown whole)."""
        return self.interrupted or (self.stopped and bool(self.unsent_words))


class Transcript:
    """The recent turns in the order their contexts opened (the last one is current), and the
    typed turns still waiting to start (`queued`, oldest first; they have no context yet)."""

    def __init__(self, keep: int = RECENT_TURNS) -> None:
        self._turns: OrderedDict[str, TurnTranscript] = OrderedDict()
        self._keep = keep
        self.queued: list[TurnTranscript] = []

    def turn(self, context_id: str) -> TurnTranscript | None:
        return self._turns.get(context_id)

    def queue(self, typed: str) -> TurnTranscript:
        """A typed turn that waits: shown as queued until `open` starts it."""
        turn = TurnTranscript("", typed=typed)
        self.queued.append(turn)
        return turn

    def open(self, context_id: str, typed: str, *, unspoken: frozenset[str] = frozenset()) -> TurnTranscript:
        """A typed turn starts in `context_id` (before its first frame). It leaves the queue: the
        queue starts in order, so it is the oldest queued turn with this text, if any."""
        waiting = next((q for q in self.queued if q.typed == typed), None)
        if waiting is not None:
            self.queued.remove(waiting)
        turn = self._add(context_id)
        turn.typed, turn.opening, turn.unspoken = typed, True, unspoken
        return turn

    def start(self, context_id: str) -> TurnTranscript:
        """A context's first frame: the turn `open` began keeps its place; otherwise (a raw
        frame, or a reused id: a new context) a new turn starts afresh."""
        turn = self._turns.get(context_id)
        if turn is not None and turn.opening:
            turn.opening = False
            return turn
        return self._add(context_id)

    def _add(self, context_id: str) -> TurnTranscript:
        self._turns.pop(context_id, None)
        turn = self._turns[context_id] = TurnTranscript(context_id)
        while len(self._turns) > self._keep:
            self._turns.popitem(last=False)
        return turn

    @property
    def turns(self) -> list[TurnTranscript]:
        return list(self._turns.values())

    @property
    def current(self) -> TurnTranscript | None:
        return next(reversed(self._turns.values()), None)
