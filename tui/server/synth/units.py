"""Cutting text into synthesis units: clauses, with a short first unit so audio starts early.

Piper renders a unit in one model run whose time grows with its length (about 22 ms for one
word, 43 ms for three, 70 ms for six on this 2-core machine), so time to first audio is the time
of the first unit. Clauses are where a speaker pauses anyway; the first clause is further cut
after its first few words (a prosody seam, the price of an early start; seams.py shortens its
pause), the next unit is capped so it is ready before the first one has finished playing, and
later ones are capped so one runaway sentence cannot starve other contexts of the CPU.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# A clause ends at punctuation (plus closing quotes/brackets) followed by whitespace, or at a
# line break. The whitespace belongs to the clause before it.
_CLAUSE_END = re.compile(r"""[.!?;:,…]+["'”’)\]]*\s+|\n\s*""")
_CLAUSE_TAIL = re.compile(r"""[.!?;:,…]+["'”’)\]]*\s*$""")
# Periods that usually do not end a clause: common abbreviations and initials ("J. Smith").
_ABBREVIATIONS = frozenset("mr mrs ms dr st jr sr vs etc e.g i.e prof inc ltd no approx".split())
_WORD = re.compile(r"\S+\s*")

FIRST_UNIT_WORDS = 2  # bench/synth.py: first-chunk p50 0.48x the whole clause (3 words: 0.68x)
FIRST_UNIT_LETTERS = 16  # two long words are as slow as four short ones
SECOND_UNIT_WORDS = 10
LATER_UNIT_WORDS = 30
# A voice's memory grows with the audio of one model run (Piper: 6 GB for a 20,000-letter "word",
# spelled letter by letter as one unit). A run of letters longer than MAX_WORD_CHARS (longer than
# nearly every real word, which stays whole) is cut into pieces of WORD_PIECE_CHARS, each ending
# its unit. Piper's memory is onnxruntime's arena, which grows in doubling steps when a run needs
# more than it has, so it follows the longest run so far unevenly: a spelled piece of 12 "x" grew it
# by 21-47 MB (40 units, 5 runs), more than some runs of ordinary sentences (24-29 MB; 120-127 in
# the others); of 8, by 0.6-2.5 MB (100 units, more audio than the sentences': 2.1 MB), and a piece
# of 8 "w" (the longest letter to say) by 55 MB (bench/abuse.py --parts piper; docs/PERFORMANCE.md).
# No unit holds more than MAX_UNIT_CHARS.
MAX_WORD_CHARS = 32
WORD_PIECE_CHARS = 8
MAX_UNIT_CHARS = 240
# The longest abbreviation in _ABBREVIATIONS: how far back a period looks for one.
_ABBREVIATION_CHARS = max(map(len, _ABBREVIATIONS))


def split_units(text: str, first_words: int = FIRST_UNIT_WORDS) -> list[str]:
    """Slices of `text`, in order, that concatenate back to exactly `text` (see `iter_units`)."""
    return list(iter_units(text, first_words))


def iter_units(text: str, first_words: int = FIRST_UNIT_WORDS) -> Iterator[str]:
    """The units of `text`, lazily: each `next` costs work proportional to what it yields (plus
    the clause it starts), so a voice reaches its first unit of a 1 MB text at once and stops
    when its generator is closed. Linear in the text as a whole.

    Whitespace-only text gives no units. Leading whitespace rides with the first unit, the
    whitespace after a clause with that clause, and a run of bare punctuation ("...") with the
    clause before it.
    """
    if first_words < 1:
        raise ValueError("first_words must be at least 1")
    if not text.strip():
        return
    count = 0
    for clause in _clauses(text):
        words = _words(clause)
        start = 0
        while start < len(words):
            take = _take(words, start, _limit(count, first_words), first_unit=count == 0)
            yield "".join(words[start : start + take])
            start += take
            count += 1


def ends_clause(unit: str) -> bool:
    """True if the unit ends where a speaker would pause anyway (punctuation or a line break)."""
    return not unit.strip() or unit.rstrip(" \t").endswith("\n") or bool(_CLAUSE_TAIL.search(unit))


def _clauses(text: str) -> Iterator[str]:
    """Clauses in order; one that has nothing to say joins its neighbour (lazily, in one pass)."""
    parts: list[str] = []  # the clause being built: pieces joined once it is complete
    says_something = False
    for clause in _raw_clauses(text):
        speakable = _speakable(clause)
        if parts and (not speakable or not says_something):
            parts.append(clause)  # bare punctuation joins the clause before; leading, the next
            says_something = says_something or speakable
            continue
        if parts:
            yield "".join(parts)
        parts, says_something = [clause], speakable
    if parts:
        yield "".join(parts)


def _raw_clauses(text: str) -> Iterator[str]:
    start = 0
    for match in _CLAUSE_END.finditer(text):
        if _is_abbreviation(text, match):
            continue
        yield text[start : match.end()]
        start = match.end()
    if start < len(text):
        yield text[start:]


def _is_abbreviation(text: str, match: re.Match[str]) -> bool:
    if match.group().rstrip(" \t") != ".":  # a line break always ends a clause
        return False
    # Only the few chars before the period are looked at (never the whole text before it: that
    # made splitting quadratic): an abbreviation is short, a longer word is none.
    window = text[max(0, match.start() - _ABBREVIATION_CHARS - 1) : match.start()]
    before = window.rsplit(None, 1)
    word = before[-1].lower() if before else ""
    if len(word) > _ABBREVIATION_CHARS:
        return False
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _speakable(piece: str) -> bool:
    """True if the piece holds anything but whitespace and punctuation."""
    return any(not ch.isspace() and unicodedata.category(ch)[0] != "P" for ch in piece)


def _words(clause: str) -> list[str]:
    """Words with their trailing whitespace; leading whitespace joins the first word. A word
    longer than MAX_WORD_CHARS comes as pieces of WORD_PIECE_CHARS (no whitespace after all but
    the last)."""
    words = _WORD.findall(clause)
    lead = clause[: len(clause) - len(clause.lstrip())]
    if not words:
        return [clause]
    words[0] = lead + words[0]
    if all(len(word) <= MAX_WORD_CHARS for word in words):
        return words
    return [piece for word in words for piece in _pieces(word)]


def _pieces(word: str) -> list[str]:
    letters = len(word.rstrip())
    if letters <= MAX_WORD_CHARS:
        return [word]
    cuts = list(range(0, letters, WORD_PIECE_CHARS))
    return [word[a:b] for a, b in zip(cuts, cuts[1:])] + [word[cuts[-1] :]]


def _limit(index: int, first_words: int) -> int:
    if index == 0:
        return first_words
    return SECOND_UNIT_WORDS if index == 1 else LATER_UNIT_WORDS


def _take(words: list[str], start: int, limit: int, first_unit: bool) -> int:
    """How many words from `start` the next unit takes: at most `limit`, never leaving a lone
    word behind, at most MAX_UNIT_CHARS, and never past a piece of a cut word."""
    left = len(words) - start
    take = min(left, limit)
    if left > limit and left - take == 1 and take > 1:
        take -= 1
    chars = 0
    for offset in range(take):
        word = words[start + offset]
        chars += len(word)
        if offset and chars > MAX_UNIT_CHARS:
            take = offset
            break
        if not word[-1:].isspace() and offset + 1 < left:  # a piece of a cut word ends its unit
            take = offset + 1
            break
    if first_unit and left > limit:
        while take > 1 and sum(ch.isalnum() for w in words[start : start + take] for ch in w) > FIRST_UNIT_LETTERS:
            take -= 1
    return take
