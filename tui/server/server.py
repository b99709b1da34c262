"""The local server: three routes on one `websockets` server, a model per accepted socket.

Routes (anything else is refused at the handshake with HTTP 404):
- `/v1/text-to-speech/{voice_id}/multi-stream-input`  ElevenLabs multi-context
- `/v1/text-to-speech/{voice_id}/stream-input`        ElevenLabs single-context
- `/v1/speech/stream-input`                           Murf
- `/v1/text-to-dialogue/multi-stream-input`           ElevenLabs Text-to-Dialogue (dialogue_contexts.py)
- `/tts/websocket` (also `//tts/websocket`)           Cartesia (cartesia_contexts.py)
- `/tts/v1/voice:streamBidirectional`                 Inworld (inworld_contexts.py)

Any voice id is accepted: there is one local voice. Options come from the query (options.py);
the optional API key is checked as each service checks it (auth.py). An ElevenLabs `model_id`
of `eleven_v3` or v4 is refused at the handshake with HTTP 403 on both routes, as the service does.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from tui.protocol import cartesia, dialogue, elevenlabs, inworld, murf, stream_input
from tui.protocol.dialect import Dialect
from tui.protocol.formats import AudioFormat
from tui.protocol.frames import ErrorFrame, ServerEvent
from tui.protocol.secret import Secret
from tui.protocol.urls import INWORLD_PATH, redact_url

from .auth import (
    CARTESIA_KEY_MISSING,
    CARTESIA_KEY_WRONG,
    ELEVENLABS_KEY_WRONG,
    INWORLD_KEY_MISSING,
    INWORLD_KEY_WRONG,
    MURF_KEY_MISSING,
    MURF_KEY_WRONG,
    KeyCheck,
    cartesia_handshake_key,
    check_key,
    dialogue_handshake_key,
    elevenlabs_handshake_key,
    inworld_handshake_key,
    murf_handshake_key,
)
from .cartesia_contexts import DEFAULT_CONCURRENCY, Account, CartesiaConnection, decode_frame as decode_cartesia_frame
from .clock import Clock, real_clock
from .connection import ConnectionRuntime, close_reason
from .contexts import MultiContextConnection
from .dialogue_contexts import DialogueConnection
from .fault_plan import FaultPlan
from .inworld_contexts import InworldConnection
from .logs import RedactingLogger
from .memory import MemoryRelease
from .model import DialectModel
from .murf_turns import MurfConnection, decode_frame as decode_murf_frame
from .options import (
    StreamOptions,
    cartesia_version,
    cartesia_version_refusal,
    dialogue_options,
    elevenlabs_options,
    murf_options,
    websocket_model_refusal,
)
from .single_stream import SingleStreamConnection
from .synth import Voice
from .synthesis import DEFAULT_WORKERS, MAX_FRAME_MS, AudioEncoder, SynthesisPool

_LOGGER = logging.getLogger(__name__)

_ELEVENLABS_PATH = re.compile(r"/v1/text-to-speech/([^/]+)/(multi-stream-input|stream-input)")
_MURF_PATH = "/v1/speech/stream-input"
_DIALOGUE_PATH = re.compile(r"/+v1/text-to-dialogue/multi-stream-input")  # pipecat: `//v1/...` from a base with a /
_CARTESIA_PATHS = ("/tts/websocket", "//tts/websocket")  # LiveKit's base URL with a trailing slash
# Cartesia allows WebSocket connections up to 10x the concurrency limit; past it, HTTP 429.
CARTESIA_SOCKETS_PER_CONTEXT = 10
# Client frames are small JSON objects; the cap only guards the server's memory.
MAX_CLIENT_FRAME_BYTES = 1 << 20
# At most this much of a connection's outgoing audio waits in the socket's user-space buffer; past
# it a send waits for the client to read (connection.py lets go of one that never does).
WRITE_LIMIT_BYTES = 1 << 16


@dataclass(frozen=True)
class Route:
    dialect: Dialect
    voice_id: str | None
    query: dict[str, str]


def match_route(path: str) -> Route | None:
    """The endpoint a request path names, or None (→ 404)."""
    # A request target is a path, never a URL with a host: urlsplit would read the `tts` of
    # `//tts/websocket` (a base URL with a trailing slash) as a network location.
    target, _, query_text = path.partition("#")[0].partition("?")
    parts = urlsplit(path)._replace(path=target, query=query_text)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if parts.path == _MURF_PATH:
        return Route(Dialect.MURF, None, query)
    if _DIALOGUE_PATH.fullmatch(parts.path):
        return Route(Dialect.ELEVENLABS_DIALOGUE, None, query)
    if parts.path == INWORLD_PATH:
        return Route(Dialect.INWORLD, None, query)
    if parts.path in _CARTESIA_PATHS:
        return Route(Dialect.CARTESIA, None, query)
    match = _ELEVENLABS_PATH.fullmatch(parts.path)
    if match is None:
        return None
    dialect = Dialect.ELEVENLABS if match.group(2) == "multi-stream-input" else Dialect.ELEVENLABS_SINGLE
    return Route(dialect, match.group(1), query)


Decode = Callable[[str | bytes], object]  # a client frame, or the reason it is unreadable
Encode = Callable[[ServerEvent], str | list[str]]
_CODECS: dict[Dialect, tuple[Decode, Encode]] = {
    Dialect.ELEVENLABS: (elevenlabs.decode_client, elevenlabs.encode_server),
    Dialect.ELEVENLABS_SINGLE: (stream_input.decode_client, stream_input.encode_server),
    Dialect.MURF: (decode_murf_frame, murf.encode_server),
    Dialect.ELEVENLABS_DIALOGUE: (dialogue.decode_client, dialogue.encode_server),
    Dialect.INWORLD: (inworld.decode_client, inworld.encode_server),
    Dialect.CARTESIA: (decode_cartesia_frame, cartesia.encode_server),
}


class LocalServer:
    """A running local TTS server. Use `async with LocalServer(voice) as server:` or start/close.

    `clock` drives every deadline (pass a `ManualClock` to move time by hand in tests).
    `api_key`, if given, is required from clients the way each service requires it.
    `flush_done=True` answers each ElevenLabs multi-context flush with a `flush_done` frame
    (off by default: the service is not known to send one; `switchboard serve --flush-done`).
    `cartesia_concurrency`: active Cartesia contexts allowed at once over all sockets (the
    account's plan limit; cartesia_contexts.py).
    """

    def __init__(
        self,
        voice: Voice,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | Secret | None = None,
        clock: Clock = real_clock,
        workers: int = DEFAULT_WORKERS,
        max_frame_ms: int = MAX_FRAME_MS,
        flush_done: bool = False,
        faults: FaultPlan | None = None,
        cartesia_concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.voice = voice
        self.host = host
        self.port = port
        self.api_key = Secret(api_key) if isinstance(api_key, str) else api_key
        self.clock = clock
        self.max_frame_ms = max_frame_ms
        self.flush_done = flush_done
        self.faults = faults if faults is not None and faults.spec.active else None
        self._pool = SynthesisPool(voice, workers, clock)
        self._server: Server | None = None
        self._log = RedactingLogger(_LOGGER, self.api_key)
        self._open = 0  # connections being served
        self._memory = MemoryRelease(clock, lambda: self._open)  # issue 11, item 1
        self.cartesia = Account(cartesia_concurrency)  # the one account every Cartesia socket shares
        self._cartesia_sockets = 0

    @property
    def url(self) -> str:
        """The base URL clients connect to, e.g. `ws://127.0.0.1:8765`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}"

    async def start(self) -> str:
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._check_request,
            compression=None,  # audio frames are base64: deflate costs CPU and saves little
            max_size=MAX_CLIENT_FRAME_BYTES,
            write_limit=WRITE_LIMIT_BYTES,
            logger=self._log,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.url

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._memory.close()
        self._pool.close()

    async def __aenter__(self) -> LocalServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---- handshake -----------------------------------------------------------------------

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        route = match_route(request.path)
        if route is None:
            path = urlsplit(request.path).path
            return connection.respond(
                HTTPStatus.NOT_FOUND,
                f"Not found: {path[:200]}. The local server serves /v1/text-to-speech/{{voice_id}}/"
                "multi-stream-input, /v1/text-to-speech/{voice_id}/stream-input, /v1/speech/stream-input, "
                "/v1/text-to-dialogue/multi-stream-input, "
                f"/tts/websocket and {INWORLD_PATH}.\n",
            )
        if route.dialect is Dialect.MURF:
            check = check_key(self.api_key, murf_handshake_key(request.headers, route.query))
            if check is KeyCheck.MISSING:
                return connection.respond(HTTPStatus.UNAUTHORIZED, MURF_KEY_MISSING)
            if check is KeyCheck.WRONG:
                return connection.respond(HTTPStatus.FORBIDDEN, MURF_KEY_WRONG)
        elif route.dialect is Dialect.CARTESIA:
            return self._check_cartesia(connection, request, route)
        elif route.dialect is Dialect.INWORLD:
            check = check_key(self.api_key, inworld_handshake_key(request.headers, route.query))
            if check is KeyCheck.MISSING:
                return connection.respond(HTTPStatus.UNAUTHORIZED, INWORLD_KEY_MISSING)
            if check is KeyCheck.WRONG:
                return connection.respond(HTTPStatus.FORBIDDEN, INWORLD_KEY_WRONG)
        elif route.dialect is Dialect.ELEVENLABS_DIALOGUE:
            return None  # eleven_v3 lives here: the socket checks the model and its key (dialogue_options)
        elif (refusal := websocket_model_refusal(route.query)) is not None:
            return connection.respond(HTTPStatus.FORBIDDEN, refusal)  # eleven_v3/v4: both routes
        return None

    def _check_cartesia(self, connection: ServerConnection, request: Request, route: Route) -> Response | None:
        check = check_key(self.api_key, cartesia_handshake_key(request.headers, route.query))
        if check is not KeyCheck.OK:
            return connection.respond(
                HTTPStatus.UNAUTHORIZED, CARTESIA_KEY_MISSING if check is KeyCheck.MISSING else CARTESIA_KEY_WRONG
            )
        if (refusal := cartesia_version_refusal(cartesia_version(route.query, request.headers))) is not None:
            return connection.respond(HTTPStatus.BAD_REQUEST, refusal)
        if self._cartesia_sockets >= CARTESIA_SOCKETS_PER_CONTEXT * self.cartesia.concurrency:
            return connection.respond(
                HTTPStatus.TOO_MANY_REQUESTS,
                f"Too many concurrent connections: at most {CARTESIA_SOCKETS_PER_CONTEXT} per context of the "
                "concurrency limit.\n",
            )
        return None

    # ---- one connection ------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        request = ws.request  # the handshake's, set before the handler runs
        route = match_route(request.path) if request is not None else None
        if request is None or route is None:  # process_request refused it already
            return
        self._log.info("%s open: %s %s", ws.id, route.dialect.value, redact_url(request.path))
        options, model = self._model_for(route, request.headers)
        decode, encode = _CODECS[route.dialect]
        if isinstance(options, ErrorFrame):
            await ws.send(encode(options))
            await ws.close(options.code or 1008, close_reason(options.message))
            return
        assert model is not None  # _model_for gives a model with every StreamOptions
        dialogue_route = route.dialect is Dialect.ELEVENLABS_DIALOGUE  # alignment only with sync_alignment, per frame
        encoder = AudioEncoder(
            options.output,
            encode,
            options.sync_alignment if dialogue_route else route.dialect is not Dialect.MURF,
            self.max_frame_ms,
            options.channels,
            dialogue_route or options.sync_alignment,
        )
        faults = self.faults.connection(str(ws.id)[:8], self.clock) if self.faults else None
        runtime = ConnectionRuntime(
            ws, faults.wrap(model) if faults else model, decode, encode, encoder, self._pool, self.clock, faults
        )
        self._open += 1
        cartesia_socket = isinstance(model, CartesiaConnection)
        self._cartesia_sockets += cartesia_socket
        try:
            await runtime.run()
        finally:
            self._open -= 1
            self._cartesia_sockets -= cartesia_socket
            if isinstance(model, CartesiaConnection):
                model.release()  # its contexts no longer count toward the account's limit
            self._memory.connection_ended()
        self._log.info("%s closed after %d frames (%s)", ws.id, runtime.frames_received, ws.close_code)

    def _model_for(self, route: Route, headers: Headers) -> tuple[StreamOptions | ErrorFrame, DialectModel | None]:
        if route.dialect is Dialect.CARTESIA:
            # Each context names its own output_format (its lane's encoder, cartesia_contexts.py);
            # the connection's encoder is never used for audio.
            model = CartesiaConnection(self.clock, account=self.cartesia, max_frame_ms=self.max_frame_ms)
            return StreamOptions(AudioFormat("pcm", 24000)), model
        if route.dialect is Dialect.INWORLD:  # the format is each context's own (inworld_audio.py)
            return StreamOptions(AudioFormat("pcm", 24000)), InworldConnection(
                self.clock, max_frame_ms=self.max_frame_ms
            )
        if route.dialect is Dialect.MURF:
            options = murf_options(route.query)
            if isinstance(options, ErrorFrame):
                return options, None
            return options, MurfConnection(self.clock, inactivity_timeout=options.inactivity_timeout)
        if route.dialect is Dialect.ELEVENLABS_DIALOGUE:
            return self._dialogue_model(route, headers)
        key_check = check_key(self.api_key, elevenlabs_handshake_key(headers, route.query))
        if key_check is KeyCheck.WRONG:
            return ELEVENLABS_KEY_WRONG, None
        options = elevenlabs_options(route.query)
        if isinstance(options, ErrorFrame):
            return options, None
        cls = MultiContextConnection if route.dialect is Dialect.ELEVENLABS else SingleStreamConnection
        return options, cls(
            self.clock,
            inactivity_timeout=options.inactivity_timeout,
            auto_mode=options.auto_mode,
            api_key=self.api_key,
            key_check=key_check,
            flush_done=self.flush_done,
        )

    def _dialogue_model(self, route: Route, headers: Headers) -> tuple[StreamOptions | ErrorFrame, DialectModel | None]:
        key_check = check_key(self.api_key, dialogue_handshake_key(headers, route.query))
        if key_check is KeyCheck.WRONG:
            return ELEVENLABS_KEY_WRONG, None
        options = dialogue_options(route.query)
        if isinstance(options, ErrorFrame):
            return options, None
        model = DialogueConnection(self.clock, model_id=options.model_id, api_key=self.api_key, key_check=key_check)
        return options.stream, model
