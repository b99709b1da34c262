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

# A clause ends at punctuation (plus closing quotes/brackets) followed by whitespace, or at a
# line break. The whitespace belongs to the clause before it.
_CLAUSE_END = re.compile(r"""[.!?;:,…]+["'”’)\]]*\s+|\n\s*""")
_CLAUSE_TAIL = re.compile(r"""[.!?;:,…]+["'”’)\]]*\s*$""")
# Periods that usually do not end a clause: common abbreviations and initials ("J. Smith").
_ABBREVIATIONS = frozenset("mr mrs ms dr st jr sr vs etc e.g i.e prof inc ltd no approx".split())
_WORD = re.compile(r"\S+\s*")

FIRST_UNIT_WORDS = 2         # bench/synth.py: first-chunk p50 0.48x the whole clause (3 words: 0.68x)
FIRST_UNIT_LETTERS = 16      # two long words are as slow as four short ones
SECOND_UNIT_WORDS = 10
LATER_UNIT_WORDS = 30


def split_units(text: str, first_words: int = FIRST_UNIT_WORDS) -> list[str]:
    """Slices of `text`, in order, that concatenate back to exactly `text`.

    Whitespace-only text gives no units. Leading whitespace rides with the first unit, the
    whitespace after a clause with that clause, and a run of bare punctuation ("...") with the
    clause before it.
    """
    if not text.strip():
        return []
    if first_words < 1:
        raise ValueError("first_words must be at least 1")
    units: list[str] = []
    for clause in _clauses(text):
        words = _words(clause)
        while True:
            limit = _limit(len(units), first_words)
            take = _take(words, limit, first_unit=not units)
            if take >= len(words):
                units.append("".join(words))
                break
            units.append("".join(words[:take]))
            words = words[take:]
    return units


def ends_clause(unit: str) -> bool:
    """True if the unit ends where a speaker would pause anyway (punctuation or a line break)."""
    return not unit.strip() or unit.rstrip(" \t").endswith("\n") or bool(_CLAUSE_TAIL.search(unit))


def _clauses(text: str) -> list[str]:
    clauses: list[str] = []
    start = 0
    for match in _CLAUSE_END.finditer(text):
        if _is_abbreviation(text, match):
            continue
        clauses.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        clauses.append(text[start:])
    merged: list[str] = []
    for clause in clauses:
        if merged and not _speakable(clause):
            merged[-1] += clause
        elif merged and not _speakable(merged[-1]):
            merged[-1] += clause        # leading punctuation or whitespace joins the first clause
        else:
            merged.append(clause)
    return merged


def _is_abbreviation(text: str, match: re.Match[str]) -> bool:
    if match.group().rstrip(" \t") != ".":      # a line break always ends a clause
        return False
    before = text[:match.start()].rsplit(None, 1)
    word = before[-1].lower() if before else ""
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _speakable(piece: str) -> bool:
    """True if the piece holds anything but whitespace and punctuation."""
    return any(not ch.isspace() and unicodedata.category(ch)[0] != "P" for ch in piece)


def _words(clause: str) -> list[str]:
    """Words with their trailing whitespace; leading whitespace joins the first word."""
    words = _WORD.findall(clause)
    lead = clause[:len(clause) - len(clause.lstrip())]
    if not words:
        return [clause]
    words[0] = lead + words[0]
    return words


def _limit(index: int, first_words: int) -> int:
    if index == 0:
        return first_words
    return SECOND_UNIT_WORDS if index == 1 else LATER_UNIT_WORDS


def _take(words: list[str], limit: int, first_unit: bool) -> int:
    """How many words the next unit takes: at most `limit`, never leaving a lone word behind."""
    if len(words) <= limit:
        return len(words)
    take = limit
    if len(words) - take == 1 and take > 1:
        take -= 1
    if first_unit:
        while take > 1 and sum(ch.isalnum() for w in words[:take] for ch in w) > FIRST_UNIT_LETTERS:
            take -= 1
    return take
