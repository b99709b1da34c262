"""Server logging that never shows a credential.

`websockets` logs request lines, headers and frames at debug level: a key a client sends (the
server's own, or any other it sends by mistake) would land in the log as is. Every record
passes through `redact_credentials` first: credential query parameters, headers and JSON
fields lose their values, and the server's own key is masked wherever it appears.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

from tui.protocol.secret import Secret
from tui.protocol.urls import REDACTED, SECRET_QUERY_KEYS, redact_text

_NAMES = "|".join(sorted((re.escape(k) for k in SECRET_QUERY_KEYS), key=len, reverse=True))
_QUERY = re.compile(rf"(?i)([?&](?:{_NAMES})=)[^&\s'\"]*")
_HEADER = re.compile(rf"(?im)^([<>]?\s*(?:{_NAMES}):\s*).*$")
_JSON_FIELD = re.compile(rf"""(?i)(["'](?:{_NAMES})["']\s*:\s*["']?)[^"',}}]*""")


def redact_credentials(text: str, secrets: tuple[Secret | None, ...] = ()) -> str:
    text = _QUERY.sub(rf"\g<1>{REDACTED}", text)
    text = _HEADER.sub(rf"\g<1>{REDACTED}", text)
    text = _JSON_FIELD.sub(rf"\g<1>{REDACTED}", text)
    return redact_text(text, secrets)


class RedactingLogger(logging.LoggerAdapter):
    """A logger for one server: formats each message, redacts it, then logs it."""

    def __init__(self, logger: logging.Logger, secret: Secret | None = None) -> None:
        super().__init__(logger, {})
        self._secrets = (secret,)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        return msg, kwargs

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        try:
            text = str(msg) % args if args else str(msg)
        except (TypeError, ValueError):
            text = " ".join(map(str, (msg, *args)))
        kwargs.setdefault("stacklevel", 2)
        self.logger.log(level, "%s", redact_credentials(text, self._secrets), **kwargs)
