"""The WebSocket client side: the `Transport` protocol, the live transport, reconnect backoff.

tui/replay/ implements `Transport` for offline replay (a layer above net/ and recording/: it reads
recordings).
"""

from tui.clock import sleep_until

from .backoff import Backoff
from .client import MAX_FRAME, WebSocketTransport, describe_connect_error
from .transport import ConnectError, Transport, TransportClosed

__all__ = [
    "Backoff",
    "ConnectError",
    "MAX_FRAME",
    "Transport",
    "TransportClosed",
    "WebSocketTransport",
    "describe_connect_error",
    "sleep_until",
]
