"""When buffered text becomes ready to speak: chunk schedule, phrase ends, sentence ends.

Text arrives in arbitrary pieces ("text should end with a space", but often does not), so a cut
never splits a word that may still be growing: what follows the last whitespace stays buffered.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

# A phrase ends at , ; : . ! ? … (plus closing quotes or brackets) followed by whitespace or the
# end of the buffer. ElevenLabs' auto_mode generates per phrase; Murf buffers per sentence.
PHRASE_END = re.compile(r"""[.!?;:,…]+["'”’)\]]*(?:\s+|$)""")
SENTENCE_END = re.compile(r"""[.!?…]+["'”’)\]]*(?:\s+|$)""")
_LAST_SPACE = re.compile(r"\s(?=\S*$)")


def cut_after_last(pattern: re.Pattern[str], buffer: str) -> tuple[str, str]:
    """(ready, rest): `ready` ends after the last match of `pattern` in `buffer` ("" if none)."""
    end = 0
    for match in pattern.finditer(buffer):
        end = match.end()
    return buffer[:end], buffer[end:]


def cut_at_word(buffer: str) -> tuple[str, str]:
    """(ready, rest): everything up to the last whitespace; a buffer with none is all ready."""
    match = _LAST_SPACE.search(buffer)
    if match is None:
        return buffer, ""
    return buffer[:match.end()], buffer[match.end():]


def schedule_threshold(schedule: Sequence[int], generations: int) -> int:
    """Characters to buffer before the next scheduled generation; the last size repeats."""
    return schedule[min(generations, len(schedule) - 1)]
