"""Endpoint URLs, authentication headers, and redaction of secrets in URLs and text."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .secret import Secret

ELEVENLABS_BASE = "wss://api.elevenlabs.io"
MURF_BASE = "wss://global.api.murf.ai"
MULTI_STREAM_PATH = "/v1/text-to-speech/{voice_id}/multi-stream-input"
STREAM_INPUT_PATH = "/v1/text-to-speech/{voice_id}/stream-input"
MURF_PATH = "/v1/speech/stream-input"
INWORLD_BASE = "wss://api.inworld.ai"
# At the root: LiveKit joins it onto its base URL with urljoin, which replaces any path there.
INWORLD_PATH = "/tts/v1/voice:streamBidirectional"
DIALOGUE_PATH = "/v1/text-to-dialogue/multi-stream-input"  # ElevenLabs Text-to-Dialogue: no voice in the path
CARTESIA_BASE = "wss://api.cartesia.ai"
CARTESIA_PATH = "/tts/websocket"

# Query parameters that carry credentials in either dialect.
SECRET_QUERY_KEYS = frozenset(
    {"api-key", "api_key", "xi_api_key", "xi-api-key", "authorization", "token", "single_use_token", "access_token"}
)
REDACTED = "***"

# Where the console puts the key (`--auth`): the handshake header (the services' preferred way),
# or the body, in each context's opening message as `xi_api_key` (ElevenLabs only: PROTOCOL.md
# §5 lists `xi_api_key`, `xi-api-key` and `authorization`; Murf takes its key only at the handshake).
AUTH_HEADER = "header"
AUTH_BODY = "body"
AUTH_MODES = (AUTH_HEADER, AUTH_BODY)


def check_auth(mode: object, dialect: str) -> str:
    """The auth mode, or ValueError with one line an operator can act on."""
    if mode not in AUTH_MODES:
        raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)}, not {mode!r}")
    if mode == AUTH_BODY and dialect == "inworld":
        raise ValueError(
            "auth body: Inworld takes the key only at the handshake (Authorization: Basic); use auth header"
        )
    if mode == AUTH_BODY and dialect == "cartesia":
        raise ValueError("auth body: Cartesia takes the key only at the handshake (header X-API-Key); use auth header")
    if mode == AUTH_BODY and dialect == "murf":
        raise ValueError(
            "auth body: Murf takes the key only at the handshake (header api-key or query api-key); use auth header"
        )
    return str(mode)


def _with_query(base: str, path: str, params: dict[str, object]) -> str:
    query = urlencode({k: _query_value(v) for k, v in params.items() if v is not None})
    return f"{base.rstrip('/')}{path}" + (f"?{query}" if query else "")


def _query_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def elevenlabs_url(
    base: str = ELEVENLABS_BASE,
    voice_id: str = "",
    *,
    multi: bool = True,
    model_id: str | None = None,
    output_format: str | None = None,
    inactivity_timeout: int | None = None,
    sync_alignment: bool | None = None,
    auto_mode: bool | None = None,
    **extra: object,
) -> str:
    path = (MULTI_STREAM_PATH if multi else STREAM_INPUT_PATH).format(voice_id=voice_id)
    params = {
        "model_id": model_id,
        "output_format": output_format,
        "inactivity_timeout": inactivity_timeout,
        "sync_alignment": sync_alignment,
        "auto_mode": auto_mode,
        **extra,
    }
    return _with_query(base, path, params)


def dialogue_url(
    base: str = ELEVENLABS_BASE,
    *,
    model_id: str | None = None,
    output_format: str | None = None,
    sync_alignment: bool | None = None,
    **extra: object,
) -> str:
    """ElevenLabs Text-to-Dialogue `multi-stream-input` (voices are registered per context)."""
    params = {"model_id": model_id, "output_format": output_format, "sync_alignment": sync_alignment, **extra}
    return _with_query(base, DIALOGUE_PATH, params)


def murf_url(
    base: str = MURF_BASE,
    *,
    model: str | None = None,
    sample_rate: int | None = None,
    format: str | None = None,
    channel_type: str | None = None,
    **extra: object,
) -> str:
    params = {"model": model, "sample_rate": sample_rate, "format": format, "channel_type": channel_type, **extra}
    return _with_query(base, MURF_PATH, params)


def inworld_url(base: str = INWORLD_BASE) -> str:
    """Inworld's bidirectional stream: no query (neither real client sends one); every setting
    rides in each context's `create`."""
    return f"{base.rstrip('/')}{INWORLD_PATH}"


def cartesia_url(base: str = CARTESIA_BASE, *, version: str = "2026-03-01", **extra: object) -> str:
    """Cartesia's TTS WebSocket: the API version in the query (it wins over a header); the format,
    voice and model ride in each generation request."""
    return _with_query(base, CARTESIA_PATH, {"cartesia_version": version, **extra})


def auth_headers(dialect: str, key: Secret | None, mode: str = AUTH_HEADER) -> dict[str, str]:
    """Headers that authenticate a connection (`xi-api-key` or Murf's `api-key`); none when the
    key goes in the body."""
    if not key or mode == AUTH_BODY:
        return {}
    if dialect == "cartesia":  # as pipecat sends it (CA-DOC); Bearer is for access tokens
        return {"X-API-Key": key.reveal()}
    if dialect == "inworld":  # the portal key is already Base64: sent verbatim after "Basic"
        return {"Authorization": f"Basic {key.reveal()}"}
    return {"api-key" if dialect == "murf" else "xi-api-key": key.reveal()}


def redact_url(url: str) -> str:
    """The URL with every credential in its query (and any userinfo) replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    query = [
        (k, REDACTED if k.lower() in SECRET_QUERY_KEYS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*"), parts.fragment))


# A secret query parameter anywhere in free text (an error quoting a URL that does not parse, so
# redact_url cannot take it apart): its value, up to the next separator, becomes ***.
_SECRET_PARAM_IN_TEXT = re.compile(
    "(?i)((?<![0-9a-z_-])(?:" + "|".join(re.escape(k) for k in sorted(SECRET_QUERY_KEYS)) + ")=)[^&;#\\s'\"]*"
)


def redact_query_secrets(text: str) -> str:
    """`text` with the value of every secret-looking `key=value` (api-key, xi_api_key,
    authorization, token, ...) replaced by ***: for messages that quote a URL as typed."""
    return _SECRET_PARAM_IN_TEXT.sub(lambda m: m.group(1) + REDACTED, text)


def redact_text(text: str, secrets: Iterable[Secret | None]) -> str:
    """`text` with every occurrence of any of the secrets' values replaced by ***."""
    for secret in secrets:
        if secret and len(secret.reveal()) >= 4:
            text = text.replace(secret.reveal(), REDACTED)
    return text


def is_loopback_host(host: str) -> bool:
    """`host` is this machine: "localhost" or a loopback address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
