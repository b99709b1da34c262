"""Telling a refused key from other failures, so a wrong key is not retried forever.

A service refuses a key in one of two ways (PROTOCOL.md; tui/server/auth.py does both, as its
service does):
- at the handshake, HTTP 401 or 403 (Murf; any service behind a gateway);
- after it, an error frame and close 1008 (ElevenLabs: the key may come in a context's first
  message, so the socket opens before the key is checked).

Retrying either only hammers the service with the same wrong key: the console stops and says
which key to fix. Every other failure is worth retrying with backoff.
"""

from __future__ import annotations

import re

AUTH_STATUSES = frozenset({401, 403})
POLICY_VIOLATION = 1008

# Machine ids of key errors: ElevenLabs' REST wording (what the local server sends) and the
# spellings other gateways use.
AUTH_ERROR_IDS = frozenset(
    {
        "invalid_api_key",
        "needs_authorization",
        "missing_api_key",
        "unauthorized",
        "unauthenticated",
        "invalid_authorization",
        "authentication_error",
        "authentication_failed",
    }
)
# Human texts, for services that send only words (Murf's `error` field, a close reason).
_AUTH_WORDS = re.compile(r"api[-_ ]?key|unauthori[sz]ed|unauthenticated|authenticat|authori[sz]ation", re.I)


def names_the_key(words: str) -> bool:
    """Whether a refusal's words are about the credentials (a 403 can refuse a model instead)."""
    return bool(_AUTH_WORDS.search(words))


def is_auth_refusal(close_code: int | None, texts: tuple[str | None, ...], error_id: str | None = None) -> bool:
    """Whether a close (with the error frame that came before it, if any) refuses the key.

    `texts` are the error frame's message and error fields and the close reason.
    """
    if error_id and error_id.strip().lower() in AUTH_ERROR_IDS:
        return True
    if close_code not in (POLICY_VIOLATION, 4001, 4003):  # 4001/4003: the 401/403 of app close codes
        return False
    return any(text and _AUTH_WORDS.search(text) for text in texts)
