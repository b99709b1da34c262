"""Character timings from Piper's phoneme timings.

Piper reports how many samples each phoneme lasts (resolution: one 256-sample frame, 11.6 ms
at 22050 Hz). Phonemes group into spoken words at espeak-ng's word separators; text groups into
written words at whitespace. The two sequences usually pair one to one, but not always:
"42" is spoken as two words, "of the" as one, "U.S.A." as one. So written words are paired
with spoken words by a small dynamic program that prefers one-to-one pairs and otherwise
matches each group's share of the letters to its share of the phonemes. Letters inside a word
share its time evenly; whitespace and punctuation between two words share the pause between
them (and the silence before the first word or after the last, where the text has any there).

When the model gives no phoneme timings, `estimated_boundaries` spreads the chunk's duration
over its chars by a rough per-char weight instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

# Phonemes that are not part of a spoken word: Piper's BOS/EOS/PAD, espeak's word separator
# and the punctuation piper keeps in the phoneme stream (it becomes a pause).
_NOT_SPOKEN = frozenset('^$_ ,.;:!?¡¿—…"«»“”()')
_MODIFIERS = frozenset("ˈˌː")  # stress and length marks: part of a phoneme, not one
# Written chars espeak-ng does not pronounce at the edge of a word.
_SILENT = frozenset(".,;:!?¡¿…\"'“”‘’«»()[]{}-–—")
_MAX_WRITTEN_PER_SPOKEN = 4  # "U S A" → one spoken word
_MAX_SPOKEN_PER_WRITTEN = 12  # "1234567" → nine spoken words
# Per extra word in a group: pairs are preferred, a written word with digits or symbols is
# readily said as several words ("42", "$5", "5pm"), short written words are often run together
# ("of the"), a plain word rarely splits.
_SPLIT_COST, _SPLIT_COST_SYMBOLIC, _MERGE_COST = 1.0, 0.1, 0.5


@dataclass(frozen=True)
class Phoneme:
    symbol: str
    samples: int


@dataclass(frozen=True)
class _Span:
    start: float
    end: float
    weight: float
    symbolic: bool = False  # written word with chars other than letters and apostrophes


def char_boundaries(text: str, phonemes: Sequence[Phoneme]) -> list[float] | None:
    """len(text) + 1 boundaries, in samples from the unit's start, or None if nothing pairs."""
    total = float(sum(p.samples for p in phonemes))
    spoken = _spoken_words(phonemes)
    written = _written_words(text)
    if not written:
        return _spread(0.0, total, len(text))
    if not spoken:
        return None
    groups = _pair(written, spoken)
    if groups is None:
        return None
    spans: list[tuple[float, float]] = []
    for (w0, w1), (s0, s1) in groups:
        start, end = spoken[s0].start, spoken[s1 - 1].end
        weights = [w.weight for w in written[w0:w1]]
        edges = _cumulative(start, end, weights)
        spans.extend(zip(edges, edges[1:]))
    return _place(text, written, spans, total)


def estimated_boundaries(text: str, total_samples: float) -> list[float]:
    """Boundaries spread over the whole chunk by a rough spoken weight per char."""
    return _cumulative(0.0, total_samples, [_char_weight(ch, in_word=False) for ch in text])


def _spoken_words(phonemes: Sequence[Phoneme]) -> list[_Span]:
    words: list[_Span] = []
    position = 0.0
    current: list[float] | None = None  # [start, end, symbol count]
    for p in phonemes:
        if p.symbol in _NOT_SPOKEN:
            if current:
                words.append(_Span(current[0], current[1], current[2]))
                current = None
        else:
            if current is None:
                current = [position, position, 0.0]
            current[1] = position + p.samples
            current[2] += 0 if p.symbol in _MODIFIERS else 1
        position += p.samples
    if current:
        words.append(_Span(current[0], current[1], current[2]))
    return words


def _written_words(text: str) -> list[_Span]:
    """The pronounced core of each whitespace-separated token, as char ranges (start, end)."""
    words = []
    for match in re.finditer(r"\S+", text):
        start, end = match.span()
        while start < end and text[start] in _SILENT:
            start += 1
        while end > start and text[end - 1] in _SILENT:
            end -= 1
        if start < end:
            core = text[start:end]
            weight = sum(_char_weight(ch, in_word=True) for ch in core)
            words.append(_Span(start, end, weight, not all(ch.isalpha() or ch in "'’" for ch in core)))
    return words


def _char_weight(ch: str, in_word: bool) -> float:
    """Roughly how many letters' worth of speech a char turns into."""
    if ch.isalpha():
        return 1.0
    if ch.isdigit():
        return 3.5  # "42" → "forty two"
    if ch.isspace():
        return 0.0 if in_word else 0.5
    if ch in _SILENT:
        return 0.3 if in_word else 1.5  # inside "U.S.A." / a pause between clauses
    return 4.0  # "$", "#", "%", an emoji: said as a word


def _pair(written: list[_Span], spoken: list[_Span]) -> list[tuple[tuple[int, int], tuple[int, int]]] | None:
    """Monotonic groups ((w0, w1), (s0, s1)) covering both sequences, at least cost; or None."""
    m, n = len(written), len(spoken)
    total_w = sum(w.weight for w in written) or 1.0
    total_s = sum(s.weight for s in spoken) or 1.0
    wsum = _prefix([w.weight for w in written])
    ssum = _prefix([s.weight for s in spoken])
    cost = [[math.inf] * (n + 1) for _ in range(m + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (n + 1) for _ in range(m + 1)]
    cost[0][0] = 0.0
    steps = (
        [(1, 1)]
        + [(1, b) for b in range(2, _MAX_SPOKEN_PER_WRITTEN + 1)]
        + [(a, 1) for a in range(2, _MAX_WRITTEN_PER_SPOKEN + 1)]
    )
    for i in range(m + 1):
        for j in range(n + 1):
            here = cost[i][j]
            if here == math.inf:
                continue
            for a, b in steps:
                if i + a > m or j + b > n:
                    continue
                share_w = max(wsum[i + a] - wsum[i], 0.1) / total_w
                share_s = max(ssum[j + b] - ssum[j], 0.1) / total_s
                split = _SPLIT_COST_SYMBOLIC if written[i].symbolic else _SPLIT_COST
                step = abs(math.log(share_w / share_s)) + split * (b - 1) + _MERGE_COST * (a - 1)
                if here + step < cost[i + a][j + b]:
                    cost[i + a][j + b] = here + step
                    back[i + a][j + b] = (a, b)
    if cost[m][n] == math.inf:
        return None
    groups = []
    i, j = m, n
    while i or j:
        step_back = back[i][j]
        assert step_back is not None  # every cell on the cheapest path was reached by a step
        a, b = step_back
        groups.append(((i - a, i), (j - b, j)))
        i, j = i - a, j - b
    return groups[::-1]


def _place(text: str, written: list[_Span], spans: list[tuple[float, float]], total: float) -> list[float]:
    """Char boundaries: letters inside each word's span, other chars in the pauses around."""
    bounds: list[float] = [0.0] * (len(text) + 1)
    previous_end, previous_char = (0.0 if written[0].start else spans[0][0]), 0
    for word, (start, end) in zip(written, spans):
        first, last = int(word.start), int(word.end)
        bounds[previous_char : first + 1] = _spread(previous_end, start, first - previous_char)
        bounds[first : last + 1] = _spread(start, end, last - first)
        previous_end, previous_char = end, last
    tail_end = total if previous_char < len(text) else previous_end
    bounds[previous_char:] = _spread(previous_end, tail_end, len(text) - previous_char)
    return bounds


def _spread(start: float, end: float, count: int) -> list[float]:
    """count + 1 evenly spaced boundaries from start to end."""
    return [start + (end - start) * k / count for k in range(count)] + [end] if count else [end]


def _cumulative(start: float, end: float, weights: Sequence[float]) -> list[float]:
    """Boundaries splitting [start, end] in proportion to weights (evenly if they are all zero)."""
    total = sum(weights)
    if total <= 0:
        return _spread(start, end, len(weights))
    edges, acc = [start], 0.0
    for w in weights:
        acc += w
        edges.append(start + (end - start) * acc / total)
    return edges


def _prefix(values: Sequence[float]) -> list[float]:
    out = [0.0]
    for v in values:
        out.append(out[-1] + v)
    return out
