"""API-key checks for `switchboard serve --api-key KEY`, each the way its service refuses.

ElevenLabs accepts the key as header `xi-api-key`, as header `Authorization` or query
`authorization` (each the bare key or `Bearer <key>`: which form the service wants is not
published, so both are taken), or in the first message as `xi_api_key`, `xi-api-key` (the JS
SDK's spelling) or `authorization` (PROTOCOL.md §5). It cannot refuse at the handshake when no
key came with it: the socket opens and a missing or wrong key gets an error frame, then close
1008 (as the service does: clients see "received 1008 (policy violation)"). A key sent at the
handshake is checked at once; with none, the first message must carry it. Single-use tokens
are not modelled (how the service takes them is unverified).

Murf takes the key only at the handshake (header `api-key` or `api_key`, the reference's
spelling; query `api-key` or `api_key`), so the local server refuses there: HTTP 401 when no key
came, 403 when it is wrong.

The key is compared in constant time and never written to a log line or an error.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from enum import Enum

from tui.protocol.elevenlabs import without_bearer
from tui.protocol.frames import ErrorFrame
from tui.protocol.secret import Secret

from .actions import POLICY_VIOLATION


class KeyCheck(Enum):
    MISSING = "missing"
    WRONG = "wrong"
    OK = "ok"


# Statuses and messages as the ElevenLabs REST API words them (the WebSocket's are not published).
ELEVENLABS_KEY_MISSING = ErrorFrame(
    message="Neither authorization header nor xi-api-key received, please provide one.",
    error="needs_authorization",
    code=POLICY_VIOLATION,
)
ELEVENLABS_KEY_WRONG = ErrorFrame(message="Invalid API key", error="invalid_api_key", code=POLICY_VIOLATION)

MURF_KEY_MISSING = "Missing api-key: send it as header `api-key` or query `api-key`.\n"
MURF_KEY_WRONG = "Invalid api-key.\n"


def check_key(expected: Secret | None, offered: str | None) -> KeyCheck:
    if not expected:
        return KeyCheck.OK
    if not offered:
        return KeyCheck.MISSING
    if hmac.compare_digest(offered.encode("utf-8", "surrogatepass"), expected.reveal().encode("utf-8")):
        return KeyCheck.OK
    return KeyCheck.WRONG


def elevenlabs_handshake_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The key offered at the handshake, if any (headers first, then query `authorization`)."""
    key = headers.get("xi-api-key") or without_bearer(headers.get("authorization", ""))
    return key or without_bearer(query.get("authorization", "")) or None


def dialogue_handshake_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """Text-to-Dialogue: as ElevenLabs, or a `single_use_token` query. Tokens are not modelled:
    the local server checks one as it checks a key (with `--api-key`, the token is the key)."""
    return elevenlabs_handshake_key(headers, query) or query.get("single_use_token") or None


def murf_handshake_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    return headers.get("api-key") or headers.get("api_key") or query.get("api-key") or query.get("api_key") or None


CARTESIA_KEY_MISSING = "Missing API key: send header X-API-Key, Authorization: Bearer <key>, or query api_key.\n"
CARTESIA_KEY_WRONG = "Invalid API key.\n"


def cartesia_handshake_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """Cartesia: header `X-API-Key`, `Authorization: Bearer <key or access token>`, query
    `api_key` (pipecat <= 1.7.0) or `access_token` (browsers); tokens are checked as the key."""
    bearer = headers.get("authorization", "")
    return (
        headers.get("x-api-key")
        or (without_bearer(bearer) if bearer else None)
        or query.get("api_key")
        or query.get("access_token")
        or None
    )


INWORLD_KEY_MISSING = "Missing credentials: send header Authorization: Basic <key>.\n"
INWORLD_KEY_WRONG = "Invalid credentials.\n"


def inworld_handshake_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """Inworld: header `Authorization: Basic <key>` (the portal key, already Base64, compared as
    sent), or query `authorization` with the same value (unverified: a third-party reading of
    the docs). The local server refuses at the handshake, 401 with none and 403 when wrong (the
    service's answer is unverified; both clients treat a failed upgrade as a connection error)."""
    value = headers.get("authorization") or query.get("authorization") or ""
    return (value[6:].strip() if value[:6].lower() == "basic " else value.strip()) or None
