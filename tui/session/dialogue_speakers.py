"""Who speaks in a Text-to-Dialogue turn: the operator's speaker labels and the voices they name.

A turn may have several speakers. The operator writes a label word, a letter and a colon, before
what each says: `A: Sure, I can help. B: Thanks! A: Anything else?`. `A:` is the first voice
of the console's `--voice` list (comma-separated voice ids), `B:` the second, and so on up to
`J:`; a turn with no label is all the first voice's. A label needs a space after its colon, a
letter past the list is just text, and the label itself is never spoken. Each label starts a
new segment (`new_turn: true` on its first input), as pipecat marks each speaker turn. Every
voice of the list is registered in each context's first message (`voices`); the
eleven_v3_conversational model takes one voice, so only the first is registered and every label
speaks with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Two premade ElevenLabs voices ("George", "Rachel"); the local server gives any two ids two speakers.
DEFAULT_VOICES = ("JBFqnCBsd6RMkjVDRZzb", "21m00Tcm4TlvDq8ikWAM")
_LABEL = re.compile(r"\s*([A-Ja-j]):\s*")
LABELS = "ABCDEFGHIJ"


def voice_list(voice: str | None) -> tuple[str, ...]:
    """The voices `--voice` names (comma-separated), or the default pair."""
    given = tuple(v.strip() for v in (voice or "").split(",") if v.strip())
    return given or DEFAULT_VOICES


def label_of(word: str, voices: tuple[str, ...]) -> str | None:
    """The voice a label word names (`B: ` → the second voice), or None if it is not a label."""
    match = _LABEL.fullmatch(word)
    if match is None:
        return None
    index = LABELS.index(match.group(1).upper())
    return voices[index] if index < len(voices) else None


@dataclass
class Speaking:
    """One context's speaker so far, and whether its next input starts a new segment."""

    voice_id: str
    new_turn: bool = True
