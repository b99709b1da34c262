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
# Text no voice can speak and no UTF-8 frame can carry: NUL (espeak-ng refuses it) and lone
# surrogates (valid JSON escapes, but no Unicode scalar value; a pair is decoded into one char).
_UNSPEAKABLE = re.compile("[\x00\ud800-\udfff]")


def unspeakable(text: str) -> str | None:
    """Why `text` cannot be spoken, or None. The models refuse such a frame with an error for its
    context alone; the socket and the other contexts go on (issue 11, item 5)."""
    match = _UNSPEAKABLE.search(text)
    if match is None:
        return None
    char = match.group()
    what = "a NUL character" if char == "\x00" else f"a lone surrogate (U+{ord(char):04X})"
    return f"text contains {what} at position {match.start()}, which cannot be spoken; the frame was ignored"


def cut_after_last(pattern: re.Pattern[str], buffer: str, start: int = 0) -> tuple[str, str]:
    """(ready, rest): `ready` ends after the last match of `pattern` in `buffer` ("" if none).

    `start`: where to look from. A buffer left by an earlier cut holds no match (PHRASE_END and
    SENTENCE_END also match at the end of the buffer), so after appending, only the new text
    needs looking at: without it a client sending an unpunctuated text a char at a time made
    each frame rescan the whole buffer (quadratic)."""
    end = 0
    for match in pattern.finditer(buffer, start):
        end = match.end()
    return buffer[:end], buffer[end:]


def cut_at_word(buffer: str) -> tuple[str, str]:
    """(ready, rest): everything up to the last whitespace; a buffer with none is all ready."""
    match = _LAST_SPACE.search(buffer)
    if match is None:
        return buffer, ""
    return buffer[: match.end()], buffer[match.end() :]


def schedule_threshold(schedule: Sequence[int], generations: int) -> int:
    """Characters to buffer before the next scheduled generation; the last size repeats."""
    return schedule[min(generations, len(schedule) - 1)]
