"""Keep known secrets out of a recording, in every form they could take inside a line.

A key can reach a frame raw (`xi_api_key` in a context's first message), JSON-escaped (once
in the frame, twice once the frame is itself a JSON string in the recording line), or base64
encoded (a binary frame is stored as base64, so key bytes inside it turn into base64 text at
one of three alignments). The recorder scrubs the raw forms before encoding and every form
from the finished line, so what reaches the disk holds none of them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable

from tui.protocol.secret import Secret
from tui.protocol.urls import REDACTED, redact_url

MIN_SECRET_LEN = 4
# Below this length a base64 fragment is short enough to occur by chance inside audio.
MIN_BASE64_SECRET_LEN = 12


def _json_escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def base64_cores(value: bytes) -> list[str]:
    """The base64 text that `value` becomes wherever it sits in a longer byte string.

    For each of the three byte alignments, only the characters fully determined by `value`'s
    own bits are kept: any base64 of data containing `value` contains one of these.
    """
    cores = []
    for lead in range(3):
        encoded = base64.b64encode(bytes(lead) + value).decode("ascii").rstrip("=")
        first = (8 * lead + 5) // 6  # first char with no bits of the lead
        last = (8 * (lead + len(value))) // 6  # chars before this are whole
        core = encoded[first:last]
        cores.append(core)
        cores.append(core.replace("+", "-").replace("/", "_"))  # the URL-safe alphabet
    return cores


class Scrubber:
    """Replaces every form of the given secrets with `***`."""

    def __init__(self, secrets: Iterable[Secret | str | None]) -> None:
        values = {(s.reveal() if isinstance(s, Secret) else s) for s in secrets if s}
        values = {v for v in values if len(v) >= MIN_SECRET_LEN}
        forms: set[str] = set()
        for value in values:
            once = _json_escaped(value)
            forms.update({value, once, _json_escaped(once)})
            if len(value) >= MIN_BASE64_SECRET_LEN:
                forms.update(base64_cores(value.encode("utf-8")))
        # Longest first, so a form that contains another is replaced whole.
        self._forms = sorted((f for f in forms if f), key=len, reverse=True)
        self._raw = sorted((v.encode("utf-8") for v in values), key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def data(self, data: bytes) -> bytes:
        for raw in self._raw:
            if raw in data:
                data = data.replace(raw, REDACTED.encode("ascii"))
        return data

    def url(self, url: str) -> str:
        return self.text(redact_url(url))
