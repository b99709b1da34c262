"""A recording WebSocket proxy: what a real client sent and what the server answered, frame by frame.

The conformance suite puts one of these between each client and `switchboard serve`, so every
verdict rests on the frames actually exchanged, not on what a client's code claims to do. The
proxy is transparent: the handshake's path, query and key headers go through unchanged, an HTTP
refusal from the server (Murf's 401/403) is answered to the client with the same status and body,
and a close is passed on with its code and reason. With `tls=True` it listens with a self-signed
certificate made by openssl (the ElevenLabs SDK's realtime helper only speaks wss://; see clients/elevenlabs_sdk.py).

Each record is one JSON line: `t` (seconds since the proxy started), `conn` (1, 2, ... in order of
connection), `dir` ("c2s" or "s2c"), `kind` ("open", "text", "binary", "close", "refused"), and for
text frames the parsed JSON with every `audio` string replaced by {"bytes": N, "head": hex of the
first 4 bytes} so a log shows what was sent (an MP3 sync word, a RIFF header, raw PCM) without
megabytes of base64.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.http11 import Response

# Handshake headers the proxy must not copy: websockets writes its own.
_HOP_HEADERS = {
    "host",
    "upgrade",
    "connection",
    "content-length",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "sec-websocket-accept",
    "sec-websocket-protocol",
    "user-agent",
}
_UNSENDABLE_CLOSE_CODES = {1005, 1006, 1015}
HANDSHAKE_TIMEOUT = 10.0


def summarize_audio(value: str) -> dict | str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value[:60]
    return {"bytes": len(raw), "head": raw[:4].hex()}


def summarize_frame(text: str) -> dict:
    """A text frame as a record: its JSON with audio summarized, or the raw text if not JSON."""
    try:
        data = json.loads(text)
    except ValueError:
        return {"raw": text[:500]}
    if isinstance(data, dict):
        if isinstance(data.get("audio"), str) and data["audio"]:
            data["audio"] = summarize_audio(data["audio"])
        return {"json": data}
    return {"json": data}


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, written into `folder` (openssl, as on every Debian)."""
    cert_path, key_path = folder / "proxy-cert.pem", folder / "proxy-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key_path),
            "-out",
            str(cert_path),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert_path, key_path


class RecordingProxy:
    """Listens on 127.0.0.1 (a free port), forwards to `upstream` (ws://host:port), records to `log_path`."""

    def __init__(self, upstream: str, log_path: Path, *, tls: bool = False) -> None:
        self.upstream = upstream.rstrip("/")
        self.log_path = log_path
        self.tls = tls
        self.cert_path: Path | None = None
        self._log = log_path.open("w", encoding="utf-8")
        self._start = time.monotonic()
        self._count = 0
        self._upstreams: dict[int, object] = {}
        self._closed: set[int] = set()
        self._server = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.url = ""

    def record(self, conn: int, direction: str, kind: str, **fields) -> None:
        line = {"t": round(time.monotonic() - self._start, 4), "conn": conn, "dir": direction, "kind": kind}
        line.update(fields)
        self._log.write(json.dumps(line) + "\n")
        self._log.flush()

    async def start(self) -> str:
        context = None
        if self.tls:
            self._tmp = tempfile.TemporaryDirectory(prefix="conformance-tls-")
            self.cert_path, key_path = self_signed_certificate(Path(self._tmp.name))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.cert_path, key_path)
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            ssl=context,
            max_size=None,
            process_request=self._open_upstream,
            compression=None,
        )
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"{'wss' if self.tls else 'ws'}://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            try:
                await asyncio.wait_for(self._server.wait_closed(), 5)
            except TimeoutError:
                pass
        self._log.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    async def _open_upstream(self, connection: ServerConnection, request):
        """Connect to the server before answering the client, so a refusal can be passed on as is."""
        self._count += 1
        conn = self._count
        connection.conformance_id = conn
        headers = [(k, v) for k, v in request.headers.raw_items() if k.lower() not in _HOP_HEADERS]
        self.record(conn, "c2s", "open", path=request.path, headers=sorted({k.lower() for k, _ in headers}))
        try:
            upstream = await asyncio.wait_for(
                connect(
                    self.upstream + request.path,
                    additional_headers=headers,
                    max_size=None,
                    compression=None,
                    open_timeout=HANDSHAKE_TIMEOUT,
                ),
                HANDSHAKE_TIMEOUT + 1,
            )
        except InvalidStatus as refusal:
            answer = refusal.response
            self.record(
                conn, "s2c", "refused", status=answer.status_code, body=answer.body.decode("utf-8", "replace")[:300]
            )
            return Response(
                answer.status_code,
                answer.reason_phrase,
                Headers([("Content-Type", "text/plain; charset=utf-8")]),
                answer.body,
            )
        except (OSError, TimeoutError) as error:
            self.record(conn, "s2c", "refused", status=502, body=f"upstream unreachable: {error}")
            return connection.respond(502, f"upstream unreachable: {error}\n")
        self._upstreams[conn] = upstream
        return None

    async def _handle(self, client: ServerConnection) -> None:
        conn = client.conformance_id
        upstream = self._upstreams.pop(conn)
        await asyncio.gather(self._pump(conn, "c2s", client, upstream), self._pump(conn, "s2c", upstream, client))

    async def _pump(self, conn: int, direction: str, source, sink) -> None:
        try:
            async for message in source:
                if isinstance(message, str):
                    self.record(conn, direction, "text", **summarize_frame(message))
                else:
                    self.record(conn, direction, "binary", bytes=len(message))
                try:
                    await sink.send(message)
                except ConnectionClosed:
                    pass
        except ConnectionClosed:
            pass
        # The source closed (or its transport died). Only the first close of a connection is
        # recorded: it says who closed and with what; the other side's echo is the proxy's doing.
        rcvd = source.protocol.close_rcvd
        code, reason = (rcvd.code, rcvd.reason) if rcvd is not None else (1006, "")
        if conn not in self._closed:
            self._closed.add(conn)
            self.record(conn, direction, "close", code=code, reason=reason)
        if code in _UNSENDABLE_CLOSE_CODES:
            if code == 1006:
                sink.transport.abort()
            else:
                await sink.close()
        else:
            await sink.close(code, reason)


def read_log(path: Path) -> list[dict]:
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                records.append(json.loads(line))
    return records
