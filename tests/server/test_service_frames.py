"""Only the service's own frames and refusals (issue 9, item 4; PROTOCOL.md §5), on loopback."""

from __future__ import annotations

import pytest
from websockets.exceptions import InvalidStatus

from .wire import client, multi_url, single_url

ROUTES = pytest.mark.parametrize("url_of", [multi_url, single_url], ids=["multi", "single"])


@ROUTES
@pytest.mark.parametrize("model", ["eleven_v3", "eleven_v4", "ELEVEN_V3"])
async def test_eleven_v3_and_v4_are_refused_at_the_handshake_with_403_on_both_routes(local_server, url_of, model):
    with pytest.raises(InvalidStatus) as refused:
        async with client(url_of(local_server, model_id=model)):
            pass
    assert refused.value.response.status_code == 403
    body = refused.value.response.body.decode()
    assert model in body and "not available over WebSocket" in body


@ROUTES
@pytest.mark.parametrize("model", ["eleven_flash_v2_5", "eleven_turbo_v2_5", "eleven_multilingual_v2"])
async def test_the_websocket_models_are_served_on_both_routes(local_server, url_of, model):
    async with client(url_of(local_server, model_id=model)) as ws:
        await ws.send({"text": " Hi. ", "flush": True, **({"context_id": "t1"} if url_of is multi_url else {})})
        assert "audio" in await ws.recv()


@ROUTES
@pytest.mark.parametrize("raw", ["{not json", b"\xff\xfe binary"], ids=["text", "binary"])
async def test_malformed_json_gets_the_services_quoted_json_decode_error_on_both_routes(local_server, url_of, raw):
    async with client(url_of(local_server)) as ws:
        await ws.send(raw)
        frames = await ws.rest()
    assert frames == [
        {
            "message": "Could not parse input message as JSON, ensure to send a valid JSON.",
            "error": "input_message_json_decode_fail",
            "code": 1008,
        }
    ]
    assert ws.close_code == 1008
